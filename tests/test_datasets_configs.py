"""Dataset base configs: full recipes carry the papers' values; their smoke twins (mimbench.smoke) read the
generated data through the recipes' own dataset types and pipelines."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mimbench  # noqa: F401
from mimbench.datasets.overrides import apply_data_root, data_root_options
from mimbench.datasets.synthetic import make_all
from mimbench.smoke import load_smoke
from mimbench.transfer import tasks

CONFIGS = Path(__file__).resolve().parents[1] / 'configs' / '_base_' / 'datasets'
# smoke runs (mimbench.smoke) of one recipe per dataset config: (task, protocol) -> toolbox scope
SMOKE = {(task, 'finetune'): spec.scope for task, spec in tasks.TASKS.items()
         if not spec.evaluates}   # robustness test sets: tests/test_robustness.py
SMOKE[('in1k', 'linear')] = 'mmpretrain'


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    return make_all(tmp_path_factory.mktemp('synthetic'))


def build_dataset(scope, cfg):
    init_default_scope(scope)
    from mmengine.registry import DATASETS
    return DATASETS.build(cfg)


def smoke_of(task, protocol='finetune'):
    return load_smoke(tasks.task_config(task, 'vit-smoke', 'smoke', protocol=protocol))


@pytest.mark.parametrize('task, protocol', sorted(SMOKE))
def test_smoke_data_reads_generated_data_through_the_recipe_pipelines(roots, task, protocol):
    scope = SMOKE[(task, protocol)]
    cfg = smoke_of(task, protocol)
    assert cfg.train_dataloader.dataset.data_root.rstrip('/') == f'data/smoke/{task}'   # make_all layout
    assert cfg.train_dataloader.num_workers == 0
    apply_data_root(cfg, task, roots[task])
    train = build_dataset(scope, cfg.train_dataloader.dataset)
    val = build_dataset(scope, cfg.val_dataloader.dataset)
    assert len(train) > 0 and len(val) > 0
    assert val[len(val) - 1]['inputs'].shape[-2:] == (64, 64)
    # mmseg crops at most crop_size (smaller after a down-scaling jitter; the model's preprocessor pads)
    height, width = train[0]['inputs'].shape[-2:]
    assert (height, width) == (64, 64) or (scope == 'mmseg' and 0 < height <= 64 and 0 < width <= 64)
    if scope == 'mmdet':
        assert len(train[0]['data_samples'].gt_instances) >= 0 and val[0]['data_samples'].gt_instances.masks
    if scope == 'mmseg':
        assert val[0]['data_samples'].gt_sem_seg.data.shape[-2:] == val[0]['inputs'].shape[-2:]
    init_default_scope(scope)
    from mmengine.registry import METRICS
    evaluator = METRICS.build(cfg.val_evaluator)
    if task == 'coco':
        assert evaluator.backend == 'faster_coco_eval' and Path(cfg.val_evaluator.ann_file).is_file()


@pytest.mark.parametrize('task, protocol', [('inat2018', 'finetune'), ('in1k', 'linear')])
def test_classification_data_preprocessor_applies_mixup_cutmix_only_when_fine_tuning(roots, task, protocol):
    cfg = smoke_of(task, protocol)
    apply_data_root(cfg, task, roots[task])
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    preprocessor = MODELS.build(dict(type='ClsDataPreprocessor', **cfg.data_preprocessor))
    dataset = build_dataset('mmpretrain', cfg.train_dataloader.dataset)
    samples = [dataset[i] for i in (0, 8, 16, 24)]                     # one per class
    assert [s['data_samples'].gt_label.item() for s in samples] == [0, 1, 2, 3]
    batch = {'inputs': [s['inputs'] for s in samples], 'data_samples': [s['data_samples'] for s in samples]}
    torch.manual_seed(0)
    out = preprocessor(batch, training=True)
    assert out['inputs'].shape == (4, 3, 64, 64)
    if protocol == 'linear':                         # mae.txt Table 10: no mixup/cutmix, hard labels
        assert 'batch_augments' not in cfg.data_preprocessor
        assert not any(hasattr(s, 'gt_score') for s in out['data_samples'])
        return
    scores = torch.stack([s.gt_score for s in out['data_samples']])   # mae.txt Table 9: mixed soft labels
    assert scores.shape == (4, 4) and torch.allclose(scores.sum(1), torch.ones(4))
    assert (scores.max(1).values < 1).any()


def test_full_recipes_carry_the_papers_values():
    coco = Config.fromfile(CONFIGS / 'coco_instance_lsj.py')
    jitter = next(t for t in coco.train_pipeline if t.type == 'RandomResize')
    assert coco.image_size == (1024, 1024) and jitter.ratio_range == (0.1, 2.0)      # simmim.txt C.1
    assert coco.val_evaluator.metric == ['bbox', 'segm'] and coco.num_classes == 80
    ade = Config.fromfile(CONFIGS / 'ade20k_512.py')
    crop = next(t for t in ade.train_pipeline if t.type == 'mmseg.RandomCrop')
    assert crop.crop_size == (512, 512)                                                # mae.txt A.4
    assert ade.img_ratios == [0.75, 0.875, 1.0, 1.125, 1.25]                          # simmim.txt C.1
    assert ade.train_dataloader.batch_size * 8 == 16                                   # mae.txt A.4
    expected_classes = {'imagenet_finetune.py': 1000, 'inat2017.py': 5089, 'inat2018.py': 8142,
                        'inat2019.py': 1010, 'places205.py': 205, 'places365.py': 365}
    for name, classes in expected_classes.items():
        cfg = Config.fromfile(CONFIGS / name)
        randaug = next(t for t in cfg.train_pipeline if t.type == 'mmpretrain.RandAugment')
        assert (randaug.magnitude_level, randaug.magnitude_std) == (9, 0.5), name     # mae.txt Table 9
        augments = {a.type: a.alpha for a in cfg.data_preprocessor.batch_augments.augments}
        assert augments == {'mmpretrain.Mixup': 0.8, 'mmpretrain.CutMix': 1.0}, name
        assert cfg.data_preprocessor.num_classes == classes == cfg.num_classes, name
        assert cfg.train_dataloader.batch_size * 8 == 1024, name                        # mae.txt Table 9
    linear = Config.fromfile(CONFIGS / 'imagenet_linear.py')
    assert [t.type for t in linear.train_pipeline] == [
        'mmpretrain.LoadImageFromFile', 'mmpretrain.RandomResizedCrop', 'mmpretrain.RandomFlip',
        'mmpretrain.PackInputs'] and 'batch_augments' not in linear.data_preprocessor   # mae.txt Table 10


def test_data_root_options_cover_every_path():
    options = data_root_options('coco', '/d/coco')
    assert options['val_evaluator.ann_file'] == '/d/coco/annotations/instances_val2017.json'
    assert options['test_dataloader.dataset.data_root'] == '/d/coco/'
    cfg = apply_data_root(Config.fromfile(CONFIGS / 'coco_instance_lsj.py'), 'coco', '/d/coco')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.data_root == '/d/coco/'
    assert cfg.test_evaluator.ann_file == '/d/coco/annotations/instances_val2017.json'
    with pytest.raises(ValueError, match='unknown task'):
        data_root_options('voc', '/d')
