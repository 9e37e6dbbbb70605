"""The ids a leaderboard cell is keyed by, and how each is printed.

Tasks and metrics are the record schema's (mimbench.results). Methods and backbones are the ones the four
papers compare (mae.txt Tables 3-7 and 12, simmim.txt Tables 6-12, mixmim.txt Tables 2-10, cim.txt
Tables 1-8) plus mimbench's smoke sizes. Conventions:

- ``random``: the encoder starts from random weights. On ``in1k`` this is the papers' "scratch" or
  "supervised" baseline (supervised training from scratch, e.g. mae.txt Table 3 "scratch, our impl.").
- ``supervised``: initialised from ImageNet-1K supervised pre-training, then transferred (mae.txt Table 4).
- ``prev-best``: a system-level previous best result quoted by a paper (mae.txt Table 6), backbone ``other``.

Cost columns. A few results tables print what a pre-training run costs rather than what it scores: wall-clock
hours and speed-ups (mae.txt Table 2), training FLOPs relative to a baseline (mae.txt Table 1c) and training
cost relative to a baseline (simmim.txt Tables 2 and 6). The reference CSVs keep them as rows of the
pseudo-task ``pretrain`` (the pre-training run itself) with the metrics of ``COST_METRICS``; their values
are in the unit the metric names (hours, or a ratio printed with ×), not in percent. They exist only in the
reference: result records keep run costs in their ``cost`` field, not as metrics, so a cost cell shows the
paper's number and no Δ (wall-clock hours on 128 TPU-v3 cores are not comparable to another machine's).
"""
from __future__ import annotations

from mimbench.results import METRICS, PAPERS, TASKS

METHODS = {
    'mae': 'MAE', 'simmim': 'SimMIM', 'cim-respix': 'CiM-RESPIX', 'cim-revdet': 'CiM-REVDet',
    'mixmim': 'MixMIM', 'beit': 'BEiT', 'moco-v3': 'MoCo v3', 'moco-v2': 'MoCo v2', 'dino': 'DINO',
    'supervised': 'supervised', 'random': 'scratch', 'vit-mpp': 'ViT (masked patch prediction)',
    'cae': 'CAE', 'maskfeat': 'MaskFeat', 'data2vec': 'data2vec', 'peco': 'PeCo', 'simsiam': 'SimSiam',
    'simclr': 'SimCLR', 'byol': 'BYOL', 'swav': 'SwAV', 'igpt': 'iGPT', 'prev-best': 'previous best',
    'bit-s': 'BiT-S', 'bit-m': 'BiT-M',     # Big Transfer, supervised on IN-1K / IN-21K (mixmim.txt Table 13)
}
BACKBONES = {
    'vit-s': 'ViT-S', 'vit-b': 'ViT-B', 'vit-l': 'ViT-L', 'vit-h': 'ViT-H',
    'swin-b': 'Swin-B', 'swin-l': 'Swin-L', 'swinv2-h': 'SwinV2-H', 'swinv2-g': 'SwinV2-G',
    'mixmim-b': 'MixMIM-B', 'mixmim-l': 'MixMIM-L', 'mixmim-h': 'MixMIM-H', 'pvt-l': 'PVT-L',
    'resnet-50': 'ResNet-50', 'resnet-50x3': 'ResNet-50x3', 'resnet-101x3': 'ResNet-101x3',
    'igpt-l': 'iGPT-L', 'igpt-xl': 'iGPT-XL', 'other': 'other',
    'vit-smoke': 'ViT-smoke', 'swin-smoke': 'Swin-smoke', 'mixmim-smoke': 'MixMIM-smoke',
    'resnet-smoke': 'ResNet-smoke',
}
TASK_NAMES = {
    'in1k': 'ImageNet-1K', 'coco': 'COCO', 'ade20k': 'ADE20K', 'inat2017': 'iNat 2017',
    'inat2018': 'iNat 2018', 'inat2019': 'iNat 2019', 'places205': 'Places205', 'places365': 'Places365',
    'imagenet-c': 'ImageNet-C', 'imagenet-a': 'ImageNet-A', 'imagenet-r': 'ImageNet-R',
    'imagenet-sketch': 'ImageNet-Sketch',
}
METRIC_NAMES = {'top1': 'top-1', 'ap_box': 'AP box', 'ap_mask': 'AP mask', 'miou': 'mIoU',
                'linear': 'linear top-1', 'mce': 'mCE ↓'}   # ↓: lower is better (results.LOWER_IS_BETTER)

# reference-only cost columns (see the module docstring): metric id -> (printed name, unit, lower is better)
COST_TASK = 'pretrain'
COST_METRICS = {'hours': ('wall-clock hours', 'h', True), 'speedup': ('speed-up', '×', False),
                'flops_x': ('training FLOPs', '×', True), 'cost_x': ('training cost', '×', True)}

assert set(TASK_NAMES) == set(TASKS) and set(METRIC_NAMES) == set(METRICS)
__all__ = ['PAPERS', 'TASKS', 'METRICS', 'METHODS', 'BACKBONES', 'TASK_NAMES', 'METRIC_NAMES', 'COST_TASK',
           'COST_METRICS', 'check_id', 'task_name', 'metric_name']


def task_name(task: str) -> str:
    """Printed name of a task id, the cost pseudo-task included."""
    return 'pre-training' if task == COST_TASK else TASK_NAMES.get(task, task)


def metric_name(metric: str) -> str:
    """Printed name of a metric id, cost metrics included (with their unit)."""
    if metric in COST_METRICS:
        name, unit, _ = COST_METRICS[metric]
        return f'{name} ({unit})'
    return METRIC_NAMES.get(metric, metric)


def check_id(kind: str, value: str, allowed) -> str | None:
    """Return a problem sentence when ``value`` is not an allowed ``kind`` id, else None."""
    if value in allowed:
        return None
    return f'unknown {kind} {value!r}; expected one of {", ".join(sorted(allowed))}'
