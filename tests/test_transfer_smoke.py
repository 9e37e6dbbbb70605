"""Every task x backbone family smoke-trains on CPU, evaluates with the real metric and writes a result
record; pre-trained smoke encoders arrive in the detection/segmentation/classification models through the
task configs."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config

import mimbench  # noqa: F401  (registers mimbench modules)
from mimbench.checkpoints import checkpoint_sha256
from mimbench.registry import MODELS
from mimbench.results import read_record
from mimbench.runner import build_runner
from mimbench.transfer import tasks

SMOKE = [(spec.id, family, protocol, path) for spec in tasks.TASK_LIST
         for (family, protocol), path in spec.smoke.items()]
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


def data_options(task: str, data_root: Path) -> dict:
    """--cfg-options pointing a smoke config at the session's generated data."""
    root = f'{data_root / tasks.TASKS[task].data_dir}/'
    options = {f'{split}_dataloader.dataset.data_root': root for split in ('train', 'val', 'test')}
    if task == 'coco':
        options.update({f'{split}_evaluator.ann_file': root + 'annotations/instances_val2017.json'
                        for split in ('val', 'test')})
    return options


def run_smoke(config: str, task: str, data_root: Path, work_dir: Path, **extra):
    runner = build_runner(Config.fromfile(config), work_dir=str(work_dir),
                          cfg_options={**data_options(task, data_root), **extra})
    runner.train()
    return runner


def run_as_train_does(config: str, task: str, data_root: Path, work_dir: Path, **extra) -> None:
    """What `mimbench train` does with a smoke config (mimbench.train.run_config): a test-only robustness
    config tests a classifier of its architecture (random weights, saved here as its load_from); a
    block-selection probe runs both phases; anything else trains."""
    from mmengine.registry import init_default_scope

    from mimbench.train import run_config

    cfg = Config.fromfile(config)
    options = {**data_options(task, data_root), **extra}
    if cfg.get('test_only'):
        init_default_scope(cfg.default_scope)
        model_cfg = cfg.model.to_dict()
        model_cfg['backbone']['init_cfg'] = None
        model = MODELS.build(model_cfg)
        work_dir.mkdir(parents=True, exist_ok=True)
        torch.save({'state_dict': model.state_dict()}, work_dir / 'classifier.pth')
        options['load_from'] = str(work_dir / 'classifier.pth')
    run_config(cfg, work_dir=str(work_dir), cfg_options=options)


@pytest.mark.parametrize('task, family, protocol, path', SMOKE, ids=[p for *_, p in SMOKE])
def test_smoke_train_evaluate_and_record(task, family, protocol, path, tiny_data_root, tmp_path):
    run_as_train_does(str(tasks.CONFIG_ROOT / path), task, tiny_data_root, tmp_path,
                      **{'model.backbone.init_cfg': None})
    records = sorted((tmp_path / 'results').glob('*.json'))
    assert len(records) == 1, records
    record = read_record(records[0])
    test_only = tasks.TASKS[task].evaluates is not None   # robustness: the in1k classifier, tested only
    expected = EXPECTED_METRICS.get(task, {'linear'} if protocol.startswith('linear') else {'top1'})
    assert set(record.metrics) == ({'mce'} if task == 'imagenet-c' else expected)
    # percent; an mCE is in percent of AlexNet's errors and exceeds 100 when worse (at most ~129 at error 1)
    top = {'mce': 130.0}
    assert all(0.0 <= v <= top.get(m, 100.0) for m, v in record.metrics.items()), record.metrics
    assert record.task == task and record.backbone == f'{family}-smoke' and record.scale == 'smoke'
    if test_only:
        assert record.iters == 0 and record.history == [] and record.best_metrics is None
        assert record.note.startswith('test run of ') and record.note.endswith('classifier.pth')
    else:
        assert record.iters == 2 and len(record.history) == 1 and record.best_metrics == record.metrics
    assert bool(record.probe) == (protocol == 'linear-block')   # the block chosen on held-out training data
    assert record.config.endswith(path) and 'model' in record.resolved_config
    assert record.versions['mmcv'] and record.date
    # CiM's light heads are their own leaderboard setting (cim.txt Table 3), partial FT is marked in the note
    light_heads = {'ade20k/linear_': 'linear-160k', 'ade20k/fcn_': 'fcn-80k'}
    assert record.variant == next((v for prefix, v in light_heads.items() if path.startswith(prefix)), None)
    assert ('protocol=partial' in record.note) == (protocol == 'partial')
    # all smoke runs use the layer-decay constructor but linear probing (LARS) and CiM's SGD FCN (cim.txt 3.3)
    without_layer_decay = (protocol in ('linear', 'linear-block') or path.startswith('ade20k/fcn_')
                           or test_only)
    assert (record.layer_decay_rule is None) == without_layer_decay, record.layer_decay_rule


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
    config = tasks.task_config(task, family, scale='smoke')
    runner = run_smoke(config, task, tiny_data_root, tmp_path / 'work', **{
        'model.backbone.init_cfg': dict(type='mimbench.Pretrained', checkpoint=str(ckpt)),
        'mimbench.method': 'mae'})
    backbone = runner.model.backbone
    state = (backbone.vit if hasattr(backbone, 'vit') else backbone).state_dict()
    compared = 0
    for key, value in loaded.items():
        # weights (2-D+); two AdamW steps move them by < 1e-3, a re-initialisation by ~0.5
        if key in state and value.is_floating_point() and value.dim() > 1:
            assert (state[key] - value).abs().max() < 1e-2, key
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
    runner = run_smoke(tasks.task_config('ade20k', 'vit', 'smoke'), 'ade20k', tiny_data_root, tmp_path,
                       **{'model.backbone.init_cfg': None, 'model.backbone.rel_pos_bias': True})
    tables = runner.model.backbone.rel_pos_bias
    assert len(tables) == 4 and all(torch.count_nonzero(t.table) > 0 for t in tables)


@pytest.mark.parametrize('protocol, trainable_blocks', [('linear', 0), ('partial', 1), ('finetune', 4)])
def test_linear_and_partial_protocols_freeze_the_right_parameters(protocol, trainable_blocks):
    """mae.txt Table 10 (frozen encoder, BN without affine + linear head) and Sec. 4.3 (last k blocks)."""
    from mmengine.registry import init_default_scope
    cfg = Config.fromfile(tasks.task_config('in1k', 'vit', 'smoke', protocol=protocol))
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


def test_multi_scale_test_writes_a_labelled_record(tiny_data_root, tmp_path):
    """ADE20K's multi-scale + flip test (simmim.txt C.1; `mmseg tools/test.py --tta`) through the adapter."""
    cfg = Config.fromfile(tasks.task_config('ade20k', 'vit', 'smoke'))
    cfg.merge_from_dict({**data_options('ade20k', tiny_data_root), 'model.backbone.init_cfg': None})
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline   # what mmseg's test.py does for --tta
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model
    build_runner(cfg, work_dir=str(tmp_path)).test()
    record = read_record(next((tmp_path / 'results').glob('*.json')))
    assert record.note == 'test run (test-time augmentation)' and set(record.metrics) == {'miou'}
