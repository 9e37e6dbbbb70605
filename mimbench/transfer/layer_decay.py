"""Layer-wise learning-rate decay for fine-tuning, one constructor for mmdet, mmseg and mmpretrain configs.

Every paper fine-tunes with layer-wise lr decay (mae.txt A.1 Table 9 and A.3/A.4; simmim.txt Sec. 4.1 and
C.1; mixmim.txt Sec. 8; cim.txt Sec. 3.1 / Appendix A.2, "following BEiT"): a parameter of layer ``i``
learns at ``lr * rate ** (top - i)``. The papers' repositories number the layers differently, and the
difference is part of each recipe, so each rule is implemented and recorded in the result record:

========  ===========================================  ===============================  ==========
rule      source                                       patch merging (Swin / MixMIM)     head, final
                                                                                         norm, neck
========  ===========================================  ===============================  ==========
mae       MAE util/lr_decay.py; ViTDet's rule is        with the stage's last block       rate^0 = 1
          the same (non-backbone params scale 1)
beit      BEiT optim_factory.py (CiM follows BEiT)      with the stage's last block       1
simmim    SimMIM optimizer.py (get_vit_layer /          with the stage's last block       1
          get_swin_layer)
mixmim    MixMIM util/lr_decay.py                       with the next stage's first       rate^1
                                                        block
========  ===========================================  ===============================  ==========

Layer ids with ``B`` encoder blocks (ViT blocks, Swin/MixMIM blocks over all stages, ResNet residual
blocks): the stem (patch embedding, cls token, position embedding, mask token; ResNet ``conv1``/``bn1``)
is 0, block ``k`` (counted over stages) is ``k + 1``, everything else (final norms, adapters, necks,
heads) is ``B + 1``, or ``B`` under ``mixmim``; the scale is always ``rate ** (B + 1 - id)``. A ViT
block's relative position bias held by an adapter next to the ViT (``ViTMultiScale.rel_pos_bias.i``, mae.txt
A.4) takes block i's id, as it would inside the block in BEiT's code.
SimMIM's code gives Swin's ``absolute_pos_embed`` the head's id (its rule only names ``mask_token`` and
``patch_embed``); that is kept under ``simmim``.

Default rule: ``paramwise_cfg.method``'s paper (``DEFAULT_RULE_BY_METHOD``), else the family's
(``DEFAULT_RULE_BY_FAMILY``). No weight decay, as in all four repositories: 1-D parameters (norms,
biases, layer scales), position embeddings, cls/mask tokens and relative position bias tables.

Known traps avoided: mmseg's ``LayerDecayOptimizerConstructor`` picks ids by the backbone's *class name*
(ConvNeXt/BEiT/MAE only) and compares ``'pos_embed'``/``'cls_token'`` with prefixed names
(``backbone.pos_embed``), so they get weight decay; mmdet's ViTDet constructor lives in ``projects/`` and
is not installed; mmpretrain's ResNet ``get_layer_depth`` only knows ResNet-50 and deeper. Here the
encoder is found by type wherever it sits in the model (``backbone.``, ``backbone.vit.``...) and names are
matched relative to it.

Config::

    optim_wrapper = dict(
        type='AmpOptimWrapper', optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
        constructor='mimbench.LayerDecayOptimWrapperConstructor',
        paramwise_cfg=dict(layer_decay_rate=0.65, rule='mae'))  # or method='mae' / rule omitted
"""
from __future__ import annotations

import inspect
import re
from typing import Any

from mmengine.optim import DefaultOptimWrapperConstructor
from mmengine.registry import OPTIM_WRAPPERS, OPTIMIZERS
from torch import nn

from mimbench.checkpoints.load import find_encoder
from mimbench.registry import OPTIM_WRAPPER_CONSTRUCTORS

RULES = ('mae', 'beit', 'simmim', 'mixmim')
DEFAULT_RULE_BY_METHOD = {'mae': 'mae', 'simmim': 'simmim', 'mixmim': 'mixmim',
                          'cim-respix': 'beit', 'cim-revdet': 'beit'}
DEFAULT_RULE_BY_FAMILY = {'vit': 'mae', 'swin': 'simmim', 'mixmim': 'mixmim', 'resnet': 'mae'}
NO_DECAY_NAMES = ('pos_embed', 'absolute_pos_embed', 'cls_token', 'mask_token', 'dist_token')
_FAMILY_BY_TYPE = {'VisionTransformer': 'vit', 'SwinTransformer': 'swin', 'MixMIMTransformer': 'mixmim',
                   'ResNet': 'resnet', 'MixMIMMultiScale': 'mixmim', 'BEiTViT': 'vit'}


def resolve_rule(family: str, rule: str | None = None, method: str | None = None) -> str:
    """The rule to use: explicit ``rule``, else ``method``'s paper, else the family's default."""
    if rule not in (None, 'auto'):
        if rule not in RULES:
            raise ValueError(f'unknown layer-decay rule {rule!r}; expected one of {", ".join(RULES)} or auto')
        return rule
    if method is not None:
        if method not in DEFAULT_RULE_BY_METHOD:
            raise ValueError(f'no layer-decay rule known for method {method!r}; expected one of '
                             f'{", ".join(DEFAULT_RULE_BY_METHOD)}, or set rule= explicitly')
        return DEFAULT_RULE_BY_METHOD[method]
    return DEFAULT_RULE_BY_FAMILY[family]


def encoder_blocks(encoder: nn.Module, family: str) -> list[int]:
    """Blocks per stage: ``[L]`` for a ViT, the stage depths for Swin/MixMIM/ResNet."""
    if family == 'vit':
        return [len(encoder.layers)]
    if family in ('swin', 'mixmim'):
        return [len(stage.blocks) for stage in (encoder.stages if family == 'swin' else encoder.layers)]
    return [len(getattr(encoder, name)) for name in encoder.res_layers]


def encoder_layer_id(name: str, family: str, blocks: list[int], rule: str) -> int:
    """Layer id of a parameter named ``name`` *inside* the encoder (no ``backbone.`` prefix)."""
    total = sum(blocks)
    rest = total if rule == 'mixmim' else total + 1
    if family == 'vit':
        if name in ('cls_token', 'pos_embed', 'mask_token', 'dist_token') or name.startswith(
                ('patch_embed.', 'pre_norm.')):
            return 0
        if m := re.match(r'layers\.(\d+)\.', name):
            return int(m.group(1)) + 1
        return rest
    if family in ('swin', 'mixmim'):
        stem = ('patch_embed.', 'mask_token') + (() if rule == 'simmim' else ('absolute_pos_embed',))
        if name.startswith(stem):
            return 0
        if m := re.match(r'(?:stages|layers)\.(\d+)\.blocks\.(\d+)\.', name):
            return sum(blocks[:int(m.group(1))]) + int(m.group(2)) + 1
        if m := re.match(r'(?:stages|layers)\.(\d+)\.downsample\.', name):
            last_of_stage = sum(blocks[:int(m.group(1)) + 1])
            return last_of_stage + 1 if rule == 'mixmim' else last_of_stage
        return rest
    if family == 'resnet':
        if name.startswith(('conv1.', 'bn1.', 'norm1.', 'stem.')):
            return 0
        if m := re.match(r'layer(\d+)\.(\d+)\.', name):
            return sum(blocks[:int(m.group(1)) - 1]) + int(m.group(2)) + 1
        return rest
    raise ValueError(f'unknown family {family!r}')


def no_weight_decay(name: str, param: nn.Parameter) -> bool:
    """1-D tensors, position embeddings, tokens and relative position tables get no weight decay."""
    return (param.ndim == 1 or name.rsplit('.', 1)[-1] in NO_DECAY_NAMES
            or re.search(r'relative_position_bias_table|(^|\.)rel_pos_bias\.', name) is not None)


def layer_decay_table(model: nn.Module, rate: float, rule: str | None = None,
                      method: str | None = None) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Per trainable parameter of ``model``: ``{'layer_id', 'lr_scale', 'decay'}``; plus a summary dict.

    The encoder is found by type anywhere in ``model``; parameters outside it take the "rest" id. Other
    backbones fall back to their own mmpretrain ``get_layer_depth()`` (rule ``'get_layer_depth'``).
    """
    try:
        prefix, encoder, family = _find_encoder(model)
    except TypeError:
        return _table_from_get_layer_depth(model, rate, rule, method)
    rule = resolve_rule(family, rule, method)
    blocks = encoder_blocks(encoder, family)
    top = sum(blocks) + 1
    rest = top - 1 if rule == 'mixmim' else top
    encoder_prefix = f'{prefix}.' if prefix else ''
    parent_prefix = prefix.rsplit('.', 1)[0] + '.' if '.' in prefix else ''
    table = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if name.startswith(encoder_prefix):
            layer_id = encoder_layer_id(name[len(encoder_prefix):], family, blocks, rule)
        elif family == 'vit' and (m := re.match(rf'{re.escape(parent_prefix)}rel_pos_bias\.(\d+)\.', name)):
            layer_id = int(m.group(1)) + 1  # a block's relative position bias held by an adapter
        else:
            layer_id = rest
        table[name] = dict(layer_id=layer_id, lr_scale=rate ** (top - layer_id),
                           decay=not no_weight_decay(name, param))
    summary = dict(rule=rule, rate=rate, family=family, encoder=prefix or '<model>', num_layers=top + 1,
                   encoder_type=type(encoder).__name__)
    return table, summary


def _find_encoder(model: nn.Module) -> tuple[str, nn.Module, str]:
    """``find_encoder``, plus mmpretrain's BEiTViT (a ViT with per-block relative position bias and layer
    scale, SimMIM's released ViT-B layout; not a VisionTransformer subclass in mmpretrain 1.2): its blocks are
    ``layers.<i>`` and its embeddings ``patch_embed``/``cls_token``/``pos_embed``, so the ViT ids apply."""
    try:
        return find_encoder(model)
    except TypeError:
        from mmpretrain.models import BEiTViT
        found = next(((n, m) for n, m in model.named_modules() if isinstance(m, BEiTViT)), None)
        if found is None:
            raise
        return found[0], found[1], 'vit'


def _takes_prefix(method) -> bool:
    return callable(method) and len(inspect.signature(method).parameters) >= 2


def _table_from_get_layer_depth(model: nn.Module, rate: float, rule: str | None, method: str | None):
    """mmpretrain's general hook: ``backbone.get_layer_depth(name, prefix) -> (depth, num_layers)``, scale
    ``rate ** (num_layers - 1 - depth)`` as mmpretrain's own LearningRateDecayOptimWrapperConstructor."""
    # a backbone's get_layer_depth(name, prefix), not a classifier's get_layer_depth(name)
    found = next(((n, m) for n, m in model.named_modules()
                  if _takes_prefix(getattr(m, 'get_layer_depth', None))), None)
    if found is None:
        raise TypeError(f'no ViT/Swin/MixMIM/ResNet encoder and no get_layer_depth() in '
                        f'{type(model).__name__}; '
                        'layer-wise lr decay needs one of them')
    if rule not in (None, 'auto') or method is not None:
        raise ValueError(f'the paper rules ({", ".join(RULES)}) are defined for ViT/Swin/MixMIM/ResNet only; '
                         f'{type(found[1]).__name__} uses its get_layer_depth(): leave rule and method unset')
    name, backbone = found
    prefix = f'{name}.' if name else ''
    table, num_layers = {}, None
    for param_name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        depth, num_layers = backbone.get_layer_depth(param_name, prefix)
        table[param_name] = dict(layer_id=depth, lr_scale=rate ** (num_layers - 1 - depth),
                                 decay=not no_weight_decay(param_name, param))
    summary = dict(rule='get_layer_depth', rate=rate, family=None, encoder=name or '<model>',
                   num_layers=num_layers, encoder_type=type(backbone).__name__)
    return table, summary


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Builds the optimizer with one param group per (layer id, weight decay or not); see module docstring.

    ``paramwise_cfg`` keys: ``layer_decay_rate`` (required), ``rule`` (``auto`` or one of ``RULES``),
    ``method`` (a mimbench method id, for the default rule). The built wrapper carries
    ``layer_decay_rule`` and ``layer_decay`` (summary) for the result record.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict | None = None):
        cfg = dict(paramwise_cfg or {})
        unknown = sorted(set(cfg) - {'layer_decay_rate', 'rule', 'method'})
        if unknown or 'layer_decay_rate' not in cfg:
            raise ValueError(
                f'mimbench.LayerDecayOptimWrapperConstructor: paramwise_cfg must hold layer_decay_rate and '
                f'may hold rule and method; found {sorted(cfg)}'
                + (f' (unknown: {unknown})' if unknown else ''))
        super().__init__(optim_wrapper_cfg, paramwise_cfg=None)
        self.rate = float(cfg['layer_decay_rate'])
        if not 0 < self.rate <= 1:
            raise ValueError(f'layer_decay_rate must be in (0, 1]; found {self.rate}')
        self.rule = cfg.get('rule', 'auto')
        self.method = cfg.get('method')
        if self.rule not in (*RULES, 'auto', None):
            raise ValueError(f'unknown layer-decay rule {self.rule!r}; expected one of '
                             f'{", ".join(RULES)} or auto')
        if self.base_lr is None:
            raise ValueError('optimizer lr is required for layer-wise lr decay; found none in '
                             'optim_wrapper.optimizer')

    def __call__(self, model: nn.Module):
        if hasattr(model, 'module'):
            model = model.module
        table, summary = layer_decay_table(model, self.rate, self.rule, self.method)
        weight_decay = self.base_wd or 0.0
        groups: dict[tuple[int, bool], dict[str, Any]] = {}
        for name, param in model.named_parameters():
            if name not in table:
                continue
            info = table[name]
            group = groups.setdefault((info['layer_id'], info['decay']), dict(
                params=[], lr=self.base_lr * info['lr_scale'], lr_scale=info['lr_scale'],
                weight_decay=weight_decay if info['decay'] else 0.0, layer_id=info['layer_id']))
            group['params'].append(param)
        optimizer_cfg = self.optimizer_cfg.copy()
        optimizer_cls = optimizer_cfg['type']
        if isinstance(optimizer_cls, str):
            with OPTIMIZERS.switch_scope_and_registry(None) as registry:
                optimizer_cls = registry.get(optimizer_cfg['type'])
        first_arg = next(iter(inspect.signature(optimizer_cls).parameters))
        optimizer_cfg[first_arg] = [groups[k] for k in sorted(groups)]
        optimizer = OPTIMIZERS.build(optimizer_cfg)
        wrapper_cfg = self.optim_wrapper_cfg.copy()
        wrapper_cfg.setdefault('type', 'OptimWrapper')
        optim_wrapper = OPTIM_WRAPPERS.build(wrapper_cfg, default_args=dict(optimizer=optimizer))
        optim_wrapper.layer_decay_rule = summary['rule']
        optim_wrapper.layer_decay = summary
        return optim_wrapper


def layer_decay_rule_of(cfg) -> str | None:
    """The layer-decay rule a config trains with, for ``ResultRecord.layer_decay_rule`` (None: no decay).

    Reads ``cfg.optim_wrapper``; when the rule is left to default, resolves it from ``paramwise_cfg.method``
    or from the backbone type (``cfg.model.backbone.type``, e.g. ``mmpretrain.SwinTransformer``).
    """
    optim = cfg.get('optim_wrapper') or {}
    constructor = str(optim.get('constructor', ''))
    if constructor != 'mimbench.LayerDecayOptimWrapperConstructor':
        return None
    paramwise = optim.get('paramwise_cfg') or {}
    rule, method = paramwise.get('rule', 'auto'), paramwise.get('method')
    if rule not in (None, 'auto') or method is not None:
        return resolve_rule('vit', rule, method)
    backbone = (cfg.get('model') or {}).get('backbone') or {}
    family = _family_in_cfg(backbone)
    if family is None:
        raise ValueError(f'cannot tell the default layer-decay rule for backbone type '
                         f'{backbone.get("type")!r}; '
                         f'set optim_wrapper.paramwise_cfg.rule to one of {", ".join(RULES)}, or read '
                         'optim_wrapper.layer_decay_rule from the built runner')
    return DEFAULT_RULE_BY_FAMILY[family]


def _family_in_cfg(cfg) -> str | None:
    """Family of the first known encoder type in a backbone config, looking inside adapters
    (``mimbench.ViTMultiScale(vit=dict(type='mmpretrain.VisionTransformer'))``)."""
    if not isinstance(cfg, dict):
        return None
    name = str(cfg.get('type', '')).rsplit('.', 1)[-1]
    family = _FAMILY_BY_TYPE.get(name)
    if family:
        return family
    for value in cfg.values():
        family = _family_in_cfg(value)
        if family:
            return family
    return None
