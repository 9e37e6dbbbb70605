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

import uuid
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.runner import Runner


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
) -> Runner:
    """Return a ready-to-``train()`` runner for ``cfg`` (a copy is modified, never the caller's).

    Args:
        cfg: a loaded config.
        work_dir: overrides ``cfg.work_dir``; default ``work_dirs/<config stem>``.
        resume: True resumes from the last checkpoint in ``work_dir`` if there is one; a path resumes
            from that checkpoint.
        launcher: 'none', 'pytorch' (torchrun) or 'slurm'.
        cfg_options: dotted overrides, as ``--cfg-options`` on the command line.
    """
    cfg = cfg.copy()
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = str(work_dir)
    elif cfg.get('work_dir') is None:
        cfg.work_dir = str(Path('work_dirs') / Path(cfg.filename or 'mimbench').stem)
    cfg.experiment_name = unique_experiment_name(cfg)
    cfg.launcher = launcher
    if launcher != 'none' and not torch.cuda.is_available():
        env = cfg.setdefault('env_cfg', {})
        env.setdefault('dist_cfg', {})['backend'] = 'gloo'
    if isinstance(resume, str):
        cfg.resume, cfg.load_from = True, resume
    else:
        cfg.resume = bool(resume)
    if 'runner_type' in cfg:
        from mmengine.registry import RUNNERS

        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
