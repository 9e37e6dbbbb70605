"""Every full transfer recipe of the task table smoke-trains as itself (mimbench.smoke): its encoder at the
family's smoke size on 64 px generated data, 2 iterations, one evaluation with the task's real metric and a
result record, with the recipe's own optimizer, layer-decay rule, heads, losses, schedule and evaluator.
Pre-trained smoke encoders arrive in the detection/segmentation/classification models."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config

import mimbench  # noqa: F401  (registers mimbench modules)
from mimbench.checkpoints import checkpoint_sha256
from mimbench.datasets.overrides import data_root_options
from mimbench.registry import MODELS
from mimbench.results import read_record
from mimbench.runner import build_runner
from mimbench.smoke import ITERS, SIZE, encoder_family, load_smoke, smoke_overrides, write_smoke_config
from mimbench.transfer import tasks

FULL = sorted(set(tasks.all_configs('full')))
EXPECTED_METRICS = {'coco': {'ap_box', 'ap_mask'}, 'ade20k': {'miou'}}
# pre-training encoders at the shared smoke sizes (what mimbench's pre-training writes under ``backbone.``)
SMOKE_ENCODERS = {
    'vit': dict(type='mmpretrain.VisionTransformer', img_size=64, patch_size=16,
                arch=dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384)),
    'swin': dict(type='mmpretrain.SwinTransformer', img_size=64, window_size=4,
                 arch=dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8])),
    'mixmim': dict(type='mmpretrain.MixMIMTransformer', img_size=64, window_size=[4, 4, 4, 2],
                   arch=dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8])),
    'resnet': dict(type='mmpretrain.ResNet', depth=18),
}


def rel(path: str) -> str:
    return str(Path(path).relative_to(tasks.CONFIG_ROOT))


def data_options(task: str, data_root: Path) -> dict:
    """Dotted overrides pointing a smoke config at the session's generated data."""
    return data_root_options(task, data_root / tasks.TASKS[task].data_dir)


def run_smoke(recipe: str, task: str, data_root: Path, work_dir: Path, **extra):
    runner = build_runner(load_smoke(recipe), work_dir=str(work_dir),
                          cfg_options={**data_options(task, data_root), **extra})
    runner.train()
    return runner


def run_as_train_does(recipe: str, task: str, data_root: Path, work_dir: Path, **extra) -> None:
    """What `mimbench train` does with the recipe's smoke twin (mimbench.train.run_config): a test-only
    robustness config tests a classifier of its architecture (random weights, saved here as its load_from);
    a block-selecting probe runs both phases; anything else trains and evaluates."""
    from mmengine.registry import init_default_scope

    from mimbench.train import run_config

    cfg = load_smoke(recipe)
    options = {**data_options(task, data_root), **extra}
    if cfg.get('test_only'):
        init_default_scope(cfg.default_scope)
        model_cfg = cfg.model.to_dict()
        model_cfg['backbone']['init_cfg'] = None
        work_dir.mkdir(parents=True, exist_ok=True)
        torch.save({'state_dict': MODELS.build(model_cfg).state_dict()}, work_dir / 'classifier.pth')
        options['load_from'] = str(work_dir / 'classifier.pth')
    run_config(cfg, work_dir=str(work_dir), cfg_options=options)


def _types(pipeline) -> list[str]:
    return [t['type'] for t in pipeline]


def _heads(model) -> dict:
    """The parts that read the encoder, with what they read and how they are trained (sizes left out)."""
    sized = {'in_channels', 'channels', 'feat_channels', 'out_channels', 'conv_out_channels',
             'fc_out_channels', 'num_classes'}

    def strip(part):
        if isinstance(part, dict):
            return {k: strip(v) for k, v in part.items() if k not in sized}
        if isinstance(part, (list, tuple)):
            return [strip(p) for p in part]
        return part
    keys = ('neck', 'head', 'decode_head', 'auxiliary_head', 'rpn_head', 'roi_head')
    return {k: strip(model[k]) for k in keys if k in model}


@pytest.mark.parametrize('path', FULL, ids=rel)
def test_smoke_twin_keeps_the_recipe_and_shrinks_the_run(path):
    """What a smoke run checks is the recipe's; only sizes, data, length and precision change."""
    full, smoke = Config.fromfile(path), load_smoke(path)
    for key in ('type', 'lr', 'weight_decay', 'betas', 'momentum', 'eps'):
        assert smoke.optim_wrapper.optimizer.get(key) == full.optim_wrapper.optimizer.get(key), key
    for key in ('constructor', 'paramwise_cfg', 'clip_grad', 'accumulative_counts'):
        assert smoke.optim_wrapper.get(key) == full.optim_wrapper.get(key), key
    assert smoke.optim_wrapper.type == 'OptimWrapper'                          # fp32 on CPU
    assert [s.type for s in smoke.param_scheduler] == [s.type for s in full.param_scheduler]
    for s in smoke.param_scheduler:                                            # placed on the 2 iterations
        assert not s.by_epoch and 0 <= s.begin < s.end <= ITERS, s
    assert smoke.train_cfg == dict(type='IterBasedTrainLoop', max_iters=ITERS, val_interval=ITERS)
    assert smoke.model.type == full.model.type and _heads(smoke.model) == _heads(full.model)
    assert [e.type for e in (smoke.val_evaluator, smoke.test_evaluator)] == \
        [e.type for e in (full.val_evaluator, full.test_evaluator)]
    for loader in ('train_dataloader', 'val_dataloader'):
        assert smoke[loader].dataset.type == full[loader].dataset.type
        assert _types(smoke[loader].dataset.pipeline) == _types(full[loader].dataset.pipeline)
        assert smoke[loader].num_workers == 0
    task = full.mimbench.task
    trained = tasks.TASKS[task].evaluates or task          # a test-only task tests that task's classifier
    roots = {key: smoke[key].dataset.data_root.rstrip('/') for key in ('train_dataloader', 'test_dataloader')}
    assert roots == {'train_dataloader': f'data/smoke/{tasks.TASKS[trained].data_dir}',
                     'test_dataloader': f'data/smoke/{tasks.TASKS[task].data_dir}'}
    crops = [t.get('scale') or t.get('crop_size') for t in smoke.train_dataloader.dataset.pipeline
             if t.type.endswith(('RandomResizedCrop', 'RandomCrop'))]
    assert crops and all(max(c if isinstance(c, (tuple, list)) else [c]) == SIZE for c in crops)
    family = encoder_family(full.model.backbone)
    meta = dict(full.mimbench, scale='smoke', backbone=f'{family}-smoke', method='random')
    assert {k: v for k, v in smoke.mimbench.items() if k != 'resolution'} == \
        {k: v for k, v in meta.items() if k != 'resolution'}


def test_smoke_overrides_file_is_the_same_config(tmp_path):
    """`_base_ = [recipe]` + the overrides, read back from a file, equals Config.fromfile + merge (what
    `mimbench evaluate --scale smoke` writes and a user re-runs), and the file is short."""
    recipe = tasks.task_config('coco', 'swin-smoke', 'smoke')
    written = write_smoke_config(recipe, tmp_path / 'smoke.py')
    assert Config.fromfile(str(written)).to_dict() == load_smoke(recipe).to_dict()
    assert f"_base_ = [{recipe!r}]" in written.read_text()
    overrides = smoke_overrides(Config.fromfile(recipe))
    assert overrides['model']['backbone']['arch']['_delete_'] is True          # 'base' -> the smoke arch
    assert 'custom_imports' not in overrides and 'default_scope' not in overrides   # only what changes


@pytest.mark.parametrize('path', FULL, ids=rel)
def test_every_recipe_smoke_trains_evaluates_and_records(path, tiny_data_root, tmp_path):
    full = Config.fromfile(path)
    task, protocol = full.mimbench.task, full.mimbench.get('protocol', 'finetune')
    test_only = bool(full.get('test_only'))   # robustness: the in1k classifier, tested only
    probe = full.model.type == 'mimbench.LayerProbeClassifier'   # the block chosen on held-out images
    run_as_train_does(path, task, tiny_data_root, tmp_path, **{'model.backbone.init_cfg': None})
    records = sorted((tmp_path / 'results').glob('*.json'))
    assert len(records) == 1, records
    record = read_record(records[0])
    expected = EXPECTED_METRICS.get(task, {'linear'} if protocol == 'linear' else {'top1'})
    assert set(record.metrics) == ({'mce'} if task == 'imagenet-c' else expected)
    # percent; an mCE is in percent of AlexNet's errors and exceeds 100 when worse (at most ~129 at error 1)
    assert all(0.0 <= v <= {'mce': 130.0}.get(m, 100.0) for m, v in record.metrics.items()), record.metrics
    family = encoder_family(full.model.backbone)
    assert record.task == task and record.backbone == f'{family}-smoke' and record.scale == 'smoke'
    if test_only:
        assert record.iters == 0 and record.history == [] and record.best_metrics is None
        assert record.note.startswith('test run of ') and record.note.endswith('classifier.pth')
    else:
        assert record.iters == ITERS and len(record.history) == 1 and record.best_metrics == record.metrics
    assert bool(record.probe) == probe
    assert record.config == path and 'model' in record.resolved_config
    assert record.versions['mmcv'] and record.date
    assert record.variant == full.mimbench.get('variant')     # e.g. CiM's light heads (cim.txt Table 3)
    assert ('protocol=partial' in record.note) == (protocol == 'partial')
    paramwise = full.optim_wrapper.get('paramwise_cfg') or {}
    decayed = full.optim_wrapper.get('constructor') == 'mimbench.LayerDecayOptimWrapperConstructor'
    if decayed and not test_only:
        rule = record.layer_decay_rule
        assert rule is not None and rule == paramwise.get('rule', rule)
    else:
        assert record.layer_decay_rule is None


def _smoke_checkpoint(family: str, path: Path) -> dict:
    torch.manual_seed(1)
    encoder = MODELS.build(SMOKE_ENCODERS[family])
    with torch.no_grad():
        for p in encoder.parameters():
            p.normal_(0, 0.5)
    state = {f'backbone.{k}': v for k, v in encoder.state_dict().items()}
    torch.save({'meta': {'mimbench': {'method': 'mae'}}, 'state_dict': state}, path)
    return encoder.state_dict()


@pytest.mark.parametrize('task, family', [('coco', 'vit'), ('coco', 'swin'), ('ade20k', 'mixmim'),
                                          ('in1k', 'resnet')])
def test_pretrained_smoke_encoder_arrives_and_is_recorded(task, family, tiny_data_root, tmp_path):
    """The checkpoint injected at launch is loaded (not re-initialised) and its hash lands in the record."""
    ckpt = tmp_path / 'pre.pth'
    loaded = _smoke_checkpoint(family, ckpt)
    recipe = tasks.task_config(task, family, scale='smoke')
    runner = run_smoke(recipe, task, tiny_data_root, tmp_path / 'work', **{
        'model.backbone.init_cfg': dict(type='mimbench.Pretrained', checkpoint=str(ckpt)),
        'mimbench.method': 'mae'})
    backbone = runner.model.backbone
    state = (backbone.vit if hasattr(backbone, 'vit') else backbone).state_dict()
    compared = 0
    for key, value in loaded.items():
        # weights (2-D+); two steps at the recipe's lr move them by < 1e-2, a re-initialisation by ~0.5
        if key in state and value.is_floating_point() and value.dim() > 1:
            assert (state[key] - value).abs().max() < 5e-2, key
            compared += 1
    assert compared >= 4
    record = read_record(next((tmp_path / 'work' / 'results').glob('*.json')))
    assert record.checkpoint == str(ckpt) and record.checkpoint_sha256 == checkpoint_sha256(ckpt)
    assert record.method == 'mae'


def test_record_keeps_final_and_best_of_every_evaluation_and_test_runs(tiny_data_root, tmp_path):
    """Two evaluations: ``metrics`` is the last, ``best_metrics`` the best of each; ``runner.test()`` (e.g. a
    multi-scale test) writes its own record."""
    runner = run_smoke(tasks.task_config('ade20k', 'vit', 'smoke'), 'ade20k', tiny_data_root, tmp_path,
                       **{'model.backbone.init_cfg': None, 'train_cfg.val_interval': 1})
    record = read_record(next((tmp_path / 'results').glob('*.json')))
    assert [h['step'] for h in record.history] == [1, 2]
    assert record.metrics == record.history[-1]['metrics']
    assert record.best_metrics == {'miou': max(h['metrics']['miou'] for h in record.history)}
    runner.test()
    records = [read_record(p) for p in (tmp_path / 'results').glob('*.json')]
    assert len(records) == 2 and sum(r.note == 'test run' for r in records) == 1


def test_mae_relative_position_bias_trains_from_zero_in_segmentation(tiny_data_root, tmp_path):
    """mae.txt A.4: the zero-initialised bias tables are real parameters of the fine-tuning (optimizer groups
    via the layer-decay constructor), so they leave zero after two iterations."""
    recipe = tasks.task_config('ade20k', 'vit', 'smoke', method='mae')
    assert Config.fromfile(recipe).model.backbone.rel_pos_bias is True
    runner = run_smoke(recipe, 'ade20k', tiny_data_root, tmp_path, **{'model.backbone.init_cfg': None})
    tables = runner.model.backbone.rel_pos_bias
    assert len(tables) == 4 and all(torch.count_nonzero(t.table) > 0 for t in tables)


@pytest.mark.parametrize('protocol, trainable_blocks', [('linear', 0), ('partial', 1), ('finetune', 4)])
def test_linear_and_partial_protocols_freeze_the_right_parameters(protocol, trainable_blocks):
    """mae.txt Table 10 (frozen encoder, BN without affine + linear head) and Sec. 4.3 (last k blocks): the
    smoke twin keeps the recipe's share of frozen blocks (ViT-L tunes 4 of 24 -> 1 of 4)."""
    from mmengine.registry import init_default_scope
    cfg = load_smoke(tasks.task_config('in1k', 'vit', 'smoke', protocol=protocol))
    init_default_scope(cfg.default_scope)
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    trainable = {name for name, p in model.backbone.named_parameters() if p.requires_grad}
    blocks = {int(n.split('.')[1]) for n in trainable if n.startswith('layers.')}
    assert blocks == set(range(4 - trainable_blocks, 4))
    assert ('patch_embed.projection.weight' in trainable) == (protocol == 'finetune')
    if protocol == 'linear':
        # whole encoder frozen, BN without affine
        assert trainable == set() and list(model.neck.parameters()) == []
    assert all(p.requires_grad for p in model.head.parameters())


def _lrs(cfg) -> list[float]:
    """The lr factor of each smoke iteration under ``cfg``'s schedulers (mmengine's own, stepped as the
    runner steps them)."""
    from mmengine.registry import PARAM_SCHEDULERS
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    schedulers = [PARAM_SCHEDULERS.build(dict(s, optimizer=optimizer)) for s in cfg.param_scheduler]
    lrs = []
    for _ in range(ITERS):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    return lrs


def test_schedule_shape_is_placed_on_two_iterations():
    """Iteration 0 at the warm-up's start, iteration 1 at the recipe's lr after the step drops."""
    finetune = load_smoke(tasks.task_config('in1k', 'vit-b'))               # 5 warm-up of 100 epochs, cosine
    assert [(s.type, s.begin, s.end) for s in finetune.param_scheduler] == \
        [('LinearLR', 0, 2), ('CosineAnnealingLR', 1, 2)]
    assert _lrs(finetune) == pytest.approx([1e-4, 1.0])
    full_coco = Config.fromfile(tasks.task_config('coco', 'vit-b'))        # 250-iteration warm-up, 2 drops
    coco = load_smoke(tasks.task_config('coco', 'vit-b'))
    assert [(s.type, s.begin, s.end) for s in coco.param_scheduler] == \
        [('LinearLR', 0, 2), ('MultiStepLR', 0, 2)]
    assert coco.param_scheduler[1].milestones == [1] * len(full_coco.param_scheduler[1].milestones)
    assert _lrs(coco) == pytest.approx([1e-3, 0.1 ** len(full_coco.param_scheduler[1].milestones)])
    seg = load_smoke(tasks.task_config('ade20k', 'swin-b'))                 # 1500-iteration warm-up, poly
    assert [(s.type, s.begin, s.end) for s in seg.param_scheduler] == [('LinearLR', 0, 2), ('PolyLR', 1, 2)]
    assert _lrs(seg) == pytest.approx([1e-6, 1.0])


def test_smoke_run_uses_the_recipe_of_the_method(tmp_path):
    """`--scale smoke` shrinks the recipe a full run of that method would use for the family's base size."""
    assert tasks.task_config('in1k', 'vit-smoke', 'smoke') == tasks.task_config('in1k', 'vit-b')
    for method in ('cim-respix', 'mae'):
        assert tasks.task_config('in1k', 'vit-smoke', 'smoke', method=method) == \
            tasks.task_config('in1k', 'vit-b', method=method)
    assert tasks.task_config('in1k', 'vit', 'smoke', protocol='partial') == \
        tasks.task_config('in1k', 'vit-l', protocol='partial')             # no ViT-B recipe: the next size
    with pytest.raises(ValueError, match='no full recipe of task coco for a resnet backbone'):
        tasks.task_config('coco', 'resnet-smoke', 'smoke')


def test_multi_scale_test_writes_a_labelled_record(tiny_data_root, tmp_path):
    """ADE20K's multi-scale + flip test (simmim.txt C.1; `mmseg tools/test.py --tta`) through the adapter."""
    cfg = load_smoke(tasks.task_config('ade20k', 'vit', 'smoke'),
                     {**data_options('ade20k', tiny_data_root), 'model.backbone.init_cfg': None})
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline   # what mmseg's test.py does for --tta
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model
    build_runner(cfg, work_dir=str(tmp_path)).test()
    record = read_record(next((tmp_path / 'results').glob('*.json')))
    assert record.note == 'test run (test-time augmentation)' and set(record.metrics) == {'miou'}
