"""Intermediate-layer linear probing with the block chosen on held-out training data (simmim.txt Sec. 4.2).

SimMIM reports ViT-B linear probing "following [BEiT] to choose an intermediate layer of ViT-B which
produces the best linear probing accuracy" (simmim.txt Sec. 4.2, Table 6). The papers do not say on which
data the layer was chosen; choosing it on the validation set that then reports the accuracy would be an
optimistic pick, so mimbench chooses on a held-out part of the *training* set and never reads the
validation set before the choice is made:

1. selection: one linear probe per candidate block, trained together on the frozen encoder (one forward
   pass feeds them all) on the training set minus a held-out part (mimbench.datasets.heldout: deterministic,
   class-stratified, ``heldout_per_class`` images per class); each probe's top-1 on the held-out part is
   measured after training and the best block wins (ties: the earlier block). This run has no validation
   or test data at all; it writes ``<work_dir>/block_selection/selection.json``.
2. final: a probe of the chosen block trained on the whole training set and evaluated on the validation
   set, as any linear probe; its record's ``probe`` field carries the protocol (block, pooling, norm, the
   split, the candidates and their held-out scores).

A config asks for this with a top-level ``layer_probe = dict(heldout_per_class=10, salt=...)`` and a
``mimbench.LayerProbeClassifier`` model whose ``blocks`` are the candidates; ``mimbench train`` and
``mimbench evaluate`` (the in1k protocol ``linear-block``) run both phases. Blocks are counted from 1: block
k is the output of the k-th transformer block (mmpretrain ``out_indices`` k-1); the last block's output
passes through the encoder's final norm when the backbone has ``final_norm=True``.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Sequence

import torch
from mmengine.dist import barrier, is_main_process
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpretrain.models import ImageClassifier
from torch import nn

from mimbench.registry import HOOKS, METRICS, MODELS

POOLINGS = ('cls', 'avg', 'cls+avg')
NORMS = ('bn', 'ln', 'none')
SELECTION_DIR = 'block_selection'


@MODELS.register_module()
class LayerProbeClassifier(ImageClassifier):
    """Linear probes of a frozen ViT's blocks (config: ``type='mimbench.LayerProbeClassifier'``).

    Args:
        backbone: an mmpretrain ``VisionTransformer`` config; ``out_type`` and ``out_indices`` are set here.
        head: the linear head config (e.g. ``mmpretrain.LinearClsHead``), one copy per block.
        blocks: the probed blocks (1 = first transformer block). One block: an ordinary classifier. Several:
            one probe each, trained together; predictions carry every probe's scores (``block_scores``).
        pooling: ``'cls'`` (the class token), ``'avg'`` (the mean of the patch tokens) or ``'cls+avg'`` (both,
            concatenated: BEiT's linear probe, microsoft/unilm beit/run_linear_eval.py). The heads'
            ``in_channels`` are set from it.
        norm: before the linear layer, ``'bn'`` (BatchNorm without affine, MAE's linear probe, mae.txt A.1),
            ``'ln'`` (LayerNorm without affine) or ``'none'``.
    """

    def __init__(self, backbone: dict, head: dict, blocks: Sequence[int] = (12,), pooling: str = 'cls',
                 norm: str = 'bn', **kwargs):
        if pooling not in POOLINGS or norm not in NORMS:
            raise ValueError(f'pooling must be one of {POOLINGS} and norm one of {NORMS}; got {pooling!r}, '
                             f'{norm!r}')
        depth = _depth(backbone)
        blocks = [int(b) for b in blocks]
        if not blocks or any(not 1 <= b <= depth for b in blocks) or len(set(blocks)) != len(blocks):
            raise ValueError(f'blocks must be distinct block numbers in 1..{depth} (block k = output of the '
                             f'k-th of {depth} transformer blocks); got {blocks}')
        backbone = dict(backbone, out_type='raw', out_indices=[b - 1 for b in blocks])
        super().__init__(backbone=backbone, head=None, **kwargs)
        self.blocks, self.pooling, self.norm_type = blocks, pooling, norm
        if 'cls' in pooling.split('+') and not self.backbone.num_extra_tokens:
            raise ValueError(f'pooling {pooling!r} needs a class token; the backbone has none (use avg)')
        width = self.backbone.embed_dims * (2 if pooling == 'cls+avg' else 1)
        self.norms = nn.ModuleList(_norm(norm, width) for _ in blocks)
        self.heads = nn.ModuleList(MODELS.build(dict(head, in_channels=width)) for _ in blocks)
        self.backbone.requires_grad_(False)   # frozen encoder: only the norms and linear heads train

    def train(self, mode: bool = True):
        super().train(mode)
        self.backbone.eval()   # frozen: no dropout / drop path, whatever the runner asks
        return self

    def extract_feat(self, inputs: torch.Tensor, stage: str = 'neck') -> tuple[torch.Tensor, ...]:
        """One pooled, normalised feature ``[N, C]`` per probed block, in ``blocks`` order."""
        with torch.no_grad():
            tokens = self.backbone(inputs)
        extra = self.backbone.num_extra_tokens
        pooled = [{'cls': t[:, 0], 'avg': t[:, extra:].mean(dim=1)} for t in tokens]
        pooled = [torch.cat([p[k] for k in self.pooling.split('+')], dim=-1) for p in pooled]
        return tuple(norm(x.float()) for norm, x in zip(self.norms, pooled))

    def loss(self, inputs: torch.Tensor, data_samples) -> dict:
        feats = self.extract_feat(inputs)
        losses = {}
        for block, head, feat in zip(self.blocks, self.heads, feats):
            losses.update({f'block{block}_{k}': v for k, v in head.loss((feat,), data_samples).items()})
        return losses

    def predict(self, inputs: torch.Tensor, data_samples=None, **kwargs):
        feats = self.extract_feat(inputs)
        samples = self.heads[0].predict((feats[0],), data_samples)
        if len(self.blocks) > 1:
            scores = torch.stack([head((f,)).softmax(dim=-1) for head, f in zip(self.heads, feats)], dim=1)
            for sample, score in zip(samples, scores):
                sample.set_field(score, 'block_scores')
                sample.set_metainfo({'probe_blocks': list(self.blocks)})
        return samples


def _depth(backbone: dict) -> int:
    arch = backbone.get('arch', 'base')
    if isinstance(arch, dict):
        return int(arch['num_layers'])
    from mmpretrain.models import VisionTransformer
    if str(arch).lower() not in VisionTransformer.arch_zoo:
        raise ValueError(f'{backbone.get("type")}: unknown ViT arch {arch!r}; the layer probe needs a '
                         'mmpretrain VisionTransformer')
    return int(VisionTransformer.arch_zoo[str(arch).lower()]['num_layers'])


def _norm(kind: str, width: int) -> nn.Module:
    if kind == 'bn':
        return nn.BatchNorm1d(width, affine=False, eps=1e-6)
    if kind == 'ln':
        return nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
    return nn.Identity()


@METRICS.register_module()
class BlockTop1(BaseMetric):
    """Top-1 (percent) of every probe of a multi-block ``LayerProbeClassifier``: keys ``heldout/block<k>``."""

    default_prefix = 'heldout'

    def process(self, data_batch, data_samples) -> None:
        for sample in data_samples:
            label = int(torch.as_tensor(sample['gt_label']).reshape(-1)[0])
            hits = (torch.as_tensor(sample['block_scores']).argmax(dim=-1) == label).tolist()
            self.results.append((tuple(sample['probe_blocks']), hits))

    def compute_metrics(self, results: list) -> dict[str, float]:
        blocks = results[0][0]
        totals = [sum(hits[i] for _, hits in results) for i in range(len(blocks))]
        return {f'block{b}': 100.0 * t / len(results) for b, t in zip(blocks, totals)}


def choose_block(scores: dict[int, float]) -> int:
    """The block with the highest held-out top-1; ties go to the earlier block."""
    return min(scores, key=lambda b: (-scores[b], b))


@HOOKS.register_module()
class LayerProbeSelectionHook(Hook):
    """Keep the held-out scores of the last evaluation; after training choose the block and write
    ``selection.json`` (block, candidates and scores, how the held-out part was split) in the work dir."""

    priority = 'LOW'

    def __init__(self):
        self.scores = {}

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.scores = {int(k.split('block')[-1]): float(v) for k, v in (metrics or {}).items()
                       if k.startswith('heldout/block')}

    def after_train(self, runner) -> None:
        if not self.scores:
            raise RuntimeError('the block selection run ended without a held-out evaluation; set '
                               'train_cfg.val_interval so that the last epoch/iteration is evaluated')
        block = choose_block(self.scores)
        scores = ', '.join(f'{b}: {s:.2f}' for b, s in sorted(self.scores.items()))
        print_log(f'layer probe: block {block} chosen on the held-out split (top-1 per block: {scores})',
                  logger='current')
        if is_main_process():
            split = getattr(runner.val_dataloader.dataset, 'description', '')   # mimbench.HeldOutSplit's
            selection = dict(block=block, scores={str(b): s for b, s in sorted(self.scores.items())},
                             split=split, metric='top1 on the held-out split')
            Path(runner.work_dir, 'selection.json').write_text(json.dumps(selection, indent=1))


def selection_config(cfg, work_dir: Path):
    """The phase-1 config: candidates on train minus held-out, evaluated on held-out; no val/test data."""
    from mmengine.config import ConfigDict

    from mimbench.datasets.heldout import SALT

    options = cfg.layer_probe
    split = dict(per_class=int(options.get('heldout_per_class', 10)), salt=options.get('salt', SALT))
    sel = copy.deepcopy(cfg)
    train_set = cfg.train_dataloader.dataset.to_dict()
    # the held-out images are training images, read with the evaluation pipeline
    heldout_set = dict(train_set, pipeline=cfg.val_dataloader.dataset.pipeline)
    sel.train_dataloader.dataset = ConfigDict(type='mimbench.HeldOutSplit', dataset=train_set, part='train',
                                              **split)
    sel.val_dataloader = ConfigDict(cfg.val_dataloader.to_dict(), dataset=dict(
        type='mimbench.HeldOutSplit', dataset=heldout_set, part='heldout', **split))
    sel.val_evaluator = ConfigDict(type='mimbench.BlockTop1')
    sel.val_cfg = cfg.get('val_cfg') or dict()
    for key in ('test_dataloader', 'test_evaluator', 'test_cfg'):
        sel[key] = None
    sel.custom_hooks = [h for h in cfg.get('custom_hooks', []) if h['type'] != 'mimbench.ResultRecordHook']
    sel.custom_hooks.append(dict(type='mimbench.LayerProbeSelectionHook'))
    sel.work_dir = str(work_dir)
    return sel


def probe_protocol(cfg, block: int, selection: dict | None = None) -> dict:
    """The record's ``probe`` field: the probed block, pooling and norm, and how the block was chosen."""
    return dict(block=int(block), pooling=cfg.model.get('pooling', 'cls'), norm=cfg.model.get('norm', 'bn'),
                selection=selection)


def run_layer_probe(cfg, work_dir=None, resume: bool | str = False, launcher: str = 'none',
                    fp32: bool = False) -> None:
    """Phase 1 (unless ``selection.json`` exists), then phase 2 with the chosen block (module docstring).

    Without ``layer_probe`` in the config the model must probe one given block, which is trained and
    recorded as is (``selection`` None in the record's ``probe``).
    """
    from mimbench.runner import build_runner

    if not cfg.get('layer_probe'):
        if len(cfg.model.blocks) != 1:
            raise ValueError(f'{cfg.filename}: the model probes blocks {list(cfg.model.blocks)} and the '
                             'config has no layer_probe to choose among them; set '
                             'layer_probe=dict(heldout_per_class=10) or model.blocks to one block')
        fixed = copy.deepcopy(cfg)
        fixed.merge_from_dict({'mimbench.probe': probe_protocol(cfg, cfg.model.blocks[0])})
        build_runner(fixed, work_dir=work_dir, resume=resume, launcher=launcher, fp32=fp32).train()
        return
    work = Path(work_dir or cfg.get('work_dir') or Path('work_dirs') / Path(cfg.filename or 'probe').stem)
    selection_file = work / SELECTION_DIR / 'selection.json'
    candidates = list(cfg.model.blocks)
    if not selection_file.is_file():
        selection = selection_config(cfg, work / SELECTION_DIR)
        build_runner(selection, work_dir=str(work / SELECTION_DIR), resume=bool(resume), launcher=launcher,
                     fp32=fp32).train()
        barrier()   # rank 0 writes selection.json
    chosen = json.loads(selection_file.read_text())   # mimbench's own file, read as data
    if sorted(int(b) for b in chosen['scores']) != sorted(candidates):
        raise ValueError(f'{selection_file} scores blocks {sorted(chosen["scores"])}, but the config probes '
                         f'{candidates}; delete {work / SELECTION_DIR} to choose again')
    final = copy.deepcopy(cfg)
    final.model.blocks = [int(chosen['block'])]
    selection = dict(split=chosen['split'], metric=chosen['metric'], candidates=chosen['scores'])
    final.merge_from_dict({'mimbench.probe': probe_protocol(cfg, chosen['block'], selection)})
    build_runner(final, work_dir=str(work), resume=resume, launcher=launcher, fp32=fp32).train()
