"""``mimbench pretrain METHOD --backbone ID``: run a pre-training config of ``configs/pretrain/<METHOD>/``.

The config is found by method, backbone and scale (``--config`` names one explicitly); the run's
checkpoint holds the encoder under ``backbone.``, which ``mimbench evaluate --checkpoint`` loads directly.
A smoke run (``--backbone vit-smoke`` or ``--scale smoke``) is the family's base-size recipe shrunk by
``mimbench.smoke``, written next to the run as ``<work dir>/<recipe>_smoke.py``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

CONFIG_ROOT = Path(__file__).resolve().parent.parent / 'configs' / 'pretrain'
SIZE_NAMES = {'s': 'small', 'b': 'base', 'l': 'large', 'h': 'huge'}


class PretrainError(Exception):
    """A bad input the user can fix; the message lists the valid choices."""


def methods() -> list[str]:
    return sorted(p.name for p in CONFIG_ROOT.iterdir() if p.is_dir() and any(p.glob('*.py')))


def _matches(path: Path, backbone: str) -> bool:
    family, _, size = backbone.partition('-')
    names = {f'{family}-{size}', f'{family}-{SIZE_NAMES.get(size, size)}', f'{family}{size}'}
    tokens = re.split(r'_', path.stem)
    return any(tok == n or tok.startswith(n + '-') for tok in tokens for n in names)


def find_config(method: str, backbone: str, scale: str) -> Path:
    """The pre-training recipe for ``method`` × ``backbone`` at ``scale`` ('smoke' or 'full').

    A smoke backbone id (``vit-smoke``) selects the recipe its smoke run shrinks (:func:`smoke_twin`): the
    family's base-size recipe. At ``scale='smoke'`` the first of several matching recipes is taken (by name
    length: CiM-RESPIX before CiM-REVDET and the VQ-tokenizer variant, MixMIM's 300 before 600 epochs).
    """
    from mimbench.transfer.tasks import BASE_SIZES   # the size whose recipe a family's smoke run shrinks

    if method not in methods():
        raise PretrainError(f'unknown pre-training method {method!r}; valid methods: {", ".join(methods())}')
    family, _, size = backbone.partition('-')
    if size == 'smoke':
        if family not in BASE_SIZES:
            raise PretrainError(
                f'unknown backbone {backbone!r}; smoke backbones: '
                f'{", ".join(f + "-smoke" for f in BASE_SIZES)}'
            )
        scale, backbone = 'smoke', BASE_SIZES[family]
    pool = sorted((CONFIG_ROOT / method).glob('*.py'), key=lambda p: (len(p.stem), p.stem))
    found = [p for p in pool if _matches(p, backbone)]
    if not found:
        have = sorted({tok for p in pool for tok in p.stem.split('_')[1:2]})
        raise PretrainError(
            f'no {scale} {method} config for backbone {backbone!r} under {CONFIG_ROOT / method}; '
            f'backbones with configs: {", ".join(have)} (or pass --config)'
        )
    if len(found) > 1 and scale == 'full':
        raise PretrainError(
            f'several {method} recipes for {backbone}: '
            f'{", ".join(p.name for p in found)}; choose one with --config'
        )
    return found[0]


def smoke_twin(config: Path, work_dir: Path) -> Path:
    """Write the smoke twin of the recipe ``config`` (``mimbench.smoke``) into ``work_dir``; return it."""
    from mimbench.smoke import write_smoke_config

    return write_smoke_config(config, Path(work_dir) / f'{Path(config).stem}_smoke.py')


def data_root_options(data_root) -> dict:
    """Config overrides that make a pre-training config read the images under ``<data_root>/train``."""
    return {
        'train_dataloader.dataset.data_root': str(data_root),
        'train_dataloader.dataset.data_prefix': 'train',
    }


def run_pretrain(
    config: Path,
    work_dir: Path,
    data_root: str | None = None,
    launcher: str = 'none',
    cfg_options: dict | None = None,
    fp32: bool = False,
) -> Path:
    """Train ``config`` (resuming if ``work_dir`` holds a checkpoint); return the final checkpoint path."""
    import mimbench  # noqa: F401
    from mmengine.config import Config

    from mimbench.runner import build_runner

    options = dict(cfg_options or {})
    if data_root:
        options.update(data_root_options(data_root))
    runner = build_runner(
        Config.fromfile(str(config)),
        work_dir=str(work_dir),
        resume=True,
        launcher=launcher,
        cfg_options=options,
        fp32=fp32,
    )
    runner.train()
    last = Path(work_dir) / 'last_checkpoint'
    if not last.exists():
        raise RuntimeError(f'pre-training {config} wrote no checkpoint in {work_dir}')
    return Path(last.read_text().strip())


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console(stderr=True, soft_wrap=True)
    try:
        config = Path(args.config) if args.config else find_config(args.method, args.backbone, args.scale)
    except PretrainError as err:
        console.print(f'[red]mimbench pretrain: {err}[/red]')
        return 2
    from mimbench.train import TrainError, load_config

    options = dict(args.cfg_options)
    if args.data_root:
        options.update(data_root_options(args.data_root))
    smoke = args.scale == 'smoke' or args.backbone.endswith('-smoke')
    work_dir = Path(args.work_dir or Path('work_dirs') / 'pretrain' / (config.stem + '_smoke' * smoke))
    try:
        load_config(str(config), options)  # fail now, with a message, on a bad file or option
        if smoke:   # the recipe's smoke twin (mimbench.smoke), written next to the run
            config = smoke_twin(config, work_dir)
    except (TrainError, ValueError) as err:
        console.print(f'[red]mimbench pretrain: {err}[/red]')
        return 2
    if args.launcher != 'none' or args.dry_run:
        import shlex
        import shutil
        import subprocess

        from mimbench.train import launch_command

        cmd = launch_command(
            config,
            work_dir,
            args.launcher,
            args.gpus,
            args.partition,
            job_name=f'mimbench-pretrain-{args.method}',
            cfg_options=options,
        )
        print(shlex.join(cmd))
        if args.dry_run:
            return 0
        if args.launcher == 'slurm' and shutil.which('srun') is None:
            console.print('[red]mimbench pretrain: --launcher slurm needs `srun` on PATH (run it on a Slurm '
                          'login node), or use --dry-run to print the command[/red]')
            return 2
        return subprocess.run(cmd).returncode
    console.print(f'pre-training {config} -> {work_dir}')
    from mimbench.runner import RunnerSetupError

    try:
        ckpt = run_pretrain(config, work_dir, args.data_root, args.launcher, args.cfg_options, fp32=args.fp32)
    except RunnerSetupError as err:
        console.print(f'[red]mimbench pretrain: {err}[/red]')
        return 2
    console.print(
        f'checkpoint: {ckpt}\nevaluate it: mimbench evaluate --checkpoint {ckpt} --method {args.method}'
    )
    return 0


def register(subparsers) -> None:
    from mimbench.config_options import add_cfg_options_argument
    from mimbench.evaluate import positive_int

    parser = subparsers.add_parser('pretrain', help='pre-train an encoder with SimMIM, MAE, CiM or MixMIM')
    parser.add_argument('method', help='pre-training method (a folder of configs/pretrain/)')
    parser.add_argument(
        '--backbone', default='vit-b', help='backbone id, e.g. vit-b, swin-b, mixmim-b, vit-smoke'
    )
    parser.add_argument('--scale', choices=['smoke', 'full'], default='full',
                        help='smoke: the recipe shrunk to a CPU run of 2 iterations (mimbench.smoke)')
    parser.add_argument('--config', help='a config file, instead of choosing one by method/backbone/scale '
                        '(with --scale smoke: its smoke twin)')
    parser.add_argument('--data-root', help='ImageNet-style root (images under <root>/train)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm'],
        default='none',
        help='pytorch: start torchrun with --gpus processes; slurm: srun with --gpus tasks',
    )
    parser.add_argument('--gpus', type=positive_int, default=1, help='processes (GPUs) for the launcher')
    parser.add_argument('--partition', help='Slurm partition')
    parser.add_argument('--dry-run', action='store_true', help='print the command, run nothing')
    parser.add_argument('--fp32', action='store_true', help='train in fp32 where the recipe uses AMP (CPU)')
    parser.add_argument('--work-dir')
    add_cfg_options_argument(parser)
    parser.set_defaults(func=run)
