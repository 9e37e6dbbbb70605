"""One declarative description per paper table: which reference rows make its rows, what each column holds.

A table's rows are the distinct values of ``row_keys`` among its reference rows, in the order the CSV lists
them (the paper's order). A column fixes the rest of a cell's key (``task``, ``metric`` and ``where``, e.g.
``backbone='vit-b'``). A cell's key is the row key plus the column key; it selects at most one reference
number (the paper value) and the mimbench records with the same key (the reproduced value). A column with
``attr`` instead shows a reference field (pre-train epochs, FLOPs, ...). Adding a table is a few lines here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Args:
        header: printed header.
        task, metric: the evaluation this column shows (metric columns).
        where: further key fields the column fixes, e.g. ``{'backbone': 'vit-b', 'resolution': 224}``.
        attr: show this reference field instead of a metric (e.g. ``'pretrain_epochs'``).
        group: optional header printed above a run of columns (e.g. ``'COCO'``).
    """
    header: str
    task: str | None = None
    metric: str | None = None
    where: dict[str, Any] = field(default_factory=dict)
    attr: str | None = None
    group: str = ''

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
    TableSpec('simmim', '6', 'System-level comparison with ViT-B on ImageNet-1K',
              row_keys=('method',), where={'backbone': 'vit-b'},
              columns=(Column('Input size', attr='resolution'),
                       Column('Fine-tuning top-1', 'in1k', 'top1'),
                       Column('Linear eval top-1', 'in1k', 'linear'))),
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
    TableSpec('simmim', '12', 'Scaling experiments with Swin on COCO and ADE20K',
              row_keys=('backbone',), row_label='backbone', best=None,
              columns=(Column('COCO AP box', 'coco', 'ap_box', where={'method': 'supervised'}, group='Sup.'),
                       Column('ADE20K mIoU', 'ade20k', 'miou', where={'method': 'supervised'}, group='Sup.'),
                       Column('COCO AP box', 'coco', 'ap_box', where={'method': 'simmim'}, group='Ours'),
                       Column('ADE20K mIoU', 'ade20k', 'miou', where={'method': 'simmim'}, group='Ours'))),
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
