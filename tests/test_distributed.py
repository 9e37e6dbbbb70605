"""Distributed runs through mmengine's launchers work without a GPU: a 2-process torchrun run on CPU (gloo)
reaches the same weights and metric as the 1-process run with the same global batch.

The model has no BatchNorm and no stochastic layers and the pipeline no random augmentation, so the only
difference between the two runs is how the batch is split: DDP averages the two half-batch gradients,
which equals the full-batch mean.
"""

import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from PIL import Image

import mimbench  # noqa: F401  (weights-only loading of mmengine checkpoints)

# the torchrun runs share one pytest-xdist worker (tools/test.sh uses --dist loadgroup): two gloo jobs
# starting at once on a 2-core machine only compete for the cores
pytestmark = pytest.mark.xdist_group('torchrun')

CONFIG = """
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mimbench'], allow_failed_imports=False)
model = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor', num_classes=4,
                           mean=[127.5] * 3, std=[127.5] * 3),
    backbone=dict(type='mmpretrain.VisionTransformer', img_size=32, patch_size=16,
                  arch=dict(embed_dims=48, num_layers=2, num_heads=3, feedforward_channels=96)),
    neck=None,
    head=dict(type='mmpretrain.VisionTransformerClsHead', num_classes=4, in_channels=48,
              loss=dict(type='mmpretrain.CrossEntropyLoss')))
pipeline = [dict(type='mmpretrain.LoadImageFromFile'), dict(type='mmpretrain.PackInputs')]
train_dataloader = dict(batch_size=8, num_workers=0,
                        sampler=dict(type='DefaultSampler', shuffle=True, seed=0),
                        dataset=dict(type='mmpretrain.CustomDataset', data_root='{root}', pipeline=pipeline))
val_dataloader = dict(batch_size=4, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
                      dataset=dict(type='mmpretrain.CustomDataset', data_root='{root}', pipeline=pipeline))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1,))
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=2)
val_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05))
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=2),
                     logger=dict(type='LoggerHook', interval=1))
randomness = dict(seed=0)
custom_hooks = [dict(type='mimbench.ResultRecordHook')]
mimbench = dict(task='in1k', method='random', backbone='vit-smoke', scale='smoke')
"""


def _data(root):
    rng = np.random.default_rng(0)
    for c in range(4):
        (root / f'c{c}').mkdir(parents=True)
        for i in range(6):
            img = np.full((32, 32, 3), 50 * c, np.uint8) + rng.integers(0, 40, (32, 32, 3), dtype=np.uint8)
            Image.fromarray(img).save(root / f'c{c}' / f'{i}.png')


def _run(cmd, cwd):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def _accuracy(log):
    found = re.findall(r'accuracy/top1: ([0-9.]+)', log)
    assert found, log[-2000:]
    return float(found[-1])


def test_torchrun_cpu_matches_single_process(tmp_path):
    _data(tmp_path / 'data')
    cfg = tmp_path / 'tiny_cls.py'
    cfg.write_text(textwrap.dedent(CONFIG).replace('{root}', str(tmp_path / 'data')))
    single = _run(
        [sys.executable, '-m', 'mimbench.train', str(cfg), '--work-dir', str(tmp_path / 'one')], tmp_path
    )
    torchrun = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2']
    train = ['-m', 'mimbench.train', str(cfg), '--work-dir', str(tmp_path / 'two'), '--launcher', 'pytorch']
    # same global batch: 2 processes x 4 images
    double = _run([*torchrun, *train, '--cfg-options', 'train_dataloader.batch_size=4'], tmp_path)
    assert 'Distributed training: True' in double and 'Distributed training: False' in single
    one = torch.load(tmp_path / 'one' / 'epoch_2.pth', weights_only=True)['state_dict']
    two = torch.load(tmp_path / 'two' / 'epoch_2.pth', weights_only=True)['state_dict']
    for key in one:
        torch.testing.assert_close(two[key], one[key], rtol=1e-4, atol=1e-5, msg=key)
    assert _accuracy(single) == _accuracy(double)
    # and the result records agree: same metrics, same steps
    from mimbench.results import read_record

    (one_rec,) = [read_record(p) for p in (tmp_path / 'one' / 'results').glob('*.json')]
    (two_rec,) = [read_record(p) for p in (tmp_path / 'two' / 'results').glob('*.json')]
    assert one_rec.metrics == two_rec.metrics and one_rec.iters == two_rec.iters
    # per-image outcomes gathered from both ranks in dataset order, written once, by rank 0
    from mimbench.samples import record_outcomes

    one_out, two_out = record_outcomes(one_rec), record_outcomes(two_rec)
    assert np.array_equal(one_out.ids, two_out.ids) and np.array_equal(one_out.topk, two_out.topk)
    assert len(list((tmp_path / 'two' / 'results').glob('*.samples.npz'))) == 1
    assert (one_rec.cost['device_count'], two_rec.cost['device_count']) == (1, 2)
    assert one_rec.cost['train_images'] == two_rec.cost['train_images']


def test_evaluate_runs_a_task_under_torchrun(tmp_path):
    """`mimbench evaluate --launcher pytorch --gpus 2` starts torchrun per task and collects its record."""
    from mimbench.cli import main
    from mimbench.datasets.synthetic import make_all
    from mimbench.results import read_record

    make_all(tmp_path / 'data', tasks=('in1k',))
    assert (
        main(
            [
                'evaluate',
                '--checkpoint',
                'none',
                '--backbone',
                'vit-smoke',
                '--scale',
                'smoke',
                '--tasks',
                'in1k',
                '--launcher',
                'pytorch',
                '--gpus',
                '2',
                '--data-root',
                str(tmp_path / 'data'),
                '--work-dir',
                str(tmp_path / 'ev'),
                '--leaderboard-dir',
                str(tmp_path / 'lb'),
            ]
        )
        == 0
    )
    (record,) = [read_record(p) for p in (tmp_path / 'ev').glob('**/results/*.json')]
    assert record.task == 'in1k' and record.method == 'random' and 'top1' in record.metrics
    assert "'launcher': 'pytorch'" in record.resolved_config


def test_a_rank_that_aborts_shows_where():
    """`mimbench train` under a launcher turns on faulthandler: a C++ abort in a rank prints the Python stack
    of every thread instead of leaving only torchrun's 'Signal 6'."""
    code = 'from mimbench.train import _report_fatal_signals; _report_fatal_signals(); import os; os.abort()'
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert result.returncode == -6
    assert 'Fatal Python error: Aborted' in result.stderr and 'line 1' in result.stderr, result.stderr
