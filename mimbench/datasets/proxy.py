"""The proxy corpus: generated images whose classes random-init features do not already separate (issue 13).

``mimbench.datasets.synthetic`` is built so that a few iterations show signal: the class of an object is its
(shape, colour) pair, and a colour histogram — which any random encoder computes — nearly solves it. That
makes it useless for asking whether pre-training helped. Here the class is the *shape outline* alone and
every other factor is drawn at random per image:

- the object's fill: a random colour, so colour carries no label;
- the background: another random colour, kept at a minimum colour distance from the object's so that the
  outline stays visible;
- position, scale (radius 25-42% of the image) and a small rotation (up to 20 degrees; a square never
  turns into a diamond).

Textured fills (stripes, checkerboards, smooth blotches) and per-pixel noise are implemented
(:func:`random_texture`) but off: they hid the outline from smoke-size encoders (see ``OBJECT_TEXTURES``).

Ten shapes: circle, square, triangle, diamond, star, cross, hexagon, ring, crescent, arrow. The same
objects populate a COCO-layout detection/instance set and an ADE20K-layout segmentation set (1-2 objects
per image, each with its own random fill, on a random background), so that every downstream task of the
proxy benchmark (``mimbench.proxy``) is about shapes.

Layout written by ``make_proxy(root)`` (each part in its task's real format, so the transfer configs read
it through their usual ``data_root`` overrides):

- ``root/in1k``: ImageNet folder + mmpretrain list files (the pre-training images are ``in1k/train``,
  read without labels, as the papers pre-train on ImageNet-1K train);
- ``root/coco``: COCO 2017 layout, polygons for straight-edged shapes and compressed RLE for round ones;
- ``root/ade20k``: ADE20K layout, background = 1 ('wall'), each shape its own ADE id (``ADE_LABELS``).
"""
from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from pycocotools import mask as mask_utils

from mimbench.datasets.synthetic import (
    ADE_BACKGROUND_LABEL,
    DONE_MARKER,
    SIZE,
    coco_instance,
    mark_done,
    save_jpeg,
    write_json,
)

SHAPES = ('circle', 'square', 'triangle', 'diamond', 'star', 'cross', 'hexagon', 'ring', 'crescent', 'arrow')
ROUND_SHAPES = ('circle', 'ring', 'crescent')        # rasterised directly, annotated as RLE
# ADE20K ids (1..150) the shapes are labelled with; 1 ('wall') is the background
ADE_LABELS = dict(zip(SHAPES, (13, 20, 21, 36, 41, 43, 45, 50, 60, 66)))
MIN_CONTRAST = 90.0      # minimum RGB distance between the object's and the background's mean colour
MAX_ROTATION = 20.0      # degrees
TEXTURES = ('plain', 'stripes', 'checker', 'blotches')
# Plain fills, no pixel noise and large objects: the class is the outline alone, colours are random. Textured
# fills and backgrounds (blotches, per-pixel noise of std 8) hid the outline from smoke-size encoders: with
# them MAE's linear-probe gain over random init after 1000 iterations was about +2 points, without them about
# +6 (benchmarks/README.md "Proxy benchmark"). A likely reason (not isolated): under per-patch normalised
# targets (MAE) the noise of a flat patch becomes a unit-variance target that nothing can predict.
BACKGROUND_TEXTURES = OBJECT_TEXTURES = ('plain',)
NOISE = 0.0              # std of the per-pixel noise added to every texture (uint8 units)
RADIUS = (0.25, 0.42)    # object half-size range of classification images, fraction of the image side
VERSION = 4              # bumped when the generator changes; in the finished-marker stamp and the run folder
PARTS = ('in1k', 'coco', 'ade20k')


# ----------------------------------------------------------------------------------------------- drawing
def _regular(n: int, cx: float, cy: float, r: float, angle: float) -> list[tuple[float, float]]:
    """Vertices of a regular ``n``-gon of circumradius ``r``, first vertex at ``angle`` (radians, 0 = up)."""
    return [(cx + r * math.sin(angle + 2 * math.pi * k / n), cy - r * math.cos(angle + 2 * math.pi * k / n))
            for k in range(n)]


def _rotate(points, cx: float, cy: float, angle: float) -> list[tuple[float, float]]:
    c, s = math.cos(angle), math.sin(angle)
    return [(cx + c * (x - cx) - s * (y - cy), cy + s * (x - cx) + c * (y - cy)) for x, y in points]


def shape_polygon(shape: str, cx: float, cy: float, r: float, angle: float = 0.0
                  ) -> list[tuple[float, float]]:
    """Outline of a straight-edged ``shape`` centred at (cx, cy), half-size ``r``, rotated by ``angle``."""
    if shape == 'square':
        return _regular(4, cx, cy, r * 1.2, angle + math.pi / 4)
    if shape == 'diamond':
        return _regular(4, cx, cy, r * 1.15, angle)
    if shape == 'triangle':
        return _regular(3, cx, cy + 0.15 * r, r * 1.2, angle)
    if shape == 'hexagon':
        return _regular(6, cx, cy, r, angle)
    if shape == 'star':
        outer = _regular(5, cx, cy, r * 1.1, angle)
        inner = _regular(5, cx, cy, r * 0.45, angle + math.pi / 5)
        return [p for pair in zip(outer, inner) for p in pair]
    if shape == 'cross':
        a, b = r * 0.33, r
        arm = [(a, -b), (a, -a), (b, -a), (b, a), (a, a), (a, b), (-a, b), (-a, a), (-b, a), (-b, -a),
               (-a, -a), (-a, -b)]
        return _rotate([(cx + x, cy + y) for x, y in arm], cx, cy, angle)
    if shape == 'arrow':
        pts = [(-r, -0.3 * r), (0.1 * r, -0.3 * r), (0.1 * r, -0.8 * r), (r, 0), (0.1 * r, 0.8 * r),
               (0.1 * r, 0.3 * r), (-r, 0.3 * r)]
        return _rotate([(cx + x, cy + y) for x, y in pts], cx, cy, angle)
    raise ValueError(f'{shape!r} has no polygon; straight-edged shapes: '
                     f'{", ".join(s for s in SHAPES if s not in ROUND_SHAPES)}')


def _disc(cx: float, cy: float, r: float, size: int) -> np.ndarray:
    canvas = Image.new('L', (size, size), 0)
    ImageDraw.Draw(canvas).ellipse([cx - r, cy - r, cx + r, cy + r], fill=1)
    return np.asarray(canvas, dtype=bool)


def shape_mask(shape: str, cx: float, cy: float, r: float, angle: float = 0.0, size: int = SIZE
               ) -> tuple[np.ndarray, list[float]]:
    """Binary mask ``[size, size]`` of one shape and its flat COCO polygon (empty for round shapes).

    Polygons are rasterised by COCO's own rasteriser, so the mask is exactly what the annotation decodes to.
    """
    if shape == 'circle':
        return _disc(cx, cy, r, size), []
    if shape == 'ring':
        return _disc(cx, cy, r, size) & ~_disc(cx, cy, r * 0.55, size), []
    if shape == 'crescent':  # a disc minus a shifted disc; the opening points at a random-ish direction
        dx, dy = 0.55 * r * math.sin(angle * 4), -0.55 * r * math.cos(angle * 4)
        return _disc(cx, cy, r, size) & ~_disc(cx + dx, cy + dy, r * 0.85, size), []
    flat = [round(float(v), 2) for p in shape_polygon(shape, cx, cy, r, angle) for v in p]
    rle = mask_utils.merge(mask_utils.frPyObjects([flat], size, size))
    return mask_utils.decode(rle).astype(bool), flat


def random_colour(rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0, 255, 3).astype(np.float32)


def random_texture(rng: np.random.Generator, colours: tuple[np.ndarray, np.ndarray], size: int = SIZE,
                   kinds: tuple[str, ...] = TEXTURES) -> np.ndarray:
    """A ``[size, size, 3]`` float texture mixing two colours, of a kind drawn from ``kinds``."""
    a, b = colours
    kind = kinds[rng.integers(len(kinds))]
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    if kind == 'plain':
        weight = np.zeros((size, size), np.float32)
    elif kind == 'stripes':
        theta, period = rng.uniform(0, np.pi), rng.uniform(4, 16)
        phase = 2 * np.pi * (np.cos(theta) * xx + np.sin(theta) * yy) / period + rng.uniform(0, 2 * np.pi)
        weight = (np.sin(phase) > 0).astype(np.float32)
    elif kind == 'checker':
        period = rng.uniform(4, 12)
        weight = ((np.floor((xx + rng.uniform(0, period)) / period)
                   + np.floor((yy + rng.uniform(0, period)) / period)) % 2).astype(np.float32)
    else:                                                               # blotches: smooth random field
        coarse = rng.uniform(0, 1, (4, 4)).astype(np.float32)
        weight = np.asarray(Image.fromarray(coarse).resize((size, size), Image.BICUBIC)).clip(0, 1)
    tex = a * (1 - weight[..., None]) + b * weight[..., None]
    return tex + rng.normal(0, NOISE, (size, size, 3)).astype(np.float32)


def _fill_colours(rng: np.random.Generator, avoid: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Two colours for a texture whose mean is at least ``MIN_CONTRAST`` away from ``avoid`` (RGB)."""
    while True:
        a = random_colour(rng)
        b = np.clip(a + rng.normal(0, 50, 3), 0, 255).astype(np.float32)   # a second tone near the first
        if avoid is None or np.linalg.norm((a + b) / 2 - avoid) >= MIN_CONTRAST:
            return a, b


def background(rng: np.random.Generator, size: int = SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Random background texture ``[size, size, 3]`` float and its mean colour."""
    colours = _fill_colours(rng, None)
    return random_texture(rng, colours, size, BACKGROUND_TEXTURES), (colours[0] + colours[1]) / 2


def paint_object(img: np.ndarray, mask: np.ndarray, avoid: np.ndarray, rng: np.random.Generator) -> None:
    """Fill ``mask`` of ``img`` (float, in place) with a random texture contrasting with colour ``avoid``."""
    tex = random_texture(rng, _fill_colours(rng, avoid), img.shape[0], OBJECT_TEXTURES)
    img[mask] = tex[mask]


def to_uint8(img: np.ndarray) -> np.ndarray:
    return np.clip(img, 0, 255).astype(np.uint8)


def classification_image(label: int, rng: np.random.Generator, size: int = SIZE) -> np.ndarray:
    """One object of class ``SHAPES[label]``, random fill, background, position, scale and rotation."""
    img, mean = background(rng, size)
    r = rng.uniform(*RADIUS) * size
    cx, cy = rng.uniform(r, size - r, 2)
    angle = math.radians(rng.uniform(-MAX_ROTATION, MAX_ROTATION))
    mask, _ = shape_mask(SHAPES[label], cx, cy, r, angle, size)
    paint_object(img, mask, mean, rng)
    return to_uint8(img)


def scene(rng: np.random.Generator, size: int = SIZE, max_objects: int = 2):
    """1..``max_objects`` shapes of random classes on a random background, each with its own random fill.

    Objects are nearly as large as the classification images' (radius 16-28% of the image: at 64 px a ViT/16
    sees them across 2x2 to 3x3 tokens) and never overlap (bounding circles apart; a shape that finds no free
    place in 20 draws is left out). Returns ``(img [size, size, 3] uint8, instances)``; each instance is
    ``dict(shape, mask, polygon)``.
    """
    img, mean = background(rng, size)
    instances, placed = [], []
    for _ in range(rng.integers(1, max_objects + 1)):
        shape = SHAPES[rng.integers(len(SHAPES))]
        r = rng.uniform(0.16, 0.28) * size
        for _ in range(20):
            cx, cy = rng.uniform(r, size - r, 2)
            if all(math.hypot(cx - x, cy - y) > r + q for x, y, q in placed):
                break
        else:
            continue
        placed.append((cx, cy, r))
        angle = math.radians(rng.uniform(-MAX_ROTATION, MAX_ROTATION))
        mask, polygon = shape_mask(shape, cx, cy, r, angle, size)
        paint_object(img, mask, mean, rng)
        instances.append(dict(shape=shape, mask=mask, polygon=polygon))
    return to_uint8(img), instances


# ----------------------------------------------------------------------------------------------- writers
def make_classification(root, train_per_class: int = 200, val_per_class: int = 100, size: int = SIZE,
                        seed: int = 0) -> Path:
    """ImageNet layout (``train/<wnid>/*.png``, ``val/...``, ``meta/{train,val,classes}.txt``), 10 classes.

    Lossless PNG, not ImageNet's JPEG: these images are flat fills, and JPEG's compression noise on them
    (about 0.75 grey levels in the 65% of 8x8 windows that lie inside one fill, quality 95) is what the
    locally normalised targets blow up to unit scale: CiM's RESPIX (8x8 sliding window, cim.txt Sec. 2.2)
    then regresses noise with a mean magnitude of 0.31 there against 0.54 at the outlines, and MAE's per-patch
    normalised target (mae.txt Sec. 3) does the same inside flat patches. Natural images carry texture in
    almost every window, so the artefact is the corpus's, not the methods'. Lossless, a flat window's
    normalised target is exactly 0 and the loss is spent on the outlines.
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    wnids = [f'n{index:08d}' for index in range(len(SHAPES))]
    (root / 'meta').mkdir(parents=True, exist_ok=True)
    (root / 'meta' / 'classes.txt').write_text(''.join(f'{w}\n' for w in wnids))
    for split, count in (('train', train_per_class), ('val', val_per_class)):
        lines = []
        for k in range(count):           # interleave classes so that any prefix of the list is balanced
            for label, wnid in enumerate(wnids):
                name = f'{wnid}/{wnid}_{split}_{k:05d}.png'
                save_png(classification_image(label, rng, size), root / split / name)
                lines.append(f'{name} {label}\n')
        (root / 'meta' / f'{split}.txt').write_text(''.join(lines))
    return mark_done(root)


def save_png(img: np.ndarray, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img).save(path)


def make_detection(root, num_train: int = 600, num_val: int = 200, size: int = SIZE, seed: int = 1) -> Path:
    """COCO 2017 layout with the ten shapes as categories 1..10 (metainfo ``classes=SHAPES``)."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    categories = [{'id': i + 1, 'name': name, 'supercategory': 'shape'} for i, name in enumerate(SHAPES)]
    ann_id = 1
    for split, count, offset in (('train', num_train, 1), ('val', num_val, 100_001)):
        images, annotations = [], []
        for k in range(count):
            image_id = offset + k
            file_name = f'{image_id:012d}.jpg'
            img, instances = scene(rng, size)
            images.append({'id': image_id, 'file_name': file_name, 'height': size, 'width': size})
            for inst in instances:
                annotations.append(coco_instance(ann_id, image_id, inst, SHAPES))
                ann_id += 1
            save_jpeg(img, root / f'{split}2017' / file_name)
        write_json({'info': {'description': 'mimbench proxy corpus (shapes)', 'version': '1.0', 'year': 2026},
                    'licenses': [], 'images': images, 'annotations': annotations, 'categories': categories},
                   root / 'annotations' / f'instances_{split}2017.json')
    return mark_done(root)


def make_segmentation(root, num_train: int = 600, num_val: int = 200, size: int = SIZE, seed: int = 2
                      ) -> Path:
    """ADE20K layout: background 1 ('wall'), each shape its ``ADE_LABELS`` id, 0 nowhere (nothing ignored)."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    for split, folder, count in (('train', 'training', num_train), ('val', 'validation', num_val)):
        (root / 'annotations' / folder).mkdir(parents=True, exist_ok=True)
        for k in range(count):
            img, instances = scene(rng, size)
            label = np.full((size, size), ADE_BACKGROUND_LABEL, np.uint8)
            for inst in instances:
                label[inst['mask']] = ADE_LABELS[inst['shape']]
            stem = f'ADE_{split}_{k + 1:08d}'
            save_jpeg(img, root / 'images' / folder / f'{stem}.jpg')
            Image.fromarray(label, mode='L').save(root / 'annotations' / folder / f'{stem}.png')
    return mark_done(root)


def make_proxy(root, images_per_class: int = 200, seed: int = 0) -> dict[str, Path]:
    """Generate the proxy corpus under ``root`` (``in1k``, ``coco``, ``ade20k``); finished parts are kept.

    Sizes follow ``images_per_class`` (default 200): classification ``images_per_class`` train and half as
    many validation images per class (1000 validation images by default: a 95% interval of about +-3 points on
    a top-1 difference), detection and segmentation ``3 x images_per_class`` train and ``images_per_class``
    validation images each. A part is finished when its folder holds the marker written last, stamped with the
    sizes; a part generated with other sizes is regenerated.
    """
    root = Path(root)
    n = images_per_class
    makers = {
        'in1k': lambda p: make_classification(p, n, max(1, n // 2), seed=seed),
        'coco': lambda p: make_detection(p, 3 * n, n, seed=seed + 1),
        'ade20k': lambda p: make_segmentation(p, 3 * n, n, seed=seed + 2),
    }
    stamp = f'mimbench proxy corpus v{VERSION}, seed {seed}, {n} images per class\n'
    paths = {}
    for part, make in makers.items():
        path = root / part
        marker = path / DONE_MARKER
        if not (marker.is_file() and marker.read_text() == stamp):
            if marker.is_file():   # ours, with other sizes: stale files would join mmseg's folder scan
                shutil.rmtree(path)
            make(path)
            marker.write_text(stamp)
        paths[part] = path
    return paths
