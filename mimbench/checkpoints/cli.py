"""The checkpoint commands: ``mimbench convert-checkpoint SRC DST`` and ``mimbench inspect CKPT``.

``convert-checkpoint``: a foreign release -> mmpretrain layout.

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
import sys

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
    register_inspect(subparsers)
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


INSPECT_HELP = """Tell what a checkpoint file holds, weights-only (nothing in the file runs): its format,
backbone family and id, pre-training method (and where that was read), pre-training epochs if recorded,
tensor count and size, the pre-training-only tensors a transfer run leaves out, its sha256, the recipe each
downstream task would use and the `mimbench evaluate` command that runs them."""


def register_inspect(subparsers) -> None:
    parser = subparsers.add_parser(
        'inspect', help='what a checkpoint holds and how mimbench would evaluate it',
        description=INSPECT_HELP)
    parser.add_argument('checkpoint',
                        help='checkpoint file (mimbench, mmpretrain, MAE, SimMIM, MixMIM, timm)')
    parser.add_argument('--scale', choices=('full', 'smoke'), default=None,
                        help='recipes of this scale (default: smoke for *-smoke backbones, else full)')
    parser.add_argument('--no-sha256', action='store_true', help='skip hashing the file (GBs: seconds)')
    parser.add_argument('--json', action='store_true', help='print the facts as JSON')
    parser.set_defaults(func=run_inspect)


def _size(n: int) -> str:
    for unit in ('B', 'KB', 'MB', 'GB', 'TB'):
        if n < 1000 or unit == 'TB':
            return f'{n:.0f} {unit}' if unit == 'B' else f'{n:.1f} {unit}'
        n /= 1000
    return str(n)


def task_recipes(backbone: str | None, method: str | None, scale: str, facts=None) -> dict[str, str]:
    """``{task: config path or 'no recipe: why'}`` for a backbone id (``tasks.task_config``); with ``facts``,
    the recipe whose encoder the checkpoint's layout fits, as evaluate picks it (``facts.fitting_recipe``)."""
    from mimbench.checkpoints.facts import fitting_recipe
    from mimbench.transfer import tasks

    out = {}
    for task in tasks.TASKS:
        if backbone is None:
            out[task] = 'unknown backbone: pass --backbone to evaluate'
            continue
        try:
            path, problem = (fitting_recipe(facts, task, backbone, scale, method) if facts is not None
                             else (tasks.task_config(task, backbone, scale, method=method), None))
        except ValueError as err:
            out[task] = 'no recipe: ' + str(err).split('; ')[0]
            continue
        if problem:
            out[task] = f'no recipe: {problem}'
            continue
        named = tasks.pretraining_recipe_variant(method, task, 'finetune', facts.pretrain if facts else None)
        if named and scale == 'full' and path == tasks.task_config(task, backbone, scale, method=method):
            path = tasks.task_config(task, backbone, scale, method=method, variant=named)   # as evaluate does
        try:
            out[task] = os.path.relpath(path)
        except ValueError:  # another drive (Windows)
            out[task] = path
    return out


def evaluate_command(facts, scale: str, recipes: dict[str, str] | None = None) -> str:
    """The ``mimbench evaluate`` command for this file (placeholders where the file does not say; only the
    tasks that have a recipe for it when some have none)."""
    import shlex

    parts = ['mimbench', 'evaluate', '--checkpoint', facts.path, '--scale', scale]
    runnable = [t for t, r in (recipes or {}).items() if not r.startswith(('no recipe', 'unknown'))]
    if runnable and len(runnable) < len(recipes):
        parts += ['--tasks', ','.join(runnable)]
    if facts.backbone is None:
        parts += ['--backbone', 'BACKBONE']
    if facts.method is None:
        parts += ['--method', 'METHOD']
    return ' '.join(p if p.isupper() else shlex.quote(p) for p in parts)


def run_inspect(args) -> int:
    import json

    from mimbench.checkpoints.facts import describe_checkpoint

    try:
        facts = describe_checkpoint(args.checkpoint)
        sha = None if args.no_sha256 else checkpoint_sha256(args.checkpoint)
    except (FileNotFoundError, ValueError) as err:
        print(f'mimbench inspect: {err}', file=sys.stderr)
        return 2
    scale = args.scale or ('smoke' if (facts.backbone or '').endswith('-smoke') else 'full')
    recipes = task_recipes(facts.backbone, facts.method, scale, facts)
    command = evaluate_command(facts, scale, recipes)
    if args.json:
        print(json.dumps({**facts.to_dict(), 'sha256': sha, 'scale': scale, 'recipes': recipes,
                          'command': command}, indent=1, default=str))
        return 0
    rows = [('checkpoint', facts.path),
            ('size', f'{_size(facts.size)} ({facts.size:,} bytes)'),
            ('sha256', sha or '(not computed)'),
            ('format', f'{facts.format or "unknown"} (top-level keys: {", ".join(facts.containers[:12])})'),
            ('family', facts.family or 'unknown'),
            ('backbone', facts.backbone or 'unknown'),
            ('method', f'{facts.method} ({facts.method_source})' if facts.method
             else 'not recorded in the file: pass --method to evaluate'),
            ('tensors', f'{facts.tensors} ({_size(facts.tensor_bytes)}); {facts.encoder_tensors} '
                        'encoder tensors load into the backbone')]
    pretrain = facts.pretrain
    if pretrain.get('epochs'):
        saved = f', saved after epoch {pretrain["epoch"]}' if pretrain.get('epoch') else ''
        rows.append(('pre-training', f'{pretrain["epochs"]} epochs{saved}'))
    for key in ('variant', 'recipe'):
        if pretrain.get(key):
            rows.append((key, str(pretrain[key])))
    if facts.pretraining_only:
        rows.append(('pre-training only', f'{len(facts.pretraining_only)} tensors left out by transfer: '
                                          + ', '.join(facts.pretraining_only[:12])
                                          + (' ...' if len(facts.pretraining_only) > 12 else '')))
    if facts.other:
        more = ' ...' if len(facts.other) > 12 else ''
        rows.append(('other tensors', ', '.join(facts.other[:12]) + more))
    if facts.config:
        model = facts.config.get('MODEL') if isinstance(facts.config.get('MODEL'), dict) else None
        shown = ({k: model.get(k) for k in ('TYPE', 'NAME') if k in model} if model
                 else {k: facts.config[k] for k in ('model', 'epochs', 'input_size') if k in facts.config})
        rows.append(('stored config', f'{len(facts.config)} entries, read as data: {shown}'))
    rows += [('note', n) for n in facts.notes] + [('problem', p) for p in facts.problems]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f'{key:<{width}}  {value}')
    print(f'\nrecipes (scale {scale}; mimbench.transfer.tasks.task_config):')
    task_width = max(map(len, recipes))
    for task, recipe in recipes.items():
        print(f'  {task:<{task_width}}  {recipe}')
    print(f'\nevaluate with:\n  {command}')
    return 0
