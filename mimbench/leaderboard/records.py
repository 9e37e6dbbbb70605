"""mimbench result records as leaderboard input: one row per (record, metric), then one row per setting.

A run's number is its FINAL evaluation (``ResultRecord.metrics``). The best over its evaluations
(``best_metrics``) is kept in a separate ``best`` column, always labelled as best: the maximum over epochs
is an optimistic pick on the evaluation set and is never the silent default.
"""
from __future__ import annotations

import math

import pandas as pd

from mimbench.recipes.table import borrowed_recipe
from mimbench.results import ResultRecord

# fields that identify one experimental setting; runs that share them (e.g. seeds) are averaged
SETTING = ('method', 'backbone', 'task', 'metric', 'scale', 'pretrain_epochs', 'finetune_epochs',
           'resolution', 'variant')
FRAME_COLUMNS = SETTING + ('value', 'best', 'seed', 'flops_g', 'params_m', 'path', 'config', 'recipe')


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


def setting_variant(record: ResultRecord) -> str | None:
    """The record's variant; partial fine-tuning (mae.txt Sec. 4.3, written by mimbench.transfer with the note
    ``protocol=partial``) is its own setting so it never mixes with full fine-tuning top-1, and so is a run
    of a paper's method with another paper's recipe (``'<recipe> recipe'``, e.g. MixMIM ViT-B with MAE's).
    A linear probe of an intermediate block (the record's ``probe``, mimbench.transfer.layer_probe) reports
    metric ``linear`` as a last-layer linear probe does (mae.txt A.1), so it adds ``linear-block`` (block
    chosen on held-out data, simmim.txt Sec. 4.2) or ``linear-block-<N>`` (block N given) to its setting."""
    variant = record.variant
    if not variant:
        borrowed = borrowed_recipe(record.method, getattr(record, 'recipe', None))
        if borrowed:   # another paper's recipe: its own setting (mimbench.transfer.tasks.recipe_note)
            variant = f'{borrowed} recipe'
        elif 'protocol=partial' in (record.note or ''):
            variant = 'partial-finetune'
    probe = probe_variant(getattr(record, 'probe', None))
    return '+'.join(v for v in (variant, probe) if v) or None


def probe_variant(probe: dict | None) -> str | None:
    """``linear-block`` for a block chosen among candidates (``probe['selection']`` set), ``linear-block-<N>``
    for a probe of block N given by its config, None for a record without an intermediate-block probe."""
    if not isinstance(probe, dict) or not probe:
        return None
    if probe.get('selection') or not isinstance(probe.get('block'), int):
        return 'linear-block'
    return f'linear-block-{probe["block"]}'


def records_frame(records: list[ResultRecord]) -> pd.DataFrame:
    """One row per (record, metric): the setting, the final ``value``, the ``best`` (NaN if not logged)."""
    rows = []
    for r in records:
        pretrain = r.pretrain or {}
        best = r.best_metrics or {}
        common = (r.method, r.backbone, r.task)
        tail = (r.scale, _number(pretrain.get('epochs')), _number(r.epochs), _number(r.resolution),
                setting_variant(r))
        for metric, value in r.metrics.items():
            rows.append(common + (metric,) + tail + (float(value), _number(best.get(metric)), r.seed,
                                                     _number(pretrain.get('flops_g')),
                                                     _number(pretrain.get('params_m')),
                                                     r.path, r.config, r.recipe))
    return pd.DataFrame(rows, columns=list(FRAME_COLUMNS))


def _distinct(values: pd.Series) -> tuple[str, ...]:
    """The distinct non-empty values of a column, in order (a tuple: one cell of the aggregated frame)."""
    return tuple(dict.fromkeys(v for v in values if isinstance(v, str) and v))


def aggregate(frame: pd.DataFrame) -> pd.DataFrame:
    """Average runs of the same setting: ``value`` (mean of final evaluations), ``std`` (NaN for one run),
    ``best`` (mean of best-over-evaluations, NaN unless every run logged it) and ``n`` (number of runs);
    ``paths``, ``configs`` and ``recipes`` list the runs' record files, config files and paper recipes (the
    HTML leaderboard links each cell to them)."""
    if frame.empty:
        return pd.DataFrame(columns=list(SETTING) + ['value', 'std', 'best', 'n', 'flops_g', 'params_m',
                                                     'paths', 'configs', 'recipes'])
    grouped = frame.groupby(list(SETTING), dropna=False, sort=True)
    out = grouped.agg(value=('value', 'mean'), std=('value', 'std'), best=('best', 'mean'),
                      n=('value', 'size'), best_n=('best', 'count'), flops_g=('flops_g', 'first'),
                      params_m=('params_m', 'first'), paths=('path', _distinct),
                      configs=('config', _distinct), recipes=('recipe', _distinct)).reset_index()
    out.loc[out['best_n'] < out['n'], 'best'] = math.nan
    return out.drop(columns='best_n')


def aggregate_records(records: list[ResultRecord]) -> pd.DataFrame:
    """``aggregate(records_frame(records))``: the leaderboard's view of a set of records."""
    return aggregate(records_frame(records))
