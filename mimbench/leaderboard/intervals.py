"""95% intervals for leaderboard cells, from the per-sample sidecars of each setting's runs.

Every setting that ``records.aggregate`` averages (same method, backbone, task, metric, scale, schedules,
resolution, variant; its runs are usually seeds) gets ``ci_low``/``ci_high`` from
:func:`mimbench.stats.metric_interval`: a bootstrap over images, combined with the spread of the runs when
there are several. A setting gets no interval when any of its runs has no sidecar (schema-1 records, or runs
made before mimbench kept per-sample outcomes): its cell shows the mean (± std over runs) as before. A sidecar
that is missing, altered or unreadable is a problem line, never a crash.

The bootstrap is deterministic (its seed comes from the sidecars' hashes), so each interval is kept in a
small JSON cache keyed by those hashes, the metric and the resampling settings (``$MIMBENCH_CACHE`` or
``~/.cache/mimbench``, ``intervals/``): a COCO interval recomputes AP for every resample, the slowest
kind, so a rebuilt leaderboard reads it back. The cache holds numbers only and is read
as data; an entry that does not parse is computed again.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from mimbench.leaderboard.records import SETTING
from mimbench.results import ResultRecord
from mimbench.samples import SidecarError, record_outcomes
from mimbench.stats import N_RESAMPLES, Interval, metric_interval

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
        cached = _cache_file(hashes, metric, n_resamples)
        interval = _read_cached(cached)
        if interval is None:
            try:
                interval = metric_interval(runs, metric, n_resamples=n_resamples, seed=seed)
            except (KeyError, ValueError) as err:
                if problems is not None:
                    names = ', '.join(str(r.path) for r in members)
                    problems.append(f'{names}: no interval for {metric} ({err})')
                continue
            _write_cached(cached, interval)
        row = position.get(tuple(_key(v) for v in key))
        if row is not None:
            groups.loc[groups.index[row], list(COLUMNS)] = [interval.low, interval.high, interval.method]
    return groups


def _key(value):
    """Comparable group key value (NaN == NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def cache_dir() -> Path:
    """Where computed intervals are kept: ``$MIMBENCH_CACHE/intervals`` (default ``~/.cache/mimbench``)."""
    if os.environ.get('MIMBENCH_CACHE'):
        return Path(os.environ['MIMBENCH_CACHE']) / 'intervals'
    return Path(os.environ.get('XDG_CACHE_HOME') or Path.home() / '.cache') / 'mimbench' / 'intervals'


def _cache_file(hashes: str, metric: str, n_resamples: int) -> Path:
    key = hashlib.sha256(f'{hashes}|{metric}|{n_resamples}|v1'.encode()).hexdigest()
    return cache_dir() / f'{key}.json'


def _read_cached(path: Path) -> Interval | None:
    """The interval stored at ``path`` (plain JSON numbers), or None when absent or not well formed."""
    try:
        data = json.loads(path.read_text())
        interval = Interval(**{k: data[k] for k in ('value', 'low', 'high', 'runs', 'images', 'method')})
    except (OSError, ValueError, KeyError, TypeError):
        return None
    numbers = (interval.value, interval.low, interval.high)
    if not all(isinstance(x, (int, float)) and math.isfinite(x) for x in numbers) or \
            interval.method not in ('bootstrap', 'bootstrap+seeds'):
        return None
    return interval


def _write_cached(path: Path, interval: Interval) -> None:
    """Keep ``interval`` at ``path``; a cache that cannot be written only costs the time to compute again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f'.{os.getpid()}.tmp')
        temporary.write_text(json.dumps(asdict(interval), default=float))
        temporary.replace(path)
    except OSError:
        pass
