"""Issue 10: `mimbench data check` (and evaluate before training) finds corrupt contents, naming the file.

Each corruption is made on a copy of a generated root: empty splits, zero-byte and truncated images, COCO boxes
outside their image, category and image ids that do not exist, ADE20K label maps of the wrong size.
"""
from __future__ import annotations

import json
import shutil

import pytest
from PIL import Image

from mimbench.cli import main
from mimbench.datasets.checks import DatasetRootError, check_root


@pytest.fixture()
def copy_of(tiny_data_root, tmp_path):
    def copy(task):
        return shutil.copytree(tiny_data_root / task, tmp_path / task)
    return copy


def _fails(task, root, *messages, sample=None):
    with pytest.raises(DatasetRootError) as info:
        check_root(task, root, sample=sample)
    text = str(info.value)
    for message in messages:
        assert message in text, text
    return text


def test_generated_roots_pass_full_check(tiny_data_root):
    for task in ('in1k', 'coco', 'ade20k', 'inat2018', 'places365'):
        check_root(task, tiny_data_root / task, sample=None)


def test_zero_byte_and_truncated_images_are_named(copy_of):
    root = copy_of('in1k')
    first, second = sorted((root / 'val').rglob('*.JPEG'))[:2] or sorted((root / 'val').rglob('*.*'))[:2]
    first.write_bytes(b'')
    second.write_bytes(second.read_bytes()[:200])
    _fails('in1k', root, f'{first} is an empty file (0 bytes)', f'{second} (200 bytes) cannot be decoded')


def test_empty_split_is_an_error(copy_of):
    root = copy_of('in1k')
    (root / 'meta' / 'val.txt').write_text('')
    _fails('in1k', root, 'lists no images (empty split)', sample=4)


def test_coco_boxes_categories_and_image_ids(copy_of):
    root = copy_of('coco')
    path = root / 'annotations' / 'instances_val2017.json'
    ann = json.loads(path.read_text())
    width = ann['images'][0]['width']
    ann['annotations'][0]['bbox'] = [width - 4, 0, 20, 10]         # runs off the right edge
    ann['annotations'][1]['category_id'] = 999                     # not in categories
    ann['annotations'][2]['image_id'] = 123456                     # not in images
    path.write_text(json.dumps(ann))
    _fails('coco', root, 'box(es) are empty or outside their image', "category_id 999",
           'image_id 123456', 'instances_val2017.json', sample=2)


def test_coco_image_size_disagreeing_with_annotations(copy_of):
    root = copy_of('coco')
    path = root / 'annotations' / 'instances_train2017.json'
    ann = json.loads(path.read_text())
    ann['images'][0]['width'] += 10
    path.write_text(json.dumps(ann))
    _fails('coco', root, f'image {ann["images"][0]["file_name"]} is', 'in the annotations')


def test_ade20k_label_map_of_the_wrong_size(copy_of):
    root = copy_of('ade20k')
    label = sorted((root / 'annotations' / 'validation').glob('*.png'))[0]
    Image.open(label).resize((32, 16)).save(label)
    _fails('ade20k', root, f'{label} is 32x16 but its image')


def test_cli_full_flag_and_exit_code(copy_of, capsys):
    root = copy_of('inat2018')
    image = sorted(p for p in root.rglob('*.jpg'))[-1]
    image.write_bytes(b'\xff\xd8\xff')  # a JPEG header and nothing else
    assert main(['data', 'check', '--task', 'inat2018', '--root', str(root), '--full']) == 1
    assert str(image) in capsys.readouterr().err


def test_image_that_fails_to_decode_in_training_names_its_file(tmp_path):
    import mimbench  # noqa: F401  (applies the compat fix)
    from mmcv.transforms import LoadImageFromFile

    from mimbench.compat import ImageDecodeError

    bad = tmp_path / 'broken.jpg'
    bad.write_bytes(b'')
    with pytest.raises(ImageDecodeError, match=str(bad)):
        LoadImageFromFile().transform({'img_path': str(bad)})
