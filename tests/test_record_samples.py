"""Smoke runs write a per-sample sidecar next to their record that reproduces the record's metrics exactly
(classification and linear probing, ADE20K mIoU, COCO box and mask AP with either COCO evaluator), and a
``cost`` with wall-clock, devices, peak memory and throughput."""
from __future__ import annotations

import json

import pytest

import mimbench  # noqa: F401
from mimbench.results import read_record
from mimbench.runner import build_runner
from mimbench.samples import record_outcomes
from mimbench.smoke import load_smoke
from mimbench.transfer import tasks

CASES = [('in1k', 'finetune', {}), ('in1k', 'linear', {}), ('ade20k', 'finetune', {}),
         ('coco', 'finetune', {}), ('coco', 'finetune', {'val_evaluator.backend': 'pycocotools'})]


def smoke_record(task, protocol, extra, data_root, work_dir):
    root = f'{data_root / tasks.TASKS[task].data_dir}/'
    options = {f'{split}_dataloader.dataset.data_root': root for split in ('train', 'val', 'test')}
    if task == 'coco':
        ann_file = root + 'annotations/instances_val2017.json'
        options.update({f'{s}_evaluator.ann_file': ann_file for s in ('val', 'test')})
    options.update({'model.backbone.init_cfg': None, **extra})
    cfg = load_smoke(tasks.task_config(task, 'vit', 'smoke', protocol=protocol))   # its smoke twin
    build_runner(cfg, work_dir=str(work_dir), cfg_options=options).train()
    path = next((work_dir / 'results').glob('*.json'))
    return path, read_record(path)


@pytest.mark.parametrize('task, protocol, extra', CASES, ids=['in1k', 'in1k-linear', 'ade20k', 'coco',
                                                              'coco-pycocotools'])
def test_sidecar_reproduces_the_record_exactly(task, protocol, extra, tiny_data_root, tmp_path):
    path, record = smoke_record(task, protocol, extra, tiny_data_root, tmp_path)
    kind = {'in1k': 'classification', 'ade20k': 'segmentation', 'coco': 'detection'}[task]
    assert record.samples['kind'] == kind and (path.parent / record.samples['path']).is_file()
    outcomes = record_outcomes(record)
    for metric, value in record.metrics.items():
        assert round(outcomes.metric(metric), 4) == value, metric       # the record's own rounding
    annotations = tiny_data_root / 'coco' / 'annotations' / 'instances_val2017.json'
    val_images = len(json.loads(annotations.read_text())['images']) if task == 'coco' else None
    assert outcomes.n == (val_images or outcomes.n) and len(set(outcomes.ids.tolist())) == outcomes.n
    cost = record.cost
    assert cost['device'].startswith('cpu: ') and cost['device_count'] == 1
    assert cost['wall_s'] > 0 and cost['device_hours'] == pytest.approx(cost['wall_s'] / 3600, rel=1e-3)
    assert cost['peak_memory_mb'] > 50 and cost['train_images'] > 0 and cost['images_per_s'] > 0
