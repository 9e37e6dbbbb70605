"""Reading a checkpoint file and telling which release format it is.

Formats (``--format`` / ``init_cfg.format``), by how each project saves its weights:

- ``mimbench``: an mmengine checkpoint written by mimbench pre-training: ``{'state_dict': {'backbone.…',
  'neck.…', 'head.…'}, 'meta': {...}}`` with the encoder under ``backbone.`` in mmpretrain's layout.
- ``mmpretrain``: the same container written by mmpretrain / mmselfsup (``backbone.`` prefix), or a bare
  mmpretrain backbone state dict.
- ``mae``: facebookresearch/mae ``{'model': ..., 'args': ...}`` with timm ViT names (``blocks.i.attn.qkv``,
  ``patch_embed.proj``, ``norm``), plus ``mask_token``/``decoder_*`` in pre-training checkpoints
  (mae.txt Sec. 3; models_mae.py).
- ``simmim``: microsoft/SimMIM ``{'model': ..., 'config': ...}``; pre-training checkpoints hold the encoder
  under ``encoder.`` (BEiT-style ViT or official Swin names) and the one-layer head under ``decoder.``
  (simmim.txt Sec. 3).
- ``mixmim``: Sense-X/MixMIM ``{'model': ...}``, Swin-like names (``layers.i.blocks.j.norm1``,
  ``layers.i.downsample``) plus ``mask_token``/``decoder_*`` (mixmim.txt Sec. 2).
- ``timm``: a bare timm state dict (ViT ``blocks.``, Swin ``layers.``, ResNet ``layer1.``).
"""
from __future__ import annotations

import argparse
import os
from typing import Any

import torch

FORMATS = ('mimbench', 'mmpretrain', 'mae', 'simmim', 'mixmim', 'timm')


def read_checkpoint(path: str | os.PathLike, weights_only: bool = True) -> dict[str, Any]:
    """Load a checkpoint file on the CPU.

    Weights-only unpickling by default: a benchmark loads checkpoints from strangers. The MAE release
    pickles its ``argparse.Namespace`` of arguments, which is allow-listed (it only holds attributes);
    anything else non-tensor (SimMIM's yacs ``config``) makes torch refuse, and the error says how to
    proceed for a file you trust.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'checkpoint {path!r} does not exist; expected a local checkpoint file '
                                '(download releases yourself: mimbench never fetches weights)')
    if not weights_only:
        return torch.load(path, map_location='cpu', weights_only=False)
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            return torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # torch raises UnpicklingError or RuntimeError depending on the object
        raise ValueError(
            f'checkpoint {path!r} holds objects other than tensors and cannot be loaded weights-only '
            f'({type(err).__name__}: {str(err).splitlines()[0]}). If you trust the file, load it with '
            "weights_only=False (init_cfg=dict(type='mimbench.Pretrained', ..., weights_only=False)), or "
            "re-save only its state dict: torch.save(torch.load(p, weights_only=False)['model'], q)") from err


def unwrap(checkpoint: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The flat ``{name: tensor}`` state dict inside a checkpoint container.

    mmengine saves under ``state_dict``, MAE/SimMIM/MixMIM under ``model``, some releases under ``module``;
    a DDP ``module.`` prefix is removed.
    """
    if not isinstance(checkpoint, dict):
        raise ValueError(f'expected a checkpoint dict, found {type(checkpoint).__name__}')
    state = checkpoint
    for key in ('state_dict', 'model', 'module'):
        if key in checkpoint and isinstance(checkpoint[key], dict):
            state = checkpoint[key]
            break
    tensors = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise ValueError(f'no tensors found in checkpoint (top-level keys: {sorted(checkpoint)[:10]}); '
                         "expected a state dict, possibly under 'state_dict' or 'model'")
    if all(k.startswith('module.') for k in tensors):
        tensors = {k[len('module.'):]: v for k, v in tensors.items()}
    return tensors


def _is_mimbench(checkpoint: dict[str, Any]) -> bool:
    meta = checkpoint.get('meta')
    if not isinstance(meta, dict):
        return False
    return 'mimbench' in str(meta.get('cfg', '')) or 'mimbench' in str(meta.get('experiment_name', ''))


def detect_format(checkpoint: dict[str, Any]) -> str:
    """Guess the format of a loaded checkpoint from its container and key names (see module docstring)."""
    state = unwrap(checkpoint)
    keys = list(state)
    has = lambda prefix: any(k.startswith(prefix) for k in keys)  # noqa: E731
    if 'state_dict' in checkpoint or has('backbone.'):
        return 'mimbench' if _is_mimbench(checkpoint) else 'mmpretrain'
    if has('encoder.'):
        return 'simmim'
    if has('layers.0.blocks.0.') and (has('decoder_') or 'absolute_pos_embed' in state):
        return 'mixmim'
    if has('blocks.0.') and 'model' in checkpoint:
        return 'mae'
    if has('stages.0.blocks.') or has('layers.0.ln1.') or has('patch_embed.projection.'):
        return 'mmpretrain'  # a bare mmpretrain backbone state dict
    if has('blocks.0.') or has('layers.0.blocks.0.') or has('layer1.0.'):
        return 'timm'
    raise ValueError(f'cannot tell the format of this checkpoint (first keys: {keys[:8]}); expected one of '
                     f'{", ".join(FORMATS)}: pass format=... explicitly')
