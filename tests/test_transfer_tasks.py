"""The task table, the transfer configs (full recipes; smoke runs are derived: test_transfer_smoke.py) and the
result-record hook."""
from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from mmengine.config import Config

import mimbench  # noqa: F401
from mimbench.results import LOWER_IS_BETTER, METRICS
from mimbench.results import TASKS as RECORD_TASKS
from mimbench.transfer import tasks
from mimbench.transfer.record_hook import ResultRecordHook, best_of, map_metrics

ALL_CONFIGS = sorted(tasks.all_configs())
FULL_CONFIGS = sorted(set(tasks.all_configs('full')))


def test_table_covers_every_task_and_family():
    assert set(tasks.TASKS) == set(RECORD_TASKS)
    for spec in tasks.TASK_LIST:
        assert spec.scope in ('mmdet', 'mmseg', 'mmpretrain')
        assert spec.primary_metric in spec.metrics and set(spec.metrics) <= set(METRICS)
        assert spec.higher_is_better == (spec.primary_metric not in LOWER_IS_BETTER) and spec.version >= 1
        assert tasks.task_config(spec.id, 'vit-smoke', 'smoke'), spec.id   # every task smoke-runs with a ViT
        assert spec.full, f'{spec.id} has no full-scale recipe'


def test_every_config_on_disk_is_in_the_table_and_exists():
    on_disk = {os.path.abspath(p) for p in Path(tasks.CONFIG_ROOT).glob('*/*.py')}
    listed = {os.path.abspath(p) for p in ALL_CONFIGS}
    assert listed <= on_disk, sorted(listed - on_disk)
    assert on_disk <= listed, f'configs missing from mimbench.transfer.tasks: {sorted(on_disk - listed)}'


def test_task_config_lookup_and_errors():
    expected = 'coco/mask-rcnn_vit-base-p16_mae_8xb8-lsj-100e_coco.py'
    assert tasks.task_config('coco', 'vit-b').endswith(expected)
    assert tasks.task_config('coco', 'vit-smoke', 'smoke') == tasks.task_config('coco', 'vit', 'smoke')
    assert 'linear_vit' in tasks.task_config('in1k', 'vit-b', protocol='linear')
    assert 'fcn_resnet-50' in tasks.task_config('ade20k', 'resnet-50')
    assert '_cim-respix_' in tasks.task_config('in1k', 'vit-b', method='cim-respix')
    assert '_mae_' in tasks.task_config('in1k', 'vit-b', method='mae')   # no variant: the default recipe
    with pytest.raises(ValueError, match='unknown task'):
        tasks.task_config('voc', 'vit-b')
    with pytest.raises(ValueError, match='unknown backbone'):
        tasks.task_config('coco', 'deit-t')
    with pytest.raises(ValueError, match='configs exist for'):
        tasks.task_config('coco', 'resnet-50')
    with pytest.raises(ValueError, match='per backbone size'):
        tasks.task_config('coco', 'vit')


@pytest.mark.parametrize('path', ALL_CONFIGS, ids=[Path(p).name for p in ALL_CONFIGS])
def test_configs_load_and_label_their_records(path):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports['imports'] == ['mimbench']
    assert cfg.default_scope in ('mmdet', 'mmseg', 'mmpretrain')
    assert cfg.mimbench.task == Path(path).parent.name
    assert any(h['type'] == 'mimbench.ResultRecordHook' for h in cfg.custom_hooks)
    assert cfg.model.backbone.init_cfg['type'] == 'mimbench.Pretrained'   # checkpoint injected at launch
    expected_scope = tasks.TASKS[cfg.mimbench.task].scope
    assert cfg.default_scope == expected_scope


@pytest.mark.parametrize('path', FULL_CONFIGS, ids=[Path(p).name for p in FULL_CONFIGS])
def test_full_recipes_use_mixed_precision_and_paper_values(path):
    cfg = Config.fromfile(path)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper' and 'fp16' not in cfg
    # bf16 where the ops allow it; mmcv's RoIAlign has no bf16 kernel, so Mask R-CNN runs float16
    assert cfg.optim_wrapper.dtype == ('float16' if cfg.default_scope == 'mmdet' else 'bfloat16')
    assert cfg.mimbench.scale == 'full' and cfg.mimbench.backbone in tasks.BACKBONES
    paramwise = cfg.optim_wrapper.get('paramwise_cfg') or {}
    if cfg.optim_wrapper.get('constructor') == 'mimbench.LayerDecayOptimWrapperConstructor':
        assert 0.5 < paramwise['layer_decay_rate'] < 1
        assert paramwise['rule'] in ('mae', 'beit', 'simmim', 'mixmim')
    else:   # only linear probing and CiM's classic ResNet FCN train without layer decay
        assert cfg.mimbench.get('protocol') == 'linear' or cfg.model.backbone.type == 'mmpretrain.ResNet'


# Every recipe value of every full config is checked against configs/recipes.csv by tests/test_recipes.py.


def test_mae_ade20k_turns_on_zero_init_relative_position_bias():
    cfg = Config.fromfile(tasks.task_config('ade20k', 'vit-b'))
    assert cfg.model.backbone.rel_pos_bias is True   # mae.txt A.4


def test_data_root_overrides_make_a_loadable_derived_config(tmp_path):
    for task in tasks.TASKS:
        derived = tmp_path / f'{task}.py'
        lines = [f'_base_ = [{tasks.task_config(task, "vit", "smoke")!r}]',
                 *tasks.data_root_overrides(task, str(tmp_path / 'data'))]
        derived.write_text('\n'.join(lines) + '\n')
        cfg = Config.fromfile(str(derived))
        root = str((tmp_path / 'data' / tasks.TASKS[task].data_dir).resolve()) + '/'
        for split in ('test',) if tasks.TASKS[task].evaluates else ('train', 'val', 'test'):   # test sets
            assert cfg[f'{split}_dataloader'].dataset.data_root == root
        if task == 'coco':
            assert cfg.val_evaluator.ann_file == root + 'annotations/instances_val2017.json'


# ------------------------------------------------------------------------------------------ record hook
def test_map_metrics_converts_toolbox_names_to_percent_ids():
    assert map_metrics({'coco/bbox_mAP': 0.503, 'coco/segm_mAP': 0.449, 'coco/bbox_mAP_50': 0.7}) == \
        {'ap_box': 50.3, 'ap_mask': 44.9}
    assert map_metrics({'mIoU': 48.1, 'aAcc': 80.0}) == {'miou': 48.1}
    assert map_metrics({'accuracy/top1': 83.6, 'accuracy/top5': 96.0}) == {'top1': 83.6}
    assert map_metrics({'accuracy/top1': 68.0}, protocol='linear') == {'linear': 68.0}
    with pytest.raises(ValueError, match='expected one of'):
        map_metrics({'loss': 1.0})


def test_best_of_keeps_each_metrics_maximum():
    history = [dict(metrics={'ap_box': 10.0, 'ap_mask': 9.0}), dict(metrics={'ap_box': 12.0, 'ap_mask': 8.0}),
               dict(metrics={'ap_box': 11.0, 'ap_mask': 8.5})]
    assert best_of(history) == {'ap_box': 12.0, 'ap_mask': 9.0}


def _runner(mimbench_fields):
    cfg = Config(dict(mimbench=mimbench_fields)) if mimbench_fields is not None else Config()
    return SimpleNamespace(cfg=cfg)


def test_hook_refuses_unlabelled_runs_before_training():
    with pytest.raises(ValueError, match='mimbench = dict'):
        ResultRecordHook().before_run(_runner(None))
    with pytest.raises(ValueError, match='protocol'):
        ResultRecordHook().before_run(
            _runner(dict(task='in1k', method='mae', backbone='vit-b', protocol='knn')))
    with pytest.raises(TypeError, match='unknown field'):
        ResultRecordHook(dataset='coco')
    # fields given to the hook fill in for the config's
    ResultRecordHook(method='mae').before_run(_runner(dict(task='coco', backbone='vit-b')))


def test_hook_refuses_a_method_label_without_loaded_weights():
    from torch import nn
    model = nn.Linear(2, 2)
    runner = SimpleNamespace(cfg=Config(dict(mimbench=dict(task='coco', method='mae', backbone='vit-b'))),
                             model=model)
    with pytest.raises(ValueError, match='no checkpoint was loaded'):
        ResultRecordHook().before_train(runner)
    model.mimbench_load_report = SimpleNamespace(checkpoint='x.pth', sha256='0')
    ResultRecordHook().before_train(runner)
    runner.cfg = Config(dict(mimbench=dict(task='coco', method='random', backbone='vit-b')))
    with pytest.raises(ValueError, match='"random" but checkpoint'):
        ResultRecordHook().before_train(runner)


def _distinct_base_size_models() -> list[str]:
    """One full config per distinct model dict among the B sizes (L/H differ only in widths/depths; recipes
    that share a model, e.g. a paper-text variant and its release default, build it once)."""
    seen, out = set(), []
    for path in FULL_CONFIGS:
        if any(s in Path(path).name for s in ('large', 'huge')):
            continue
        cfg = Config.fromfile(path)
        key = repr((cfg.default_scope, cfg.model.to_dict()))
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out


BASE_SIZE_CONFIGS = _distinct_base_size_models()


@pytest.mark.parametrize('path', BASE_SIZE_CONFIGS, ids=[Path(p).name for p in BASE_SIZE_CONFIGS])
def test_full_recipe_models_build_and_run_forward(path):
    """Full-size models (B sizes; L/H differ only in widths/depths) build and run; dense tasks at 128 px."""
    import torch
    from mmengine.registry import MODELS, init_default_scope
    cfg = Config.fromfile(path)
    init_default_scope(cfg.default_scope)
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    model.eval()
    with torch.no_grad():
        size = 128   # dense tasks; classifiers run at their fine-tuning size
        if cfg.default_scope == 'mmpretrain':
            pipeline = cfg.train_dataloader.dataset.pipeline
            size = next(t['scale'] for t in pipeline if 'RandomResizedCrop' in t['type'])
        feats = model.extract_feat(torch.randn(1, 3, size, size))
        if cfg.default_scope == 'mmdet':
            assert [f.shape[-1] for f in feats] == [32, 16, 8, 4, 2]   # FPN on strides 4..64
        elif cfg.default_scope == 'mmseg':
            assert model.decode_head(feats).shape[1] == 150
        elif hasattr(model, 'heads'):   # mimbench.LayerProbeClassifier: one probe per block
            assert [tuple(h((f,)).shape) for h, f in zip(model.heads, feats)] == \
                [(1, cfg.model.head.num_classes)] * len(cfg.model.blocks)
        else:
            assert model.head(feats).shape == (1, cfg.model.head.num_classes)
