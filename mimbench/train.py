"""``mimbench train CONFIG``: train (and evaluate) one config, as OpenMMLab's tools/train.py does.

Also the entry point of distributed runs: ``torchrun --nproc_per_node N -m mimbench.train CONFIG
--launcher pytorch`` and, under Slurm, ``srun ... python -m mimbench.train CONFIG --launcher slurm``
(mmengine's launchers; mimbench.compat makes the ``pytorch`` one work on CPU with gloo).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mmengine.config import Config

from mimbench.config_options import add_cfg_options_argument


def launch_command(
    config,
    work_dir,
    launcher: str = 'none',
    gpus: int = 1,
    partition: str | None = None,
    job_name: str = 'mimbench',
    cfg_options: dict | None = None,
) -> list[str]:
    """The command that trains ``config`` (resuming from ``work_dir``) under ``launcher``.

    'none': one local process; 'pytorch': torchrun with ``gpus`` processes on this node; 'slurm': srun with
    ``gpus`` tasks (mmengine reads the rank from Slurm's variables). Both use mmengine's launchers.
    """
    train = ['-m', 'mimbench.train', str(config), '--work-dir', str(work_dir), '--resume']
    if cfg_options:
        train += ['--cfg-options', *(f'{k}={v}' for k, v in cfg_options.items())]
    if launcher == 'pytorch':
        return [
            sys.executable,
            '-m',
            'torch.distributed.run',
            '--standalone',
            f'--nproc_per_node={gpus}',
            *train,
            '--launcher',
            'pytorch',
        ]
    if launcher == 'slurm':
        part = [f'--partition={partition}'] if partition else []
        return [
            'srun',
            *part,
            f'--job-name={job_name}',
            f'--gres=gpu:{gpus}',
            f'--ntasks={gpus}',
            f'--ntasks-per-node={gpus}',
            '--kill-on-bad-exit=1',
            sys.executable,
            '-u',
            *train,
            '--launcher',
            'slurm',
        ]
    return [sys.executable, *train]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('config', help='config file (an OpenMMLab Python config)')
    parser.add_argument('--work-dir', help='where logs, checkpoints and the result record go')
    parser.add_argument(
        '--resume',
        nargs='?',
        const=True,
        default=False,
        metavar='CHECKPOINT',
        help='resume from CHECKPOINT, or from the last checkpoint in the work dir if none is given',
    )
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'], default='none')
    add_cfg_options_argument(parser)
    parser.add_argument('--seed', type=int, help='random seed of the run (randomness.seed; recorded)')
    parser.add_argument('--fp32', action='store_true',
                        help="train in fp32 where the recipe uses AMP (e.g. a full recipe on CPU; not the "
                             "paper's numerics, noted in the record)")
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0, help=argparse.SUPPRESS)


class TrainError(Exception):
    """A bad input the user can fix; the message says what was expected, what was found and what to do."""


def load_config(path: str, cfg_options: dict | None = None) -> Config:
    """Read a training config file, checking first that it is one and that ``cfg_options`` fit it."""
    from pathlib import Path

    from mimbench.config_options import CfgOptionsError, check_cfg_options

    file = Path(path)
    if not file.exists():
        raise TrainError(f'config {path!r} does not exist; expected an OpenMMLab Python config file, e.g. '
                         'configs/transfer/coco/mask-rcnn_vit-base-p16_mae_8xb8-lsj-100e_coco.py')
    if not file.is_file() or file.suffix != '.py':
        what = 'a directory' if file.is_dir() else f'a {file.suffix or "suffix-less"} file'
        raise TrainError(f'config {path!r} is {what}; expected an OpenMMLab Python config file (.py)'
                         + (f'; configs in it: {", ".join(sorted(p.name for p in file.glob("*.py"))[:8])}'
                            if file.is_dir() else ''))
    try:
        cfg = Config.fromfile(str(file))
    except Exception as err:  # noqa: BLE001 - a broken config is the user's to fix: say where
        raise TrainError(f'config {path} could not be read: {type(err).__name__}: {err}') from err
    try:
        check_cfg_options(cfg, cfg_options or {}, source=str(file))
    except CfgOptionsError as err:
        raise TrainError(str(err)) from err
    return cfg


def run_config(cfg: Config, work_dir=None, resume: bool | str = False, launcher: str = 'none',
               cfg_options: dict | None = None, fp32: bool = False) -> None:
    """Run ``cfg`` as it asks: train and evaluate; or, for a config with ``test_only = True`` (robustness,
    mae.txt Appendix C), only test the trained model that ``load_from`` names; or, for a config with
    ``layer_probe``, choose the probed block on held-out training data, then probe it; a probe of one given
    block is recorded with its protocol too (mimbench.transfer.layer_probe).

    A test-only run loads that checkpoint strictly (a classifier that does not fit the config fails instead
    of testing half-random weights) and resumes nothing. ``fp32``: see ``mimbench.runner.to_fp32``.

    Raises:
        TrainError: a test-only config without the checkpoint to test.
        RunnerSetupError: the config needs a GPU and there is none.
    """
    from mimbench.runner import build_runner

    cfg = cfg.copy()
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if cfg.get('layer_probe') or cfg.get('model', {}).get('type') == 'mimbench.LayerProbeClassifier':
        from mimbench.transfer.layer_probe import run_layer_probe
        run_layer_probe(cfg, work_dir=work_dir, resume=resume, launcher=launcher, fp32=fp32)
        return
    if not cfg.get('test_only'):
        build_runner(cfg, work_dir=work_dir, resume=resume, launcher=launcher, fp32=fp32).train()
        return
    checkpoint = cfg.get('load_from')
    if not checkpoint or not Path(checkpoint).is_file():
        raise TrainError(
            f'{cfg.filename} only tests a trained model, and load_from is {checkpoint!r}: expected the '
            'checkpoint of the fine-tuned classifier (e.g. --cfg-options '
            'load_from=work_dirs/in1k/epoch_100.pth; `mimbench evaluate` sets it to its in1k run\'s final '
            'checkpoint, so run in1k first)')
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper', 'param_scheduler', 'val_dataloader',
                'val_cfg', 'val_evaluator'):   # inherited from the training config; a test never builds them
        cfg[key] = None
    runner = build_runner(cfg, work_dir=work_dir, resume=False, launcher=launcher)
    runner.load_checkpoint(checkpoint, strict=True)
    runner.test()


def run(args: argparse.Namespace) -> int:
    import mimbench  # noqa: F401  (compat fixes, registrations)
    from mimbench.runner import RunnerSetupError

    if args.launcher != 'none':
        _report_fatal_signals()
    options = dict(args.cfg_options)
    if getattr(args, 'seed', None) is not None:
        options['randomness.seed'] = args.seed
    try:
        cfg = load_config(args.config, options)
        run_config(cfg, work_dir=args.work_dir, resume=args.resume, launcher=args.launcher,
                   cfg_options=options, fp32=getattr(args, 'fp32', False))
    except (TrainError, RunnerSetupError) as err:
        print(f'mimbench train: {err}', file=sys.stderr)
        return 2
    _shutdown_distributed()
    return 0


def _report_fatal_signals() -> None:
    """On SIGABRT/SIGSEGV print every thread's Python stack to stderr (``faulthandler``).

    A rank killed by a C++ abort (e.g. gloo's 'terminate called without an active exception', seen rarely on
    CPU under load) otherwise leaves only torchrun's 'Signal 6' in the log, with nothing saying where it was.
    """
    import faulthandler
    if not faulthandler.is_enabled():
        faulthandler.enable(all_threads=True)


def _shutdown_distributed() -> None:
    """Leave the process group together before exiting.

    mmengine never destroys it; a rank that reaches interpreter exit while gloo's threads still serve the
    other rank can abort ('terminate called without an active exception'), failing a finished run.
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        'train', help='train and evaluate one config (like OpenMMLab tools/train.py)'
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m mimbench.train', description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == '__main__':
    sys.exit(main())
