"""`mimbench evaluate` on fewer devices than a recipe's and with activation checkpointing: what the derived
configs hold, what the dry run prints (the savers' notes and the committed memory/time measurements), and the
errors for a device count that cannot keep the recipe's batch."""
from __future__ import annotations

import pandas as pd
import pytest
from mmengine.config import Config

import mimbench  # noqa: F401
from mimbench.cli import main
from mimbench.transfer import estimates

VIT_B = '--checkpoint none --backbone vit-b --scale full'


@pytest.fixture(autouse=True)
def measurements(tmp_path_factory, monkeypatch):
    """A results folder holding CPU measurements of the COCO and ImageNet ViT-B recipes (the dry run reads
    ``benchmarks/results`` otherwise, whose figures change with each sweep)."""
    folder = tmp_path_factory.mktemp('results')
    common = dict(device='cpu', device_name='1 CPU thread', dtype='fp32', activation_checkpointing=False,
                  small_batches='1', measured_batch=float('nan'), estimate=True, error=float('nan'))
    pd.DataFrame([
        dict(common, config='mask-rcnn_vit-base-p16_mae_8xb8-lsj-100e_coco', batch_per_device=8, devices=8,
             peak_mem_GiB=21.5, s_per_iter=160., img_per_s=0.05, schedule_iters=183300, device_hours=65173.),
        dict(common, config='finetune_vit-base-p16_mae_8xb128-100e_in1k', batch_per_device=128, devices=8,
             peak_mem_GiB=30.1, s_per_iter=200., img_per_s=0.64, schedule_iters=125200, device_hours=55644.),
    ]).to_csv(folder / 'transfer_step_cpu.csv', index=False)
    monkeypatch.setattr(estimates, 'RESULTS', folder)
    return folder


def evaluate(tmp_path, *extra) -> int:
    return main(['evaluate', *VIT_B.split(), '--work-dir', str(tmp_path), '--dry-run', *map(str, extra)])


def derived(tmp_path, task: str) -> Config:
    return Config.fromfile(str(tmp_path / 'random_vit-b' / task / f'{task}.py'))


def test_one_process_accumulates_the_recipes_batch_and_checkpoints(tmp_path, capsys):
    assert evaluate(tmp_path, '--tasks', 'coco,ade20k', '--activation-checkpointing') == 0
    out = capsys.readouterr().out
    coco, ade = derived(tmp_path, 'coco'), derived(tmp_path, 'ade20k')
    assert coco.optim_wrapper.accumulative_counts == 8 and coco.model.backbone.with_cp is True
    assert coco.param_scheduler[0].end == 8 * 250                     # iteration warm-up stretched
    assert coco.optim_wrapper.type == 'AmpOptimWrapper'                # the recipe's wrapper is kept
    assert ade.train_cfg.max_iters == 8 * 126313 and ade.optim_wrapper.accumulative_counts == 8
    assert out.count('accumulating 8 micro-batches per step') == 2
    assert 'activation checkpointing on (model.backbone.with_cp)' in out
    # the CPU measurement of the COCO recipe, and what is missing: the GPU, checkpointing, the ADE20K recipe
    assert 'peak memory 21.5 GiB per device at batch 8 (extrapolated from batch 1)' in out
    assert '65,173 device-hours' in out and 'cuda: not measured yet' in out
    assert 'cpu: not measured with activation checkpointing' in out
    assert 'no measurement of upernet_vit-base-p16_mae_8xb2-126k_ade20k' in out


def test_more_processes_accumulate_less_and_auto_scale_lr_instead(tmp_path, capsys):
    assert evaluate(tmp_path, '--tasks', 'in1k', '--launcher', 'pytorch', '--gpus', '4') == 0
    cfg = derived(tmp_path, 'in1k')
    assert cfg.optim_wrapper.accumulative_counts == 2 and cfg.auto_scale_lr.enable is False
    assert 'about 13,911 h wall-clock on 4' in capsys.readouterr().out   # 55,644 device-hours / 4
    assert evaluate(tmp_path, '--tasks', 'in1k', '--launcher', 'pytorch', '--gpus', '4',
                    '--accumulate', '1', '--auto-scale-lr') == 0
    cfg = derived(tmp_path, 'in1k')
    assert cfg.auto_scale_lr.enable is True and 'accumulative_counts' not in cfg.optim_wrapper
    assert evaluate(tmp_path, '--tasks', 'in1k', '--accumulate', '1') == 0
    assert 'accumulative_counts' not in derived(tmp_path, 'in1k').optim_wrapper


def test_device_counts_that_cannot_keep_the_batch_fail_with_a_message(tmp_path, capsys):
    assert evaluate(tmp_path, '--tasks', 'coco', '--launcher', 'pytorch', '--gpus', '3') == 2
    err = ' '.join(capsys.readouterr().err.split())
    assert '3 processes cannot keep that total batch' in err and '--auto-scale-lr' in err
    assert evaluate(tmp_path, '--tasks', 'coco', '--accumulate', 'two') == 2
    assert "--accumulate takes a whole number" in ' '.join(capsys.readouterr().err.split())
    assert evaluate(tmp_path, '--tasks', 'coco', '--accumulate', '2', '--auto-scale-lr') == 2
