"""What a resolved config will effectively train with, as the keys of ``configs/recipes.csv``.

Values are read the way the runner applies them, not as written: the lr at the config's total batch
(``auto_scale_lr`` rescales it only when enabled, from ``base_batch_size`` to the launched batch), the total
batch as per-GPU batch x the GPU count of the file name (``<gpus>xb<batch>``) x gradient accumulation,
step milestones as absolute epochs (mmengine counts ``milestones`` from the scheduler's ``begin``), the
blocks or stages a dense head reads (a ViT adapter's ``out_indices`` selected by the head's ``in_index``).

Keys (lists are tuples; absent features are ``'none'`` or 0)::

    optimizer lr batch epochs|iters warmup_epochs|warmup_iters warmup_start_lr schedule milestones gamma
    min_lr poly_power weight_decay betas momentum clip_grad lars_1d_exempt layer_decay layer_decay_rule
    drop_path window_size block_windows rel_pos_bias abs_pos_embed layer_scale pooling probe_norm
    tuned_blocks resolution test_resize test_crop randaug mixup cutmix label_smoothing random_erasing
    repeated_aug loss lsj_scale seg_scale tta_scales head_reads crop_scale mask_ratio mask_patch_size
    norm_pix decoder_depth decoder_dim num_masked enhancer_loss_weight generator_layers generator_width
    schedule_end (where the last scheduler ends, for the consistency check)
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from mimbench.transfer.layer_decay import layer_decay_rule_of

CONFIG_ROOT = Path(__file__).resolve().parents[2] / 'configs'
VIT_DEPTH = {'s': 12, 'small': 12, 'deit-small': 12, 'deit-s': 12, 'b': 12, 'base': 12, 'deit-base': 12,
             'l': 24, 'large': 24, 'h': 32, 'huge': 32}
HIERARCHICAL = ('SwinTransformer', 'SimMIMSwinTransformer', 'MixMIMTransformer', 'MixMIMMultiScale',
                'MixMIMPretrainEncoder', 'ResNet')


@lru_cache(maxsize=None)
def load_config(path: str):
    """``Config.fromfile(path)``, once per path (callers must not modify it: deep-copy to change it)."""
    from mmengine.config import Config

    import mimbench  # noqa: F401  (registers the types the configs name)
    return Config.fromfile(str(path))


def identity(cfg, path) -> dict:
    """The recipe-table key of a config: recipe, task, backbone, method, protocol (``pretrain`` for both
    task and protocol of a pre-training config), from its ``mimbench`` dict."""
    meta = dict(cfg.get('mimbench') or {})
    pretrain = Path(path).resolve().is_relative_to(CONFIG_ROOT / 'pretrain')
    return dict(recipe=meta.get('recipe'), method=meta.get('method'), backbone=meta.get('backbone'),
                task='pretrain' if pretrain else meta.get('task'),
                protocol='pretrain' if pretrain else meta.get('protocol') or 'finetune')


def gpus_and_batch(path) -> tuple[int, int]:
    """``(gpus, per-GPU batch)`` from a config name's ``<gpus>xb<batch>`` field (OpenMMLab naming)."""
    match = re.search(r'(?:^|[_-])(\d+)xb(\d+)(?:[_-]|$)', Path(path).stem)
    if not match:
        raise ValueError(f'{Path(path).name}: the name has no <gpus>xb<batch> field, so its total batch '
                         'is unknown; name full recipes '
                         '<head>_<backbone>_<method>_<gpus>xb<batch>-<schedule>_<task>.py')
    return int(match.group(1)), int(match.group(2))


def _type(cfg) -> str:
    return str((cfg or {}).get('type', '')).rsplit('.', 1)[-1]


def _find(pipeline, name):
    return next((t for t in pipeline or [] if _type(t) == name), None)


def _num(value):
    if isinstance(value, (list, tuple)):
        return tuple(float(v) for v in value)
    return float(value)


def _vit_depth(vit) -> int:
    arch = vit.get('arch', 'base')
    if isinstance(arch, dict):
        return int(arch['num_layers'])
    return VIT_DEPTH[str(arch).lower()]


def _schedulers(cfg) -> list:
    sched = cfg.get('param_scheduler') or []
    return list(sched) if isinstance(sched, (list, tuple)) else [sched]


def _optimizer_values(cfg, out: dict, total: int) -> None:
    wrapper = cfg.optim_wrapper
    opt = wrapper.optimizer
    out['optimizer'] = _type(opt)
    if out['optimizer'] == 'LARS':
        out['lars_1d_exempt'] = 'yes' if opt.type == 'mimbench.LARS' else 'no'
    scale = cfg.get('auto_scale_lr') or {}
    factor = total / scale['base_batch_size'] if scale.get('enable') else 1.0
    out['lr'] = float(opt.lr) * factor
    out['weight_decay'] = float(opt.get('weight_decay', 0.0))
    if out['optimizer'] in ('AdamW', 'Adam'):
        out['betas'] = _num(opt.get('betas', (0.9, 0.999)))
    if 'momentum' in opt:
        out['momentum'] = float(opt.momentum)
    clip = wrapper.get('clip_grad')
    out['clip_grad'] = float(clip['max_norm']) if clip else 'none'
    if str(wrapper.get('constructor', '')).endswith('LayerDecayOptimWrapperConstructor'):
        out['layer_decay'] = float(wrapper.paramwise_cfg.layer_decay_rate)
        out['layer_decay_rule'] = layer_decay_rule_of(cfg)
    else:
        out['layer_decay'] = 'none'


def _schedule_values(cfg, out: dict) -> None:
    by_epoch_loop = 'max_epochs' in cfg.train_cfg
    unit = 'epochs' if by_epoch_loop else 'iters'
    out[unit] = float(cfg.train_cfg.get(f'max_{unit}'))
    scheds = _schedulers(cfg)
    warm = next((s for s in scheds if _type(s) == 'LinearLR' and s.get('begin', 0) == 0), None)
    main = [s for s in scheds if s is not warm]
    if warm is None:
        out[f'warmup_{unit}'] = 0.0
    else:
        warm_unit = 'epochs' if warm.get('by_epoch', True) else 'iters'
        out[f'warmup_{warm_unit}'] = float(warm['end']) - float(warm.get('begin', 0))
        out['warmup_start_lr'] = float(warm.get('start_factor', 1 / 3)) * out['lr']
    names = {'CosineAnnealingLR': 'cosine', 'MultiStepLR': 'step', 'PolyLR': 'poly', 'StepLR': 'step'}
    out['schedule'] = ' '.join(names.get(_type(s), _type(s)) for s in main) or 'constant'
    for s in main:
        kind = _type(s)
        if kind == 'MultiStepLR':   # mmengine counts milestones from `begin`: absolute = begin + m
            out['milestones'] = _num([float(s.get('begin', 0)) + m for m in s['milestones']])
            out['milestones'] = out['milestones'] if len(s['milestones']) > 1 else out['milestones'][0]
            out['gamma'] = float(s.get('gamma', 0.1))
        elif kind == 'CosineAnnealingLR':
            out['min_lr'] = float(s.get('eta_min') or 0.0)
        elif kind == 'PolyLR':
            out['min_lr'] = float(s.get('eta_min', 0.0))
            out['poly_power'] = float(s.get('power', 1.0))
    in_loop_unit = [s for s in scheds if bool(s.get('by_epoch', True)) == by_epoch_loop]
    if in_loop_unit:   # where the schedule stops, in the loop's unit (a warm-up may count iterations)
        out['schedule_end'] = max(float(s.get('end', float('inf'))) for s in in_loop_unit)


def _backbone_values(cfg, out: dict, protocol: str) -> None:
    model = cfg.model
    backbone = model.get('backbone') or {}
    inner = backbone.get('vit') if _type(backbone) == 'ViTMultiScale' else backbone
    out['drop_path'] = float(inner.get('drop_path_rate', 0.0))
    kind = _type(inner)
    if kind in ('SwinTransformer', 'MixMIMTransformer', 'MixMIMMultiScale', 'MixMIMPretrainEncoder'):
        window = inner.get('window_size', 7)
        out['window_size'] = _num(window)
    if kind == 'SimMIMSwinTransformer':
        # the configured window: stage_cfgs[0] where stages differ (a window larger than a late stage's map
        # is shrunk to the map, as Swin's code does)
        stages = inner.stage_cfgs
        first = stages[0] if isinstance(stages, (list, tuple)) else stages
        out['window_size'] = _num(first.block_cfgs.window_size)
    if backbone.get('block_windows'):
        items = sorted(backbone.block_windows.items(), key=lambda kv: tuple(int(x) for x in kv[0].split('.')))
        out['block_windows'] = ' '.join(f'{k}:{v}' for k, v in items)
    if kind in ('VisionTransformer', 'BEiTViT', 'MAEViT', 'SimMIMViT'):
        if _type(backbone) == 'ViTMultiScale':
            out['rel_pos_bias'] = 'yes' if backbone.get('rel_pos_bias') else 'no'
        elif kind in ('BEiTViT', 'SimMIMViT'):   # SimMIMViT: mmpretrain's BEiTPretrainViT (shared table)
            shared = inner.get('use_shared_rel_pos_bias', kind == 'SimMIMViT')
            per_block = inner.get('use_rel_pos_bias', kind == 'BEiTViT')
            out['rel_pos_bias'] = 'shared' if shared else 'yes' if per_block else 'no'
            out['abs_pos_embed'] = 'yes' if inner.get('use_abs_pos_emb', False) else 'no'
            out['layer_scale'] = float(inner.get('layer_scale_init_value', 0.1))
        if 'frozen_stages' in inner and protocol in ('linear', 'partial'):
            out['tuned_blocks'] = float(_vit_depth(inner) - inner.frozen_stages)


def _classifier_values(cfg, out: dict) -> None:
    model = cfg.model
    backbone, head, neck = model.backbone, model.head, model.get('neck') or {}
    if _type(neck) == 'FeatureBatchNorm':
        out['probe_norm'] = 'batchnorm'
    out_type = backbone.get('out_type')
    out['pooling'] = {'cls_token': 'cls', 'avg_featmap': 'avg'}.get(out_type, 'avg')
    if _type(model) == 'LayerProbeClassifier':   # block probes (mimbench.transfer.layer_probe) pool and norm
        out['pooling'] = model.get('pooling', 'cls')
        out['probe_norm'] = {'bn': 'batchnorm', 'ln': 'layernorm'}.get(model.get('norm', 'bn'), 'none')
    loss = head.get('loss') or {}
    smoothing = _type(loss) == 'LabelSmoothLoss'
    out['label_smoothing'] = float(loss.get('label_smooth_val', 0.0)) if smoothing else 0.0
    out['loss'] = 'bce' if loss.get('use_sigmoid') else 'ce'
    preprocessor = model.get('data_preprocessor') or cfg.get('data_preprocessor') or {}
    augments = ((preprocessor.get('batch_augments') or {}).get('augments')) or []
    out['mixup'] = next((float(a['alpha']) for a in augments if _type(a) == 'Mixup'), 0.0)
    out['cutmix'] = next((float(a['alpha']) for a in augments if _type(a) == 'CutMix'), 0.0)
    train = cfg.train_dataloader
    pipeline = train.dataset.pipeline
    crop = _find(pipeline, 'RandomResizedCrop')
    out['resolution'] = float(crop['scale'])
    rand = _find(pipeline, 'RandAugment')
    out['randaug'] = ((float(rand['magnitude_level']), float(rand.get('magnitude_std', 0.0))) if rand
                      else 'none')
    erase = _find(pipeline, 'RandomErasing')
    out['random_erasing'] = float(erase['erase_prob']) if erase else 0.0
    out['repeated_aug'] = 'yes' if 'RepeatAug' in _type(train.get('sampler')) else 'no'
    test = cfg.val_dataloader.dataset.pipeline
    resize, center = _find(test, 'ResizeEdge'), _find(test, 'CenterCrop')
    if resize:
        out['test_resize'] = float(resize['scale'])
    if center:
        out['test_crop'] = float(center['crop_size'])


def _dense_values(cfg, out: dict, scope: str) -> None:
    model = cfg.model
    backbone = model.backbone
    pipeline = cfg.train_dataloader.dataset.pipeline
    resize = _find(pipeline, 'RandomResize')
    if scope == 'mmdet':
        out['resolution'] = float(max(resize['scale']))
        out['lsj_scale'] = _num(resize['ratio_range'])
    else:
        out['resolution'] = float(max(_find(pipeline, 'RandomCrop')['crop_size']))
        out['seg_scale'] = _num(resize['ratio_range'])
        tta = cfg.get('tta_pipeline') or []
        aug = _find(tta, 'TestTimeAug')
        if aug:
            scales = [t['scale_factor'] for t in aug['transforms'][0] if 'scale_factor' in t]
            out['tta_scales'] = _num(scales)
    kind = _type(backbone)
    if kind == 'ViTMultiScale':
        from mimbench.models.adapters import group_ends
        depth = _vit_depth(backbone.vit)
        outputs = list(backbone.get('out_indices') or group_ends(depth))
        word = 'block'
    elif kind in ('VisionTransformer', 'BEiTViT'):
        depth = _vit_depth(backbone)
        outputs = [i % depth for i in backbone.get('out_indices', (-1,))]
        word = 'block'
    else:
        outputs = list(backbone.get('out_indices', (0, 1, 2, 3)))
        word = 'stage'
    if scope == 'mmseg':
        index = model.decode_head.in_index
        chosen = [outputs[i] for i in (index if isinstance(index, (list, tuple)) else [index])]
    else:   # the FPN neck takes every backbone output
        chosen = outputs
    words = f'{word}s' if len(chosen) > 1 else word
    out['head_reads'] = f'{words} ' + ' '.join(str(i + 1) for i in chosen)


def _pretrain_values(cfg, out: dict) -> None:
    model = cfg.model
    pipeline = cfg.train_dataloader.dataset.pipeline
    crop = _find(pipeline, 'RandomResizedCrop')
    out['resolution'] = float(crop['scale'])
    out['crop_scale'] = _num(crop.get('crop_ratio_range', (0.08, 1.0)))
    masker = _find(pipeline, 'SimMIMMaskGenerator')
    backbone, neck, head = model.get('backbone') or {}, model.get('neck') or {}, model.get('head') or {}
    if masker:
        out['mask_ratio'] = float(masker['mask_ratio'])
        out['mask_patch_size'] = float(masker['mask_patch_size'])
    elif 'mask_ratio' in backbone:
        out['mask_ratio'] = float(backbone.mask_ratio)
    if _type(model) == 'MixMIM':
        out['mask_patch_size'] = float(head.patch_size)
    if 'norm_pix' in head:
        out['norm_pix'] = 'yes' if head.norm_pix else 'no'
    if 'decoder_depth' in neck:
        out['decoder_depth'] = float(neck.decoder_depth)
        out['decoder_dim'] = float(neck.decoder_embed_dim)
    if 'num_masked' in model:
        out['num_masked'] = _num(model.num_masked)
        out['enhancer_loss_weight'] = float(model.enhancer_loss_weight)
        out['generator_layers'] = float(model.generator.num_layers)
        out['generator_width'] = float(model.generator.embed_dims)


def effective_values(cfg, path) -> dict:
    """Every recipe key this resolved config defines, with the value it trains with (see module doc)."""
    who = identity(cfg, path)
    gpus, per_gpu = gpus_and_batch(path)
    if cfg.train_dataloader.batch_size != per_gpu:
        raise ValueError(f'{Path(path).name}: the name says {per_gpu} images per GPU, train_dataloader.'
                         f'batch_size is {cfg.train_dataloader.batch_size}; rename the file or fix the batch')
    total = per_gpu * gpus * int(cfg.optim_wrapper.get('accumulative_counts', 1))
    out: dict = {'batch': float(total)}
    _optimizer_values(cfg, out, total)
    _schedule_values(cfg, out)
    _backbone_values(cfg, out, who['protocol'])
    if who['task'] == 'pretrain':
        _pretrain_values(cfg, out)
    elif cfg.get('default_scope') == 'mmpretrain':
        _classifier_values(cfg, out)
    else:
        _dense_values(cfg, out, cfg.get('default_scope'))
    return out
