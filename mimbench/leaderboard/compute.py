"""The compute-normalised view: each mimbench setting's metric next to what its encoder and its run cost.

One row per reproduced setting (the leaderboard cell's runs): the metric with its interval, the encoder's
pre-training length and compute (``cost.pretrain_epochs``, ``cost.pretrain_pflops``: 3 x forward FLOPs per
image x images seen, :mod:`mimbench.cost`) and the fine-tuning run's own cost (device-hours, throughput, peak
memory; means over runs, peak the maximum). ``metric_per_pretrain_pflop`` is the metric divided by the
pre-training compute, to rank encoders by what their pre-training bought;
``plots/compute_vs_<task>_<metric>.png`` plots the metric (with its interval) against pre-training compute,
where it is known (as mae.txt Fig. 7 and mixmim.txt Fig. 2 plot accuracy against pre-training epochs and
FLOPs).
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from mimbench.leaderboard.ids import BACKBONES, METHODS, METRIC_NAMES, TASK_NAMES
from mimbench.leaderboard.records import SETTING, records_frame
from mimbench.results import ResultRecord

COST_MEANS = ('pretrain_epochs', 'pretrain_pflops', 'device_hours', 'images_per_s')
COLUMNS = ['method', 'backbone', 'task', 'metric', 'scale', 'variant', 'value', 'ci_low', 'ci_high', 'n_runs',
           'pretrain_epochs', 'pretrain_pflops', 'metric_per_pretrain_pflop', 'finetune_device_hours',
           'images_per_s', 'peak_memory_mb', 'device']


def _cost_rows(records: list[ResultRecord]) -> pd.DataFrame:
    frame = records_frame(records)
    costs = [r.cost or {} for r in records for _ in r.metrics]
    for name in COST_MEANS + ('peak_memory_mb',):
        frame[f'cost_{name}'] = [float(c[name]) if isinstance(c.get(name), (int, float)) else math.nan
                                 for c in costs]
    frame['cost_device'] = [c.get('device') for c in costs]
    return frame


def compute_frame(records: list[ResultRecord], groups: pd.DataFrame, tasks=None) -> pd.DataFrame:
    """The view's rows (module docstring); empty without records."""
    if not records or groups.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame = _cost_rows(records)
    costs = frame.groupby(list(SETTING), dropna=False, sort=False).agg(
        **{name: (f'cost_{name}', 'mean') for name in COST_MEANS if name != 'pretrain_epochs'},
        cost_epochs=('cost_pretrain_epochs', 'mean'), peak_memory_mb=('cost_peak_memory_mb', 'max'),
        device=('cost_device', lambda d: '; '.join(sorted({x for x in d if x})))).reset_index()
    out = groups.merge(costs, on=list(SETTING), how='left')
    if tasks:
        out = out[out['task'].isin(list(tasks))]
    out = out.rename(columns={'n': 'n_runs', 'device_hours': 'finetune_device_hours'})
    out['pretrain_epochs'] = out['pretrain_epochs'].fillna(out['cost_epochs'])
    for column in ('ci_low', 'ci_high'):
        if column not in out:
            out[column] = math.nan
    out['metric_per_pretrain_pflop'] = out['value'] / out['pretrain_pflops']
    out = out[COLUMNS].sort_values(['task', 'metric', 'pretrain_pflops', 'method', 'backbone'],
                                   na_position='last')
    return out.reset_index(drop=True)


def _num(value, digits: int = 1) -> str:
    return '–' if value is None or (isinstance(value, float) and math.isnan(value)) else f'{value:.{digits}f}'


def compute_markdown(frame: pd.DataFrame) -> str:
    lines = ['## Compute: mimbench runs against pre-training compute', '',
             'One row per reproduced setting (mean over its runs). Pre-training compute = 3 × forward FLOPs '
             'per image × epochs × ImageNet-1K images (multiply-adds, mmengine\'s convention; '
             '`mimbench.cost`); '
             'fine-tuning cost is the run\'s own. `–`: not known for that run.', '',
             '| Task | Metric | Method | Backbone | Scale | Value [95% CI] | Runs | PT epochs | PT PFLOPs | '
             'Value / PT PFLOP | FT device-h | FT img/s | Peak MB |',
             '|---|---|---|---|---|:---:|:---:|:---:|:---:|:---:|:---:|:---:|:---:|']
    for r in frame.itertuples(index=False):
        value = _num(r.value)
        if not (math.isnan(r.ci_low) or math.isnan(r.ci_high)):
            value += f' [{r.ci_low:.1f}, {r.ci_high:.1f}]'
        lines.append('| ' + ' | '.join([
            TASK_NAMES.get(r.task, r.task), METRIC_NAMES.get(r.metric, r.metric),
            METHODS.get(r.method, r.method),
            BACKBONES.get(r.backbone, r.backbone), str(r.scale), value, str(int(r.n_runs)),
            _num(r.pretrain_epochs, 0), _num(r.pretrain_pflops, 1), _num(r.metric_per_pretrain_pflop, 4),
            _num(r.finetune_device_hours, 3), _num(r.images_per_s, 1), _num(r.peak_memory_mb, 0)]) + ' |')
    return '\n'.join(lines) + '\n'


def plot_compute(frame: pd.DataFrame, folder: Path) -> list[Path]:
    """One PNG per (task, metric) with points of known pre-training compute; returns the paths written."""
    known = frame[frame['pretrain_pflops'].notna()] if len(frame) else frame
    if known.empty:
        return []
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    written = []
    for (task, metric), part in known.groupby(['task', 'metric'], sort=True):
        fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
        for (method, scale), points in part.groupby(['method', 'scale'], sort=True):
            lower = (points['value'] - points['ci_low']).fillna(0).clip(lower=0)
            upper = (points['ci_high'] - points['value']).fillna(0).clip(lower=0)
            ax.errorbar(points['pretrain_pflops'], points['value'], yerr=[lower, upper], marker='o',
                        linestyle='none', capsize=3,
                        label=METHODS.get(method, method) + (' (smoke)' if scale != 'full' else ''))
            for row in points.itertuples(index=False):
                ax.annotate(BACKBONES.get(row.backbone, row.backbone), (row.pretrain_pflops, row.value),
                            fontsize=6, textcoords='offset points', xytext=(3, 3))
        ax.set_xscale('log')
        ax.set_xlabel('pre-training compute (PFLOPs, multiply-adds)')
        ax.set_ylabel(f'{TASK_NAMES.get(task, task)} {METRIC_NAMES.get(metric, metric)} (%)')
        ax.set_title(f'{METRIC_NAMES.get(metric, metric)} vs. pre-training compute')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f'compute_vs_{task}_{metric}.png'
        fig.savefig(path, metadata={'Software': None})
        plt.close(fig)
        written.append(path)
    return written
