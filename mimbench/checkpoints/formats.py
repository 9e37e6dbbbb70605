"""Reading a checkpoint file and telling which release format it is.

Formats (``--format`` / ``init_cfg.format``), by how each project saves its weights:

- ``mimbench``: an mmengine checkpoint written by mimbench pre-training: ``{'state_dict': {'backbone.…',
  'neck.…', 'head.…'}, 'meta': {...}}`` with the encoder under ``backbone.`` in mmpretrain's layout.
- ``mmpretrain``: the same container written by mmpretrain / mmselfsup (``backbone.`` prefix), or a bare
  mmpretrain backbone state dict.
- ``mae``: facebookresearch/mae ``{'model': ..., 'args': ...}`` with timm ViT names (``blocks.i.attn.qkv``,
  ``patch_embed.proj``, ``norm``), plus ``mask_token``/``decoder_*`` in pre-training checkpoints
  (mae.txt Sec. 3; models_mae.py).
- ``simmim``: microsoft/SimMIM ``{'model', 'optimizer', 'lr_scheduler', 'max_accuracy', 'epoch', 'config'}``
  (``config`` a yacs CfgNode); pre-training checkpoints hold the encoder under ``encoder.`` (BEiT-style ViT
  or official Swin names) and the one-layer head under ``decoder.`` (simmim.txt Sec. 3); fine-tuned ones
  are told by ``config.MODEL.NAME``.
- ``mixmim``: Sense-X/MixMIM ``{'model': ...}``, Swin-like names (``layers.i.blocks.j.norm1``,
  ``layers.i.downsample``) plus ``mask_token``/``decoder_*`` (mixmim.txt Sec. 2).
- ``timm``: a bare timm state dict (ViT ``blocks.``, Swin ``layers.``, ResNet ``layer1.``), a ``.safetensors``
  file, timm's ``train.py`` container ``{'state_dict', 'args', ...}``, or an official Swin Transformer
  release (its ``{'model', 'config'}`` container, official names).

Every file is read weights-only (:mod:`.safe_load`); :func:`stored_config` gives a release's stored
training configuration as plain data.
"""
from __future__ import annotations

import argparse
import os
from collections import OrderedDict
from typing import Any

import torch

from mimbench.checkpoints.safe_load import load_file

FORMATS = ('mimbench', 'mmpretrain', 'mae', 'simmim', 'mixmim', 'timm')


def file_key(path: str | os.PathLike) -> tuple:
    """What identifies one version of a file: resolved path, size and modification time (ns).

    The read and hash caches are keyed by it, so a file replaced on disk is read again.
    """
    path = os.path.realpath(os.fspath(path))
    stat = os.stat(path)
    return path, stat.st_size, stat.st_mtime_ns


_CACHE: OrderedDict[tuple, Any] = OrderedDict()
_CACHE_SIZE = 2  # one checkpoint being planned/loaded, one being inspected next to it


def clear_cache() -> None:
    """Forget every checkpoint read so far (tests; releasing the mapped files)."""
    _CACHE.clear()


def read_checkpoint(path: str | os.PathLike, weights_only: bool = True) -> dict[str, Any]:
    """Load a checkpoint file on the CPU, weights-only, once per file version.

    Weights-only unpickling by default: a benchmark loads checkpoints from strangers. The container objects
    official releases pickle (MAE's ``argparse.Namespace``, SimMIM's and Swin's yacs ``CfgNode``) are read
    as inert data; anything else is refused, and a corrupt file is called corrupt
    (:mod:`mimbench.checkpoints.safe_load`). ``.safetensors`` files are read too.

    A weights-only read is cached by :func:`file_key` (path, size, mtime; the last two files), so
    ``mimbench inspect``, ``mimbench evaluate``'s planning and the loader share one read. Tensors are mapped
    from the file, not copied, until used. The returned dict is a shallow copy: do not modify its tensors.

    Raises:
        FileNotFoundError: no such file.
        mimbench.checkpoints.safe_load.CheckpointReadError (a ValueError): corrupt or refused.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'checkpoint {path!r} does not exist; expected a local checkpoint file '
                                '(download releases yourself: mimbench never fetches weights)')
    if not weights_only:
        return _as_container(load_file(path, weights_only=False), path)
    key = file_key(path)
    if key not in _CACHE:
        _CACHE[key] = _as_container(load_file(path), path)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    _CACHE.move_to_end(key)
    return dict(_CACHE[key])


def _as_container(obj: Any, path: str) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    if isinstance(obj, torch.nn.Module):  # cannot happen weights-only; a trusted full pickle may hold one
        return {'state_dict': obj.state_dict()}
    raise ValueError(f'checkpoint {path} holds a {type(obj).__name__}, not a dict of tensors; expected a '
                     "state dict or a container such as {'model': state_dict} / {'state_dict': ...}")


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
    if isinstance(meta.get('mimbench'), dict):
        return True  # plain-data provenance (mimbench.checkpoints.provenance)
    return 'mimbench' in str(meta.get('cfg', '')) or 'mimbench' in str(meta.get('experiment_name', ''))


def stored_config(checkpoint: dict[str, Any]) -> dict[str, Any] | None:
    """The training configuration a release stores next to its weights, as plain data, else None.

    SimMIM / Swin Transformer: ``config`` (a yacs CfgNode, read as a dict: ``MODEL.TYPE``, ``MODEL.NAME``,
    ``TRAIN.EPOCHS``, ...); MAE / MixMIM / timm: ``args`` (an ``argparse.Namespace``: ``model``, ``epochs``,
    ...). mmengine's ``meta.cfg`` is config *text* and is read by :mod:`mimbench.config_data` instead.
    """
    from mimbench.checkpoints.safe_load import plain

    for key in ('config', 'args'):
        value = checkpoint.get(key) if isinstance(checkpoint, dict) else None
        if isinstance(value, (dict, argparse.Namespace)):
            return plain(value)
    return None


def _simmim_config(checkpoint: dict[str, Any]) -> bool:
    model = (stored_config(checkpoint) or {}).get('MODEL')
    return isinstance(model, dict) and 'simmim' in str(model.get('NAME', '')).lower()


def detect_format(checkpoint: dict[str, Any]) -> str:
    """Guess the format of a loaded checkpoint from its container and key names (see module docstring)."""
    state = unwrap(checkpoint)
    keys = list(state)
    has = lambda prefix: any(k.startswith(prefix) for k in keys)  # noqa: E731
    if has('backbone.'):
        return 'mimbench' if _is_mimbench(checkpoint) else 'mmpretrain'
    if has('encoder.') or _simmim_config(checkpoint):
        return 'simmim'  # pre-training (encoder./decoder.) or fine-tuned with its config (MODEL.NAME)
    if has('layers.0.blocks.0.') and (has('decoder_') or 'absolute_pos_embed' in state):
        return 'mixmim'
    if has('stages.0.blocks.') or has('layers.0.ln1.') or has('patch_embed.projection.'):
        return 'mmpretrain'  # a bare mmpretrain backbone state dict, or one under 'state_dict'
    if has('blocks.0.') and 'model' in checkpoint:
        return 'mae'
    if has('blocks.0.') or has('layers.0.blocks.0.') or has('layer1.0.'):
        return 'timm'
    raise ValueError(f'cannot tell the format of this checkpoint (first keys: {keys[:8]}); expected one of '
                     f'{", ".join(FORMATS)}: pass format=... explicitly')
