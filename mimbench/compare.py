"""``mimbench compare A B``: is encoder A better than encoder B, task by task, beyond the noise?

    mimbench compare work_dirs/evaluate/mae_vit-b work_dirs/evaluate/random_vit-b [--csv out.csv]

A and B are record folders, ``mimbench evaluate`` work dirs or record files, each holding the runs of one
encoder (any number of seeds per task). For every (task, metric, scale, schedule, resolution, variant) that
both hold, the command prints A, B, the paired difference delta = A - B with its 95% interval and two-sided
p-value (:func:`mimbench.stats.paired_difference`: paired bootstrap over the shared validation images,
McNemar's exact test for top-1 with one run per side, a t test combining image and seed noise with several),
the test used and how many runs and images went in. Runs without per-sample sidecars are listed as problems;
their tasks get no test.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict

import pandas as pd

from mimbench.leaderboard.records import setting_variant

KEY = ('task', 'metric', 'scale', 'finetune_epochs', 'resolution', 'variant')
COLUMNS = ['task', 'metric', 'scale', 'variant', 'a', 'b', 'delta', 'ci_low', 'ci_high', 'p_value', 'test',
           'p_bootstrap', 'runs_a', 'runs_b', 'images', 'encoder_a', 'encoder_b']


def _settings(records) -> dict[tuple, dict[tuple, list]]:
    """{setting key: {(method, backbone): [records]}} (a record counts once per metric)."""
    out: dict[tuple, dict[tuple, list]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        for metric in r.metrics:
            key = (r.task, metric, r.scale, r.epochs, r.resolution, setting_variant(r))
            out[key][(r.method, r.backbone)].append(r)
    return out


def compare(paths_a, paths_b, n_resamples: int = 1000, confidence: float = 0.95
            ) -> tuple[pd.DataFrame, list[str]]:
    """The comparison table (one row per shared setting) and the problem lines."""
    from mimbench.results import collect_records
    from mimbench.samples import SidecarError, record_outcomes
    from mimbench.stats import paired_difference

    records_a, problems = collect_records(paths_a)
    records_b, more = collect_records(paths_b)
    problems += more
    side_a, side_b = _settings(records_a), _settings(records_b)
    rows = []
    for key in sorted(set(side_a) & set(side_b), key=lambda k: tuple(str(v) for v in k)):
        task, metric, scale, _, _, variant = key
        encoders = []
        for name, side in (('A', side_a[key]), ('B', side_b[key])):
            if len(side) > 1:
                found = ', '.join(f'{m} {b}' for m, b in side)
                problems.append(f'{name} holds several encoders for {task} {metric} ({found}); give the '
                                'folder of one encoder per side')
            encoders.append(next(iter(side.items())))
        if any(len(side_x) > 1 for side_x in (side_a[key], side_b[key])):
            continue
        (enc_a, recs_a), (enc_b, recs_b) = encoders
        try:
            runs_a = [record_outcomes(r) for r in recs_a]
            runs_b = [record_outcomes(r) for r in recs_b]
            d = paired_difference(runs_a, runs_b, metric, confidence=confidence, n_resamples=n_resamples)
        except (SidecarError, KeyError, ValueError) as err:
            problems.append(f'{task} {metric}: no paired test ({err})')
            continue
        rows.append({'task': task, 'metric': metric, 'scale': scale, 'variant': variant, 'a': d.a, 'b': d.b,
                     'delta': d.delta, 'ci_low': d.low, 'ci_high': d.high, 'p_value': d.p_value,
                     'test': d.test,
                     'p_bootstrap': d.p_bootstrap, 'runs_a': d.runs_a, 'runs_b': d.runs_b, 'images': d.images,
                     'encoder_a': ' '.join(enc_a), 'encoder_b': ' '.join(enc_b)})
    return pd.DataFrame(rows, columns=COLUMNS), problems


def _p(value: float) -> str:
    return '<0.001' if value < 1e-3 else f'{value:.3f}'


def print_table(frame: pd.DataFrame, confidence: float) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title='A − B, paired over the shared validation images')
    for header in ('task', 'metric', 'scale', 'A', 'B', 'Δ', f'{confidence:.0%} interval', 'p', 'test',
                   'runs A/B', 'images'):
        table.add_column(header, justify='left' if header in ('task', 'metric', 'scale', 'test') else 'right')
    for r in frame.itertuples(index=False):
        table.add_row(r.task + (f' ({r.variant})' if isinstance(r.variant, str) else ''), r.metric, r.scale,
                      f'{r.a:.2f}', f'{r.b:.2f}', f'{r.delta:+.2f}', f'[{r.ci_low:+.2f}, {r.ci_high:+.2f}]',
                      _p(r.p_value), r.test, f'{r.runs_a}/{r.runs_b}', str(r.images))
    console = Console()
    console.width = max(console.width, 150)    # a table piped to a file or a log keeps its rows whole
    console.print(table)


def run(args: argparse.Namespace) -> int:
    if not 0 < args.confidence < 1 or args.resamples < 10:
        print('mimbench compare: --confidence must lie in (0, 1) and --resamples be at least 10',
              file=sys.stderr)
        return 2
    frame, problems = compare([args.a], [args.b], args.resamples, args.confidence)
    for line in problems:
        print(f'problem: {line}', file=sys.stderr)
    if frame.empty:
        print('mimbench compare: A and B share no task with per-sample outcomes on both sides; expected '
              'record folders (or mimbench evaluate work dirs) of two encoders evaluated on the same tasks '
              'by a mimbench that writes sidecars', file=sys.stderr)
        return 2
    encoders = f'A = {frame["encoder_a"].iloc[0]}, B = {frame["encoder_b"].iloc[0]}'
    print(encoders)
    print_table(frame, args.confidence)
    if args.csv:
        frame.to_csv(args.csv, index=False, float_format='%.6g')
        print(f'wrote {args.csv}')
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser('compare', help='paired difference of two encoders on every shared task',
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('a', metavar='A',
                        help='records of encoder A (results folder, work dir or record file)')
    parser.add_argument('b', metavar='B', help='records of encoder B')
    parser.add_argument('--resamples', type=int, default=1000, help='bootstrap resamples (default 1000)')
    parser.add_argument('--confidence', type=float, default=0.95, help='interval level (default 0.95)')
    parser.add_argument('--csv', help='also write the table as CSV')
    parser.set_defaults(func=run)
