"""95% intervals for leaderboard cells, from the per-sample sidecars of each setting's runs.

Every setting that ``records.aggregate`` averages (same method, backbone, task, metric, scale, schedules,
resolution, variant; its runs are usually seeds) gets ``ci_low``/``ci_high`` from
:func:`mimbench.stats.metric_interval`: a bootstrap over images, combined with the spread of the runs when
there are several. A setting gets no interval when any of its runs has no sidecar (schema-1 records, or runs
made before mimbench kept per-sample outcomes): its cell shows the mean (± std over runs) as before. A sidecar
that is missing, altered or unreadable is a problem line, never a crash.
"""
from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd

from mimbench.leaderboard.records import SETTING
from mimbench.results import ResultRecord
from mimbench.samples import SidecarError, record_outcomes
from mimbench.stats import N_RESAMPLES, metric_interval

COLUMNS = ('ci_low', 'ci_high', 'ci_method')


def record_index(records: list[ResultRecord]) -> np.ndarray:
    """For each row of ``records_frame(records)``, the index of its record (one row per metric)."""
    return np.repeat(np.arange(len(records)), [len(r.metrics) for r in records])


def add_intervals(groups: pd.DataFrame, frame: pd.DataFrame, records: list[ResultRecord],
                  problems: list[str] | None = None, n_resamples: int = N_RESAMPLES) -> pd.DataFrame:
    """``groups`` (``aggregate(frame)``) with the interval columns; ``frame`` is ``records_frame(records)``.

    Problems with sidecars are appended to ``problems`` (one line each, naming the record's file).
    """
    groups = groups.copy()
    for column in COLUMNS:
        groups[column] = math.nan if column != 'ci_method' else None
    if groups.empty or not any(r.samples for r in records):
        return groups
    frame = frame.assign(_record=record_index(records))
    cache: dict[int, object] = {}
    keys = list(SETTING)
    position = {tuple(_key(v) for v in row): i for i, row in enumerate(groups[keys].itertuples(index=False))}
    for key, part in frame.groupby(keys, dropna=False, sort=False):
        members = [records[i] for i in part['_record']]
        if not all(r.samples for r in members):
            continue
        runs = []
        for i in part['_record']:
            if i not in cache:
                try:
                    cache[i] = record_outcomes(records[i])
                except SidecarError as err:
                    cache[i] = None
                    if problems is not None:
                        problems.append(f'{err}; no interval for its leaderboard cell')
            runs.append(cache[i])
        if any(run is None for run in runs):
            continue
        metric = key[SETTING.index('metric')]
        hashes = ''.join(sorted(r.samples['sha256'] for r in members))
        seed = int(hashlib.sha256(hashes.encode()).hexdigest()[:8], 16)
        try:
            interval = metric_interval(runs, metric, n_resamples=n_resamples, seed=seed)
        except (KeyError, ValueError) as err:
            if problems is not None:
                names = ', '.join(str(r.path) for r in members)
                problems.append(f'{names}: no interval for {metric} ({err})')
            continue
        row = position.get(tuple(_key(v) for v in key))
        if row is not None:
            groups.loc[groups.index[row], list(COLUMNS)] = [interval.low, interval.high, interval.method]
    return groups


def _key(value):
    """Comparable group key value (NaN == NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value
