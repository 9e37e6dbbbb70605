"""Synthetic datasets: valid in each real format, read by the toolboxes; bad roots fail with guidance."""
import argparse
import hashlib
import json
import shutil

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from PIL import Image
from pycocotools.coco import COCO

import mimbench  # noqa: F401  (registers mimbench datasets)
from mimbench.datasets import cli as data_cli
from mimbench.datasets.checks import DatasetRootError, check_root, expected_files
from mimbench.datasets.synthetic import (ADE_BACKGROUND_LABEL, ADE_SHAPE_LABELS, COCO_CLASSES, PALETTE, TASKS,
                                         class_style, make_all, make_imagenet)
from mimbench.registry import DATASETS


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    return make_all(tmp_path_factory.mktemp('synthetic'))


def digest(folder):
    return {str(p.relative_to(folder)): hashlib.md5(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob('*')) if p.is_file()}


def test_generation_is_deterministic_and_idempotent(roots, tmp_path):
    make_imagenet(tmp_path / 'a', seed=5), make_imagenet(tmp_path / 'b', seed=5)
    assert digest(tmp_path / 'a') == digest(tmp_path / 'b')
    make_imagenet(tmp_path / 'c', seed=6)
    assert digest(tmp_path / 'a') != digest(tmp_path / 'c')
    before = {t: p.joinpath('.mimbench-synthetic').stat().st_mtime_ns for t, p in roots.items()}
    again = make_all(next(iter(roots.values())).parent)   # finished tasks are skipped
    assert again == roots and set(roots) == set(TASKS)
    assert {t: p.joinpath('.mimbench-synthetic').stat().st_mtime_ns for t, p in again.items()} == before


def test_classification_images_are_64px_and_learnable(roots):
    """The class is recoverable from the dominant non-grey colour: fine-tuning has signal to find."""
    lines = (roots['in1k'] / 'meta' / 'val.txt').read_text().split('\n')[:-1]
    correct = 0
    for line in lines:
        path, label = line.rsplit(' ', 1)
        img = np.asarray(Image.open(roots['in1k'] / 'val' / path).convert('RGB'), np.float32)
        assert img.shape == (64, 64, 3)
        saturated = img[(img.max(-1) - img.min(-1)) > 60]            # object pixels, not the grey texture
        colour = saturated.mean(0)
        guess = int(np.argmin([np.abs(colour - np.asarray(c)).sum() for c in PALETTE[:4]]))
        correct += guess == int(label) and class_style(int(label))[1] == PALETTE[guess]
    assert correct == len(lines)


def test_imagenet_folder_reads_with_mmpretrain(roots):
    init_default_scope('mmpretrain')
    from mmpretrain.registry import DATASETS as PRETRAIN_DATASETS
    pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
    for split, count in (('train', 32), ('val', 16)):
        ds = PRETRAIN_DATASETS.build(dict(type='ImageNet', data_root=str(roots['in1k']), split=split,
                                          pipeline=pipeline))
        assert len(ds) == count and sorted(set(ds.get_gt_labels())) == [0, 1, 2, 3]
        sample = ds[count - 1]
        assert tuple(sample['inputs'].shape) == (3, 64, 64) and sample['data_samples'].gt_label.item() == 3


def test_coco_json_has_polygons_rle_and_crowd_and_reads_with_mmdet(roots):
    ann_file = roots['coco'] / 'annotations' / 'instances_train2017.json'
    coco = COCO(str(ann_file))
    anns = coco.loadAnns(coco.getAnnIds())
    kinds = {'crowd' if a['iscrowd'] else 'poly' if isinstance(a['segmentation'], list) else 'rle'
             for a in anns}
    assert kinds == {'poly', 'rle', 'crowd'}
    for a in anns:                                       # every mask decodes to its recorded area and box
        mask = coco.annToMask(a)
        ys, xs = np.nonzero(mask)
        assert mask.sum() == a['area'] and a['bbox'] == [xs.min(), ys.min(), np.ptp(xs) + 1, np.ptp(ys) + 1]
    assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == list(COCO_CLASSES)

    init_default_scope('mmdet')
    from mmdet.registry import DATASETS as DET_DATASETS
    ds = DET_DATASETS.build(dict(
        type='CocoDataset', data_root=str(roots['coco']), ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'), metainfo=dict(classes=COCO_CLASSES), test_mode=False,
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='LoadAnnotations', with_bbox=True, with_mask=True)]))
    assert len(ds) == 8
    sample = ds[0]
    masks = sample['gt_masks'].to_ndarray()
    assert sample['img'].shape == (64, 64, 3) and masks.shape[0] == len(sample['gt_bboxes']) > 0
    for mask, box in zip(masks, sample['gt_bboxes'].tensor.numpy()):
        ys, xs = np.nonzero(mask)
        np.testing.assert_allclose(box, [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
    assert set(sample['gt_bboxes_labels'].tolist()) <= {0, 1, 2}


def test_ade20k_pairs_read_with_mmseg(roots):
    init_default_scope('mmseg')
    from mmseg.registry import DATASETS as SEG_DATASETS
    ds = SEG_DATASETS.build(dict(
        type='ADE20KDataset', data_root=str(roots['ade20k']),
        data_prefix=dict(img_path='images/validation', seg_map_path='annotations/validation'),
        pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', reduce_zero_label=True)]))
    assert len(ds) == 8 and len(ds.metainfo['classes']) == 150
    seen = set()
    for i in range(len(ds)):
        seg = ds[i]['gt_seg_map']
        assert seg.shape == (64, 64) and (seg[0] == 255).all()        # frame of "other" -> ignored
        seen |= set(np.unique(seg).tolist())
    allowed = {255, ADE_BACKGROUND_LABEL - 1} | {v - 1 for v in ADE_SHAPE_LABELS.values()}
    assert seen <= allowed and len(seen) >= 4


@pytest.mark.parametrize('year', [2017, 2018, 2019])
def test_inat_json_reads_as_mimbench_dataset(roots, year):
    root = roots[f'inat{year}']
    ann = json.loads((root / f'train{year}.json').read_text())
    assert set(ann) >= {'info', 'images', 'annotations', 'categories', 'licenses'}
    category_keys = set(ann['categories'][0])
    assert category_keys >= ({'id', 'name', 'supercategory'} if year == 2017 else
                             {'id', 'name', 'kingdom', 'phylum', 'class', 'order', 'family', 'genus'})
    assert ann['images'][0]['file_name'].startswith(
        {2017: 'train_val_images/', 2018: 'train_val2018/', 2019: 'train_val2019/'}[year])
    ds = DATASETS.build(dict(type='mimbench.INaturalist', data_root=str(root), year=year, split='val',
                             pipeline=[dict(type='mmpretrain.LoadImageFromFile'),
                                       dict(type='mmpretrain.PackInputs')]))
    assert len(ds) == 16 and len(ds.metainfo['classes']) == 4
    assert sorted(set(ds.get_gt_labels())) == [0, 1, 2, 3]
    assert tuple(ds[15]['inputs'].shape) == (3, 64, 64)


@pytest.mark.parametrize('version', [205, 365])
def test_places_lists_read_as_mimbench_dataset(roots, version):
    root = roots[f'places{version}']
    ds = DATASETS.build(dict(type=f'mimbench.Places{version}', data_root=str(root), split='train',
                             pipeline=[dict(type='mmpretrain.LoadImageFromFile'),
                                       dict(type='mmpretrain.PackInputs')]))
    assert len(ds) == 32 and sorted(set(ds.get_gt_labels())) == [0, 1, 2, 3]
    assert tuple(ds[31]['inputs'].shape) == (3, 64, 64)
    val = DATASETS.build(dict(type=f'mimbench.Places{version}', data_root=str(root), split='val'))
    assert len(val) == 16
    if version == 365:
        assert ds.metainfo['classes'] == ('abbey', 'airport_terminal', 'bakery/shop', 'canyon')
        first = (root / 'places365_train_standard.txt').read_text().split()[0]
        assert first.startswith('/a/abbey/')
        assert ds.get_data_info(0)['img_path'].startswith(str(root / 'data_256'))


@pytest.mark.parametrize('task', TASKS)
def test_missing_root_says_what_is_expected_and_what_to_do(task, tmp_path):
    with pytest.raises(DatasetRootError) as info:
        check_root(task, tmp_path / 'nowhere')
    message = str(info.value)
    for rel in expected_files(task).values():
        assert rel in message
    assert 'Download:' in message and f'mimbench data make --root DIR --tasks {task}' in message


def test_datasets_refuse_incomplete_roots(roots, tmp_path):
    partial = tmp_path / 'inat2018'
    shutil.copytree(roots['inat2018'], partial)
    (partial / 'val2018.json').unlink()
    with pytest.raises(DatasetRootError, match='missing val2018.json') as info:
        DATASETS.build(dict(type='mimbench.INaturalist', data_root=str(partial), year=2018))
    assert 'missing train2018.json' not in str(info.value)
    with pytest.raises(DatasetRootError, match='missing categories_places365.txt'):
        empty = tmp_path / 'places365'
        shutil.copytree(roots['places365'], empty)
        (empty / 'categories_places365.txt').unlink()
        DATASETS.build(dict(type='mimbench.Places365', data_root=str(empty)))


def test_check_root_finds_missing_images_and_bad_lines(roots, tmp_path):
    report = check_root('places205', roots['places205'])
    assert report['splits']['train'] == {'images': 32, 'classes': 4}
    assert any('official release has 2448873' in w for w in report['warnings'])    # not the official size
    assert any('4 classes; the official release has 205' in w for w in report['warnings'])
    broken = tmp_path / 'places205'
    shutil.copytree(roots['places205'], broken)
    listed = (broken / 'trainvalsplit_places205' / 'val_places205.csv').read_text().split()[0]
    (broken / 'data/vision/torralba/deeplearning/images256' / listed).unlink()
    with pytest.raises(DatasetRootError, match=f'image .*{listed}.* is missing'):
        check_root('places205', broken)
    ade = tmp_path / 'ade20k'
    shutil.copytree(roots['ade20k'], ade)
    label = ade / 'annotations' / 'validation' / 'ADE_val_00000001.png'
    Image.fromarray(np.full((64, 64), 255, np.uint8), mode='L').save(label)    # 0..149 + 255 convention
    with pytest.raises(DatasetRootError, match='class id 255; expected 0'):
        check_root('ade20k', ade)
    bad = tmp_path / 'in1k'
    shutil.copytree(roots['in1k'], bad)
    (bad / 'meta' / 'val.txt').write_text('n00000000/x.JPEG\n')
    with pytest.raises(DatasetRootError, match='val.txt:1: expected "<image path> <integer label>"'):
        check_root('in1k', bad)


def test_data_cli_make_and_check(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    data_cli.register(parser.add_subparsers(dest='command'))
    args = parser.parse_args(['data', 'make', '--root', str(tmp_path), '--tasks', 'inat2019', 'places365'])
    assert args.func(args) == 0 and sorted(p.name for p in tmp_path.iterdir()) == ['inat2019', 'places365']
    args = parser.parse_args(['data', 'check', '--task', 'inat2019', '--root', str(tmp_path / 'inat2019')])
    assert args.func(args) == 0
    assert 'OK inat2019' in capsys.readouterr().out
    args = parser.parse_args(['data', 'check', '--task', 'coco', '--root', str(tmp_path / 'inat2019')])
    assert args.func(args) == 1
    assert 'annotations/instances_train2017.json' in capsys.readouterr().err
