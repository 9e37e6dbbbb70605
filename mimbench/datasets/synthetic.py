"""Tiny generated datasets in each downstream task's real on-disk format, for CPU smoke runs and tests.

Every image is 64 px (the smoke image size shared by all mimbench engineers): coloured shapes on a
textured grey background. The class of a shape is its (shape, colour) pair, so a few iterations of
fine-tuning already show signal. Everything is deterministic given ``seed`` and takes well under a second
per task on one core.

Formats written (one function per task, each returns the root it filled):

- ``make_imagenet``: ImageNet folder with mmpretrain's list files
  (``meta/train.txt``: ``<wnid>/<file> <label>``).
- ``make_coco``: COCO 2017 layout; instance masks as polygons (square/triangle/diamond), compressed RLE
  (circles) and some ``iscrowd=1`` regions as uncompressed RLE, as the real
  ``instances_*.json`` mixes them.
- ``make_ade20k``: ADE20K layout read by ``mmseg.ADE20KDataset``: ``images/{training,validation}/*.jpg``
  and ``annotations/.../*.png`` with the 150-class convention (0 = "other", ignored through
  ``reduce_zero_label``; 1..150 = classes).
- ``make_inat``: iNaturalist 2017/2018/2019 ``train<year>.json``/``val<year>.json`` (COCO-like, each year
  its own ``file_name`` tree and category fields) and the image tree they name.
- ``make_places``: Places205 (``trainvalsplit_places205/*.csv`` + ``data/vision/torralba/deeplearning/
  images256``) and Places365-Standard (``places365_train_standard.txt``, ``places365_val.txt``,
  ``categories_places365.txt``, ``data_256``, ``val_256``) list files.
- ``make_imagenet_c`` / ``make_imagenet_variant``: the robustness test sets (ImageNet-C's
  ``<corruption>/<severity>/<wnid>/*.JPEG``, ImageNet-A/-R's ``<wnid>/*.jpg``, ImageNet-Sketch's
  ``sketch/<wnid>/*.JPEG``) over ``make_imagenet``'s classes, so the smoke in1k classifier can be evaluated.
- ``make_all``: all of the above under one root, skipping what already exists.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from pycocotools import mask as mask_utils

SIZE = 64
SHAPES = ('circle', 'square', 'triangle', 'diamond')
# RGB colours far from the grey background and from each other.
PALETTE = ((220, 40, 40), (40, 190, 60), (50, 80, 230), (235, 210, 40),
           (200, 60, 220), (40, 210, 220), (245, 140, 30), (250, 250, 250))
COCO_CLASSES = ('circle', 'square', 'triangle')           # detection/instance categories
ADE_SHAPE_LABELS = {'circle': 13, 'square': 20, 'triangle': 21, 'diamond': 36}  # ADE ids 1..150
ADE_BACKGROUND_LABEL = 1                                   # 'wall' in ADE20K's 150 classes
INAT_YEARS = (2017, 2018, 2019)
PLACES_VERSIONS = (205, 365)
TASKS = ('in1k', 'coco', 'ade20k', 'inat2017', 'inat2018', 'inat2019', 'places205', 'places365',
         'imagenet-c', 'imagenet-a', 'imagenet-r', 'imagenet-sketch')
DONE_MARKER = '.mimbench-synthetic'
CLASSIFICATION_CLASSES = 4                                 # classes of every generated classification task


def class_style(label: int) -> tuple[str, tuple[int, int, int]]:
    """(shape, colour) of classification class ``label``: distinct for up to 32 classes."""
    shape = SHAPES[label % len(SHAPES)]
    colour = PALETTE[(label + label // len(PALETTE)) % len(PALETTE)]
    return shape, colour


def texture(rng: np.random.Generator, size: int = SIZE) -> np.ndarray:
    """Grey textured background: random stripes plus noise, ``[size, size, 3]`` uint8."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    freq = rng.uniform(0.15, 0.6)
    stripes = np.sin(freq * (np.cos(angle) * xx + np.sin(angle) * yy) + rng.uniform(0, 2 * np.pi))
    base = rng.uniform(100, 150) + 18 * stripes[..., None] + rng.normal(0, 8, (size, size, 3))
    return np.clip(base, 0, 255).astype(np.uint8)


def shape_mask(shape: str, cx: float, cy: float, r: float, size: int = SIZE) -> tuple[np.ndarray, list]:
    """Binary mask ``[size, size]`` of one shape and its polygon (empty list for circles)."""
    if shape == 'circle':
        canvas = Image.new('L', (size, size), 0)
        ImageDraw.Draw(canvas).ellipse([cx - r, cy - r, cx + r, cy + r], fill=1)
        return np.asarray(canvas, dtype=bool), []
    if shape == 'square':
        poly = [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    elif shape == 'triangle':
        poly = [(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    elif shape == 'diamond':
        poly = [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)]
    else:
        raise ValueError(f'unknown shape {shape!r}; expected one of {SHAPES}')
    flat = [round(float(v), 2) for p in poly for v in p]
    # rasterise with COCO's own rasteriser so the mask is exactly what the polygon annotation decodes to
    rle = mask_utils.merge(mask_utils.frPyObjects([flat], size, size))
    return mask_utils.decode(rle).astype(bool), flat


def paint(img: np.ndarray, mask: np.ndarray, colour, rng: np.random.Generator) -> None:
    """Paint ``colour`` (with slight per-pixel jitter) into ``img`` where ``mask`` is set, in place."""
    jitter = rng.normal(0, 6, (int(mask.sum()), 3))
    img[mask] = np.clip(np.asarray(colour, np.float32) + jitter, 0, 255).astype(np.uint8)


def classification_image(label: int, rng: np.random.Generator, size: int = SIZE) -> np.ndarray:
    """One object of class ``label`` at a random position and scale: ``[size, size, 3]`` uint8."""
    img = texture(rng, size)
    shape, colour = class_style(label)
    r = rng.uniform(0.2, 0.35) * size
    cx, cy = rng.uniform(r, size - r, 2)
    mask, _ = shape_mask(shape, cx, cy, r, size)
    paint(img, mask, colour, rng)
    return img


def scene(rng: np.random.Generator, shapes: tuple[str, ...], size: int = SIZE, max_objects: int = 3):
    """Image with 1..max_objects non-overlapping shapes, one per quadrant.

    Returns ``(img [size, size, 3] uint8, instances)``; each instance is
    ``dict(shape=str, mask=[size, size] bool, polygon=list[float], cell=quadrant index 0..3)``.
    The colour of a shape is fixed by its kind (``PALETTE[index in SHAPES]``) so detection/segmentation
    classes are learnable.
    """
    img = texture(rng, size)
    half = size // 2
    cells = rng.permutation(4)[:rng.integers(1, max_objects + 1)]
    instances = []
    for cell in cells:
        shape = shapes[rng.integers(len(shapes))]
        r = rng.uniform(0.22, 0.42) * half
        x0, y0 = (cell % 2) * half, (cell // 2) * half
        cx, cy = x0 + rng.uniform(r + 1, half - r - 1), y0 + rng.uniform(r + 1, half - r - 1)
        mask, poly = shape_mask(shape, cx, cy, r, size)
        paint(img, mask, PALETTE[SHAPES.index(shape)], rng)
        instances.append(dict(shape=shape, mask=mask, polygon=poly, cell=int(cell)))
    return img, instances


def save_jpeg(img: np.ndarray, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img).save(path, quality=95)


def write_json(obj, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))


def mark_done(root: Path) -> Path:
    """Write the marker that ``make_all`` checks to skip a finished task."""
    (root / DONE_MARKER).write_text('generated by mimbench.datasets.synthetic\n')
    return root


def _split_sizes(images_per_class: int) -> dict[str, int]:
    return {'train': images_per_class, 'val': max(2, images_per_class // 2)}


# ----------------------------------------------------------------------------------------------- ImageNet
def make_imagenet(root, num_classes: int = CLASSIFICATION_CLASSES, images_per_class: int = 8,
                  size: int = SIZE, seed: int = 0) -> Path:
    """ImageNet-style folder: ``train/<wnid>/*.JPEG``, ``val/<wnid>/*.JPEG`` and mmpretrain's lists.

    ``meta/train.txt`` / ``meta/val.txt`` hold ``<wnid>/<file>.JPEG <label>`` (paths relative to the
    split folder, as mmpretrain's ``ImageNet(data_prefix='train', ann_file='meta/train.txt')`` reads
    them); ``meta/classes.txt`` lists the wnids in label order. Validation gets half as many images.
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    wnids = imagenet_smoke_wnids(num_classes)
    (root / 'meta').mkdir(parents=True, exist_ok=True)
    (root / 'meta' / 'classes.txt').write_text(''.join(f'{w}\n' for w in wnids))
    for split, count in _split_sizes(images_per_class).items():
        lines = []
        for label, wnid in enumerate(wnids):
            for k in range(count):
                name = f'{wnid}/{wnid}_{split}_{k:04d}.JPEG'
                save_jpeg(classification_image(label, rng, size), root / split / name)
                lines.append(f'{name} {label}\n')
        (root / 'meta' / f'{split}.txt').write_text(''.join(lines))
    return mark_done(root)


def imagenet_smoke_wnids(num_classes: int = 4) -> list[str]:
    """The made-up WordNet ids of ``make_imagenet``'s classes, in label order (``n00000000``, ...)."""
    return [f'n{index:08d}' for index in range(num_classes)]


# ----------------------------------------------------------------------------------------------- COCO
def _rle(mask: np.ndarray, compressed: bool) -> dict:
    """COCO RLE of a ``[H, W]`` bool mask: compressed (``counts`` str) or uncompressed (list of runs)."""
    if compressed:
        rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        return {'size': list(rle['size']), 'counts': rle['counts'].decode('ascii')}
    flat = mask.T.reshape(-1).astype(np.uint8)       # column-major, as COCO's RLE is
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(bounds).tolist()
    if flat[0] == 1:                                   # runs start with a count of zeros
        runs = [0] + runs
    return {'size': [int(mask.shape[0]), int(mask.shape[1])], 'counts': [int(v) for v in runs]}


def crowd_mask(cell: int, rng: np.random.Generator, size: int = SIZE) -> np.ndarray:
    """A crowd of 4-6 small touching circles inside quadrant ``cell``: ``[size, size]`` bool."""
    half = size // 2
    x0, y0 = (cell % 2) * half, (cell // 2) * half
    mask = np.zeros((size, size), bool)
    for _ in range(rng.integers(4, 7)):
        cx, cy = x0 + rng.uniform(6, half - 6), y0 + rng.uniform(6, half - 6)
        mask |= shape_mask('circle', cx, cy, rng.uniform(2.5, 4.5), size)[0]
    return mask


def _bbox(mask: np.ndarray) -> list[float]:
    ys, xs = np.nonzero(mask)
    return [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)]


def coco_instance(ann_id: int, image_id: int, inst: dict, classes) -> dict:
    """The COCO annotation of one drawn instance (``scene``'s dict): polygon where it has one, else
    compressed RLE; its category id is its shape's 1-based index in ``classes``."""
    mask = inst['mask']
    segm = [inst['polygon']] if inst['polygon'] else _rle(mask, compressed=True)
    return {'id': ann_id, 'image_id': image_id, 'category_id': list(classes).index(inst['shape']) + 1,
            'segmentation': segm, 'area': float(mask.sum()), 'bbox': _bbox(mask), 'iscrowd': 0}


def make_coco(root, num_train: int = 16, num_val: int = 8, size: int = SIZE, seed: int = 0) -> Path:
    """COCO 2017 layout: ``{train,val}2017/*.jpg`` and ``annotations/instances_{train,val}2017.json``.

    Categories are ``COCO_CLASSES`` with ids 1..3 (configs set ``metainfo=dict(classes=COCO_CLASSES)``).
    Polygons for straight-edged shapes, compressed RLE for circles; every fourth image also carries an
    ``iscrowd=1`` region (uncompressed RLE): a cluster of small circles in a free quadrant, which the
    evaluator must ignore as COCO's does.
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    categories = [{'id': i + 1, 'name': name, 'supercategory': 'shape'}
                  for i, name in enumerate(COCO_CLASSES)]
    ann_id = 1
    for split, count, offset in (('train', num_train, 1), ('val', num_val, 100_001)):
        images, annotations = [], []
        for k in range(count):
            image_id = offset + k
            file_name = f'{image_id:012d}.jpg'
            img, instances = scene(rng, COCO_CLASSES, size)
            images.append({'id': image_id, 'file_name': file_name, 'height': size, 'width': size,
                           'license': 1, 'date_captured': '2026-01-01 00:00:00'})
            for inst in instances:
                annotations.append(coco_instance(ann_id, image_id, inst, COCO_CLASSES))
                ann_id += 1
            free = sorted(set(range(4)) - {inst['cell'] for inst in instances})
            if k % 4 == 0 and free:
                crowd = crowd_mask(free[0], rng, size)
                paint(img, crowd, PALETTE[SHAPES.index('circle')], rng)
                annotations.append({'id': ann_id, 'image_id': image_id, 'category_id': 1,
                                    'segmentation': _rle(crowd, compressed=False),
                                    'area': float(crowd.sum()), 'bbox': _bbox(crowd), 'iscrowd': 1})
                ann_id += 1
            save_jpeg(img, root / f'{split}2017' / file_name)
        write_json({'info': {'description': 'mimbench synthetic COCO', 'version': '1.0', 'year': 2026},
                    'licenses': [{'id': 1, 'name': 'CC0', 'url': ''}],
                    'images': images, 'annotations': annotations, 'categories': categories},
                   root / 'annotations' / f'instances_{split}2017.json')
    return mark_done(root)


# ----------------------------------------------------------------------------------------------- ADE20K
def make_ade20k(root, num_train: int = 16, num_val: int = 8, size: int = SIZE, seed: int = 0) -> Path:
    """ADE20K layout for ``mmseg.ADE20KDataset``: ``images/<split>/ADE_<split>_%08d.jpg`` + label PNGs.

    Labels follow ADE20K's 150-class convention: background texture = 1 ('wall'), shapes = their
    ``ADE_SHAPE_LABELS`` ids, and a 2-px frame of 0 ("other", mapped to 255 = ignore by
    ``reduce_zero_label``).
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    for split, folder, count in (('train', 'training', num_train), ('val', 'validation', num_val)):
        for k in range(count):
            img, instances = scene(rng, SHAPES, size)
            label = np.full((size, size), ADE_BACKGROUND_LABEL, np.uint8)
            for inst in instances:
                label[inst['mask']] = ADE_SHAPE_LABELS[inst['shape']]
            label[:2], label[-2:], label[:, :2], label[:, -2:] = 0, 0, 0, 0
            stem = f'ADE_{split}_{k + 1:08d}'
            save_jpeg(img, root / 'images' / folder / f'{stem}.jpg')
            (root / 'annotations' / folder).mkdir(parents=True, exist_ok=True)
            Image.fromarray(label, mode='L').save(root / 'annotations' / folder / f'{stem}.png')
    return mark_done(root)


# ----------------------------------------------------------------------------------------------- iNat
def inat_layout(year: int) -> dict:
    """Where each iNat year keeps its files (official releases; see github.com/visipedia/inat_comp)."""
    if year not in INAT_YEARS:
        raise ValueError(f'unknown iNaturalist year {year!r}; expected one of {INAT_YEARS}')
    return {'train_json': f'train{year}.json', 'val_json': f'val{year}.json',
            'image_dir': {2017: 'train_val_images', 2018: 'train_val2018', 2019: 'train_val2019'}[year]}


def _inat_category(year: int, cat_id: int) -> dict:
    supercategory = ('Plantae', 'Insecta', 'Aves')[cat_id % 3] if year != 2019 else \
        ('Plants', 'Insects', 'Birds')[cat_id % 3]
    name = f'Species synthetica{cat_id}'
    if year == 2017:                      # 2017: id, name, supercategory
        return {'id': cat_id, 'name': name, 'supercategory': supercategory}
    taxonomy = {'kingdom': f'Kingdom{cat_id % 2}', 'phylum': f'Phylum{cat_id % 2}',
                'class': f'Class{cat_id % 3}', 'order': f'Order{cat_id % 3}',
                'family': f'Family{cat_id % 4}', 'genus': f'Genus{cat_id // 2}'}
    if year == 2018:                      # 2018: taxonomy plus supercategory (names obfuscated)
        return {'id': cat_id, 'name': str(cat_id), 'supercategory': supercategory, **taxonomy}
    return {'id': cat_id, 'name': str(cat_id), **taxonomy}  # 2019: taxonomy only


def make_inat(root, year: int = 2018, num_classes: int = CLASSIFICATION_CLASSES, images_per_class: int = 8,
              size: int = SIZE, seed: int = 0) -> Path:
    """iNaturalist ``year`` layout: ``train<year>.json``, ``val<year>.json`` and the image tree.

    ``file_name`` follows each year's tree: 2017 ``train_val_images/<supercategory>/<name>/<hash>.jpg``,
    2018 ``train_val2018/<supercategory>/<category_id>/<hash>.jpg``, 2019 the same under
    ``train_val2019``. Category ids are 0-based as in the releases.
    """
    root = Path(root)
    layout = inat_layout(year)
    rng = np.random.default_rng(seed + year)
    categories = [_inat_category(year, c) for c in range(num_classes)]
    image_id = 1
    for split, count in _split_sizes(images_per_class).items():
        images, annotations = [], []
        for cat in categories:
            folder = cat['name'] if year == 2017 else str(cat['id'])
            supercategory = cat.get('supercategory', ('Plants', 'Insects', 'Birds')[cat['id'] % 3])
            for _ in range(count):
                digest = f'{rng.integers(2 ** 63):016x}{image_id:016x}'
                file_name = f"{layout['image_dir']}/{supercategory}/{folder}/{digest}.jpg"
                save_jpeg(classification_image(cat['id'], rng, size), root / file_name)
                images.append({'id': image_id, 'width': size, 'height': size, 'file_name': file_name,
                               'license': 1, 'rights_holder': 'mimbench'})
                annotations.append({'id': image_id, 'image_id': image_id, 'category_id': cat['id']})
                image_id += 1
        write_json({'info': {'year': year, 'version': '1.0', 'description': 'mimbench synthetic iNat',
                             'contributor': 'mimbench', 'url': '', 'date_created': '2026-01-01'},
                    'images': images, 'annotations': annotations, 'categories': categories,
                    'licenses': [{'id': 1, 'name': 'CC0', 'url': ''}]},
                   root / layout[f'{split}_json'])
    return mark_done(root)


# ----------------------------------------------------------------------------------------------- Places
def places_layout(version: int) -> dict:
    """File lists and image folders of the official Places205 / Places365-Standard (256 px) releases."""
    if version == 205:
        return {'train_list': 'trainvalsplit_places205/train_places205.csv',
                'val_list': 'trainvalsplit_places205/val_places205.csv',
                'train_dir': 'data/vision/torralba/deeplearning/images256',
                'val_dir': 'data/vision/torralba/deeplearning/images256', 'categories': None}
    if version == 365:
        return {'train_list': 'places365_train_standard.txt', 'val_list': 'places365_val.txt',
                'train_dir': 'data_256', 'val_dir': 'val_256', 'categories': 'categories_places365.txt'}
    raise ValueError(f'unknown Places version {version!r}; expected one of {PLACES_VERSIONS}')


PLACES_SCENES = ('a/abbey', 'a/airport_terminal', 'b/bakery/shop', 'c/canyon', 'f/forest_path',
                 'h/harbor', 'k/kitchen', 'o/ocean')


def make_places(root, version: int = 205, num_classes: int = CLASSIFICATION_CLASSES,
                images_per_class: int = 8, size: int = SIZE, seed: int = 0) -> Path:
    """Places205 or Places365-Standard list files and images.

    Places205: ``trainvalsplit_places205/{train,val}_places205.csv`` with ``<letter>/<scene>/<file>.jpg
    <label>`` lines, images under ``data/vision/torralba/deeplearning/images256``.
    Places365: ``places365_train_standard.txt`` (``/<letter>/<scene>/<8 digits>.jpg <label>``, images in
    ``data_256``), ``places365_val.txt`` (``Places365_val_<8 digits>.jpg <label>``, images in ``val_256``)
    and ``categories_places365.txt`` (``/<letter>/<scene> <label>``).
    """
    if num_classes > len(PLACES_SCENES):
        raise ValueError(f'make_places supports up to {len(PLACES_SCENES)} classes, got {num_classes}')
    root = Path(root)
    layout = places_layout(version)
    rng = np.random.default_rng(seed + version)
    scenes = PLACES_SCENES[:num_classes]
    val_index = 1
    for split, count in _split_sizes(images_per_class).items():
        lines = []
        for label, scene_name in enumerate(scenes):
            for k in range(count):
                if version == 205:
                    name = f'{scene_name}/gsun_{rng.integers(2 ** 63):016x}{k:04d}.jpg'
                elif split == 'train':
                    name = f'/{scene_name}/{k + 1:08d}.jpg'
                else:
                    name = f'Places365_val_{val_index:08d}.jpg'
                    val_index += 1
                save_jpeg(classification_image(label, rng, size),
                          root / layout[f'{split}_dir'] / name.lstrip('/'))
                lines.append(f'{name} {label}\n')
        (root / layout[f'{split}_list']).parent.mkdir(parents=True, exist_ok=True)
        (root / layout[f'{split}_list']).write_text(''.join(lines))
    if layout['categories']:
        (root / layout['categories']).write_text(''.join(f'/{s} {i}\n' for i, s in enumerate(scenes)))
    return mark_done(root)


# ----------------------------------------------------------------------------------------------- robustness
# The smoke ImageNet-A/-R cover 3 of make_imagenet's 4 classes, so the smoke classifier's logits are
# restricted to a subset as the real 200-class sets restrict ImageNet-1K's 1000
# (the smoke twins' label_wnids, mimbench.smoke)
IMAGENET_A_SMOKE_WNIDS = ('n00000000', 'n00000001', 'n00000003')
IMAGENET_R_SMOKE_WNIDS = ('n00000000', 'n00000002', 'n00000003')
# corruption -> (operation, parameter at severities 1..5): cheap stand-ins for Hendrycks & Dietterich's 15
_CORRUPTIONS = {
    'gaussian_noise': ('noise', (8, 16, 24, 36, 48)), 'shot_noise': ('noise', (10, 18, 28, 40, 52)),
    'impulse_noise': ('salt', (0.02, 0.05, 0.08, 0.12, 0.18)), 'defocus_blur': ('blur', (0.6, 1, 1.5, 2, 3)),
    'glass_blur': ('blur', (0.5, 0.8, 1.2, 1.8, 2.5)), 'motion_blur': ('hblur', (2, 3, 5, 7, 9)),
    'zoom_blur': ('zoom', (1.05, 1.1, 1.15, 1.2, 1.3)), 'snow': ('blend', (0.1, 0.2, 0.3, 0.4, 0.5)),
    'frost': ('blend', (0.15, 0.25, 0.35, 0.45, 0.55)), 'fog': ('fog', (0.2, 0.3, 0.4, 0.5, 0.6)),
    'brightness': ('bright', (20, 35, 50, 65, 80)), 'contrast': ('contrast', (0.7, 0.55, 0.4, 0.3, 0.2)),
    'elastic_transform': ('shift', (1, 2, 3, 4, 5)), 'pixelate': ('pixelate', (0.8, 0.6, 0.5, 0.35, 0.25)),
    'jpeg_compression': ('jpeg', (40, 25, 15, 10, 6)),
}


def corrupt(img: np.ndarray, corruption: str, severity: int, rng: np.random.Generator) -> np.ndarray:
    """A stand-in for ImageNet-C's ``corruption`` at ``severity`` (1-5), stronger with severity."""
    from io import BytesIO

    from PIL import ImageFilter

    op, params = _CORRUPTIONS[corruption]
    p = params[severity - 1]
    x = img.astype(np.float32)
    size = img.shape[0]
    if op == 'noise':
        x = x + rng.normal(0, p, x.shape)
    elif op == 'salt':
        hit = rng.random(x.shape[:2]) < p
        x[hit] = rng.choice([0.0, 255.0], size=(int(hit.sum()), 1))
    elif op in ('blur', 'hblur', 'zoom', 'pixelate', 'jpeg'):
        pil = Image.fromarray(img)
        if op == 'blur':
            pil = pil.filter(ImageFilter.GaussianBlur(p))
        elif op == 'hblur':
            x = sum(np.roll(x, k, axis=1) for k in range(p)) / p
        elif op == 'zoom':
            crop = round(size / p)
            start = (size - crop) // 2
            zoomed = pil.crop((start, start, start + crop, start + crop)).resize((size, size))
            pil = Image.blend(pil, zoomed, 0.5)
        elif op == 'pixelate':
            pil = pil.resize((round(size * p),) * 2, Image.BOX).resize((size, size), Image.BOX)
        else:
            buffer = BytesIO()
            pil.save(buffer, 'JPEG', quality=p)
            pil = Image.open(buffer)
        if op != 'hblur':
            x = np.asarray(pil.convert('RGB'), np.float32)
    elif op == 'blend':
        x = (1 - p) * x + p * rng.uniform(200, 255, x.shape[:2])[..., None]
    elif op == 'fog':
        haze = Image.fromarray(rng.uniform(150, 255, (8, 8)).astype(np.uint8)).resize((size, size))
        haze = np.asarray(haze, np.float32)
        x = (1 - p) * x + p * haze[..., None]
    elif op == 'bright':
        x = x + p
    elif op == 'contrast':
        x = (x - x.mean()) * p + x.mean()
    elif op == 'shift':
        x = np.stack([np.roll(row, int(rng.integers(-p, p + 1)), axis=0) for row in x])
    return np.clip(x, 0, 255).astype(np.uint8)


def make_imagenet_c(root, num_classes: int = 4, images_per_class: int = 1, size: int = SIZE,
                    seed: int = 0) -> Path:
    """ImageNet-C layout: ``<corruption>/<severity 1-5>/<wnid>/ILSVRC2012_val_<8 digits>.JPEG``.

    The same validation images (as the release corrupts the same 50,000) under each of the 15 corruptions
    (``mimbench.datasets.robustness.CORRUPTIONS``) and 5 severities.
    """
    from mimbench.datasets.robustness import CORRUPTIONS, SEVERITIES

    root = Path(root)
    rng = np.random.default_rng(seed + 1)
    clean = [(wnid, classification_image(label, rng, size))
             for label, wnid in enumerate(imagenet_smoke_wnids(num_classes)) for _ in range(images_per_class)]
    for corruption in CORRUPTIONS:
        for severity in SEVERITIES:
            for index, (wnid, img) in enumerate(clean, 1):
                path = root / corruption / str(severity) / wnid / f'ILSVRC2012_val_{index:08d}.JPEG'
                save_jpeg(corrupt(img, corruption, severity, rng), path)
    return mark_done(root)


def make_imagenet_variant(root, task: str, images_per_class: int = 2, size: int = SIZE,
                          seed: int = 0) -> Path:
    """ImageNet-A/-R (``<wnid>/*.jpg`` + ``README.txt``) or ImageNet-Sketch (``sketch/<wnid>/*.JPEG``).

    -A keeps the class's shape on a busier background, -R renders it as a posterised cartoon, -Sketch as a
    black-on-white edge drawing: the same classes (``make_imagenet``'s) seen differently.
    """
    from PIL import ImageFilter, ImageOps

    root = Path(root)
    rng = np.random.default_rng(seed + {'imagenet-a': 2, 'imagenet-r': 3, 'imagenet-sketch': 4}[task])
    wnids = {'imagenet-a': IMAGENET_A_SMOKE_WNIDS, 'imagenet-r': IMAGENET_R_SMOKE_WNIDS,
             'imagenet-sketch': imagenet_smoke_wnids()}[task]
    folder = root / 'sketch' if task == 'imagenet-sketch' else root
    for wnid in wnids:
        label = imagenet_smoke_wnids().index(wnid)
        for k in range(images_per_class):
            img = classification_image(label, rng, size)
            if task == 'imagenet-a':
                clutter = rng.integers(-40, 40, img.shape)
                img = np.clip(img.astype(np.int16) + clutter, 0, 255).astype(np.uint8)
            pil = Image.fromarray(img)
            if task == 'imagenet-r':
                pil = ImageOps.posterize(pil, 2)
            elif task == 'imagenet-sketch':
                pil = ImageOps.invert(ImageOps.grayscale(pil).filter(ImageFilter.FIND_EDGES)).convert('RGB')
            name = f'{wnid}_{k}.JPEG' if task == 'imagenet-sketch' else f'{k:04d}.jpg'
            save_jpeg(np.asarray(pil), folder / wnid / name)
    if task != 'imagenet-sketch':
        (root / 'README.txt').write_text(f'mimbench synthetic stand-in for {task}\n')
    return mark_done(root)


# ----------------------------------------------------------------------------------------------- all
def make_task(task: str, root, seed: int = 0) -> Path:
    """Generate the smoke dataset of one task id (``mimbench.results.TASKS``) under ``root``."""
    if task == 'imagenet-c':
        return make_imagenet_c(root, seed=seed)
    if task in ('imagenet-a', 'imagenet-r', 'imagenet-sketch'):
        return make_imagenet_variant(root, task, seed=seed)
    if task == 'in1k':
        return make_imagenet(root, seed=seed)
    if task == 'coco':
        return make_coco(root, seed=seed)
    if task == 'ade20k':
        return make_ade20k(root, seed=seed)
    if task.startswith('inat') and task[4:].isdigit():
        return make_inat(root, int(task[4:]), seed=seed)
    if task.startswith('places') and task[6:].isdigit():
        return make_places(root, int(task[6:]), seed=seed)
    raise ValueError(f'unknown task {task!r}; expected one of {", ".join(TASKS)}')


def generated_wnids(task: str) -> list[str]:
    """The WordNet ids of the classes whose images ``make_task(task)`` writes for an ImageNet-style task
    (in1k and the robustness sets; ImageNet-A/-R cover a subset, as the real ones cover 200 of 1000)."""
    subsets = {'imagenet-a': IMAGENET_A_SMOKE_WNIDS, 'imagenet-r': IMAGENET_R_SMOKE_WNIDS}
    return list(subsets.get(task, imagenet_smoke_wnids(CLASSIFICATION_CLASSES)))


def generated_classes(task: str) -> int:
    """How many classes ``make_task(task)`` writes: what a smoke config's heads predict (``mimbench.smoke``).

    COCO: the ``COCO_CLASSES`` shapes; ADE20K: its 150-class convention; every classification task: the
    generators' default ``num_classes`` (4).
    """
    if task not in TASKS:
        raise ValueError(f'unknown task {task!r}; expected one of {", ".join(TASKS)}')
    if task == 'coco':
        return len(COCO_CLASSES)
    if task == 'ade20k':
        return 150
    return CLASSIFICATION_CLASSES


def make_all(root, tasks=TASKS, seed: int = 0) -> dict[str, Path]:
    """Generate every task's smoke dataset under ``root/<task>``; finished ones are skipped.

    Returns ``{task: path}``. A task is finished when its folder holds the marker written last by the
    generator, so an interrupted run is redone rather than trusted.
    """
    root = Path(root)
    paths = {}
    for task in tasks:
        path = root / task
        if not (path / DONE_MARKER).is_file():
            make_task(task, path, seed=seed)
        paths[task] = path
    return paths
