"""One declarative description per paper table: which reference rows make its rows, what each column holds.

A table's rows are the distinct values of ``row_keys`` among its reference rows, in the order the CSV lists
them (the paper's order). A column fixes the rest of a cell's key (``task``, ``metric`` and ``where``, e.g.
``backbone='vit-b'``). A cell's key is the row key plus the column key; it selects at most one reference
number (the paper value) and the mimbench records with the same key (the reproduced value). A column with
``attr`` instead shows a reference field (pre-train epochs, FLOPs, ...). Adding a table is a few lines here.

Grid tables (simmim.txt Tables 1 and 13: masking strategy x masked patch size, bins x prediction resolution)
print one ablation setting per cell. Their rows are keyed by the printed row ``label`` and each column names,
per row label, the rest of its cell's key (``by_row``, e.g. the cell's ``variant``); records join by that key
without the label.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mimbench.leaderboard.ids import COST_TASK


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Args:
        header: printed header.
        task, metric: the evaluation this column shows (metric columns).
        where: further key fields the column fixes, e.g. ``{'backbone': 'vit-b', 'resolution': 224}``.
        attr: show this reference field instead of a metric (e.g. ``'pretrain_epochs'``).
        group: optional header printed above a run of columns (e.g. ``'COCO'``).
        by_row: grid tables only: row label -> further key fields of that row's cell in this column (e.g.
            ``{'random, 0.4': {'variant': 'mask-random-p16-r0.4'}}``); a row it does not name has no cell
            in this column.
    """
    header: str
    task: str | None = None
    metric: str | None = None
    where: dict[str, Any] = field(default_factory=dict)
    attr: str | None = None
    group: str = ''
    by_row: dict[str, dict[str, Any]] | None = None

    @property
    def is_metric(self) -> bool:
        return self.attr is None

    def key(self) -> dict[str, Any]:
        # a metric column without a metric takes it from the row key (mae.txt Table 13: mCE and top-1 rows)
        key = {'metric': self.metric} if self.is_metric and self.metric else {}
        if self.task:
            key['task'] = self.task
        return {**key, **self.where}


@dataclass(frozen=True)
class TableSpec:
    """A paper table: where it is, how its rows are keyed and what its columns hold.

    Args:
        paper, table: ids as in the reference CSV (``table`` is the printed table number).
        title: the caption, shortened.
        row_keys: reference fields that identify a row.
        columns: the columns, in printed order.
        row_label: field printed as the row name (``'label'``: as the paper prints it).
        best: how the paper marks the best value (``'bold'``, ``'underline'``) or None.
        best_axis: ``'column'`` or ``'row'`` (mae.txt Table 6 compares along rows).
        extra_rows: append a row for reproduced runs whose key the paper table lacks.
        row_header: header of the row-name column (default: Method, Dataset or Backbone).
        where: key fields every cell of the table shares (e.g. ``{'backbone': 'vit-b'}``).
        mean_column: header of a mean over the metric columns (mixmim.txt Table 5 "Average"): the
            reproduced side is computed, the paper side is ``mean_printed`` (row key -> printed value),
            since a printed average is rounded from unrounded numbers.
    """
    paper: str
    table: str
    title: str
    row_keys: tuple[str, ...]
    columns: tuple[Column, ...]
    row_label: str = 'label'
    best: str | None = 'bold'
    best_axis: str | None = 'column'
    extra_rows: bool = True
    where: dict[str, Any] = field(default_factory=dict)
    mean_column: str | None = None
    mean_printed: dict[tuple, float] = field(default_factory=dict)
    row_header: str | None = None

    def __post_init__(self) -> None:
        if any(c.by_row is not None for c in self.columns) and self.row_keys != ('label',):
            raise ValueError(f'{self.source}: columns with by_row need rows keyed by label')
        if 'label' in self.row_keys and self.extra_rows:
            raise ValueError(f'{self.source}: rows keyed by label take no extra rows (records have no label)')

    @property
    def name(self) -> str:
        return f'{self.paper}_table{self.table}'

    @property
    def source(self) -> str:
        return f'{self.paper}.txt Table {self.table}'

    @property
    def tasks(self) -> set[str]:
        """Tasks named by the columns (tables keyed by task per row, mae.txt Table 6, name none)."""
        return {c.task for c in self.columns if c.task}


def _mae_ablation(table: str, title: str, header: str, *extra: Column) -> TableSpec:
    """mae.txt Table 1 (a-f): ViT-L/16 pre-trained 800 epochs; fine-tuning (ft) and linear probing (lin)
    top-1. The paper marks its defaults in gray, not the best values."""
    return TableSpec('mae', table, f'{title} (ViT-L/16, 800 ep)', row_keys=('variant',), row_header=header,
                     best=None, extra_rows=False,
                     where={'method': 'mae', 'backbone': 'vit-l', 'pretrain_epochs': 800},
                     columns=(Column('ft', 'in1k', 'top1'), Column('lin', 'in1k', 'linear')) + extra)


def _grid_columns(grid: dict[str, dict[Any, str | None]], header, group: str) -> tuple[Column, ...]:
    """IN1K top-1 columns of a grid table: ``grid`` maps a row label to {column value: the cell's variant}."""
    values = sorted({v for cells in grid.values() for v in cells})
    return tuple(Column(header(v), 'in1k', 'top1', group=group,
                        by_row={label: {'variant': cells[v]} for label, cells in grid.items() if v in cells})
                 for v in values)


# simmim.txt Table 1: row = masking strategy and ratio, column = masked patch size (px at 192 px input)
_RANDOM_PATCHES = {'0.1': (32, 64), '0.2': (32, 64), '0.4': (4, 8, 16, 32), '0.6': (4, 8, 16, 32),
                   '0.8': (4, 8, 16, 32)}
_SIMMIM_MASK_GRID = {
    **{f'square, {r} ({k}×{k})': {32: f'mask-square-p32-{k}x{k}'} for r, k in (('0.11', 2), ('0.25', 3),
                                                                                ('0.44', 4))},
    **{f'block-wise, {r}': {p: f'mask-block-p{p}-r{r}' for p in (16, 32)} for r in ('0.4', '0.6', '0.8')},
    **{f'random, {r}': {p: None if (p, r) == (32, '0.6') else f'mask-random-p{p}-r{r}'   # the default
                        for p in _RANDOM_PATCHES.get(r, (32,))}
       for r in ('0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9')},
}
# simmim.txt Table 13 (= simmim-supplementary.txt Table 6): row = prediction resolution, column = bins
_SIMMIM_BIN_GRID = {f'{r}²': {b: f'{b}-bin-res{r}' for b in (2, 4, 8, 16, 32, 256)} for r in (6, 48, 192)}
# simmim.txt Sec. 4.1.1: the ablations pre-train Swin-B for 100 epochs (192 px) and fine-tune on IN1K
_SIMMIM_ABLATION = {'method': 'simmim', 'backbone': 'swin-b', 'pretrain_epochs': 100}


def _simmim_ablation(table: str, title: str, header: str, *columns: Column, **spec) -> TableSpec:
    return TableSpec('simmim', table, f'{title} (Swin-B, 100 ep)', row_keys=('variant',), row_header=header,
                     extra_rows=False, where=_SIMMIM_ABLATION, best=None,
                     columns=columns or (Column('Top-1', 'in1k', 'top1'),), **spec)


def _by_backbone(task: str, metric: str, backbones: dict[str, str], group: str = '',
                 **where) -> tuple[Column, ...]:
    return tuple(Column(header, task, metric, where={'backbone': b, **where}, group=group)
                 for header, b in backbones.items())


_ATTR_EPOCHS = Column('PT epochs', attr='pretrain_epochs')
_ATTR_BACKBONE = Column('Backbone', attr='backbone')
_VIT_BLH = {'ViT-B': 'vit-b', 'ViT-L': 'vit-l'}
_METHODS_BL = ('method',)
# simmim.txt Tables 10-11: the ablations evaluated on the downstream tasks of Appendix C
_SIMMIM_C_COLUMNS = (Column('ImageNet top-1', 'in1k', 'top1'), Column('iNat-2018 top-1', 'inat2018', 'top1'),
                     Column('COCO AP box', 'coco', 'ap_box'), Column('ADE20K mIoU', 'ade20k', 'miou'))
# mixmim.txt Sec. 5: ablations pre-train MixMIM-B for 300 epochs and report IN1K top-1 and ADE20K mIoU
_MIXMIM_ABLATION = dict(row_keys=('variant',), extra_rows=False,
                        where={'method': 'mixmim', 'backbone': 'mixmim-b', 'pretrain_epochs': 300},
                        columns=(Column('Top-1', 'in1k', 'top1'), Column('mIoU', 'ade20k', 'miou')))

SPECS: tuple[TableSpec, ...] = (
    # ---------------------------------------------------------------- MAE (He et al.)
    _mae_ablation('1a', 'Ablation: decoder depth', 'Blocks'),
    _mae_ablation('1b', 'Ablation: decoder width', 'Dim'),
    _mae_ablation('1c', 'Ablation: mask token', 'Case', Column('FLOPs (×)', COST_TASK, 'flops_x')),
    _mae_ablation('1d', 'Ablation: reconstruction target', 'Case'),
    _mae_ablation('1e', 'Ablation: data augmentation', 'Case'),
    _mae_ablation('1f', 'Ablation: mask sampling (ratio, %)', 'Case'),
    # mae.txt Table 2: 128 TPU-v3 cores, decoder width 512, mask ratio 75%; speed-up vs. the encoder w/ [M]
    TableSpec('mae', '2', 'Wall-clock time of MAE pre-training (800 epochs, 128 TPU-v3 cores)',
              row_header='Encoder, decoder depth', row_keys=('backbone', 'variant'), best=None,
              extra_rows=False,
              where={'method': 'mae', 'pretrain_epochs': 800},
              columns=(Column('ft acc', 'in1k', 'top1'), Column('hours', COST_TASK, 'hours'),
                       Column('speedup (×)', COST_TASK, 'speedup'))),
    TableSpec('mae', '3', 'Comparisons with previous results on ImageNet-1K (fine-tuning top-1, %)',
              row_keys=_METHODS_BL, best='underline',  # mae.txt Table 3 caption: best is underlined
              columns=(Column('ViT-B', 'in1k', 'top1', where={'backbone': 'vit-b'}),
                       Column('ViT-L', 'in1k', 'top1', where={'backbone': 'vit-l'}),
                       Column('ViT-H', 'in1k', 'top1', where={'backbone': 'vit-h', 'resolution': 224}),
                       Column('ViT-H448', 'in1k', 'top1', where={'backbone': 'vit-h', 'resolution': 448}))),
    TableSpec('mae', '4', 'COCO object detection and segmentation, ViT Mask R-CNN',
              row_keys=_METHODS_BL,
              columns=_by_backbone('coco', 'ap_box', _VIT_BLH, 'AP box')
              + _by_backbone('coco', 'ap_mask', _VIT_BLH, 'AP mask')),
    TableSpec('mae', '5', 'ADE20K semantic segmentation (mIoU), UperNet',
              row_keys=_METHODS_BL, columns=_by_backbone('ade20k', 'miou', _VIT_BLH)),
    TableSpec('mae', '6', 'Transfer to classification datasets (top-1, %), MAE pre-trained on IN1K',
              row_keys=('task',), row_label='task', best_axis='row', extra_rows=False,
              columns=tuple(Column(h, metric='top1', where={'method': 'mae', 'backbone': b, 'resolution': r})
                            for h, b, r in (('ViT-B', 'vit-b', 224), ('ViT-L', 'vit-l', 224),
                                            ('ViT-H', 'vit-h', 224), ('ViT-H448', 'vit-h', 448)))
              + (Column('prev best', metric='top1', where={'method': 'prev-best'}),)),
    TableSpec('mae', '7', 'Pixels vs. tokens as the MAE reconstruction target', row_header='Target',
              row_keys=('variant',), where={'method': 'mae'}, extra_rows=False,
              columns=_by_backbone('in1k', 'top1', {'ViT-B': 'vit-b', 'ViT-L': 'vit-l', 'ViT-H': 'vit-h'},
                                   'IN1K', resolution=224)
              + _by_backbone('coco', 'ap_box', _VIT_BLH, 'COCO')
              + _by_backbone('ade20k', 'miou', _VIT_BLH, 'ADE20K')),
    TableSpec('mae', '12', 'Linear probing of masked encoding methods (IN1K top-1, %)',
              row_keys=('method', 'backbone'),
              columns=(Column('Model', attr='backbone'), Column('Params (M)', attr='params_m'),
                       Column('Linear top-1', 'in1k', 'linear'))),
    # ---------------------------------------------------------------- SimMIM (Xie et al.)
    TableSpec('simmim', '1', 'Ablation: masking strategy, masked patch size and ratio (Swin-B, 100 ep)',
              row_keys=('label',), row_header='Mask type, ratio', extra_rows=False, where=_SIMMIM_ABLATION,
              best=None,
              columns=_grid_columns(_SIMMIM_MASK_GRID, str, 'Masked patch size')),
    _simmim_ablation('2', 'Ablation: prediction head', 'Head',
                     Column('#params (M)', attr='params_m'),
                     Column('Training costs (×)', COST_TASK, 'cost_x'),
                     Column('Top-1', 'in1k', 'top1')),
    _simmim_ablation('3', 'Ablation: prediction resolution', 'Image size (ratio of inputs)'),
    _simmim_ablation('4', 'Ablation: area of the prediction loss', 'Scope to predict'),
    _simmim_ablation('5', 'Ablation: prediction target', 'Loss (pred. resolution)'),
    TableSpec('simmim', '6', 'System-level comparison with ViT-B on ImageNet-1K',
              row_keys=('method',), where={'backbone': 'vit-b'},
              columns=(Column('Input size', attr='resolution'),
                       Column('Fine-tuning top-1', 'in1k', 'top1'),
                       Column('Linear eval top-1', 'in1k', 'linear'),
                       Column('Pre-training costs (×)', COST_TASK, 'cost_x'))),
    TableSpec('simmim', '7', 'Scaling experiments with Swin Transformer on ImageNet-1K',
              row_keys=('method', 'backbone', 'resolution'),
              columns=(_ATTR_BACKBONE, Column('Fine-tune size', attr='resolution'),
                       Column('Top-1', 'in1k', 'top1'), Column('#params (M)', attr='params_m'))),
    TableSpec('simmim', '10', 'Prediction-head ablation on iNat-2018, COCO and ADE20K (Swin-B, 100 ep)',
              row_header='Head',
              row_keys=('method', 'variant'), where={'backbone': 'swin-b', 'pretrain_epochs': 100},
              extra_rows=False,
              columns=_SIMMIM_C_COLUMNS),
    TableSpec('simmim', '11', 'Prediction-target ablation on iNat-2018, COCO and ADE20K (Swin-B, 100 ep)',
              row_header='Loss (pred. resolution)',
              row_keys=('method', 'variant'), where={'backbone': 'swin-b', 'pretrain_epochs': 100},
              extra_rows=False,
              columns=_SIMMIM_C_COLUMNS),
    # simmim.txt App. B: cosine vs. step pre-training lr schedule, 100 and 300 epochs
    TableSpec('simmim', '9', 'Pre-training learning-rate scheduler (Swin-B)', row_header='lr scheduler',
              row_keys=('variant',), where={'method': 'simmim', 'backbone': 'swin-b'}, extra_rows=False,
              best=None,
              columns=tuple(Column(f'{e} epochs', 'in1k', 'top1', where={'pretrain_epochs': e})
                            for e in (100, 300))),
    TableSpec('simmim', '12', 'Scaling experiments with Swin on COCO and ADE20K',
              row_keys=('backbone',), row_label='backbone', best=None,
              columns=(Column('COCO AP box', 'coco', 'ap_box', where={'method': 'supervised'}, group='Sup.'),
                       Column('ADE20K mIoU', 'ade20k', 'miou', where={'method': 'supervised'}, group='Sup.'),
                       Column('COCO AP box', 'coco', 'ap_box', where={'method': 'simmim'}, group='Ours'),
                       Column('ADE20K mIoU', 'ade20k', 'miou', where={'method': 'simmim'}, group='Ours'))),
    TableSpec('simmim', '13', 'Channel-wise bin colour discretisation as the target (Swin-B, 100 ep)',
              row_keys=('label',), row_header='Pred. resolution', extra_rows=False, where=_SIMMIM_ABLATION,
              best=None,
              columns=_grid_columns(_SIMMIM_BIN_GRID, str, 'Bin num.')),
    # ---------------------------------------------------------------- MixMIM (Liu et al.)
    TableSpec('mixmim', '2', 'Comparison with MIM methods, base-level models, ImageNet-1K fine-tuning',
              row_keys=('method', 'backbone', 'pretrain_epochs'),
              columns=(_ATTR_BACKBONE, Column('FLOPs (G)', attr='flops_g'),
                       Column('Param. (M)', attr='params_m'),
                       Column('Supervision', attr='target'), _ATTR_EPOCHS, Column('Top-1', 'in1k', 'top1'))),
    TableSpec('mixmim', '3', 'Comparison with MIM methods using the same encoder, ImageNet-1K fine-tuning',
              row_keys=('method', 'backbone', 'pretrain_epochs', 'finetune_epochs'),
              columns=(_ATTR_BACKBONE, _ATTR_EPOCHS, Column('FT epochs', attr='finetune_epochs'),
                       Column('Top-1', 'in1k', 'top1'))),
    TableSpec('mixmim', '4', 'Comparison on COCO (Mask R-CNN) and ADE20K (UperNet)',
              row_keys=('method', 'backbone', 'pretrain_epochs'),
              columns=(_ATTR_BACKBONE, _ATTR_EPOCHS,
                       Column('FLOPs (G)', 'coco', attr='flops_g', group='COCO'),
                       Column('Params. (M)', 'coco', attr='params_m', group='COCO'),
                       Column('AP box', 'coco', 'ap_box', group='COCO'),
                       Column('AP mask', 'coco', 'ap_mask', group='COCO'),
                       Column('FLOPs (G)', 'ade20k', attr='flops_g', group='ADE20K'),
                       Column('Params. (M)', 'ade20k', attr='params_m', group='ADE20K'),
                       Column('mIoU', 'ade20k', 'miou', group='ADE20K'))),
    TableSpec('mixmim', '5', 'Comparison on classification tasks (top-1, %)',
              row_keys=('method', 'backbone'), mean_column='Average',
              # mixmim.txt Table 5 printed averages (MAE ViT-L: the four columns average 72.175)
              mean_printed={('mae', 'vit-b'): 69.4, ('mixmim', 'mixmim-b'): 71.8, ('mae', 'vit-l'): 72.1,
                            ('mixmim', 'mixmim-l'): 73.4},
              columns=(_ATTR_BACKBONE, Column('FLOPs (G)', attr='flops_g'),
                       Column('Params. (M)', attr='params_m'),
                       Column('iNat2018', 'inat2018', 'top1'), Column('iNat2019', 'inat2019', 'top1'),
                       Column('Places205', 'places205', 'top1'), Column('Places365', 'places365', 'top1'))),
    TableSpec('mixmim', '6', 'Ablation: filling content (MixMIM-B, 300 ep)', row_header='Type',
              **_MIXMIM_ABLATION),
    TableSpec('mixmim', '7', 'Ablation: dual reconstruction (MixMIM-B, 300 ep)', row_header='Dual',
              **_MIXMIM_ABLATION),
    TableSpec('mixmim', '8', 'Ablation: masking strategy (MixMIM-B, 300 ep)', row_header='Type (ratio)',
              **_MIXMIM_ABLATION),
    TableSpec('mixmim', '9', 'Ablation: pre-training epochs (MixMIM-B)', row_header='# Epochs',
              row_keys=('pretrain_epochs',), where={'method': 'mixmim', 'backbone': 'mixmim-b'},
              columns=(Column('Top-1', 'in1k', 'top1'), Column('mIoU', 'ade20k', 'miou'))),
    TableSpec('mixmim', '10', 'Ablation: reducing the difficulty of the pretext task (MixMIM-B, IN1K top-1)',
              row_header='Approach',
              row_keys=('variant',), where={'method': 'mixmim', 'backbone': 'mixmim-b'}, extra_rows=False,
              columns=(Column('FLOPs (G)', attr='flops_g'), Column('Params. (M)', attr='params_m'))
              + tuple(Column(f'{e} ep', 'in1k', 'top1', where={'pretrain_epochs': e})
                      for e in (300, 600, 900))),
    TableSpec('mixmim', '13', 'Results on ConvNets (ImageNet-1K top-1)', row_keys=('method', 'backbone'),
              extra_rows=False, best=None,
              columns=(_ATTR_BACKBONE, Column('Input size', attr='resolution'),
                       Column('Pretrain data', attr='pretrain_data'), Column('Top-1', 'in1k', 'top1'))),
    # ---------------------------------------------------------------- CiM (Fang et al.)
    TableSpec('cim', '1', 'ImageNet-1K fine-tuning of vanilla ViT-S/16 and ViT-B/16',
              row_keys=('method', 'backbone', 'pretrain_epochs', 'variant'),
              columns=(_ATTR_BACKBONE, _ATTR_EPOCHS, Column('Top-1', 'in1k', 'top1'))),
    TableSpec('cim', '2', 'ImageNet-1K fine-tuning of vanilla ResNet-50',
              row_keys=('method', 'pretrain_epochs', 'finetune_epochs', 'variant'),
              where={'backbone': 'resnet-50'},
              columns=(Column('FT epochs', attr='finetune_epochs'), _ATTR_EPOCHS,
                       Column('Top-1', 'in1k', 'top1'))),
    TableSpec('cim', '3a', 'ADE20K mIoU, ViT-B/16 encoder with a linear decoder (160k iterations)',
              row_keys=('method', 'backbone', 'pretrain_epochs', 'variant'), extra_rows=False,
              columns=(_ATTR_EPOCHS, Column('mIoU', 'ade20k', 'miou'))),
    TableSpec('cim', '3b', 'ADE20K mIoU, ResNet-50 encoder with an FCN decoder',
              row_keys=('method', 'backbone', 'pretrain_epochs', 'variant'), extra_rows=False,
              columns=(Column('Schedule', attr='variant'), _ATTR_EPOCHS, Column('mIoU', 'ade20k', 'miou'))),
)


def _cim_ablation(table: str, title: str, header: str, **where) -> TableSpec:
    """cim.txt Sec. 3.4: ablations use the 300-epoch CiM-RESPIX ViT-B, fine-tuned 100 epochs on IN1K."""
    where = where or {'method': 'cim-respix', 'backbone': 'vit-b', 'pretrain_epochs': 300}
    return TableSpec('cim', table, title, row_keys=('variant',), row_header=header, extra_rows=False,
                     where=where,
                     columns=(Column('Top-1', 'in1k', 'top1'),))


SPECS += (
    _cim_ablation('4', 'Ablation: masking strategy and ratio', 'Masking'),
    _cim_ablation('5', 'Ablation: depth of the small BEiT and weight sharing', 'Generator'),
    _cim_ablation('6', 'Ablation: RESPIX reconstruction target', 'RESPIX target'),
    _cim_ablation('7', 'Ablation: sampling strategy for visual tokens (× = diverged)', 'Sampling'),
    _cim_ablation('8', 'Ablation: image corrupting strategy for ResNet-50 (× = diverged)', 'Corruption',
                  method='cim-revdet', backbone='resnet-50', pretrain_epochs=300),
)


# ---------------------------------------------------------------- MAE Table 13: robustness (issue 14 item 1)
# One row per ImageNet variant, keyed by (task, metric): IN-C reports mCE (lower is better), the others top-1.
_MAE_ROBUSTNESS = tuple(Column(h, where={'method': 'mae', 'backbone': b, 'resolution': r}, group='MAE')
                        for h, b, r in (('ViT-B', 'vit-b', 224), ('ViT-L', 'vit-l', 224),
                                        ('ViT-H', 'vit-h', 224), ('ViT-H448', 'vit-h', 448)))
SPECS += (
    TableSpec('mae', '13', 'Robustness on ImageNet variants, no specialised fine-tuning (top-1, %; '
              'IN-Corruption: mCE, lower is better)', row_keys=('task', 'metric'), row_header='Dataset',
              best=None, best_axis='row', extra_rows=False,   # the paper marks no best; mimbench runs per row
              columns=_MAE_ROBUSTNESS + (Column('prev best', where={'method': 'prev-best'}),)
              + tuple(Column(h, where={'method': 'random', 'backbone': b, 'resolution': 224},
                             group='supervised (our impl.)')
                      for h, b in (('ViT-B', 'vit-b'), ('ViT-L', 'vit-l'), ('ViT-H', 'vit-h')))),
)


def get_specs(papers=None, tasks=None) -> list[TableSpec]:
    """The specs of the given papers whose columns show any of the given tasks (None: all)."""
    specs = [s for s in SPECS if not papers or s.paper in papers]
    if tasks:
        specs = [s for s in specs if s.tasks & set(tasks) or (not s.tasks and 'task' in s.row_keys)]
    return specs


# The numbered tables of the four papers that the leaderboards do not rebuild, each with the reason, so the
# index accounts for every numbered table (issue 14). Settings tables are the recipes under configs/; the
# simmim-supplementary.txt Tables 1-6 repeat simmim.txt Tables 8-13.
OTHER_TABLES: dict[tuple[str, str], str] = {
    ('mae', '8'): 'settings: pre-training (the recipes of configs/pretrain/mae/)',
    ('mae', '9'): 'settings: end-to-end fine-tuning (configs/transfer/)',
    ('mae', '10'): 'settings: linear probing (configs/transfer/in1k/linear_*)',
    ('mae', '11'): 'settings: supervised ViT-L/H from scratch (the "scratch" rows of MAE Table 3)',
    ('simmim', '8'): 'settings: architecture specifications (= simmim-supplementary.txt Table 1)',
    ('mixmim', '1'): 'qualitative: key differences between MixMIM and related works (✓/✗, no numbers)',
    ('mixmim', '11'): 'settings: pre-training (configs/pretrain/mixmim/)',
    ('mixmim', '12'): 'settings: fine-tuning on ImageNet-1K (configs/transfer/in1k/)',
    ('cim', '9'): 'settings: pre-training (configs/pretrain/cim/)',
    ('cim', '10'): 'settings: fine-tuning ViT-S/B on ImageNet-1K (configs/transfer/in1k/)',
    ('cim', '11'): 'settings: fine-tuning ResNet-50 on ImageNet-1K (configs/transfer/in1k/)',
}
# the last numbered table of each paper (mae.txt, simmim.txt main text, mixmim.txt, cim.txt)
LAST_TABLE = {'mae': 13, 'simmim': 13, 'mixmim': 13, 'cim': 11}


def catalogue() -> list[tuple[str, str, list[TableSpec], str]]:
    """Every numbered table, in order: ``(paper, number, its specs (sub-tables a, b, ...), other status)``.

    A table with specs is rebuilt by the leaderboards; one without names its reason (``OTHER_TABLES``), or
    ``'missing'`` when it has neither (the coverage test fails on that).
    """
    out = []
    for paper, last in LAST_TABLE.items():
        for number in range(1, last + 1):
            table = str(number)
            specs = [s for s in SPECS if s.paper == paper and s.table.rstrip('abcdef') == table]
            out.append((paper, table, specs, '' if specs else OTHER_TABLES.get((paper, table), 'missing')))
    return out
