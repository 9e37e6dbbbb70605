"""Build mmengine runners that behave when several run in one process, on CPU, or under a launcher.

Why not just ``Runner.from_cfg``:
- mmengine names the run ``<config>_<timestamp to the second>`` and keys its DefaultScope, MessageHub and
  Visualizer singletons by that name. A second runner started in the same second (the evaluate command
  runs one per task; tests run many) silently reuses the first one's default scope (so registry look-ups
  go to the wrong toolbox) and visualizer. Each runner here gets a unique ``experiment_name``.
- Under torchrun/Slurm on a machine without CUDA the NCCL backend cannot work: use gloo
  (mimbench.compat makes mmengine's launcher itself CPU-safe).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.runner import Runner


class RunnerSetupError(RuntimeError):
    """The config cannot run on this machine as it is; the message says why and what to do."""


def check_device(cfg: Config) -> None:
    """Refuse, with a message, a config that needs a GPU on a machine without CUDA.

    mmengine's ``AmpOptimWrapper`` (the papers' mixed-precision recipes) asserts CUDA deep inside the runner
    ('AmpOptimizerWrapper is only available training on gpu'); say it before anything is built.
    """
    optim = cfg.get('optim_wrapper', None) or {}
    if str(optim.get('type', '')).split('.')[-1] == 'AmpOptimWrapper' and not torch.cuda.is_available():
        raise RunnerSetupError(
            f'{cfg.filename or "this config"} trains with mixed precision (AmpOptimWrapper, dtype '
            f'{optim.get("dtype", "float16")}), which mmengine runs only on a GPU, and this machine has no CUDA '
            'device. Run it on a GPU machine; to try the recipe on CPU anyway (fp32, not the paper\'s '
            'numerics) pass --fp32 to `mimbench train`/`mimbench pretrain`, or use --scale smoke.')


def to_fp32(cfg: Config) -> None:
    """Train in fp32: ``AmpOptimWrapper`` becomes ``OptimWrapper`` (its ``dtype``/``loss_scale`` dropped)."""
    optim = cfg.get('optim_wrapper', None)
    if optim and str(optim.get('type', '')).split('.')[-1] == 'AmpOptimWrapper':
        optim['type'] = 'OptimWrapper'
        for key in ('dtype', 'loss_scale'):
            optim.pop(key, None)
        note = cfg.get('mimbench', None)
        if isinstance(note, dict):
            note['note'] = '; '.join(n for n in (note.get('note') or '', 'fp32 (recipe AMP off)') if n)


def _resume_point(work_dir: str) -> tuple[bool, str | None]:
    """Resume from the newest checkpoint in ``work_dir`` that reads, naming any that is cut short; start over
    when none reads (:mod:`mimbench.checkpoints.resume`)."""
    from mmengine.logging import print_log

    from mimbench.checkpoints.resume import resume_checkpoint

    resume, load_from, messages = resume_checkpoint(work_dir)
    for message in messages:
        print_log(message, logger='current', level=30)
    return resume, load_from


def unique_experiment_name(cfg: Config) -> str:
    stem = Path(cfg.filename).stem if cfg.filename else 'mimbench'
    return f'{stem}_{uuid.uuid4().hex[:8]}'


def build_runner(
    cfg: Config,
    *,
    work_dir: str | None = None,
    resume: bool | str = False,
    launcher: str = 'none',
    cfg_options: dict | None = None,
    fp32: bool = False,
) -> Runner:
    """Return a ready-to-``train()`` runner for ``cfg`` (a copy is modified, never the caller's).

    Args:
        cfg: a loaded config.
        work_dir: overrides ``cfg.work_dir``; default ``work_dirs/<config stem>``.
        resume: True resumes from the last checkpoint in ``work_dir`` if there is one (a truncated one is
            named and skipped for the previous good one); a path resumes from that checkpoint.
        launcher: 'none', 'pytorch' (torchrun) or 'slurm'.
        cfg_options: dotted overrides, as ``--cfg-options`` on the command line.
        fp32: train in fp32 even where the recipe uses mixed precision (:func:`to_fp32`).

    Raises:
        RunnerSetupError: the config needs a GPU and there is none (:func:`check_device`).
    """
    cfg = cfg.copy()
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = str(work_dir)
    elif cfg.get('work_dir') is None:
        cfg.work_dir = str(Path('work_dirs') / Path(cfg.filename or 'mimbench').stem)
    if fp32:
        to_fp32(cfg)
    check_device(cfg)
    cfg.experiment_name = unique_experiment_name(cfg)
    cfg.launcher = launcher
    if launcher != 'none' and not torch.cuda.is_available():
        env = cfg.setdefault('env_cfg', {})
        env.setdefault('dist_cfg', {})['backend'] = 'gloo'
    if isinstance(resume, str):
        cfg.resume, cfg.load_from = True, resume
    elif resume and cfg.get('load_from') is None:
        cfg.resume, cfg.load_from = _resume_point(cfg.work_dir)
    else:
        cfg.resume = bool(resume)
    own_file = _config_in_work_dir(cfg)
    original = own_file.read_text() if own_file is not None else None
    if 'runner_type' in cfg:
        from mmengine.registry import RUNNERS

        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    if original is not None:
        _keep_config_file(own_file, original)
    return runner


def _config_in_work_dir(cfg: Config) -> Path | None:
    """The config's own file when it lives in the run's work dir (every config ``mimbench evaluate`` derives)."""
    if not cfg.filename:
        return None
    path = Path(cfg.filename).resolve()
    return path if path.parent == Path(cfg.work_dir).resolve() and path.is_file() else None


def _keep_config_file(path: Path, original: str) -> None:
    """Undo mmengine's config dump over the file the run was started from, keeping the dump beside it.

    mmengine writes the resolved config to ``<work_dir>/<basename of the config file>`` while building the
    runner; for a config in its own work dir that is the file itself, and the short, readable "re-run by hand"
    config would become a 500-line dump. The dump is moved to ``<stem>.resolved.py`` and the file restored.
    """
    from mmengine.dist import is_main_process

    if not is_main_process() or not path.is_file() or path.read_text() == original:
        return
    mode = path.stat().st_mode
    os.replace(path, path.with_name(f'{path.stem}.resolved.py'))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix='.tmp-', suffix='.py')
    with os.fdopen(fd, 'w') as f:
        f.write(original)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
