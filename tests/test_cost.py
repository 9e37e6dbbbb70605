"""The record's ``cost`` and ``samples`` fields: validation, the meter's arithmetic across a resume, and the
pre-training facts read from a mimbench checkpoint's plain-data provenance."""
from __future__ import annotations

import json

import pytest
import torch

from mimbench.cost import CostMeter, IN1K_TRAIN_IMAGES, pretrain_cost, validate_cost
from mimbench.results import ResultRecord, read_record, write_record


def test_cost_and_samples_fields_are_validated(tmp_path):
    good = dict(task='in1k', method='mae', backbone='vit-b', metrics={'top1': 80.0}, date='2026-01-01')
    path = write_record(ResultRecord(**good, cost={'wall_s': 10.0, 'device': 'cpu: x', 'device_count': 2},
                                     samples={'path': 'a.samples.npz', 'sha256': 'ab' * 32,
                                              'kind': 'classification'}), tmp_path)
    assert read_record(path).path == str(path)
    bad = [({'cost': {'wall_s': -1.0}}, "cost field 'wall_s' must be a non-negative number"),
           ({'cost': {'gpu_hours': 1.0}}, "cost has unknown field 'gpu_hours'"),
           ({'cost': {'device': 3}}, "cost field 'device' must be a str"),
           ({'samples': {'path': '../elsewhere.npz', 'sha256': 'ab' * 32, 'kind': 'classification'}},
            'must be a file name relative to the record'),
           ({'samples': {'path': '/abs.npz', 'sha256': 'ab' * 32, 'kind': 'classification'}},
            'must be a file name relative to the record'),
           ({'samples': {'path': 'a.npz', 'sha256': 'xyz', 'kind': 'classification'}}, 'not a lowercase hex'),
           ({'samples': {'path': 'a.npz', 'sha256': 'ab' * 32, 'kind': 'pickle'}}, "samples.kind 'pickle'"),
           ({'path': 'x'}, "unknown field(s): path")]
    for change, message in bad:
        data = json.loads(path.read_text())
        data.update(change)
        (tmp_path / 'bad.json').write_text(json.dumps(data))
        with pytest.raises(ValueError, match=message.replace('(', r'\(').replace(')', r'\)')):
            read_record(tmp_path / 'bad.json')


def test_meter_adds_up_training_time_images_and_resumed_segments():
    meter = CostMeter()
    meter.start_training()
    for _ in range(3):
        meter.iteration_done(8)
    meter.validation_started()
    meter.validation_done()
    state = meter.state()
    later = CostMeter()
    later.restore(state)
    later.start_training()
    later.iteration_done(8)
    cost = later.summary(world_size=4, peak_mb=123.4)
    assert cost['train_images'] == 32 and cost['device_count'] == 4
    assert cost['wall_s'] >= round(state['wall_s'], 3)
    assert cost['device_hours'] == pytest.approx(cost['wall_s'] * 4 / 3600, rel=1e-4)
    assert cost['peak_memory_mb'] == 123.4 and cost['images_per_s'] > 0
    validate_cost(cost)
    later.restore({'wall_s': 'not a number'})     # ignored: only plain numbers are trusted
    assert later.previous_s == state['wall_s']


def test_pretrain_facts_come_from_the_checkpoint_provenance(tmp_path):
    path = tmp_path / 'pre.pth'
    provenance = {'method': 'mae', 'backbone': 'vit-smoke', 'epochs': 1600, 'epoch': 1600,
                  'config': 'mae_vit-base-p16_8xb512-coslr-1600e_in1k_smoke.py'}
    torch.save({'state_dict': {}, 'meta': {'mimbench': provenance}}, path)
    smoke = pretrain_cost(str(path))
    assert smoke['pretrain_epochs'] == 1600 and smoke['pretrain_gflops_per_image'] > 0
    assert 'pretrain_pflops' not in smoke          # a smoke corpus is not ImageNet-1K: no total
    provenance['config'] = 'mae_vit-base-p16_8xb512-coslr-1600e_in1k.py'
    torch.save({'state_dict': {}, 'meta': {'mimbench': provenance}}, path)
    full = pretrain_cost(str(path), {'pretrain_gflops_per_image': 10.0})
    assert full['pretrain_pflops'] == pytest.approx(3 * 10.0 * 1600 * IN1K_TRAIN_IMAGES / 1e6, rel=1e-6)
    assert pretrain_cost(None, {'epochs': 800}) == {'pretrain_epochs': 800.0}
    assert pretrain_cost(str(tmp_path / 'missing.pth')) == {}


def test_pretrain_cost_takes_the_shared_read_and_the_record_s_epochs(tmp_path, monkeypatch):
    """One read per checkpoint: evaluate's planning (describe_checkpoint) and the cost share it. An
    intermediate checkpoint (epoch 400 of an 800-epoch schedule) cost 400 epochs, as the record's ``pretrain``
    says; the schedule's length is kept as ``pretrain_schedule_epochs``."""
    from mimbench.checkpoints import formats
    from mimbench.checkpoints.facts import describe_checkpoint
    from mimbench.evaluate import provenance_labels

    path = tmp_path / 'epoch_400.pth'
    provenance = {'method': 'mae', 'backbone': 'vit-smoke', 'epochs': 800, 'epoch': 400,
                  'config': 'mae_vit-base-p16_8xb512-coslr-1600e_in1k.py'}
    state = {'backbone.cls_token': torch.zeros(1, 1, 96)}
    torch.save({'state_dict': state, 'meta': {'mimbench': provenance}}, path)
    reads = []
    load_file = formats.load_file
    monkeypatch.setattr(formats, 'load_file', lambda *a, **k: reads.append(a) or load_file(*a, **k))
    formats.clear_cache()
    labels = provenance_labels(describe_checkpoint(path))
    cost = pretrain_cost(str(path), labels['pretrain'], with_flops=False)
    assert len(reads) == 1
    assert labels['pretrain'] == {'epochs': 400, 'schedule_epochs': 800}
    assert cost == {'pretrain_epochs': 400.0, 'pretrain_schedule_epochs': 800.0}
    full = pretrain_cost(str(path), {'pretrain_gflops_per_image': 10.0})
    assert full['pretrain_pflops'] == pytest.approx(3 * 10.0 * 400 * IN1K_TRAIN_IMAGES / 1e6, rel=1e-6)
    validate_cost(full)
    # without a checkpoint the record's own pre-training facts, with the same meaning
    assert pretrain_cost(None, labels['pretrain']) == cost

