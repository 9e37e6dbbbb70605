"""Point a dataset config (``configs/_base_/datasets/*``, full or smoke) at another dataset root.

mmengine resolves ``data_root`` when a config file is read, so overriding the variable alone changes
nothing: every dataloader's ``dataset.data_root`` (and, for COCO, the evaluators' ``ann_file``) must be set.
``data_root_options`` lists exactly those keys, for ``--cfg-options`` or ``Config.merge_from_dict``.
"""
from __future__ import annotations

from pathlib import Path

from mimbench.datasets.robustness import ROBUSTNESS_TASKS
from mimbench.datasets.synthetic import TASKS

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
COCO_VAL_ANN = 'annotations/instances_val2017.json'


def data_root_options(task: str, root) -> dict[str, str]:
    """``{dotted config key: value}`` that make a ``task`` dataset config read ``root``.

    Example: ``data_root_options('coco', '/data/coco')`` ->
    ``{'train_dataloader.dataset.data_root': '/data/coco/', ..., 'val_evaluator.ann_file':
    '/data/coco/annotations/instances_val2017.json', ...}``.
    """
    if task not in TASKS:
        raise ValueError(f'unknown task {task!r}; expected one of {", ".join(TASKS)}')
    root = str(Path(root)).rstrip('/') + '/'
    loaders = ('test_dataloader',) if task in ROBUSTNESS_TASKS else LOADERS   # test sets only
    options = {f'{loader}.dataset.data_root': root for loader in loaders}
    if task == 'coco':
        options.update({f'{e}.ann_file': root + COCO_VAL_ANN for e in ('val_evaluator', 'test_evaluator')})
    return options


def cfg_options_text(task: str, root) -> str:
    """The same as a ``--cfg-options`` argument string (``key=value`` pairs separated by spaces)."""
    return ' '.join(f'{k}={v}' for k, v in data_root_options(task, root).items())


def apply_data_root(cfg, task: str, root):
    """Merge ``data_root_options(task, root)`` into an mmengine ``Config`` in place; returns ``cfg``."""
    cfg.merge_from_dict(data_root_options(task, root))
    return cfg
