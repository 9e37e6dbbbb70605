"""Check a full config against the recipe table: every value its recipe states, as the config applies it.

``check_config(path)`` resolves the config (mmengine ``Config.fromfile``), reads its effective values
(:mod:`mimbench.recipes.effective`) and compares each table row of its recipe; it also requires the recipe
to state the values every recipe of that kind must pin (:data:`REQUIRED`), so a recipe cannot pass by
leaving a value out of the table, and checks that the schedule covers the whole run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mimbench.recipes.effective import effective_values, identity, load_config
from mimbench.recipes.table import fmt, load_table, parse, rows_for, same

COMMON = ('optimizer', 'lr', 'batch', 'weight_decay', 'schedule', 'resolution', 'drop_path',
          'epochs|iters', 'warmup_epochs|warmup_iters')
REQUIRED = {   # per task kind / protocol: what a recipe of that kind must pin in the table ('a|b': either)
    'pretrain': COMMON,
    'classification': COMMON + ('layer_decay', 'randaug', 'mixup', 'cutmix', 'label_smoothing',
                                'random_erasing', 'test_crop', 'test_resize', 'pooling'),
    'linear': COMMON + ('layer_decay', 'pooling', 'probe_norm', 'tuned_blocks'),
    'partial': COMMON + ('layer_decay', 'pooling', 'tuned_blocks'),
    'detection': COMMON + ('layer_decay', 'lsj_scale', 'head_reads', 'milestones'),
    'segmentation': COMMON + ('layer_decay', 'head_reads'),
}


@dataclass
class Mismatch:
    """One recipe value the config does not train with."""
    key: str
    expected: str
    found: str
    source: str   # 'configs/recipes.csv:<line> (<paper> <where>)'

    def __str__(self) -> str:
        return f'{self.key}: recipe {self.expected}, config trains with {self.found} ({self.source})'


@dataclass
class CheckResult:
    path: str
    identity: dict
    values: dict
    rows: object = None                                   # the table rows of this recipe
    mismatches: list[Mismatch] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)     # missing recipe, unpinned keys, schedule gaps

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.problems

    def report(self) -> str:
        lines = [f'{Path(self.path).name} [{self.identity.get("recipe")}]']
        lines += [f'  {m}' for m in self.mismatches] + [f'  {p}' for p in self.problems]
        return '\n'.join(lines)


def kind_of(cfg, who: dict) -> str:
    """Which :data:`REQUIRED` set applies: pretrain / classification / linear / partial / detection / ..."""
    if who['task'] == 'pretrain':
        return 'pretrain'
    if who['protocol'] in ('linear', 'partial'):
        return who['protocol']
    return {'mmpretrain': 'classification', 'mmdet': 'detection', 'mmseg': 'segmentation'}[cfg.default_scope]


def check_config(path, cfg=None, table=None) -> CheckResult:
    """Compare a config (``cfg``: the resolved config, e.g. mutated in a test; default read from ``path``)
    with its recipe's rows in the table."""
    cfg = load_config(str(path)) if cfg is None else cfg
    table = load_table() if table is None else table
    who = identity(cfg, path)
    result = CheckResult(str(path), who, {})
    meta = cfg.get('mimbench') or {}
    if 'recipe' in meta and meta['recipe'] is None and meta.get('note'):
        return result   # declared not a paper recipe (e.g. mimbench's own tokenizer), with the reason
    if cfg.get('test_only'):
        return result   # robustness (mae.txt Appendix C): tests the in1k classifier, trains nothing
    try:
        result.values = values = effective_values(cfg, path)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        result.problems.append(f'cannot read the effective values: {err}')
        return result
    missing = [k for k in ('recipe', 'task', 'backbone', 'method') if not who.get(k)]
    if missing:
        result.problems.append(f'the config does not name its {", ".join(missing)}: set mimbench = dict('
                               'recipe=..., method=..., backbone=..., task=...) (recipe names in configs/'
                               'recipes.csv)')
        return result
    rows = rows_for(table, who['recipe'], who['task'], who['backbone'], who['method'], who['protocol'])
    result.rows = rows
    if rows.empty:
        result.problems.append(f'no row of configs/recipes.csv for recipe {who["recipe"]!r} with task '
                               f'{who["task"]}, backbone {who["backbone"]}, method {who["method"]}, protocol '
                               f'{who["protocol"]}')
        return result
    for row in rows.itertuples():
        expected = parse(row.value)
        source = f'configs/recipes.csv:{row.line} ({row.paper} {row.where})'
        if row.key not in values:
            result.mismatches.append(Mismatch(row.key, row.value, 'nothing (the config has no such setting)',
                                              source))
        elif not same(expected, values[row.key]):
            result.mismatches.append(Mismatch(row.key, row.value, fmt(values[row.key]), source))
    stated = set(rows['key'])
    for key in REQUIRED[kind_of(cfg, who)]:
        if not stated & set(key.split('|')) and not (key == 'drop_path' and values.get('drop_path', 0) == 0):
            result.problems.append(f'recipe {who["recipe"]!r} does not state {key} for {who["backbone"]} on '
                                   f'{who["task"]}: add a row (status open with the chosen value if the '
                                   'paper leaves it open)')
    if 'window_size' in values and 'window_size' not in stated:
        result.problems.append(f'recipe {who["recipe"]!r} does not state the window size')
    base = (cfg.get('auto_scale_lr') or {}).get('base_batch_size')
    if base is not None and base != values['batch']:
        result.problems.append(f'auto_scale_lr.base_batch_size is {base} but the recipe trains at batch '
                               f'{fmt(values["batch"])}: enabling auto_scale_lr would rescale an lr that is '
                               'already the lr at the recipe batch; set base_batch_size to the total batch')
    length = values.get('epochs', values.get('iters'))
    if values.get('schedule_end') is not None and values['schedule_end'] != length:
        result.problems.append(f'the lr schedule ends at {fmt(values["schedule_end"])} but training runs '
                               f'{fmt(length)}: the schedulers must cover the whole run')
    return result
