"""The recipe table (configs/recipes.csv) against every full config, the checker's teeth, the recipe cards.

Every full transfer and pre-training config is resolved (mmengine Config.fromfile) and its *effective*
values -- lr at its total batch, absolute milestones, the block a head reads... -- are compared with the rows
of the recipe it names; deliberately wrong values must fail the same check.
"""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

import mimbench  # noqa: F401
from mimbench.leaderboard.ids import METHODS
from mimbench.recipes.check import check_config
from mimbench.recipes.cli import full_configs
from mimbench.recipes.coverage import cards, request
from mimbench.recipes.effective import identity, load_config
from mimbench.recipes.table import fmt, load_table, parse, read_table, recipe_names, same
from mimbench.transfer import tasks

FULL = full_configs()
ROOT = Path(__file__).resolve().parents[1]


def rel(path) -> str:
    return str(Path(path).relative_to(ROOT / 'configs'))


def test_table_is_valid_and_names_known_ids():
    table = read_table()
    assert len(table) > 400
    for row in table.itertuples():
        assert set(row.method.split()) <= set(METHODS), row
        assert set(row.backbone.split()) <= set(tasks.BACKBONES), row
        assert set(row.task.split()) <= set(tasks.TASKS) | {'pretrain'}, row
        parse(row.value)


@pytest.mark.parametrize('path', FULL, ids=rel)
def test_full_config_trains_with_its_recipe(path):
    cfg = load_config(path)
    if cfg.get('mimbench', {}).get('recipe', '') is None:   # not a paper recipe: says why
        assert cfg.mimbench.note
        return
    result = check_config(path, cfg=cfg)
    assert result.ok, result.report()


def test_every_recipe_of_the_table_is_some_config_s():
    used = {load_config(p).get('mimbench', {}).get('recipe') for p in FULL}
    assert set(recipe_names()) <= used, sorted(set(recipe_names()) - used)


# ------------------------------------------------------------------------- deliberate errors must fail
def _mutated(path: str, change) -> list[str]:
    cfg = copy.deepcopy(load_config(str(ROOT / 'configs' / path)))
    change(cfg)
    result = check_config(str(ROOT / 'configs' / path), cfg=cfg)
    return [m.key for m in result.mismatches] + result.problems


SWIN_IN1K = 'transfer/in1k/finetune_swin-base_simmim_8xb256-100e_in1k.py'


def _scale_lr(factor):
    def change(cfg):
        cfg.optim_wrapper.optimizer.lr *= factor
    return change


def _enable_auto_scale(cfg):   # what the old SimMIM config did: 5e-3 x 2048 / 512
    cfg.auto_scale_lr = dict(enable=True, base_batch_size=512)


@pytest.mark.parametrize('path, change, key', [
    (SWIN_IN1K, _scale_lr(4), 'lr'),
    (SWIN_IN1K, _enable_auto_scale, 'lr'),
    (SWIN_IN1K, lambda c: c.optim_wrapper.paramwise_cfg.update(layer_decay_rate=0.9), 'layer_decay'),
    (SWIN_IN1K, lambda c: c.optim_wrapper.paramwise_cfg.update(rule='mae'), 'layer_decay_rule'),
    (SWIN_IN1K, lambda c: c.model.backbone.update(drop_path_rate=0.2), 'drop_path'),
    (SWIN_IN1K, lambda c: c.model.backbone.update(window_size=6), 'window_size'),
    (SWIN_IN1K, lambda c: c.param_scheduler[0].update(end=10), 'warmup_epochs'),
    (SWIN_IN1K, lambda c: c.optim_wrapper.optimizer.update(betas=(0.9, 0.95)), 'betas'),
    (SWIN_IN1K, lambda c: c.optim_wrapper.optimizer.update(weight_decay=0.1), 'weight_decay'),
    (SWIN_IN1K, lambda c: c.train_cfg.update(max_epochs=90), 'epochs'),
    (SWIN_IN1K, lambda c: c.data_preprocessor.batch_augments.augments[0].update(alpha=0.2), 'mixup'),
    ('transfer/in1k/finetune_vit-base-p16_mae_8xb128-100e_in1k.py',
     lambda c: c.model.backbone.update(out_type='cls_token'), 'pooling'),
    ('transfer/in1k/finetune_vit-base-p16_mae_8xb128-100e_in1k.py',
     lambda c: c.train_dataloader.dataset.pipeline[3].update(magnitude_level=7), 'randaug'),
    ('pretrain/simmim/simmim_swin-base-w6_8xb256-steplr-800e_in1k-192px.py',     # drops at 710, not 700
     lambda c: c.param_scheduler[1].update(begin=10), 'milestones'),
    ('pretrain/simmim/simmim_vit-base-p16_8xb256-coslr-800e_in1k.py',            # ViT's layout, not BEiT's
     lambda c: c.model.backbone.update(use_abs_pos_emb=True), 'abs_pos_embed'),
    ('pretrain/simmim/simmim_vit-base-p16_8xb256-coslr-800e_in1k.py',            # a table per block
     lambda c: c.model.backbone.update(use_rel_pos_bias=True, use_shared_rel_pos_bias=False), 'rel_pos_bias'),
    ('transfer/ade20k/linear_vit-base-p16_cim-respix_8xb2-160k_ade20k.py',       # an intermediate block
     lambda c: c.model.backbone.update(out_indices=[8]), 'head_reads'),
    ('transfer/ade20k/upernet_vit-base-p16_mae_8xb2-126k_ade20k.py',
     lambda c: c.model.decode_head.update(in_index=[0, 1, 2, 2]), 'head_reads'),
    ('transfer/coco/mask-rcnn_vit-base-p16_mae_8xb8-lsj-100e_coco.py',
     lambda c: c.param_scheduler[1].update(milestones=[87, 96]), 'milestones'),
    ('transfer/in1k/finetune_resnet-50_cim-revdet_8xb256-300e_in1k.py',
     lambda c: c.train_dataloader.update(sampler=dict(type='DefaultSampler', shuffle=True)), 'repeated_aug'),
])
def test_a_wrong_value_fails_the_check(path, change, key):
    assert key in _mutated(path, change)


def test_a_schedule_that_stops_early_or_a_mislabelled_batch_fails():
    problems = _mutated(SWIN_IN1K, lambda c: c.param_scheduler[1].update(end=90))
    assert any('schedule ends at 90' in p for p in problems)
    problems = _mutated(SWIN_IN1K, lambda c: c.train_dataloader.update(batch_size=128))
    assert any('the name says 256 images per GPU' in p for p in problems)
    problems = _mutated('transfer/ade20k/upernet_swin-base-w20_simmim_8xb4-80k_ade20k.py',
                        lambda c: c.auto_scale_lr.update(base_batch_size=16))   # the old config's base
    assert any('base_batch_size is 16' in p for p in problems)


def test_an_unstated_value_fails_the_check():
    table = load_table()
    thin = table[~((table['key'] == 'drop_path') & table['recipe'].str.contains('swin_base__800ep'))]
    result = check_config(str(ROOT / 'configs' / SWIN_IN1K), table=thin)
    assert any('does not state drop_path' in p for p in result.problems)


def test_values_compare_as_numbers_and_words():
    assert same(parse('5e-3'), 0.005) and same(parse('0.9 0.999'), (0.9, 0.999))
    assert not same(parse('0.005'), 0.02) and not same(parse('none'), 5.0)
    assert fmt(1e-6) == '1e-06' and fmt((0.9, 0.999)) == '0.9 0.999'


# ------------------------------------------------------------------------------- recipe selection
def test_recipes_are_chosen_by_task_backbone_and_method():
    assert 'simmim' in tasks.task_config('in1k', 'vit-b', method='simmim')
    assert '_cim-revdet_' in tasks.task_config('in1k', 'vit-b', method='cim-revdet')
    assert '_cim-respix_' in tasks.task_config('in1k', 'vit-b', method='cim-respix')
    # a method without a recipe of its own gets the backbone's default, and the record is told why
    assert '_mae_' in tasks.task_config('in1k', 'vit-b', method='mixmim')
    note = tasks.recipe_note('in1k', 'vit-b', method='mixmim')
    assert 'no mixmim recipe' in note and 'mae recipe' in note
    assert tasks.recipe_note('in1k', 'vit-b', method='mae') is None
    assert tasks.task_config('in1k', 'vit-b', method='mae', variant='paper').endswith('-paper-100e_in1k.py')
    names = set(tasks.recipe_names('in1k', 'swin-b', method='simmim'))
    assert names == {'paper', 'ablation', 'ablation-paper'}
    with pytest.raises(ValueError, match='named recipes there: paper'):
        tasks.task_config('in1k', 'vit-b', method='mae', variant='ablation')


def test_defaults_are_the_releases_and_records_name_the_recipe():
    expected = {'in1k/finetune_vit-base-p16_mae_8xb128-100e_in1k.py': 'mae FINETUNE.md',
                'in1k/finetune_vit-base-p16_mae_8xb128-paper-100e_in1k.py': 'mae.txt Table 9',
                'in1k/finetune_swin-base_simmim_8xb256-100e_in1k.py': 'simmim configs/swin_base__800ep'}
    for path, recipe in expected.items():
        assert load_config(str(tasks.CONFIG_ROOT / path)).mimbench.recipe == recipe
    for path in tasks.all_configs('full'):
        assert identity(load_config(path), path)['recipe'], path


# ----------------------------------------------------------------------------------- recipe cards
@pytest.fixture(scope='module')
def all_cards():
    return cards()


def _card(items, **fields):
    found = [c for c in items if all(c.row[k] == v for k, v in fields.items())]
    assert found, fields
    return found


def test_every_paper_row_has_a_recipe_or_a_reason(all_cards):
    assert len(all_cards) > 150
    for card in all_cards:
        assert card.config or card.reason, card.title
        assert not card.problems, (card.title, card.problems)
        # a row without a recipe says why in words, never a failed lookup
        assert card.config or not card.reason.startswith('no recipe in mimbench'), (card.title, card.reason)


@pytest.mark.parametrize('fields', [
    *({'paper': 'mae', 'backbone': b, 'task': t} for b in ('vit-l', 'vit-h')
      for t in ('inat2017', 'inat2018', 'inat2019', 'places205', 'places365')),
    *({'paper': 'mixmim', 'backbone': 'mixmim-l', 'task': t} for t in ('inat2018', 'inat2019', 'places205',
                                                                      'places365')),
    *({'paper': 'simmim', 'backbone': 'swin-l', 'task': t} for t in ('in1k', 'coco', 'ade20k')),
    {'paper': 'simmim', 'backbone': 'vit-b', 'task': 'in1k', 'metric': 'top1'},
    {'paper': 'cim', 'backbone': 'vit-s', 'method': 'cim-respix'},
    {'paper': 'cim', 'backbone': 'vit-s', 'method': 'cim-revdet'},
    *({'paper': 'cim', 'backbone': 'resnet-50', 'task': 'in1k', 'finetune_epochs': e}
      for e in (100, 300, 600)),
    {'paper': 'mae', 'backbone': 'vit-h', 'task': 'in1k', 'resolution': 448},
    *({'paper': 'mae', 'table': t, 'metric': 'linear'} for t in ('1a', '1b', '1c', '1d', '1e', '1f')),
])
def test_the_paper_rows_the_issue_names_have_recipes(all_cards, fields):
    for card in _card(all_cards, **fields):
        assert card.config, (card.title, card.reason)


def test_cards_pick_the_row_s_own_setting(all_cards):
    by_title = {c.title: c for c in all_cards}
    ablation = next(c for t, c in by_title.items() if 'simmim Table 10' in t and 'swin-b in1k' in t)
    assert ablation.config.endswith('in1k-192px.py')
    revdet, respix = (next(c for c in all_cards if c.row['table'] == '1' and c.row['method'] == m and
                           c.row['backbone'] == 'vit-b') for m in ('cim-revdet', 'cim-respix'))
    assert revdet.config != respix.config
    assert {v['value'] for v in revdet.values if v['key'] == 'lr'} == {'0.005'}
    swinv2g = _card(all_cards, backbone='swinv2-g')[0]
    assert 'private' in swinv2g.reason
    assert request({'metric': 'miou', 'variant': 'fcn-160k', 'method': 'cim-revdet', 'backbone': 'resnet-50',
                    'task': 'ade20k', 'resolution': float('nan'), 'pretrain_epochs': 300.0,
                    'finetune_epochs': float('nan')}) == ('fcn-head-160k', None)


def test_a_borrowed_recipe_is_its_own_labelled_setting_on_the_leaderboard():
    from mimbench.leaderboard.records import setting_variant
    from mimbench.recipes.table import borrowed_recipe
    from mimbench.results import ResultRecord
    assert borrowed_recipe('mixmim', 'mae FINETUNE.md') == 'mae FINETUNE.md'
    assert borrowed_recipe('mae', 'mae FINETUNE.md') is None
    assert borrowed_recipe('random', 'mae.txt A.3') is None
    record = ResultRecord(task='in1k', method='mixmim', backbone='vit-b', metrics={'top1': 80.0},
                          recipe='mae FINETUNE.md')
    assert setting_variant(record) == 'mae FINETUNE.md recipe'
    record.recipe = 'mixmim.txt Table 12'
    assert setting_variant(record) is None


def test_mae_ablation_checkpoints_are_fine_tuned_with_the_paper_recipe(tmp_path, monkeypatch):
    """mae.txt Tables 1-2 (unnormalised pixels, 800 epochs) were fine-tuned with Table 9, not the release
    recipe made for the normalised-pixel models: evaluate, inspect and the recipe cards agree on it."""
    from mmengine.config import Config

    import mimbench.evaluate as evaluate
    from mimbench.checkpoints.cli import task_recipes
    from mimbench.checkpoints.facts import CheckpointFacts
    from mimbench.cli import main
    from mimbench.transfer.tasks import pretraining_recipe_variant

    ablation = {'recipe': 'mae.txt Table 1', 'variant': 'dec-depth-1', 'epochs': 800}
    assert pretraining_recipe_variant('mae', 'in1k', 'finetune', ablation) == 'paper'
    assert pretraining_recipe_variant('mae', 'in1k', 'finetune', {'recipe': 'mae.txt Table 1d'}) == 'paper'
    assert pretraining_recipe_variant('mae', 'in1k', 'finetune', {'recipe': 'mae.txt Table 8'}) is None
    assert pretraining_recipe_variant('mae', 'coco', 'finetune', ablation) is None
    assert pretraining_recipe_variant('mae', 'in1k', 'linear', ablation) is None
    assert pretraining_recipe_variant('simmim', 'in1k', 'finetune', ablation) is None

    path = tmp_path / 'mae_vit-large_dec-depth-1.pth'
    path.write_bytes(b'')
    facts = CheckpointFacts(path=str(path), size=0, format='mimbench', family='vit', backbone='vit-l',
                            method='mae', method_source='provenance', pretrain=ablation)
    paper = 'finetune_vit-large-p16_mae_8xb128-paper-50e_in1k.py'
    assert task_recipes('vit-l', 'mae', 'full', facts)['in1k'].endswith(paper)
    coco = 'mask-rcnn_vit-large-p16_mae_8xb8-lsj-100e_coco.py'
    assert task_recipes('vit-l', 'mae', 'full', facts)['coco'].endswith(coco)
    monkeypatch.setattr(evaluate, 'checkpoint_facts', lambda checkpoint: facts)
    assert main(['evaluate', '--checkpoint', str(path), '--scale', 'full', '--tasks', 'in1k,coco',
                 '--dry-run', '--work-dir', str(tmp_path / 'w')]) == 0
    derived = tmp_path / 'w' / 'mae_vit-l' / 'in1k' / 'in1k.py'
    assert paper in derived.read_text()
    meta = Config.fromfile(str(derived)).mimbench
    assert meta.recipe == 'mae.txt Table 9' and meta.variant == 'dec-depth-1' and paper in meta.note
    coco_run = Config.fromfile(str(tmp_path / 'w' / 'mae_vit-l' / 'coco' / 'coco.py')).mimbench
    assert coco_run.get('note') is None


def _swin_windows(backbone) -> list[int]:
    """The attention window of each of a Swin backbone's four stages, as mmpretrain builds them."""
    stages = backbone.get('stage_cfgs', {})
    stages = list(stages) if isinstance(stages, (list, tuple)) else [stages] * 4
    return [s.get('block_cfgs', {}).get('window_size', s.get('window_size', backbone.get('window_size', 7)))
            for s in stages]


@pytest.mark.parametrize('path', [p for p in FULL if 'swin' in str(p)], ids=rel)
def test_swin_windows_fit_their_feature_maps(path):
    """A window larger than its stage's map fails at full size (mmpretrain asserts) and only smoke sizes
    hid it (Swin-L at 224 px: stage 4 is 7x7 under window 14). Swin's code, which SimMIM runs, shrinks the
    window to the map for classification and pre-training; detection and segmentation pad the map."""
    from mmengine.config import Config

    backbone = Config.fromfile(str(path)).model.backbone
    if backbone.get('pad_small_map'):
        return
    size = backbone.get('img_size', 224)
    for stage, window in enumerate(_swin_windows(backbone)):
        side = size // 4 // 2 ** stage
        assert window <= side, f'stage {stage + 1}: window {window} on a {side}x{side} map'
