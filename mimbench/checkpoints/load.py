"""Loading any supported checkpoint into an mmpretrain backbone, loudly.

A benchmark that silently fine-tunes a randomly initialised backbone is the worst bug this suite can have
(issue 6). So :func:`load_backbone_checkpoint` is strict: after converting key names
(:mod:`.convert`) and resizing position tensors (:mod:`.interpolate`), every encoder tensor of the model
must come from the checkpoint and every checkpoint tensor must land in the model, except names on the
short lists below, each with its reason. Anything else raises :class:`CheckpointMismatchError` listing the
missing and unexpected keys. After loading, the loaded tensors are compared with the model's: the report
says exactly what arrived.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

import torch
from torch import nn

from mimbench.checkpoints.convert import convert_state_dict, vit_to_beit
from mimbench.checkpoints.formats import FORMATS, detect_format, read_checkpoint, stored_config, unwrap
from mimbench.checkpoints.hashing import checkpoint_sha256
from mimbench.checkpoints.identify import method_of
from mimbench.checkpoints.interpolate import fit_to_model

# Checkpoint tensors that a downstream encoder does not have, and why that is expected.
PRETRAINING_ONLY = (
    (r'(^|\.)mask_token$', 'mask token of masked image modeling (mae.txt Sec. 3, simmim.txt Sec. 3.1)'),
    (r'^decoder', 'pre-training decoder (mae.txt Sec. 3 decoder_*, simmim.txt Sec. 3.1 one-layer head, '
                  'mixmim.txt Sec. 2.2)'),
    (r'^head\.', 'classification or pre-training head: transfer builds its own'),
    (r'^fc\.', 'ResNet classifier: transfer builds its own head'),
    (r'^(neck|target_generator|teacher|generator|data_preprocessor)\.',
     'pre-training part outside the encoder'),
)
# Buffers every model recomputes from its own window/resolution.
RECOMPUTED = r'(relative_position_index|attn_mask|relative_coords_table|num_batches_tracked)$'
# Per family: (regex, reason) of names that may be on one side only.
MAY_BE_NEW = {  # model tensors a checkpoint need not have
    'vit': ((r'^ln2\.', 'norm after global average pooling, new in fine-tuning (MAE fc_norm, mae.txt A.1)'),),
    'swin': ((r'^norm\d+\.', 'output norm that multi-scale (detection/segmentation) Swin adds per stage'),),
    'mixmim': (),
    'resnet': (),
}
MAY_BE_UNUSED = {  # checkpoint tensors the model need not take
    'vit': ((r'^ln1\.', 'final norm, unused by a model without one (global-pool fine-tuning, mae.txt A.1; '
                        'multi-scale adapters)'),
            (r'^ln2\.', 'pooled norm of a fine-tuned model, unused by a model without global pooling')),
    'swin': ((r'^norm\d+\.', 'output norm of a stage this model does not output'),),
    'mixmim': (),
    'resnet': (),
}


class CheckpointMismatchError(RuntimeError):
    """The checkpoint does not fit the backbone: the message lists the offending keys."""


@dataclass
class LoadReport:
    """What :func:`load_backbone_checkpoint` did: keep it, log it, stamp its sha256 on the record."""
    checkpoint: str | None
    format: str
    family: str
    sha256: str | None = None
    loaded: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)
    new: dict[str, str] = field(default_factory=dict)
    resized: dict[str, tuple] = field(default_factory=dict)
    method: str | None = None                 # pre-training method the file records (identify.method_of)
    config: dict[str, Any] | None = None      # a release's stored config / args, as plain data
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f'loaded {len(self.loaded)} tensors into a {self.family} backbone from {self.checkpoint} '
                 f'(format {self.format}, method {self.method or "not recorded"}, '
                 f'sha256 {str(self.sha256)[:12]})']
        lines += [f'  resized {k}: {old} -> {new}' for k, (old, new) in self.resized.items()]
        lines += [f'  not loaded (kept model init) {k}: {why}' for k, why in self.new.items()]
        lines += [f'  dropped {k}: {why}' for k, why in self.dropped.items()]
        lines += [f'  note: {n}' for n in self.notes]
        return '\n'.join(lines)


def backbone_family(module: nn.Module) -> str:
    """``'vit' | 'swin' | 'mixmim' | 'resnet'`` for an mmpretrain backbone class (or subclass)."""
    from mmpretrain.models import BEiTViT, MixMIMTransformer, ResNet, SwinTransformer, VisionTransformer
    for cls, family in ((MixMIMTransformer, 'mixmim'), (SwinTransformer, 'swin'),
                        (VisionTransformer, 'vit'), (BEiTViT, 'vit'), (ResNet, 'resnet')):
        if isinstance(module, cls):
            return family
    if hasattr(module, 'res_layers') and hasattr(module, 'stage_blocks'):
        return 'resnet'  # mmdet's / mmseg's ResNet share mmpretrain's parameter names
    raise TypeError(f'{type(module).__name__} is not a backbone mimbench can load; expected an mmpretrain '
                    'VisionTransformer, BEiTViT, SwinTransformer, MixMIMTransformer or ResNet (or a '
                    'subclass)')


def find_encoder(module: nn.Module) -> tuple[str, nn.Module, str]:
    """The first sub-module (``module`` itself included) that is a supported backbone: (name, module, family).

    Lets an adapter that wraps a ViT (``backbone.vit``) use the same loader as the ViT itself.
    """
    for name, sub in module.named_modules():
        try:
            return name, sub, backbone_family(sub)
        except TypeError:
            continue
    raise TypeError(f'no mmpretrain VisionTransformer/SwinTransformer/MixMIMTransformer/ResNet found inside '
                    f'{type(module).__name__}; mimbench loads checkpoints only into those backbone layouts')


def _why(key: str, rules: Iterable[tuple[str, str]]) -> str | None:
    for pattern, reason in rules:
        if re.search(pattern, key):
            return reason
    return None


def _expand_shared_rel_pos_bias(encoder: dict[str, torch.Tensor],
                                model_state: dict[str, torch.Tensor]) -> None:
    """SimMIM ViT pre-trains one shared relative position table (``rel_pos_bias``); a model with per-block
    tables (mmpretrain's BEiTViT) gets a copy in each block, as SimMIM's fine-tuning does (SimMIM utils.py
    ``remap_pretrained_keys_vit``, simmim.txt Sec. 4.2 ViT-B follows BEiT)."""
    shared = encoder.get('rel_pos_bias.relative_position_bias_table')
    targets = [k for k in model_state if re.match(r'^layers\.\d+\.attn\.relative_position_bias_table$', k)]
    if shared is None or not targets:
        return
    del encoder['rel_pos_bias.relative_position_bias_table']
    for key in targets:
        encoder.setdefault(key, shared.clone())


def _num_extra_tokens(encoder: nn.Module) -> int:
    extra = getattr(encoder, 'num_extra_tokens', None)
    if extra is not None:
        return int(extra)
    return int(getattr(encoder, 'cls_token', None) is not None)


def _short(keys: list[str], limit: int = 40) -> str:
    shown = ', '.join(keys[:limit])
    return shown + (f', ... ({len(keys) - limit} more)' if len(keys) > limit else '')


def load_backbone_checkpoint(module: nn.Module, checkpoint: str | os.PathLike | dict[str, Any],
                             format: str = 'auto', allowed_missing: Iterable[str] = (),
                             allowed_unexpected: Iterable[str] = (), weights_only: bool = True,
                             sha256: bool = True, rel_pos_resize: str = 'auto') -> LoadReport:
    """Load a pre-trained encoder into ``module`` (a backbone, or a module containing one).

    Args:
        module: an mmpretrain ViT/Swin/MixMIM/ResNet backbone, a subclass, or a wrapper holding one.
        checkpoint: a file path, or an already loaded checkpoint dict.
        format: one of ``'auto'`` and :data:`mimbench.checkpoints.formats.FORMATS`.
        allowed_missing: extra regexes of model keys that may stay at their initialisation (e.g. relative
            position tables that an adapter adds to a MAE ViT and initialises at zero, mae.txt A.4).
        allowed_unexpected: extra regexes of checkpoint keys that may be ignored.
        weights_only: unpickle tensors only (see :func:`read_checkpoint`).
        sha256: hash the file for the report (off for huge files in tests).
        rel_pos_resize: ``'bicubic'``, ``'geometric'`` (SimMIM's fine-tuning) or ``'auto'``: geometric for
            the ``simmim`` release format, bicubic otherwise (:mod:`.interpolate`).

    Raises:
        CheckpointMismatchError: when missing/unexpected keys or unresolvable shape mismatches remain.
    """
    path = None if isinstance(checkpoint, dict) else os.fspath(checkpoint)
    raw = checkpoint if isinstance(checkpoint, dict) else read_checkpoint(path, weights_only=weights_only)
    if format != 'auto' and format not in FORMATS:
        raise ValueError(f'unknown checkpoint format {format!r}; expected auto or one of '
                         f'{", ".join(FORMATS)}')
    fmt = detect_format(raw) if format == 'auto' else format
    prefix, encoder_module, family = find_encoder(module)
    num_stages = len(getattr(encoder_module, 'depths', ())) or None
    encoder, other = convert_state_dict(unwrap(raw), fmt, family, num_stages)
    model_state = encoder_module.state_dict()
    notes = []
    if family == 'vit' and any(re.match(r'^layers\.\d+\.attn\.q_bias$', k) for k in model_state):
        encoder, notes = vit_to_beit(encoder)  # mmpretrain BEiTViT (SimMIM's ViT-B recipe)
    _expand_shared_rel_pos_bias(encoder, model_state)
    if rel_pos_resize == 'auto':
        rel_pos_resize = 'geometric' if fmt == 'simmim' else 'bicubic'
    resized = fit_to_model(encoder, model_state, _num_extra_tokens(encoder_module),
                           grid=getattr(encoder_module, 'patch_resolution', None),
                           rel_pos_mode=rel_pos_resize)

    new_rules = [(p, 'allowed by the caller (allowed_missing)') for p in allowed_missing]
    new_rules += list(MAY_BE_NEW[family])
    unused_rules = [(p, 'allowed by the caller (allowed_unexpected)') for p in allowed_unexpected]
    unused_rules += list(PRETRAINING_ONLY) + list(MAY_BE_UNUSED[family])

    method, _ = method_of(raw, fmt, source=path or '<dict>')
    report = LoadReport(checkpoint=path, format=fmt, family=family, resized=resized, method=method,
                        config=stored_config(raw), notes=notes)
    report.dropped.update({k: 'not part of the encoder' for k in other})
    missing, unexpected, mismatched = [], [], []
    for key in model_state:
        if key in encoder:
            continue
        reason = ('buffer recomputed by the model' if re.search(RECOMPUTED, key)
                  else _why(key, new_rules))
        if reason:
            report.new[key] = reason
        else:
            missing.append(key)
    to_load = {}
    for key, value in encoder.items():
        if key not in model_state:
            reason = ('buffer recomputed by the model' if re.search(RECOMPUTED, key)
                      else _why(key, unused_rules))
            if reason:
                report.dropped[key] = reason
            else:
                unexpected.append(key)
        elif re.search(RECOMPUTED, key):
            report.new[key] = 'buffer recomputed by the model'
        elif value.shape != model_state[key].shape:
            shapes = f'checkpoint {tuple(value.shape)}, model {tuple(model_state[key].shape)}'
            mismatched.append(f'{key} ({shapes})')
        else:
            to_load[key] = value
    if missing or unexpected or mismatched:
        where = f'{type(encoder_module).__name__}' + (f' at {prefix!r}' if prefix else '')
        heads = {k.split('.', 1)[0] for k in unexpected}
        hint = ''
        if 'pos_embed' in missing and any(k.endswith('relative_position_bias_table') for k in encoder):
            hint = ('The checkpoint is a ViT with relative position bias and no absolute position embedding '
                    "(BEiT's / SimMIM's layout): load it into mmpretrain.BEiTViT (use_abs_pos_emb=False, "
                    'use_rel_pos_bias=True), as the SimMIM ViT-B recipe does. ')
        if len(heads) == 1 and '.' in unexpected[0]:
            head = heads.pop()
            if any(k.split('.', 1)[1] in model_state for k in unexpected):
                hint = (f'All unexpected keys start with {head + "."!r}, which this format does not strip: '
                        'the checkpoint may be of another format. ')
        raise CheckpointMismatchError(
            f'checkpoint {path or "<dict>"} (format {fmt}) does not fit the {family} backbone {where}.\n'
            f'  missing keys ({len(missing)}): {_short(missing)}\n'
            f'  unexpected keys ({len(unexpected)}): {_short(unexpected)}\n'
            f'  shape mismatches ({len(mismatched)}): {_short(mismatched)}\n'
            f'{hint}Expected a checkpoint of the same architecture (check the backbone arch/patch size '
            f"and the checkpoint's format: pass format= one of {', '.join(FORMATS)} if auto-detection "
            'chose wrong). '
            'If some keys are genuinely new or unused, name them with allowed_missing=/allowed_unexpected=.')
    incompatible = encoder_module.load_state_dict(to_load, strict=False)
    if incompatible.unexpected_keys:  # cannot happen after the checks above; guard against future edits
        raise CheckpointMismatchError(f'load_state_dict rejected keys {incompatible.unexpected_keys}')
    loaded_state = encoder_module.state_dict()
    not_arrived = [k for k, v in to_load.items() if not torch.equal(loaded_state[k], v.to(loaded_state[k]))]
    if not_arrived:
        raise CheckpointMismatchError(
            f'tensors did not arrive in the model after loading: {_short(not_arrived)}')
    report.loaded = sorted(to_load)
    if sha256 and path is not None:
        report.sha256 = checkpoint_sha256(path)
    return report
