"""The task table, the transfer configs (full recipes and smoke variants) and the result-record hook."""
from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from mmengine.config import Config

import mimbench  # noqa: F401
from mimbench.results import METRICS
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
        assert spec.higher_is_better and spec.version >= 1
        assert {fam for fam, protocol in spec.smoke if protocol == 'finetune'} == set(tasks.FAMILIES), spec.id
        assert spec.full, f'{spec.id} has no full-scale recipe'


def test_every_config_on_disk_is_in_the_table_and_exists():
    on_disk = {os.path.abspath(p) for p in Path(tasks.CONFIG_ROOT).glob('*/*.py')}
    listed = {os.path.abspath(p) for p in ALL_CONFIGS}
    assert listed <= on_disk, sorted(listed - on_disk)
    assert on_disk <= listed, f'configs missing from mimbench.transfer.tasks: {sorted(on_disk - listed)}'


def test_task_config_lookup_and_errors():
    expected = 'coco/mask-rcnn_vit-base-p16_mae_8xb4-lsj-100e_coco.py'
    assert tasks.task_config('coco', 'vit-b').endswith(expected)
    assert tasks.task_config('coco', 'vit-smoke', 'smoke') == tasks.task_config('coco', 'vit', 'smoke')
    assert 'linear_vit' in tasks.task_config('in1k', 'vit-b', protocol='linear')
    assert 'fcn_resnet-50' in tasks.task_config('ade20k', 'resnet-50')
    assert '_cim_' in tasks.task_config('in1k', 'vit-b', method='cim-respix')
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


@pytest.mark.parametrize('path, facts', [
    ('coco/mask-rcnn_swin-base-w7_simmim_8xb4-lsj-36e_coco.py',      # simmim.txt C.1
     dict(lr=6e-5, wd=0.05, epochs=36, batch=32, decay=0.9)),
    ('coco/mask-rcnn_mixmim-base_mixmim_8xb4-lsj-55e_coco.py',        # mixmim.txt Sec. 8
     dict(epochs=55, decay=0.85)),
    ('coco/mask-rcnn_mixmim-large_mixmim_8xb4-lsj-80e_coco.py', dict(epochs=80, decay=0.9)),
    ('ade20k/upernet_swin-base-w20_simmim_8xb4-80k_ade20k.py',      # simmim.txt C.1
     dict(wd=0.05, iters=80000, batch=32, decay=0.9)),
    ('ade20k/upernet_mixmim-base_mixmim_8xb2-16k_ade20k.py', dict(iters=16000, batch=16, decay=0.85)),
    ('ade20k/upernet_vit-base-p16_mae_8xb2-126k_ade20k.py', dict(iters=126313, batch=16)),   # mae.txt A.4
    ('ade20k/linear_vit-base-p16_cim_8xb2-160k_ade20k.py', dict(lr=3e-4, decay=0.8, iters=160000)),  # cim 3.3
    ('ade20k/fcn_resnet-50-d8_cim_8xb2-80k_ade20k.py', dict(lr=0.01, iters=80000, batch=16)),        # cim 3.3
    ('in1k/finetune_vit-base-p16_mae_8xb128-100e_in1k.py',         # mae.txt Table 9
     dict(lr=4e-3, wd=0.05, epochs=100, batch=1024, decay=0.75)),
    ('in1k/finetune_vit-large-p16_mae_8xb128-50e_in1k.py', dict(epochs=50, decay=0.75)),
    ('in1k/linear_vit-base-p16_mae_32xb512-90e_in1k.py', dict(lr=6.4, wd=0.0, epochs=90)),  # mae.txt T. 10
    ('in1k/finetune_mixmim-base_mixmim_8xb128-100e_in1k.py', dict(lr=2e-3, decay=0.7, epochs=100)),  # T. 12
    ('in1k/finetune_vit-base-p16_cim_8xb128-100e_in1k.py',         # cim.txt Table 10
     dict(lr=3e-3, wd=0.05, decay=0.8, epochs=100, batch=1024)),
    ('in1k/finetune_resnet-50_cim_8xb256-100e_in1k.py',            # cim.txt Table 11
     dict(lr=12e-3, wd=0.02, batch=2048, epochs=100)),
    ('inat2018/finetune_swin-base_simmim_8xb256-100e_inat2018.py',  # simmim.txt C.1
     dict(lr=1.6e-2, wd=0.05, batch=2048, decay=0.9, epochs=100)),
])
def test_recipe_values_match_the_papers(path, facts):
    cfg = Config.fromfile(str(tasks.CONFIG_ROOT / path))
    opt = cfg.optim_wrapper.optimizer
    if 'lr' in facts:
        assert opt.lr == pytest.approx(facts['lr'])
    if 'wd' in facts:
        assert opt.weight_decay == pytest.approx(facts['wd'])
    if 'decay' in facts:
        assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == facts['decay']
    if 'epochs' in facts:
        assert cfg.train_cfg.max_epochs == facts['epochs']
        assert max(s['end'] for s in cfg.param_scheduler if s.get('by_epoch', True)) == facts['epochs']
    if 'iters' in facts:
        assert cfg.train_cfg.max_iters == facts['iters']
        assert max(s['end'] for s in cfg.param_scheduler) == facts['iters']
    if 'batch' in facts:   # per-GPU batch x the GPU count in the file name
        gpus = int(Path(path).name.split('_')[3].split('xb')[0])
        assert cfg.train_dataloader.batch_size * gpus == facts['batch']


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
        for split in ('train', 'val', 'test'):
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


BASE_SIZE_CONFIGS = [p for p in FULL_CONFIGS if not any(s in Path(p).name for s in ('large', 'huge'))]


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
        size = 224 if cfg.default_scope == 'mmpretrain' else 128   # classifiers run at their fine-tuning size
        feats = model.extract_feat(torch.randn(1, 3, size, size))
        if cfg.default_scope == 'mmdet':
            assert [f.shape[-1] for f in feats] == [32, 16, 8, 4, 2]   # FPN on strides 4..64
        elif cfg.default_scope == 'mmseg':
            assert model.decode_head(feats).shape[1] == 150
        else:
            assert model.head(feats).shape == (1, cfg.model.head.num_classes)
