"""Time the leaderboard on 10,000 result records: read from disk, aggregate, fill all paper tables.

    .venv/bin/python benchmarks/leaderboard_speed.py [N]

Target (issue 3): 10,000 records aggregated in well under 2 s. Prints the time of each stage.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from mimbench.leaderboard import tables
from mimbench.leaderboard.combined import combined_frame
from mimbench.leaderboard.records import aggregate_records
from mimbench.leaderboard.reference import load_reference
from mimbench.leaderboard.specs import SPECS
from mimbench.results import ResultRecord, collect_records


def synthetic_records(n: int) -> list[ResultRecord]:
    methods = ['mae', 'simmim', 'mixmim', 'cim-respix', 'cim-revdet', 'random', 'supervised']
    backbones = ['vit-b', 'vit-l', 'swin-b', 'mixmim-b', 'vit-smoke']
    evals = [('in1k', 'top1'), ('coco', 'ap_box'), ('ade20k', 'miou'), ('inat2018', 'top1'),
             ('places365', 'top1')]
    out = []
    for i in range(n):
        task, metric = evals[i % len(evals)]
        out.append(ResultRecord(task=task, method=methods[i % 7], backbone=backbones[(i // 7) % 5],
                                metrics={metric: 40.0 + i % 13}, best_metrics={metric: 41.0 + i % 13},
                                seed=i // 175, pretrain={'epochs': 100 * (1 + i % 4)},
                                date='2026-01-01T00:00:00+00:00'))
    return out


def main(n: int = 10_000) -> None:
    records = synthetic_records(n)
    reference = load_reference()
    with tempfile.TemporaryDirectory() as tmp:
        for i, r in enumerate(records):
            Path(tmp, f'r{i:05d}.json').write_text(json.dumps(asdict(r)))
        t0 = time.perf_counter()
        loaded, problems = collect_records([tmp])
        t1 = time.perf_counter()
    assert len(loaded) == n and not problems
    groups = aggregate_records(loaded)
    t2 = time.perf_counter()
    for spec in SPECS:
        tables.to_markdown(tables.build_table(spec, reference, groups))
    combined_frame(reference, groups)
    t3 = time.perf_counter()
    print(f'{n} records: read+validate {t1 - t0:.2f} s, aggregate {t2 - t1:.2f} s, '
          f'{len(SPECS)} tables + combined {t3 - t2:.2f} s')


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
