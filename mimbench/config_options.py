"""``--cfg-options KEY=VALUE ...``: parsed as mmengine does, checked against the config before anything runs.

mmengine's ``DictAction`` parses each value as a literal (number, bool, None, string, list, tuple; nothing is
evaluated) but answers an item without ``=`` with a traceback, and ``Config.merge_from_dict`` silently adds a
key that does not exist — so ``optim_wrapper.optimizer.lrr=1e-3`` trains with the recipe's lr, or dies hours
later inside the optimizer. Here an item without ``=`` is an argparse error, and :func:`check_cfg_options`
refuses a key whose parent is not in the config, or whose last part looks like a typo of an existing key
(difflib), before training starts. A genuinely new key under an existing dict (``model.backbone.with_cp=True``)
is accepted.
"""
from __future__ import annotations

import argparse
import difflib
from typing import Any

from mmengine.config import DictAction


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` with a usage error (not a traceback) for an item that is not ``KEY=VALUE``."""

    def __call__(self, parser, namespace, values, option_string=None):
        for item in values:
            key = item.split('=', 1)[0]
            if '=' not in item or not key:
                parser.error(f'{option_string} {item!r}: expected KEY=VALUE, e.g. '
                             'model.backbone.init_cfg.checkpoint=PATH or optim_wrapper.optimizer.lr=1e-3')
        super().__call__(parser, namespace, values, option_string)


class CfgOptionsError(ValueError):
    """A ``--cfg-options`` key that does not fit the config; the message names it and the close matches."""


def check_cfg_options(cfg: Any, options: dict[str, Any], source: str = 'the config') -> None:
    """Raise :class:`CfgOptionsError` for a dotted key of ``options`` that ``cfg`` cannot take.

    Refused: a key whose parent path is missing or not a dict/list; a list index out of range; a new last part
    within edit distance of an existing sibling (``lrr`` next to ``lr``). ``_delete_`` and new keys that
    resemble nothing are fine.
    """
    for key in options:
        node: Any = cfg
        parts = key.split('.')
        for depth, part in enumerate(parts):
            path = '.'.join(parts[:depth + 1])
            last = depth == len(parts) - 1
            if isinstance(node, (list, tuple)):
                if not part.isdigit() or int(part) >= len(node):
                    raise CfgOptionsError(f'--cfg-options {key}: {".".join(parts[:depth]) or "the config"} is '
                                          f'a list of {len(node)} items in {source}; expected an index '
                                          f'0..{len(node) - 1}, got {part!r}')
                node = node[int(part)]
                continue
            if not hasattr(node, 'keys'):
                raise CfgOptionsError(f'--cfg-options {key}: {".".join(parts[:depth])} is '
                                      f'{type(node).__name__} {node!r} in {source}, not a dict; cannot set '
                                      f'{path!r} inside it')
            if part in node.keys():
                node = node[part]
                continue
            siblings = [k for k in node.keys() if isinstance(k, str)]
            close = difflib.get_close_matches(part, siblings, n=3, cutoff=0.75)
            if not last or close:
                where = '.'.join(parts[:depth]) or 'the top level'
                hint = (f'did you mean {" or ".join(".".join(parts[:depth] + [c]) for c in close)}? '
                        if close else '')
                raise CfgOptionsError(f'--cfg-options {key}: {source} has no {path!r}. {hint}'
                                      f'Keys at {where}: {", ".join(sorted(siblings)[:30])}')
            break


def add_cfg_options_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--cfg-options`` argument, as OpenMMLab tools have it, with :class:`CfgOptionsAction`."""
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction, default={}, metavar='KEY=VALUE',
                        help='override config values, e.g. model.backbone.init_cfg.checkpoint=PATH '
                             '(values are parsed as literals; keys must exist in the config)')
