"""The ids a leaderboard cell is keyed by, and how each is printed.

Tasks and metrics are the record schema's (mimbench.results). Methods and backbones are the ones the four
papers compare (mae.txt Tables 3-7 and 12, simmim.txt Tables 6-12, mixmim.txt Tables 2-10, cim.txt
Tables 1-8) plus mimbench's smoke sizes. Conventions:

- ``random``: the encoder starts from random weights. On ``in1k`` this is the papers' "scratch" or
  "supervised" baseline (supervised training from scratch, e.g. mae.txt Table 3 "scratch, our impl.").
- ``supervised``: initialised from ImageNet-1K supervised pre-training, then transferred (mae.txt Table 4).
- ``prev-best``: a system-level previous best result quoted by a paper (mae.txt Table 6), backbone ``other``.
"""
from __future__ import annotations

from mimbench.results import METRICS, PAPERS, TASKS

METHODS = {
    'mae': 'MAE', 'simmim': 'SimMIM', 'cim-respix': 'CiM-RESPIX', 'cim-revdet': 'CiM-REVDet',
    'mixmim': 'MixMIM', 'beit': 'BEiT', 'moco-v3': 'MoCo v3', 'moco-v2': 'MoCo v2', 'dino': 'DINO',
    'supervised': 'supervised', 'random': 'scratch', 'vit-mpp': 'ViT (masked patch prediction)',
    'cae': 'CAE', 'maskfeat': 'MaskFeat', 'data2vec': 'data2vec', 'peco': 'PeCo', 'simsiam': 'SimSiam',
    'simclr': 'SimCLR', 'byol': 'BYOL', 'swav': 'SwAV', 'igpt': 'iGPT', 'prev-best': 'previous best',
}
BACKBONES = {
    'vit-s': 'ViT-S', 'vit-b': 'ViT-B', 'vit-l': 'ViT-L', 'vit-h': 'ViT-H',
    'swin-b': 'Swin-B', 'swin-l': 'Swin-L', 'swinv2-h': 'SwinV2-H', 'swinv2-g': 'SwinV2-G',
    'mixmim-b': 'MixMIM-B', 'mixmim-l': 'MixMIM-L', 'mixmim-h': 'MixMIM-H', 'pvt-l': 'PVT-L',
    'resnet-50': 'ResNet-50', 'igpt-l': 'iGPT-L', 'igpt-xl': 'iGPT-XL', 'other': 'other',
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

assert set(TASK_NAMES) == set(TASKS) and set(METRIC_NAMES) == set(METRICS)
__all__ = ['PAPERS', 'TASKS', 'METRICS', 'METHODS', 'BACKBONES', 'TASK_NAMES', 'METRIC_NAMES', 'check_id']


def check_id(kind: str, value: str, allowed) -> str | None:
    """Return a problem sentence when ``value`` is not an allowed ``kind`` id, else None."""
    if value in allowed:
        return None
    return f'unknown {kind} {value!r}; expected one of {", ".join(sorted(allowed))}'
