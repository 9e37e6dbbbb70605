"""Leaderboard cells with intervals from per-sample sidecars: one run (bootstrap), seeds (combined), the
verdict against the paper, schema-1 records without intervals, and bad sidecars as problem lines."""
from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from mimbench.leaderboard import build_leaderboards, tables
from mimbench.leaderboard.build import render
from mimbench.results import ResultRecord, write_record
from mimbench.samples import ClassificationOutcomes, write_sidecar


def top1_run(accuracy: float, seed: int, n: int = 1000) -> ClassificationOutcomes:
    rng = np.random.default_rng(seed)
    target = np.arange(n) % 1000
    topk = (target[:, None] + 1 + np.arange(5)) % 1000
    right = rng.permutation(n) < round(accuracy * n / 100)
    topk[right, 0] = target[right]
    ids = np.array([f'val/{i:05d}.JPEG' for i in range(n)])
    return ClassificationOutcomes(topk=topk, target=target, ids=ids,
                                  aliases={'top1': 'top1', 'top5': 'top5'})


def write_run(folder, outcomes, seed, method='mae', backbone='vit-b', scale='full', samples=True, **kw):
    record = ResultRecord(task='in1k', method=method, backbone=backbone, scale=scale, seed=seed,
                          metrics={'top1': outcomes.metric('top1')}, date='2026-01-01T00:00:00+00:00',
                          pretrain={'epochs': 1600}, **kw)
    if samples:
        record.samples = write_sidecar(outcomes, folder, f'in1k-{method}-{seed}')
    return write_record(record, folder)


def markdown_cell(text: str, row: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f'| {row} |'))


def test_cells_show_intervals_and_verdicts(tmp_path):
    """MAE ViT-B IN-1K top-1 (mae.txt Table 3: 83.6) from three seeds near 83.5: within the interval; a
    MAE ViT-L run far below its paper value (85.9): outside; a schema-1 record: mean only."""
    for seed, acc in enumerate((83.4, 83.5, 83.7)):
        write_run(tmp_path / 'mae', top1_run(acc, seed), seed)
    write_run(tmp_path / 'vit-l', top1_run(70.0, 9), 0, backbone='vit-l')
    v2 = write_run(tmp_path / 'old', top1_run(80.0, 3), 0, method='simmim', backbone='swin-b', samples=False)
    old = json.loads(v2.read_text())
    v2.unlink()
    old['schema_version'] = 1
    for key in ('recipe', 'samples', 'cost', 'probe'):
        old.pop(key)
    (tmp_path / 'old' / 'v1.json').write_text(json.dumps(old))
    texts, data, problems = render([tmp_path / 'mae', tmp_path / 'vit-l', tmp_path / 'old'])
    assert problems == []
    groups = data['groups'].set_index('backbone')
    assert groups.loc['vit-b', 'ci_method'] == 'bootstrap+seeds'
    assert groups.loc['vit-l', 'ci_method'] == 'bootstrap'
    assert groups.loc['vit-b', 'ci_low'] < 83.5 < groups.loc['vit-b', 'ci_high']
    assert np.isnan(groups.loc['swin-b', 'ci_low'])           # no sidecar: no interval, still aggregated
    mae = markdown_cell(texts['mae/table3.md'], 'MAE').split(' | ')
    assert mae[1].startswith('<u>83.6</u> / 83.5 [') and mae[1].endswith('] (-0.1 ✓)')
    assert mae[2].startswith('<u>85.9</u> / 70.0 [') and mae[2].endswith('] (-15.9 ✗)')
    assert '82.8–83.6 / 83.5 [' in markdown_cell(texts['combined.md'], 'MAE | ViT-B')   # papers differ: no Δ
    frame = data['groups']
    assert set(frame.columns) >= {'ci_low', 'ci_high', 'ci_method'}
    csv_rows = [line for line in texts['combined.csv'].splitlines() if line.startswith('mae,vit-b,in1k,top1')]
    assert csv_rows and csv_rows[0].endswith(',')       # no verdict where the papers disagree
    table3 = pd.read_csv(io.StringIO(texts['mae/table3.csv'])).set_index(['row', 'column'])
    assert table3.loc[('MAE', 'ViT-B'), 'verdict'] == 'within'
    assert table3.loc[('MAE', 'ViT-L'), 'verdict'] == 'outside'
    assert pd.isna(table3.loc[('MAE', 'ViT-H'), 'verdict'])


def test_bad_or_missing_sidecars_are_problem_lines_not_crashes(tmp_path):
    good = write_run(tmp_path, top1_run(83.0, 0), 0)
    missing = write_run(tmp_path, top1_run(83.0, 1), 1)
    record = json.loads(missing.read_text())
    (tmp_path / record['samples']['path']).unlink()
    altered = write_run(tmp_path / 'b', top1_run(70.0, 2), 0, method='simmim', backbone='vit-b')
    sidecar = tmp_path / 'b' / json.loads(altered.read_text())['samples']['path']
    sidecar.write_bytes(sidecar.read_bytes()[:-10] + b'0123456789')
    written = build_leaderboards([tmp_path], tmp_path / 'lb', plots=False)
    problems = written['problems'].read_text()
    assert 'per-sample sidecar is missing' in problems and 'sha256 differs' in problems
    table = (tmp_path / 'lb' / 'mae' / 'table3.md').read_text()
    # averaged, without an interval
    assert '<u>83.6</u> / **83.0±0.0** (-0.6)' in markdown_cell(table, 'MAE')
    assert good.exists()


@pytest.mark.parametrize('scale', ['smoke'])
def test_smoke_cells_show_the_interval_but_no_verdict(tmp_path, scale):
    write_run(tmp_path, top1_run(20.0, 0, n=64), 0, backbone='vit-smoke', scale=scale)
    texts, data, _ = render([tmp_path])
    row = data['groups'].iloc[0]
    assert row['ci_method'] == 'bootstrap' and row['ci_low'] < 20.0 < row['ci_high']
    row = markdown_cell(texts['combined.md'], 'MAE | ViT-smoke')
    assert '– / 20.3 [' in row and '] (smoke) |' in row
    assert row.split('] (smoke) |', 1)[1].replace('|', '').strip() == ''  # every other task's cell is empty
    cell = tables.Cell(paper=80.0, repro=20.0, scale='smoke', ci_low=10.0, ci_high=30.0)
    assert cell.verdict is None


def test_intervals_are_computed_once_and_read_back_as_data(tmp_path, monkeypatch):
    """The bootstrap is deterministic, so a rebuilt leaderboard reads each interval from the cache (COCO's
    cost about half a minute per metric and run); an entry that does not parse is computed again."""
    from mimbench.leaderboard import intervals

    monkeypatch.setenv('MIMBENCH_CACHE', str(tmp_path / 'cache'))
    for seed, acc in enumerate((83.4, 83.7)):
        write_run(tmp_path / 'mae', top1_run(acc, seed), seed)
    first = render([tmp_path / 'mae'])[1]['groups'][['ci_low', 'ci_high', 'ci_method']]
    entries = list((tmp_path / 'cache' / 'intervals').glob('*.json'))
    assert len(entries) == 1

    def fail(*args, **kwargs):
        raise AssertionError('computed again')
    with monkeypatch.context() as patch:
        patch.setattr(intervals, 'metric_interval', fail)
        again = render([tmp_path / 'mae'])[1]['groups'][['ci_low', 'ci_high', 'ci_method']]
    pd.testing.assert_frame_equal(first, again)
    entries[0].write_text('{"value": "__import__(\'os\')", "low": 1}')          # not numbers: recomputed
    pd.testing.assert_frame_equal(first, render([tmp_path / 'mae'])[1]['groups'][first.columns])
    assert json.loads(entries[0].read_text())['method'] == 'bootstrap+seeds'
