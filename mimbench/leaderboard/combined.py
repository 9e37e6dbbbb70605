"""The combined leaderboard: every (method, backbone) against every (task, metric), all papers at once.

Paper side: every value any of the four papers prints for that pair in the default setting (no ablation
variant, fine-tuning size 224 or unstated); when the papers disagree (different pre-training lengths,
re-implementations or transcription differences such as MoCo v3 mask AP 42.7 in mae.txt Table 4 vs. 42.9
in mixmim.txt Table 4) the cell shows the range and no Δ. Reproduced side: mimbench's final evaluations
(mean over runs, full scale preferred), as in the per-paper tables, with its 95% interval where the runs kept
per-sample outcomes and the paper value's verdict against it (``within`` / ``outside`` / ``no interval``).

A measurement protocol that differs from the default one gets its own column rather than being dropped as an
ablation or mixed into the default's: SimMIM's linear probe reads the best intermediate block (simmim.txt
Sec. 4.2, Table 6: 56.7), MAE's the last block (mae.txt A.1), so ``linear-block`` is a column of its own.
"""
from __future__ import annotations

import math

import pandas as pd

from mimbench.leaderboard.ids import BACKBONES, METHODS, METRIC_NAMES, METRICS, TASK_NAMES, TASKS
from mimbench.leaderboard.tables import tex_escape
from mimbench.stats import verdict


PROTOCOLS = {'linear-block': 'best block'}   # variants that are a measurement protocol: a column each


def _default_setting(frame: pd.DataFrame) -> pd.DataFrame:
    resolution_ok = frame['resolution'].isna() | (frame['resolution'] == 224)
    frame = frame[(frame['variant'].isna() | frame['variant'].isin(list(PROTOCOLS))) & resolution_ok].copy()
    frame['protocol'] = [v if v in PROTOCOLS else None for v in frame['variant']]
    return frame


def _protocol(value) -> str | None:
    """The protocol of a row (pandas holds a missing one as NaN or None)."""
    return value if isinstance(value, str) else None


def eval_name(task: str, metric: str, protocol: str | None = None) -> str:
    """Column name of a (task, metric, protocol): 'ImageNet-1K linear top-1 (best block)'."""
    name = f'{TASK_NAMES.get(task, task)} {METRIC_NAMES.get(metric, metric)}'
    return f'{name} ({PROTOCOLS[protocol]})' if protocol else name


def combined_frame(reference: pd.DataFrame, groups: pd.DataFrame, tasks=None) -> pd.DataFrame:
    """One row per (method, backbone, task, metric) with the paper values and the reproduced value."""
    ref = _default_setting(reference)
    ref = ref[ref['value'].notna() & (ref['method'] != 'prev-best') & ref['task'].isin(TASKS)]   # no costs
    reproduced = _default_setting(groups) if len(groups) else groups
    keys = ['method', 'backbone', 'task', 'metric', 'protocol']
    rows: dict[tuple, dict] = {}
    for r in ref.itertuples(index=False):
        entry = rows.setdefault((r.method, r.backbone, r.task, r.metric, _protocol(r.protocol)),
                                {'values': {}, 'repro': None, 'epochs': set()})
        entry['values'].setdefault(float(r.value), []).append(f'{r.paper}:{r.table}')
        if not math.isnan(r.pretrain_epochs):
            entry['epochs'].add(int(r.pretrain_epochs))
    for g in reproduced.to_dict('records'):
        entry = rows.setdefault((*(g[k] for k in keys[:-1]), _protocol(g['protocol'])),
                                {'values': {}, 'repro': None, 'epochs': set()})
        current = entry['repro']
        if current is None or (g['scale'] == 'full', g['n']) > (current['scale'] == 'full', current['n']):
            entry['repro'] = g
    out = []
    for (method, backbone, task, metric, protocol), entry in rows.items():
        if tasks and task not in tasks:
            continue
        values = sorted(entry['values'])
        repro = entry['repro']
        out.append({
            'method': method, 'backbone': backbone, 'task': task, 'metric': metric, 'protocol': protocol,
            'paper_min': values[0] if values else math.nan, 'paper_max': values[-1] if values else math.nan,
            'paper_sources': '; '.join(f'{v:.1f} ({", ".join(s)})'
                                       for v, s in sorted(entry['values'].items())),
            'reproduced': repro['value'] if repro else math.nan,
            'reproduced_std': repro['std'] if repro else math.nan,
            'reproduced_best': repro['best'] if repro else math.nan,
            'n_runs': int(repro['n']) if repro else 0, 'scale': repro['scale'] if repro else None,
            'pretrain_epochs': repro['pretrain_epochs'] if repro else math.nan,
            'ci_low': repro.get('ci_low', math.nan) if repro else math.nan,
            'ci_high': repro.get('ci_high', math.nan) if repro else math.nan,
            'paper_epochs': '; '.join(str(e) for e in sorted(entry['epochs'])),
            'records': '; '.join(repro.get('paths', ())) if repro else '',
            'configs': '; '.join(repro.get('configs', ())) if repro else '',
        })
    frame = pd.DataFrame(out, columns=['method', 'backbone', 'task', 'metric', 'protocol', 'paper_min',
                                       'paper_max', 'paper_sources', 'reproduced', 'reproduced_std',
                                       'reproduced_best', 'n_runs', 'scale', 'pretrain_epochs', 'ci_low', 'ci_high',
                                       'paper_epochs', 'records', 'configs'])
    same = frame['paper_min'] == frame['paper_max']
    comparable = same & (frame['scale'] == 'full')
    frame['delta'] = (frame['reproduced'] - frame['paper_min']).where(comparable).round(2)
    frame['verdict'] = [verdict(p, lo, hi) if ok else None for p, lo, hi, ok in
                        zip(frame['paper_min'], frame['ci_low'], frame['ci_high'], comparable)]
    order = {t: i for i, t in enumerate(TASKS)}, {m: i for i, m in enumerate(METRICS)}
    frame['_t'] = frame['task'].map(order[0])
    frame['_m'] = frame['metric'].map(order[1])
    frame['_p'] = frame['protocol'].notna()
    frame = frame.sort_values(['method', 'backbone', '_t', '_m', '_p']).drop(columns=['_t', '_m', '_p'])
    return frame.reset_index(drop=True)


def paper_text(low: float, high: float) -> str:
    """The papers' side of a cell: '–' (none), one value, or the range where the papers disagree."""
    if math.isnan(low):
        return '–'
    return f'{low:.1f}' if low == high else f'{low:.1f}–{high:.1f}'


def _cell(row) -> str:
    paper = paper_text(row.paper_min, row.paper_max)
    if math.isnan(row.reproduced):
        return paper
    text = f'{paper} / {row.reproduced:.1f}'
    if not (math.isnan(row.ci_low) or math.isnan(row.ci_high)):
        text += f' [{row.ci_low:.1f}, {row.ci_high:.1f}]'
    if row.scale != 'full':
        return text + ' (smoke)'
    if not math.isnan(row.delta):
        text += f' ({row.delta:+.1f}' + {'within': ' ✓', 'outside': ' ✗'}.get(row.verdict, '') + ')'
    return text


def combined_grid(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the method × task table."""
    protocols = [_protocol(p) for p in frame['protocol']]
    evals = sorted(set(zip(frame['task'], frame['metric'], protocols)),
                   key=lambda e: (TASKS.index(e[0]), METRICS.index(e[1]), e[2] is not None))
    headers = ['Method', 'Backbone'] + [eval_name(*e) for e in evals]
    rows = []
    for (method, backbone), part in frame.groupby(['method', 'backbone'], sort=True):
        by_eval = {(r.task, r.metric, _protocol(r.protocol)): _cell(r)
                   for r in part.itertuples(index=False)}
        rows.append([METHODS.get(method, method), BACKBONES.get(backbone, backbone)]
                    + [by_eval.get(e, '') for e in evals])
    return headers, rows


def combined_markdown(frame: pd.DataFrame) -> str:
    headers, rows = combined_grid(frame)
    out = ['## Combined leaderboard: all methods × tasks', '',
           'Cells: value(s) printed by the papers (a range where papers disagree; see the CSV for '
           'which paper printed what), then ` / mimbench (Δ)` where mimbench has results (final '
           'evaluation; Δ only when the papers agree and the run is full scale; `[a, b]` its 95% interval '
           'and ✓/✗ whether the paper value lies within it, where the runs kept per-sample outcomes). '
           'Default settings only (no ablation variants, fine-tuning at 224 or unstated).', '',
           '| ' + ' | '.join(headers) + ' |',
           '|' + '|'.join(['---', '---'] + [':---:'] * (len(headers) - 2)) + '|']
    out += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(out) + '\n'


def combined_latex(frame: pd.DataFrame) -> str:
    headers, rows = combined_grid(frame)
    lines = ['% Combined leaderboard. Generated by `mimbench leaderboard`; do not edit.',
             r'\begin{tabular}{ll' + 'c' * (len(headers) - 2) + '}', r'\toprule',
             ' & '.join(tex_escape(h) for h in headers) + r' \\', r'\midrule']
    lines += [' & '.join(tex_escape(t) for t in row) + r' \\' for row in rows]
    lines += [r'\bottomrule', r'\end{tabular}']
    return '\n'.join(lines) + '\n'
