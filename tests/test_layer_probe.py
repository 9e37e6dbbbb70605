"""Intermediate-layer linear probing (simmim.txt Sec. 4.2): the held-out split, the per-block probe model, and
the two-phase protocol, which must choose its block without ever reading the validation set."""
from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest
import torch
from mmengine.config import Config

import mimbench  # noqa: F401
from mimbench.datasets.heldout import heldout_split
from mimbench.registry import MODELS
from mimbench.transfer.layer_probe import choose_block, selection_config

TINY_VIT = dict(type='mmpretrain.VisionTransformer', img_size=32, patch_size=16,
                arch=dict(embed_dims=32, num_layers=3, num_heads=2, feedforward_channels=64))


def test_heldout_split_is_deterministic_stratified_and_independent_of_order():
    keys = [f'train/n{c:08d}/img_{i}.JPEG' for c in range(3) for i in range(12)]
    labels = [c for c in range(3) for _ in range(12)]
    train, held = heldout_split(keys, labels, per_class=4)
    assert len(held) == 12 and sorted(train + held) == list(range(36))
    assert Counter(labels[i] for i in held) == {0: 4, 1: 4, 2: 4}
    assert heldout_split(keys, labels, per_class=4) == (train, held)
    order = list(reversed(range(36)))   # another file order holds out the same images
    _, held_again = heldout_split([keys[i] for i in order], [labels[i] for i in order], per_class=4)
    assert {keys[order[i]] for i in held_again} == {keys[i] for i in held}
    assert heldout_split(keys, labels, per_class=4, salt='another')[1] != held
    small_train, small_held = heldout_split(['a.jpg', 'b.jpg'], [0, 0], per_class=10)
    assert len(small_train) == len(small_held) == 1   # a class always keeps an image to train on


def test_probe_model_reads_each_block_of_a_frozen_encoder():
    from mmengine.registry import init_default_scope
    from mmpretrain.structures import DataSample

    init_default_scope('mmpretrain')   # as the configs set it (default_scope); other tests may leave mmseg
    torch.manual_seed(0)
    head = dict(type='mmpretrain.LinearClsHead', num_classes=4, in_channels=0)
    model = MODELS.build(dict(type='mimbench.LayerProbeClassifier', backbone=TINY_VIT, head=head,
                              blocks=[1, 3], pooling='cls+avg', norm='none'))
    x = torch.randn(2, 3, 32, 32)
    feats = model.extract_feat(x)
    assert [tuple(f.shape) for f in feats] == [(2, 64), (2, 64)]
    # block 1 is the first transformer block's output: the same encoder with out_indices=0 agrees
    reference = MODELS.build(dict(TINY_VIT, out_indices=[0], out_type='raw'))
    reference.load_state_dict(model.backbone.state_dict())
    reference.eval()
    tokens = reference(x)[0]
    assert torch.allclose(feats[0], torch.cat([tokens[:, 0], tokens[:, 1:].mean(1)], -1), atol=1e-6)

    samples = [DataSample().set_gt_label(label) for label in (0, 3)]
    model.train()
    losses = model.loss(x, samples)
    assert set(losses) == {'block1_loss', 'block3_loss'}
    sum(losses.values()).backward()
    assert all(p.grad is None for p in model.backbone.parameters())            # the encoder is frozen
    assert all(p.grad is not None for p in model.heads.parameters())
    assert not model.backbone.training                                          # and stays in eval mode
    model.eval()
    predicted = model.predict(x, samples)
    assert tuple(predicted[0].block_scores.shape) == (2, 4) and predicted[0].probe_blocks == [1, 3]
    with pytest.raises(ValueError, match='blocks must be distinct block numbers in 1..3'):
        MODELS.build(dict(type='mimbench.LayerProbeClassifier', backbone=TINY_VIT, head=head, blocks=[4]))
    assert choose_block({1: 50.0, 2: 75.0, 3: 75.0}) == 2   # ties go to the earlier block


def _probe_config(data_root, work_dir, checkpoint=None):
    from mimbench.datasets.overrides import apply_data_root
    from mimbench.transfer.tasks import task_config

    from mimbench.smoke import load_smoke

    cfg = load_smoke(task_config('in1k', 'vit', 'smoke', 'linear-block'))   # the SimMIM probe's smoke twin
    apply_data_root(cfg, 'in1k', data_root)
    cfg.merge_from_dict({'work_dir': str(work_dir), 'model.backbone.init_cfg.checkpoint': str(checkpoint),
                         'mimbench.method': 'mae'})
    return cfg


def test_selection_config_holds_no_validation_or_test_data(tmp_path, tiny_data_root):
    cfg = _probe_config(tiny_data_root / 'in1k', tmp_path)
    selection = selection_config(cfg, tmp_path / 'block_selection')
    assert selection.test_dataloader is None and selection.test_evaluator is None
    text = json.dumps(selection.to_dict(), default=str)
    assert "'val'" not in text and '"val"' not in text and 'val.txt' not in text
    for loader, part in (('train_dataloader', 'train'), ('val_dataloader', 'heldout')):
        dataset = selection[loader].dataset
        assert dataset.type == 'mimbench.HeldOutSplit' and dataset.part == part
        assert dataset.dataset.split == 'train'
    assert selection.val_dataloader.dataset.dataset.pipeline == cfg.val_dataloader.dataset.pipeline
    assert all(h['type'] != 'mimbench.ResultRecordHook' for h in selection.custom_hooks)


def _run_protocol(cfg, monkeypatch):
    """Run both phases; return the files each phase read and the runners it built."""
    import mmengine.fileio

    import mimbench.runner
    from mimbench.train import run_config

    reads = {'selection': [], 'final': []}
    runners = []
    build, get = mimbench.runner.build_runner, mmengine.fileio.get
    phase = ['selection']

    def build_runner(config, **kwargs):
        phase[0] = 'selection' if str(kwargs.get('work_dir', '')).endswith('block_selection') else 'final'
        runner = build(config, **kwargs)
        runners.append(runner)
        return runner

    def read(path, *args, **kwargs):
        reads[phase[0]].append(str(path))
        return get(path, *args, **kwargs)

    monkeypatch.setattr(mimbench.runner, 'build_runner', build_runner)
    monkeypatch.setattr(mmengine.fileio, 'get', read)
    run_config(cfg, work_dir=cfg.work_dir)
    monkeypatch.undo()
    return reads, runners


def test_protocol_chooses_its_block_without_touching_validation_data(tmp_path, tiny_data_root, monkeypatch,
                                                                     vit_smoke_checkpoint):
    """Phase 1 reads training images only; a validation set relabelled so that another block would win on
    it changes nothing about the choice; the record carries the protocol."""
    data = tmp_path / 'in1k'
    shutil.copytree(tiny_data_root / 'in1k', data)
    cfg = _probe_config(data, tmp_path / 'run1', vit_smoke_checkpoint)
    reads, runners = _run_protocol(cfg, monkeypatch)
    val_dir, train_dir = str(data / 'val'), str(data / 'train')
    assert any(p.startswith(train_dir) for p in reads['selection'])
    assert not [p for p in reads['selection'] if p.startswith(val_dir) or p.endswith('val.txt')]
    assert any(p.startswith(val_dir) for p in reads['final'])            # the final probe does test on val
    selection = json.loads((tmp_path / 'run1' / 'block_selection' / 'selection.json').read_text())
    assert set(selection['scores']) == {'1', '2', '3', '4'} and 'class-stratified' in selection['split']
    assert '8 held-out and 24 training images' in selection['split']     # 2 of each class's 8 held out
    (record_path,) = (tmp_path / 'run1' / 'results').glob('*.json')
    record = json.loads(record_path.read_text())
    assert record['probe'] == dict(block=selection['block'], pooling='cls+avg', norm='none',
                                   selection=dict(split=selection['split'], metric=selection['metric'],
                                                  candidates=selection['scores']))
    assert list(record['metrics']) == ['linear']

    # relabel val with the predictions of another block's phase-1 probe: on it, that block scores 100%
    probe = runners[0].model
    probe.eval()
    predictions, names = [], []
    for batch in runners[0].build_dataloader(cfg.val_dataloader):
        for sample in probe.test_step(batch):
            predictions.append(sample.block_scores.argmax(-1).tolist())
            names.append(sample.img_path[len(val_dir) + 1:])
    chosen = selection['block'] - 1
    others = [b for b in range(4) if any(p[b] != p[chosen] for p in predictions)]
    assert others, 'every phase-1 probe predicts the same classes on val; the test cannot tell them apart'
    other = others[0]
    (data / 'meta' / 'val.txt').write_text(''.join(f'{n} {p[other]}\n' for n, p in zip(names, predictions)))
    on_val = [sum(p[b] == p[other] for p in predictions) for b in range(4)]
    assert choose_block(dict(enumerate(on_val, 1))) == other + 1 != selection['block']

    from mimbench.runner import build_runner   # phase 1 again, with the relabelled val set in the config

    cfg = _probe_config(data, tmp_path / 'run2', vit_smoke_checkpoint)
    build_runner(selection_config(cfg, tmp_path / 'run2'), work_dir=str(tmp_path / 'run2')).train()
    again = json.loads((tmp_path / 'run2' / 'selection.json').read_text())
    assert again == selection                                            # same block, same held-out scores


def test_a_fixed_block_probe_records_its_protocol_and_many_blocks_need_a_selection(tmp_path, tiny_data_root,
                                                                                   vit_smoke_checkpoint):
    from mimbench.train import run_config

    cfg = _probe_config(tiny_data_root / 'in1k', tmp_path / 'fixed', vit_smoke_checkpoint)
    cfg.layer_probe = None
    with pytest.raises(ValueError, match='no layer_probe to choose among them'):
        run_config(cfg, work_dir=str(tmp_path / 'fixed'))
    cfg.model.blocks = [3]
    run_config(cfg, work_dir=str(tmp_path / 'fixed'))
    (record,) = [json.loads(p.read_text()) for p in (tmp_path / 'fixed' / 'results').glob('*.json')]
    assert record['probe'] == dict(block=3, pooling='cls+avg', norm='none', selection=None)


def test_full_recipe_is_simmim_sec_4_2_with_beit_probe():
    """simmim.txt Sec. 4.2: 100 epochs, 5-epoch linear warm-up, every ViT-B block a candidate; BEiT's
    run_linear_eval.py: [cls, mean patch] features, no norm, AdamW base lr 1e-3 x batch/256, wd 1e-4."""
    from mimbench.transfer.tasks import task_config

    cfg = Config.fromfile(task_config('in1k', 'vit-b', 'full', 'linear-block'))
    assert cfg.model.type == 'mimbench.LayerProbeClassifier' and cfg.model.blocks == list(range(1, 13))
    assert (cfg.model.pooling, cfg.model.norm) == ('cls+avg', 'none')
    assert cfg.train_cfg.max_epochs == 100 and cfg.param_scheduler[0]['end'] == 5
    assert cfg.param_scheduler[-1]['end'] == 100
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.type == 'AdamW' and optimizer.lr == pytest.approx(1e-3 * 8 * 128 / 256)
    assert optimizer.weight_decay == 1e-4 and cfg.train_dataloader.batch_size == 128
    assert cfg.layer_probe.heldout_per_class == 10 and cfg.mimbench.protocol == 'linear'


def test_evaluate_offers_the_protocol(tmp_path, tiny_data_root, capsys):
    from mimbench.cli import main

    common = ['--checkpoint', 'none', '--backbone', 'vit-smoke', '--scale', 'smoke', '--tasks', 'in1k',
              '--data-root', str(tiny_data_root), '--work-dir', str(tmp_path), '--dry-run']
    assert main(['evaluate', *common, '--protocols', 'in1k=linear-block']) == 0
    cfg = Config.fromfile(str(tmp_path / 'random_vit-smoke' / 'in1k-linear-block' / 'in1k.py'))
    assert cfg.layer_probe.heldout_per_class == 2 and cfg.model.blocks == [1, 2, 3, 4]
    capsys.readouterr()
    assert main(['evaluate', *common, '--protocols', 'in1k=knn']) == 2
    assert 'expected TASK=PROTOCOL' in capsys.readouterr().err
