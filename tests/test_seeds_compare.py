"""``mimbench evaluate --seeds``: one run per seed in its own work dir, records keyed by the seed actually
used, resume per seed, intervals over seeds on the leaderboard; ``mimbench train --seed``;
``mimbench compare``."""
from __future__ import annotations

import json

import pytest
import torch

import mimbench  # noqa: F401
from mimbench.cli import main
from mimbench.results import read_record


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    from mmpretrain.models import VisionTransformer
    torch.manual_seed(0)
    vit = VisionTransformer(arch=dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384),
                            img_size=64, patch_size=16)
    path = tmp_path_factory.mktemp('ckpt') / 'vit_smoke.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in vit.state_dict().items()}, 'meta': {}}, path)
    return path


def test_seeds_run_resume_aggregate_and_compare(tmp_path, capsys, checkpoint, tiny_data_root):
    work, board = tmp_path / 'ev', tmp_path / 'lb'
    common = ['--scale', 'smoke', '--tasks', 'places205', '--data-root', str(tiny_data_root),
              '--seeds', '0,1', '--work-dir', str(work), '--leaderboard-dir', str(board)]
    assert main(['evaluate', '--checkpoint', 'none', '--backbone', 'vit-smoke', *common, '--dry-run']) == 0
    runs = work / 'random_vit-smoke' / 'places205'
    for seed in (0, 1):
        assert f'randomness = dict(seed={seed})' in (runs / f'seed{seed}' / 'places205.py').read_text()
    assert main(['evaluate', '--checkpoint', 'none', '--backbone', 'vit-smoke', *common]) == 0
    for seed in (0, 1):
        record = read_record(next((runs / f'seed{seed}' / 'results').glob('*.json')))
        assert record.seed == seed and record.samples['kind'] == 'classification'
        assert f"'randomness': {{'seed': {seed}}}" in record.resolved_config
    capsys.readouterr()
    assert main(['evaluate', '--checkpoint', 'none', '--backbone', 'vit-smoke', *common]) == 0   # resumes
    assert capsys.readouterr().err.count('finished earlier, skipped') == 2
    combined = (board / 'combined.csv').read_text()
    row = next(line for line in combined.splitlines() if line.startswith('random,vit-smoke,places205'))
    assert ',2,smoke,' in row                             # two runs averaged, with an interval
    groups_row = [line for line in (board / 'compute.csv').read_text().splitlines() if 'places205' in line]
    assert groups_row and ',smoke,' in groups_row[0]

    assert main(['evaluate', '--checkpoint', str(checkpoint), '--method', 'mae', *common]) == 0
    capsys.readouterr()
    csv = tmp_path / 'compare.csv'
    assert main(['compare', str(work / 'mae_vit-smoke'), str(work / 'random_vit-smoke'), '--resamples', '200',
                 '--csv', str(csv)]) == 0
    out = capsys.readouterr().out
    assert 'A = mae vit-smoke, B = random vit-smoke' in out and 'places205' in out
    table = csv.read_text().splitlines()
    assert len(table) == 2 and ',t (bootstrap+seeds),' in table[1] and ',2,2,' in table[1]
    # the same folder on both sides: nothing differs
    assert main(['compare', str(work / 'mae_vit-smoke'), str(work / 'mae_vit-smoke'), '--csv', str(csv)]) == 0
    row = dict(zip(*[line.split(',') for line in csv.read_text().splitlines()]))
    assert float(row['delta']) == 0.0 and float(row['p_value']) == 1.0


def test_bad_seeds_and_train_seed(tmp_path, capsys, tiny_data_root):
    assert main(['evaluate', '--checkpoint', 'none', '--backbone', 'vit-smoke', '--scale', 'smoke',
                 '--seeds', '0,x', '--work-dir', str(tmp_path), '--dry-run']) == 2
    assert "--seeds '0,x': expected distinct non-negative integers" in capsys.readouterr().err
    assert main(['compare', str(tmp_path / 'a'), str(tmp_path / 'b')]) == 2
    assert 'share no task' in capsys.readouterr().err
    from mimbench.transfer.tasks import TASKS, task_config
    root = f'{tiny_data_root / TASKS["places205"].data_dir}/'
    options = [f'{split}_dataloader.dataset.data_root={root}' for split in ('train', 'val')]
    from mimbench.smoke import write_smoke_config
    twin = str(write_smoke_config(task_config('places205', 'vit', 'smoke'), tmp_path / 'places205_smoke.py'))
    assert main(['train', twin, '--work-dir', str(tmp_path / 'w'),
                 '--seed', '3', '--cfg-options', 'model.backbone.init_cfg=None', 'mimbench.method=random',
                 *options]) == 0
    record = json.loads(next((tmp_path / 'w' / 'results').glob('*.json')).read_text())
    assert record['seed'] == 3
