"""``mimbench recipes``: which config reproduces each paper result, with its key values and their sources.

    mimbench recipes [--paper P] [--task T] [--method M] [--backbone B]   # recipe cards of the papers' rows
    mimbench recipes --config PATH      # every value of one config against its recipe, with sources
    mimbench recipes --check            # every full config against configs/recipes.csv; exit 1 on a mismatch
    mimbench recipes --markdown FILE    # the cards as a Markdown page (e.g. leaderboards/recipes.md)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mimbench.results import PAPERS, TASKS


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        'recipes', help='the config and recipe values behind every paper result, checked against the papers',
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--paper', action='append', choices=PAPERS,
                        help='only this paper\'s rows (repeatable)')
    parser.add_argument('--task', choices=TASKS, help='only rows of this task')
    parser.add_argument('--method', help='only rows of this method (e.g. mae, cim-revdet)')
    parser.add_argument('--backbone', help='only rows of this backbone (e.g. vit-l)')
    parser.add_argument('--config', metavar='PATH', help='show one config\'s values against its recipe')
    parser.add_argument('--check', action='store_true',
                        help='check every full config against configs/recipes.csv; exit 1 on any mismatch')
    parser.add_argument('--markdown', metavar='FILE', help='write the cards as Markdown to FILE')
    parser.set_defaults(func=run)
    return parser


def full_configs() -> list[str]:
    """Every full transfer config of the task table and every full pre-training config."""
    from mimbench.recipes.effective import CONFIG_ROOT
    from mimbench.transfer import tasks

    # the ablation configs (pretrain/*/ablation/) leave their recipe on purpose, one named thing each (the
    # paper row in mimbench.variant); tests/test_pretrain_ablations.py checks them against their tables
    pretrain = [str(p) for p in sorted((CONFIG_ROOT / 'pretrain').rglob('*.py'))
                if not p.stem.endswith('_smoke') and 'ablation' not in p.parts]
    return sorted(tasks.all_configs('full')) + pretrain


def _show_config(path: str) -> int:
    from mimbench.recipes.check import check_config
    from mimbench.recipes.table import fmt

    if not Path(path).is_file():
        print(f'mimbench recipes: no config file {path}; pass a path such as '
              'configs/transfer/in1k/finetune_vit-base-p16_mae_8xb128-100e_in1k.py', file=sys.stderr)
        return 2
    result = check_config(path)
    who = result.identity
    print(f'{path}\n  recipe {who.get("recipe")}: {who.get("method")} {who.get("backbone")} on '
          f'{who.get("task")} ({who.get("protocol")})')
    rows = result.rows if result.rows is not None else []
    for row in getattr(rows, 'itertuples', lambda: [])():
        found = result.values.get(row.key)
        mark = 'ok ' if found is not None and not any(m.key == row.key for m in result.mismatches) else 'BAD'
        print(f'  {mark} {row.key} = {row.value} [{row.status}: {row.paper} {row.where}]'
              + ('' if mark == 'ok ' else f'  (config: {fmt(found) if found is not None else "none"})')
              + (f'\n        {row.note}' if row.note else ''))
    for problem in result.problems:
        print(f'  BAD {problem}')
    return 0 if result.ok else 1


def _check_all() -> int:
    from mimbench.recipes.check import check_config

    failed = [r for r in (check_config(p) for p in full_configs()) if not r.ok]
    for result in failed:
        print(result.report())
    total = len(full_configs())
    if failed:
        print(f'{len(failed)} of {total} full configs differ from configs/recipes.csv', file=sys.stderr)
        return 1
    print(f'all {total} full configs train with the values of configs/recipes.csv')
    return 0


def run(args: argparse.Namespace) -> int:
    from mimbench.recipes.coverage import cards, render_text

    if args.config:
        return _show_config(args.config)
    if args.check:
        return _check_all()
    items = cards(args.paper, args.task, args.method, args.backbone)
    if args.markdown:
        Path(args.markdown).write_text(render_text(items, markdown=True) + '\n', encoding='utf-8')
        print(f'wrote {len(items)} recipe cards to {args.markdown}')
    else:
        print(render_text(items))
    missing = sum(1 for c in items if c.reason)
    print(f'{len(items) - missing} paper rows with a recipe, {missing} without (reason given)',
          file=sys.stderr)
    return 0
