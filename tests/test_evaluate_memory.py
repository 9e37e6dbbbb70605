"""`mimbench evaluate` on fewer devices than a recipe's and with activation checkpointing: what the derived
configs hold, what the dry run prints (the savers' notes and the committed memory/time measurements), and the
errors for a device count that cannot keep the recipe's batch."""
from __future__ import annotations

from mmengine.config import Config

import mimbench  # noqa: F401
from mimbench.cli import main

VIT_B = '--checkpoint none --backbone vit-b --scale full'


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
    # the committed CPU measurement of the COCO recipe, and what is missing
    assert 'GiB per device at batch 8' in out and 'device-hours' in out
    assert 'cuda: not measured yet' in out


def test_more_processes_accumulate_less_and_auto_scale_lr_instead(tmp_path, capsys):
    assert evaluate(tmp_path, '--tasks', 'in1k', '--launcher', 'pytorch', '--gpus', '4') == 0
    cfg = derived(tmp_path, 'in1k')
    assert cfg.optim_wrapper.accumulative_counts == 2 and cfg.auto_scale_lr.enable is False
    assert 'about' in capsys.readouterr().out                         # wall-clock on the 4 processes
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
