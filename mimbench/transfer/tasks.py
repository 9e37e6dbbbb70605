"""The downstream tasks as data: which toolbox runs each, which config per backbone and scale, which metric.

``mimbench evaluate`` derives one config per task from this table (``task_config``); the leaderboards read
``primary_metric``/``higher_is_better``; ``version`` is bumped when a task's protocol changes so that records
of different protocols are not compared.

Configs live under ``configs/transfer/<task>/`` and are named
``<head>_<backbone>_<method>_<gpus>xb<batch>-<schedule>_<task>.py`` (full recipes of the papers) and
``<head>_<family>-smoke_<task>_smoke.py`` (CPU smoke variants: 64 px data, 2 iterations, one evaluation).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mimbench.results import TASKS as RECORD_TASKS

CONFIG_ROOT = Path(__file__).resolve().parents[2] / 'configs' / 'transfer'
FAMILIES = ('vit', 'swin', 'mixmim', 'resnet')
# backbone id -> family (ids as in result records; *-smoke are the shared smoke sizes)
BACKBONES = {
    'vit-s': 'vit', 'vit-b': 'vit', 'vit-l': 'vit', 'vit-h': 'vit', 'vit-smoke': 'vit',
    'swin-b': 'swin', 'swin-l': 'swin', 'swin-smoke': 'swin',
    'mixmim-b': 'mixmim', 'mixmim-l': 'mixmim', 'mixmim-h': 'mixmim', 'mixmim-smoke': 'mixmim',
    'resnet-50': 'resnet', 'resnet-smoke': 'resnet',
}
# 'finetune': end-to-end (every task); 'linear' / 'partial': ImageNet linear probing / partial fine-tuning
# (mae.txt Table 10, Sec. 4.3); 'linear-head' / 'fcn-head(-160k)': CiM's light ADE20K heads (cim.txt Sec. 3.3)
PROTOCOLS = ('finetune', 'linear', 'partial', 'linear-head', 'fcn-head', 'fcn-head-160k')


@dataclass(frozen=True)
class Task:
    """One downstream task.

    ``full`` maps (backbone id, protocol) to the default full paper recipe for that backbone; ``variants``
    maps (backbone id, protocol, method) to another paper's recipe for the same backbone (e.g. CiM's ViT-B
    ImageNet fine-tuning next to MAE's); ``smoke`` maps (family, protocol) to a smoke config. Paths are
    relative to ``configs/transfer``.
    """
    id: str
    scope: str                      # toolbox that runs it: mmdet | mmseg | mmpretrain
    metrics: tuple[str, ...]        # mimbench metric ids the record holds
    primary_metric: str
    papers: str                     # where the protocol comes from
    data_dir: str                   # folder name under a data root holding all tasks (mimbench data make)
    full: dict = field(default_factory=dict)
    smoke: dict = field(default_factory=dict)
    variants: dict = field(default_factory=dict)
    higher_is_better: bool = True
    version: int = 1


def _cls_smoke(task: str) -> dict:
    return {(fam, 'finetune'): f'{task}/finetune_{fam}-smoke_{task}_smoke.py' for fam in FAMILIES}


_CLS_PAPERS = 'mae.txt Table 6/9 and A.5, mixmim.txt Table 5/12, simmim.txt C.1'
TASK_LIST = (
    Task('coco', 'mmdet', ('ap_box', 'ap_mask'), 'ap_box',
         'mae.txt A.3 / Table 4, simmim.txt C.1 / Table 12, mixmim.txt Sec. 8 / Table 4', 'coco',
         full={('vit-b', 'finetune'): 'coco/mask-rcnn_vit-base-p16_mae_8xb4-lsj-100e_coco.py',
               ('vit-l', 'finetune'): 'coco/mask-rcnn_vit-large-p16_mae_8xb4-lsj-100e_coco.py',
               ('swin-b', 'finetune'): 'coco/mask-rcnn_swin-base-w7_simmim_8xb4-lsj-36e_coco.py',
               ('mixmim-b', 'finetune'): 'coco/mask-rcnn_mixmim-base_mixmim_8xb4-lsj-55e_coco.py',
               ('mixmim-l', 'finetune'): 'coco/mask-rcnn_mixmim-large_mixmim_8xb4-lsj-80e_coco.py'},
         smoke={(fam, 'finetune'): f'coco/mask-rcnn_{fam}-smoke_coco_smoke.py' for fam in FAMILIES}),
    Task('ade20k', 'mmseg', ('miou',), 'miou',
         'mae.txt A.4 / Table 5, simmim.txt C.1, mixmim.txt Sec. 8 / Table 4, cim.txt Sec. 3.3 / Table 3',
         'ade20k',
         full={('vit-b', 'finetune'): 'ade20k/upernet_vit-base-p16_mae_8xb2-126k_ade20k.py',
               ('vit-l', 'finetune'): 'ade20k/upernet_vit-large-p16_mae_8xb2-126k_ade20k.py',
               ('swin-b', 'finetune'): 'ade20k/upernet_swin-base-w20_simmim_8xb4-80k_ade20k.py',
               ('mixmim-b', 'finetune'): 'ade20k/upernet_mixmim-base_mixmim_8xb2-16k_ade20k.py',
               ('mixmim-l', 'finetune'): 'ade20k/upernet_mixmim-large_mixmim_8xb2-16k_ade20k.py',
               ('vit-b', 'linear-head'): 'ade20k/linear_vit-base-p16_cim_8xb2-160k_ade20k.py',
               ('resnet-50', 'finetune'): 'ade20k/fcn_resnet-50-d8_cim_8xb2-80k_ade20k.py',
               ('resnet-50', 'fcn-head'): 'ade20k/fcn_resnet-50-d8_cim_8xb2-80k_ade20k.py',
               ('resnet-50', 'fcn-head-160k'): 'ade20k/fcn_resnet-50-d8_cim_8xb2-160k_ade20k.py'},
         smoke={**{(fam, 'finetune'): f'ade20k/upernet_{fam}-smoke_ade20k_smoke.py' for fam in FAMILIES},
                ('vit', 'linear-head'): 'ade20k/linear_vit-smoke_ade20k_smoke.py',
                ('resnet', 'fcn-head'): 'ade20k/fcn_resnet-smoke_ade20k_smoke.py'}),
    Task('in1k', 'mmpretrain', ('top1', 'linear'), 'top1',
         'mae.txt Tables 9-10 and Sec. 4.3, mixmim.txt Table 12, cim.txt Sec. 3.2', 'in1k',
         full={('vit-b', 'finetune'): 'in1k/finetune_vit-base-p16_mae_8xb128-100e_in1k.py',
               ('vit-l', 'finetune'): 'in1k/finetune_vit-large-p16_mae_8xb128-50e_in1k.py',
               ('vit-h', 'finetune'): 'in1k/finetune_vit-huge-p14_mae_8xb128-50e_in1k.py',
               ('mixmim-b', 'finetune'): 'in1k/finetune_mixmim-base_mixmim_8xb128-100e_in1k.py',
               ('swin-b', 'finetune'): 'in1k/finetune_swin-base_simmim_8xb256-100e_in1k.py',
               ('vit-b', 'linear'): 'in1k/linear_vit-base-p16_mae_32xb512-90e_in1k.py',
               ('vit-l', 'partial'): 'in1k/partial-4blocks_vit-large-p16_mae_8xb128-100e_in1k.py',
               ('resnet-50', 'finetune'): 'in1k/finetune_resnet-50_cim_8xb256-100e_in1k.py'},
         variants={('vit-b', 'finetune', 'cim-respix'): 'in1k/finetune_vit-base-p16_cim_8xb128-100e_in1k.py',
                   ('vit-b', 'finetune', 'cim-revdet'): 'in1k/finetune_vit-base-p16_cim_8xb128-100e_in1k.py'},
         smoke={**_cls_smoke('in1k'),
                ('vit', 'linear'): 'in1k/linear_vit-smoke_in1k_smoke.py',
                ('vit', 'partial'): 'in1k/partial_vit-smoke_in1k_smoke.py'}),
    *(Task(f'inat{year}', 'mmpretrain', ('top1',), 'top1', _CLS_PAPERS, f'inat{year}',
           full={('vit-b', 'finetune'): f'inat{year}/finetune_vit-base-p16_mae_8xb128-100e_inat{year}.py',
                 **({('mixmim-b', 'finetune'):
                     f'inat{year}/finetune_mixmim-base_mixmim_8xb128-100e_inat{year}.py'}
                    if year != 2017 else {}),
                 **({('swin-b', 'finetune'): 'inat2018/finetune_swin-base_simmim_8xb256-100e_inat2018.py'}
                    if year == 2018 else {})},
           smoke=_cls_smoke(f'inat{year}')) for year in (2017, 2018, 2019)),
    *(Task(f'places{v}', 'mmpretrain', ('top1',), 'top1', _CLS_PAPERS, f'places{v}',
           full={('vit-b', 'finetune'): f'places{v}/finetune_vit-base-p16_mae_8xb128-100e_places{v}.py',
                 ('mixmim-b', 'finetune'): f'places{v}/finetune_mixmim-base_mixmim_8xb128-100e_places{v}.py'},
           smoke=_cls_smoke(f'places{v}')) for v in (205, 365)),
)
TASKS = {t.id: t for t in TASK_LIST}
if set(TASKS) != set(RECORD_TASKS):  # the record schema and this table must name the same tasks
    raise ImportError(f'task table {sorted(TASKS)} differs from mimbench.results.TASKS '
                      f'{sorted(RECORD_TASKS)}')


def family_of(backbone: str) -> str:
    """Family of a backbone id (``vit-b`` -> ``vit``); a family name is returned unchanged."""
    if backbone in FAMILIES:
        return backbone
    if backbone not in BACKBONES:
        raise ValueError(f'unknown backbone {backbone!r}; expected one of {", ".join(BACKBONES)} '
                         f'or a family ({", ".join(FAMILIES)})')
    return BACKBONES[backbone]


def task_config(task: str, backbone: str, scale: str = 'full', protocol: str = 'finetune',
                method: str | None = None) -> str:
    """Path of the config that transfers ``backbone`` (an id like ``vit-b`` or a family) to ``task``.

    ``scale='smoke'`` gives the family's smoke config; ``scale='full'`` the paper recipe for that backbone.
    ``protocol`` picks ImageNet's linear probing / partial fine-tuning, or ADE20K's CiM light heads
    (``linear-head`` for ViT, ``fcn-head`` for ResNet). ``method`` picks that method's own recipe where a
    paper gives one for the same backbone (``variants``), else the backbone's default recipe.

    Raises:
        ValueError: unknown task/backbone/scale, or no config for that combination (the message lists the ones
            that exist).
    """
    if task not in TASKS:
        raise ValueError(f'unknown task {task!r}; expected one of {", ".join(TASKS)}')
    spec = TASKS[task]
    if scale == 'smoke':
        key, table = (family_of(backbone), protocol), spec.smoke
    elif scale == 'full':
        if backbone in FAMILIES or backbone.endswith('-smoke'):
            sizes = ', '.join(sorted({b for b, _ in spec.full}))
            raise ValueError(f'full-scale recipes are per backbone size; got {backbone!r}. Pass a '
                             f'backbone id such as {sizes} (or scale="smoke")')
        family_of(backbone)
        if method is not None and (backbone, protocol, method) in spec.variants:
            return str(CONFIG_ROOT / spec.variants[(backbone, protocol, method)])
        key, table = (backbone, protocol), spec.full
    else:
        raise ValueError(f"scale must be 'smoke' or 'full', got {scale!r}")
    if key not in table:
        have = ', '.join(f'{b} ({p})' for b, p in sorted(table))
        raise ValueError(f'no {scale} config for task {task} with backbone {backbone} ({protocol}); '
                         f'configs exist for: {have}. Add one under {CONFIG_ROOT / task} (inherit a '
                         'neighbour and change the backbone).')
    return str(CONFIG_ROOT / table[key])


def all_configs(scale: str | None = None) -> list[str]:
    """Every config path in the table (``scale`` 'full' / 'smoke' / None for both), for tests and listing."""
    paths = []
    for spec in TASK_LIST:
        if scale in (None, 'full'):
            paths += [str(CONFIG_ROOT / p) for p in {**spec.full, **spec.variants}.values()]
        if scale in (None, 'smoke'):
            paths += [str(CONFIG_ROOT / p) for p in spec.smoke.values()]
    return paths


def data_root_overrides(task: str, data_root: str) -> list[str]:
    """Config lines pointing ``task``'s dataloaders (and COCO's evaluator) at ``<data_root>/<task dir>``.

    ``data_root`` holds one folder per task, as ``mimbench data make --root DIR`` writes it (``coco/``,
    ``ade20k/``, ``in1k/``, ``inat2018/``...).
    """
    spec = TASKS[task]
    root = str(Path(data_root).resolve() / spec.data_dir) + '/'
    lines = [f'_task_data_root = {root!r}']
    for split in ('train', 'val', 'test'):
        lines.append(f'{split}_dataloader = dict(dataset=dict(data_root=_task_data_root))')
    if spec.scope == 'mmdet':
        for split in ('val', 'test'):
            lines.append(f"{split}_evaluator = dict(ann_file=_task_data_root + "
                         f"'annotations/instances_val2017.json')")
    return lines
