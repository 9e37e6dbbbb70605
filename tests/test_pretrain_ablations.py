"""The ablation pre-training configs (mae.txt Tables 1-2, simmim.txt Tables 1-5, 9, 13): each names a row of
its paper table by ``mimbench.variant``, every row has one, and each builds and takes a training step at smoke
size. The knobs they turn are tested for their defining property in test_pretrain_mae.py /
test_pretrain_simmim.py."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

import mimbench  # noqa: F401
from mimbench.leaderboard.reference import load_reference
from mimbench.results import ResultRecord, id_problem

ROOT = Path(__file__).resolve().parents[1]
ABLATIONS = sorted((ROOT / 'configs' / 'pretrain').glob('*/ablation/*.py'))
# the ablation tables whose every row has a config; the paper default of each is the recipe itself
TABLES = {('mae', t) for t in ('1a', '1b', '1c', '1d', '1e', '1f', '2')} \
    | {('simmim', t) for t in ('1', '2', '3', '4', '5', '9', '13')}
DEFAULT_RECIPES = {'mae': {}, 'simmim': {100: 'simmim/simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py'}}


def rel(path: Path) -> str:
    return path.name


@pytest.fixture(scope='module')
def configs():
    return {path: Config.fromfile(str(path)) for path in ABLATIONS}


@pytest.fixture(scope='module')
def reference():
    ref = load_reference()
    return ref[[(p, t) in TABLES for p, t in zip(ref['paper'], ref['table'])]]


def _table_of(recipe: str) -> tuple[str, str]:
    """'mae.txt Table 1a' -> ('mae', '1a')."""
    paper, _, table = recipe.partition('.txt Table ')
    return paper, table


def test_every_ablation_config_names_a_row_of_its_table(configs, reference):
    assert len(configs) == 85
    for path, cfg in configs.items():
        info = cfg.mimbench
        paper, table = _table_of(info.recipe)
        assert any(p == paper and t.startswith(table) for p, t in TABLES), path.name   # 'Table 1': 1a-1f
        rows = reference[(reference['paper'] == paper) & (reference['table'].str.rstrip('abcdef')
                                                          == table.rstrip('abcdef'))]
        variant = info.variant
        rows = rows[rows['variant'].isna()] if variant is None else rows[rows['variant'] == variant]
        rows = rows[(rows['method'] == info.method) & (rows['backbone'] == info.backbone)
                    & (rows['pretrain_epochs'] == cfg.train_cfg.max_epochs)]
        assert len(rows), f'{path.name}: no {paper} Table {table} row for {info.variant!r}'
        assert variant is None or path.stem.endswith('_' + variant), path.name   # the file says its row
        assert variant is None or id_problem('variant', variant) is None          # a record can carry it


def test_every_row_of_the_ablation_tables_has_a_config(configs, reference):
    have = {(cfg.mimbench.method, cfg.mimbench.backbone, cfg.mimbench.variant, cfg.train_cfg.max_epochs)
            for cfg in configs.values()}
    for paper, epochs in (('simmim', 100),):   # the defaults are the recipes themselves
        recipe = Config.fromfile(str(ROOT / 'configs' / 'pretrain' / DEFAULT_RECIPES[paper][epochs]))
        assert recipe.train_cfg.max_epochs == epochs
        have.add(('simmim', 'swin-b', None, epochs))
    missing = set()
    for row in reference.itertuples(index=False):
        variant = row.variant if isinstance(row.variant, str) else None
        key = (row.method, row.backbone, variant, int(row.pretrain_epochs))
        if key not in have:
            missing.add((row.paper, row.table) + key)
    assert not missing, sorted(missing, key=str)


GROUPS = ({'model'}, {'train_pipeline', 'train_dataloader'},          # one thing: the model or the data,
          {'max_epochs', 'warmup_epochs', 'param_scheduler', 'train_cfg'})   # or the schedule


def _parent(path: Path) -> Path:
    text = path.read_text()
    return (path.parent / text.split("_base_ = '")[1].split("'")[0]).resolve()


def test_each_ablation_config_inherits_its_recipe_and_changes_one_thing(configs):
    parents = {}
    for path, cfg in configs.items():
        parent = _parent(path)
        assert parent.exists() and 'ablation' in parent.parts or parent.parent.name in ('mae', 'simmim'), path
        if parent not in parents:
            parents[parent] = configs.get(parent) or Config.fromfile(str(parent))
        mine, theirs = cfg.to_dict(), parents[parent].to_dict()
        changed = {k for k in set(mine) | set(theirs) if k != 'mimbench' and mine.get(k) != theirs.get(k)}
        if path.stem.endswith('_pixel-no-norm'):       # Table 1's base: unnormalised pixels, 800 epochs
            assert changed <= {'model'} | GROUPS[2] and mine['model']['head']['norm_pix'] is False, path.name
        else:
            assert any(changed <= group for group in GROUPS) and changed, (path.name, changed)
        if changed == {'model'}:                       # one part of the model, or the target (neck + head)
            parts = {k for k in mine['model'] if mine['model'][k] != theirs['model'].get(k)}
            assert parts in ({'backbone'}, {'neck'}, {'head'}, {'neck', 'head'}), (path.name, parts)


# ---------------------------------------------------------------- one training step at smoke size

SMOKE_SIZE = 64


def shrink(path: Path) -> Config:
    """The config's smoke twin (mimbench.smoke): smoke-size encoder and decoder, 64 px, random stand-ins for
    the files a user brings (DALL-E weights, iGPT clusters); the ablated knob is kept."""
    from mimbench.smoke import load_smoke
    return load_smoke(path)


@pytest.fixture(scope='module')
def image_root(tmp_path_factory):
    from mimbench.datasets.synthetic import make_imagenet
    return make_imagenet(tmp_path_factory.mktemp('ablation_images'), num_classes=2, images_per_class=2)


@pytest.mark.parametrize('path', ABLATIONS, ids=rel)
def test_ablation_config_builds_and_takes_a_training_step(path, image_root):
    from mmengine.dataset import default_collate
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DATASETS

    from mimbench.registry import MODELS
    cfg = shrink(path)
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.update(data_root=str(image_root), serialize_data=False)   # (serialising runs gc.collect)
    dataset = DATASETS.build(dataset_cfg)
    np.random.seed(0)                                              # block masks draw from numpy's RNG
    batch = default_collate([dataset[0], dataset[1]])
    assert batch['inputs'].shape[-1] == SMOKE_SIZE
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = [p.detach().clone() for p in model.parameters() if p.requires_grad]
    losses = model.train_step(batch, wrapper)
    assert torch.isfinite(losses['loss'])
    after = [p for p in model.parameters() if p.requires_grad]
    assert any(not torch.equal(a, b) for a, b in zip(before, after))   # the step moved the weights


def test_a_run_of_an_ablation_config_carries_its_variant_to_the_leaderboard(configs, image_root, tmp_path):
    """The chain that fills a cell: the pre-training checkpoint's plain-data provenance (written by
    PretrainProvenanceHook from ``mimbench.variant``), the record labels evaluate derives from it, the
    cell."""
    from mimbench.checkpoints.facts import describe_checkpoint
    from mimbench.evaluate import provenance_labels
    from mimbench.leaderboard import tables
    from mimbench.leaderboard.records import aggregate_records
    from mimbench.leaderboard.specs import SPECS
    from mimbench.runner import build_runner
    path = next(p for p in ABLATIONS if p.name == 'mae_vit-large-p16_8xb512-coslr-800e_in1k_dec-depth-1.py')
    cfg = shrink(path)
    cfg.train_dataloader.update(batch_size=2)
    runner = build_runner(cfg, work_dir=str(tmp_path), cfg_options={
        'train_dataloader.dataset.data_root': str(image_root)})
    runner.train()
    facts = describe_checkpoint(tmp_path / 'epoch_1.pth')
    labels = provenance_labels(facts)
    assert facts.pretrain['variant'] == labels['variant'] == 'dec-depth-1'
    assert labels['pretrain']['recipe'] == 'mae.txt Table 1a'
    # a full run trains the config's 800 epochs; its record then fills the "1 block" row of mae.txt Table 1a
    record = ResultRecord(task='in1k', method='mae', backbone='vit-l', metrics={'top1': 84.0},
                          variant=labels['variant'], pretrain={**labels['pretrain'], 'epochs': 800},
                          date='2026-01-01T00:00:00+00:00')
    table = tables.build_table(next(s for s in SPECS if s.name == 'mae_table1a'), load_reference(),
                               aggregate_records([record]))
    filled = [(label, c.paper, c.repro) for label, line in zip(table.labels, table.cells) for c in line
              if isinstance(c, tables.Cell) and c.repro is not None]
    assert filled == [('1 block', 84.8, 84.0)]
