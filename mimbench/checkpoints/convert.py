"""Key conversion of foreign checkpoints into mmpretrain's backbone layouts.

mimbench fine-tunes every encoder as an mmpretrain backbone class (the checkpoint contract in the
project README): ``VisionTransformer``, ``SwinTransformer``, ``MixMIMTransformer`` or ``ResNet``. This
module renames the official releases' keys (MAE, SimMIM, MixMIM), timm's and mmpretrain/mimbench
containers into those layouts; it never decides what to drop: :mod:`mimbench.checkpoints.load` does,
against the target model's own keys, so nothing is discarded silently.

Layout facts (read from the releases' model files, re-implemented here):

- timm / MAE ViT (mae.txt Sec. 3, models_vit.py): ``blocks.i.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,
  mlp.fc2}``, ``patch_embed.proj``, ``norm`` (final), ``fc_norm`` (after global pooling in fine-tuning).
- SimMIM ViT (BEiT-style, simmim.txt Sec. 4.1): as timm plus ``attn.q_bias``/``attn.v_bias`` (no k bias),
  layer scale ``gamma_1``/``gamma_2`` and an optional shared ``rel_pos_bias``; all under ``encoder.``.
- Official Swin (SimMIM, simmim.txt Sec. 4.2) and MixMIM (mixmim.txt Sec. 2): ``layers.i.blocks.j``,
  ``layers.i.downsample.{reduction,norm}`` after stage i. Their patch merging concatenates the 2x2
  neighbours as (row 0, col 0), (row 1, col 0), (row 0, col 1), (row 1, col 1); mmpretrain's uses
  ``nn.Unfold``, whose channel order is channel-major with (row 0, col 0), (row 0, col 1), (row 1, col 0),
  (row 1, col 1): the reduction weight and norm are permuted accordingly. timm >= 0.9 moved the merging to
  the *start* of stage i+1 (``layers.{i+1}.downsample``), same neighbour order.
- ResNet: timm and torchvision share mmpretrain's names (``conv1``, ``bn1``, ``layerN.b.*``); ``fc`` is
  the classifier.
"""
from __future__ import annotations

import re

import torch

FAMILIES = ('vit', 'swin', 'mixmim', 'resnet')

# Unfold order slot k (row*2 + col) takes the official concatenation group _UNFOLD_FROM_CAT[k].
_UNFOLD_FROM_CAT = (0, 2, 1, 3)


def merging_weight_to_unfold(weight: torch.Tensor) -> torch.Tensor:
    """Patch-merging reduction weight from concatenation order to nn.Unfold order.

    weight: [C_out, 4 * C] with input channel ``g * C + c`` -> [C_out, 4 * C] with ``c * 4 + k``.
    """
    c_out, c_in = weight.shape
    grouped = weight.reshape(c_out, 4, c_in // 4)[:, list(_UNFOLD_FROM_CAT), :]  # [C_out, 4, C] in k order
    return grouped.transpose(1, 2).reshape(c_out, c_in)


def merging_norm_to_unfold(vector: torch.Tensor) -> torch.Tensor:
    """Patch-merging LayerNorm weight/bias from concatenation order to nn.Unfold order. vector: [4 * C]."""
    grouped = vector.reshape(4, -1)[list(_UNFOLD_FROM_CAT), :]  # [4, C]
    return grouped.transpose(0, 1).reshape(-1)


def infer_family(state: dict[str, torch.Tensor], fmt: str | None = None) -> str:
    """Which backbone family a (foreign or mmpretrain) state dict holds, from its key names."""
    keys = list(state)
    has = lambda prefix: any(k.startswith(prefix) for k in keys)  # noqa: E731
    if fmt == 'mixmim' or (has('layers.0.blocks.0.ln1.') and not has('stages.')):
        return 'mixmim'
    if has('stages.0.blocks.') or has('layers.0.blocks.'):
        return 'swin'
    if has('blocks.0.') or has('layers.0.ln1.') or has('layers.0.attn.'):
        return 'vit'
    if has('layer1.0.'):
        return 'resnet'
    raise ValueError(f'cannot tell the backbone family from keys {keys[:8]}; expected ViT '
                     '(blocks.i / layers.i), Swin/MixMIM (layers.i.blocks.j / stages.i) or ResNet '
                     '(layer1.0) names')


def strip_prefix(state: dict[str, torch.Tensor], prefix: str) -> tuple[dict, dict]:
    """Split ``state`` into the part under ``prefix`` (prefix removed) and the rest (unchanged)."""
    inside = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    outside = {k: v for k, v in state.items() if not k.startswith(prefix)}
    return inside, outside


_VIT_RENAMES = (  # (pattern, replacement) applied in order to timm/MAE/SimMIM ViT names
    (r'^patch_embed\.proj\.', 'patch_embed.projection.'),
    (r'^blocks\.(\d+)\.norm1\.', r'layers.\1.ln1.'),
    (r'^blocks\.(\d+)\.norm2\.', r'layers.\1.ln2.'),
    (r'^blocks\.(\d+)\.mlp\.fc1\.', r'layers.\1.ffn.layers.0.0.'),
    (r'^blocks\.(\d+)\.mlp\.fc2\.', r'layers.\1.ffn.layers.1.'),
    (r'^blocks\.(\d+)\.(gamma_1|ls1\.gamma)$', r'layers.\1.attn.gamma1.weight'),
    (r'^blocks\.(\d+)\.(gamma_2|ls2\.gamma)$', r'layers.\1.ffn.gamma2.weight'),
    (r'^blocks\.(\d+)\.attn\.', r'layers.\1.attn.'),
    (r'^norm\.', 'ln1.'),
    (r'^fc_norm\.', 'ln2.'),
)


def vit_from_timm(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """timm / MAE / SimMIM ViT names -> mmpretrain VisionTransformer names.

    SimMIM's BEiT-style attention keeps separate q and v biases and no k bias; mmpretrain has one qkv bias:
    it becomes ``[q_bias, 0, v_bias]``, which computes the same attention.
    """
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        q_or_v = re.match(r'^blocks\.(\d+)\.attn\.(q_bias|v_bias)$', key)
        if q_or_v:
            if q_or_v.group(2) == 'q_bias':
                v_bias = state[f'blocks.{q_or_v.group(1)}.attn.v_bias']
                out[f'layers.{q_or_v.group(1)}.attn.qkv.bias'] = torch.cat(
                    [value, torch.zeros_like(value), v_bias])
            continue
        for pattern, replacement in _VIT_RENAMES:
            new_key, n = re.subn(pattern, replacement, key)
            if n:
                key = new_key
                break
        out[key] = value
    return out


def vit_to_beit(encoder: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], list[str]]:
    """mmpretrain ``VisionTransformer`` names -> ``BEiTViT`` names (BEiT's and SimMIM's ViT layout).

    BEiTViT keeps BEiT's separate ``attn.q_bias``/``attn.v_bias`` (no k bias) and layer scale
    ``gamma_1``/``gamma_2`` on the block; :func:`vit_from_timm` produced one ``qkv.bias`` and
    ``attn.gamma1.weight``/``ffn.gamma2.weight``. A non-zero k bias (MAE, timm) is left out, which is exact:
    it adds ``q . b_k`` to all of one query's logits, and softmax ignores a constant shift. Returns the
    renamed encoder and notes on what was left out.
    """
    out, notes = {}, []
    for key, value in encoder.items():
        if m := re.match(r'^layers\.(\d+)\.attn\.qkv\.bias$', key):
            q, k, v = value.chunk(3)
            out[f'layers.{m.group(1)}.attn.q_bias'] = q
            out[f'layers.{m.group(1)}.attn.v_bias'] = v
            if torch.count_nonzero(k):
                notes.append(f'{key}: k bias left out (softmax is unchanged by it)')
            continue
        key = re.sub(r'^layers\.(\d+)\.attn\.gamma1\.weight$', r'layers.\1.gamma_1', key)
        key = re.sub(r'^layers\.(\d+)\.ffn\.gamma2\.weight$', r'layers.\1.gamma_2', key)
        out[key] = value
    return out, notes


def _swin_block_rename(rest: str, family: str) -> str:
    """Names inside one official Swin/MixMIM block -> mmpretrain's (``rest`` is after ``blocks.j.``)."""
    rest = re.sub(r'^mlp\.fc1\.', 'ffn.layers.0.0.', rest)
    rest = re.sub(r'^mlp\.fc2\.', 'ffn.layers.1.', rest)
    if family == 'swin':
        rest = re.sub(r'^attn\.', 'attn.w_msa.', rest)
    else:  # mmpretrain's MixMIM block names its norms ln1/ln2 and keeps attn.* flat
        rest = re.sub(r'^norm1\.', 'ln1.', rest)
        rest = re.sub(r'^norm2\.', 'ln2.', rest)
    return rest


def hierarchical_from_official(state: dict[str, torch.Tensor], family: str,
                               num_stages: int | None = None) -> dict[str, torch.Tensor]:
    """Official Swin (SimMIM), timm Swin and official MixMIM names -> mmpretrain Swin/MixMIM names.

    ``family`` is ``'swin'`` (-> ``stages.i``, final norm ``norm{last}``) or ``'mixmim'`` (-> ``layers.i``,
    final ``norm``). Patch merging weights are permuted to nn.Unfold order (module docstring).
    """
    stage_ids = {int(m.group(1)) for k in state for m in [re.match(r'^layers\.(\d+)\.', k)] if m}
    num_stages = num_stages or (max(stage_ids) + 1 if stage_ids else 4)
    # timm >= 0.9 keeps stage i's merging at the start of stage i+1: no layers.0.downsample, a layers.1 one.
    shift = int(not any(k.startswith('layers.0.downsample.') for k in state)
                and any(k.startswith('layers.1.downsample.') for k in state))
    stage_name = 'stages' if family == 'swin' else 'layers'
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        new_key = key
        if key.startswith('patch_embed.proj.'):
            new_key = key.replace('patch_embed.proj.', 'patch_embed.projection.')
        elif m := re.match(r'^layers\.(\d+)\.blocks\.(\d+)\.(.*)$', key):
            inner = _swin_block_rename(m.group(3), family)
            new_key = f'{stage_name}.{m.group(1)}.blocks.{m.group(2)}.{inner}'
        elif m := re.match(r'^layers\.(\d+)\.downsample\.(reduction\.weight|norm\.weight|norm\.bias)$', key):
            stage = int(m.group(1)) - shift
            new_key = f'{stage_name}.{stage}.downsample.{m.group(2)}'
            value = merging_weight_to_unfold(value) if value.ndim == 2 else merging_norm_to_unfold(value)
        elif m := re.match(r'^norm\.(weight|bias)$', key):
            new_key = f'norm{num_stages - 1}.{m.group(1)}' if family == 'swin' else key
        elif key.startswith('head.fc.'):
            new_key = key.replace('head.fc.', 'head.')
        out[new_key] = value
    return out


def convert_state_dict(state: dict[str, torch.Tensor], fmt: str, family: str | None = None,
                       num_stages: int | None = None,
                       ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Convert an unwrapped state dict of format ``fmt`` into the mmpretrain layout of ``family``.

    Returns ``(encoder, other)``: the encoder's tensors under mmpretrain names, and the tensors that are
    certainly not the encoder (mmpretrain ``neck.``/``head.``/..., SimMIM's ``decoder.``), kept so the
    loader can report them.
    """
    if fmt in ('mimbench', 'mmpretrain'):
        if any(k.startswith('backbone.') for k in state):
            return strip_prefix(state, 'backbone.')
        return dict(state), {}
    other: dict[str, torch.Tensor] = {}
    if fmt == 'simmim' and any(k.startswith('encoder.') for k in state):
        state, other = strip_prefix(state, 'encoder.')
    family = family or infer_family(state, fmt)
    if family == 'vit':
        return vit_from_timm(state), other
    if family in ('swin', 'mixmim'):
        return hierarchical_from_official(state, family, num_stages), other
    if family == 'resnet':
        return dict(state), other
    raise ValueError(f'unknown backbone family {family!r}; expected one of {", ".join(FAMILIES)}')
