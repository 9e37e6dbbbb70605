"""``mimbench convert-checkpoint SRC DST [--format ...]``: a foreign release -> mmpretrain layout.

The output is an mmengine-style file ``{'state_dict': {'backbone.<key>': tensor}, 'meta': {...}}``: any
mimbench transfer config loads it (``format='auto'`` detects ``mmpretrain``), and so does mmengine's plain
``Pretrained`` init with ``prefix='backbone.'``. Pre-training-only tensors (mask token, decoder, heads) and
recomputed buffers are left out and listed; the strict key check happens when the file is loaded into a
backbone (``mimbench.checkpoints.load``), where the target's keys are known.
"""
from __future__ import annotations

import argparse
import os
import re

import torch

from mimbench.checkpoints.convert import FAMILIES, convert_state_dict, infer_family
from mimbench.checkpoints.formats import FORMATS, detect_format, read_checkpoint, unwrap
from mimbench.checkpoints.hashing import checkpoint_sha256
from mimbench.checkpoints.load import PRETRAINING_ONLY, RECOMPUTED


def convert_checkpoint(src: str, dst: str, fmt: str = 'auto', family: str = 'auto',
                       weights_only: bool = True) -> dict[str, str]:
    """Convert ``src`` into ``dst``; returns ``{dropped key: reason}``."""
    raw = read_checkpoint(src, weights_only=weights_only)
    fmt = detect_format(raw) if fmt == 'auto' else fmt
    state = unwrap(raw)
    if family == 'auto':
        inner = {k[len('encoder.'):]: v for k, v in state.items() if k.startswith('encoder.')} or state
        inner = {k[len('backbone.'):]: v for k, v in inner.items() if k.startswith('backbone.')} or inner
        family = infer_family(inner, fmt)
    encoder, other = convert_state_dict(state, fmt, family)
    dropped = {k: 'not part of the encoder' for k in other}
    kept = {}
    for key, value in encoder.items():
        reason = next((why for pattern, why in PRETRAINING_ONLY if re.search(pattern, key)), None)
        reason = reason or ('buffer recomputed by the model' if re.search(RECOMPUTED, key) else None)
        if reason:
            dropped[key] = reason
        else:
            kept[f'backbone.{key}'] = value
    meta = dict(converted_by='mimbench convert-checkpoint', source=os.path.abspath(src), source_format=fmt,
                family=family, source_sha256=checkpoint_sha256(src))
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    torch.save({'state_dict': kept, 'meta': meta}, dst)
    return dropped


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        'convert-checkpoint',
        help='convert an MAE/SimMIM/MixMIM/timm/mmpretrain checkpoint to mmpretrain layout',
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src', help='checkpoint file to convert')
    parser.add_argument('dst', help='output file (mmengine checkpoint, encoder under backbone.)')
    parser.add_argument('--format', default='auto', choices=('auto', *FORMATS),
                        help='source format (default: detected from the file)')
    parser.add_argument('--family', default='auto', choices=('auto', *FAMILIES),
                        help='backbone family (default: inferred from key names)')
    parser.add_argument('--trust', action='store_true',
                        help='unpickle non-tensor objects too (only for files you trust)')
    parser.set_defaults(func=run)


def run(args) -> int:
    try:
        dropped = convert_checkpoint(args.src, args.dst, args.format, args.family,
                                     weights_only=not args.trust)
    except (FileNotFoundError, ValueError) as err:
        print(f'convert-checkpoint: {err}')
        return 2
    print(f'wrote {args.dst}')
    for key, why in sorted(dropped.items()):
        print(f'  left out {key}: {why}')
    return 0
