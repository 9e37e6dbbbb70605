"""What each downstream task's dataset root must hold, and a checker that says what is wrong with one.

The layouts are the official releases' (and what mmpretrain/mmdet/mmseg read); ``synthetic.py`` writes the
same layouts at 64 px. A missing or incomplete root is the most common first failure of a benchmark run,
so the errors list the expected files, which of them are missing, where to get the data and how to make a
synthetic stand-in.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from mimbench.datasets import robustness
from mimbench.datasets.overrides import cfg_options_text
from mimbench.datasets.synthetic import TASKS, inat_layout, places_layout

# Where to get each dataset (official pages).
DOWNLOAD = {
    'in1k': 'https://image-net.org/download.php (ILSVRC2012 train/val; val sorted into class folders '
            'and meta/{train,val}.txt as in mmpretrain\'s ImageNet docs)',
    'coco': 'https://cocodataset.org/#download (train2017.zip, val2017.zip, annotations_trainval2017.zip)',
    'ade20k': 'http://sceneparsing.csail.mit.edu (ADEChallengeData2016.zip; the root is the unzipped '
              'ADEChallengeData2016 folder)',
    'inat2017': 'https://github.com/visipedia/inat_comp/tree/master/2017 (train_val_images.tar.gz, '
                'train_val2017.zip)',
    'inat2018': 'https://github.com/visipedia/inat_comp/tree/master/2018 (train_val2018.tar.gz, '
                'train2018.json.tar.gz, val2018.json.tar.gz)',
    'inat2019': 'https://github.com/visipedia/inat_comp/tree/master/2019 (train_val2019.tar.gz, '
                'train2019.json.tar.gz, val2019.json.tar.gz)',
    'places205': 'http://places.csail.mit.edu/downloadData.html (imagesPlaces205_resize.tar.gz and '
                 'trainvalsplit_places205.tar.gz, unpacked in the same root)',
    'places365': 'http://places2.csail.mit.edu/download.html (Places365-Standard, small images 256x256: '
                 'train_256_places365standard.tar (-> data_256/), val_256.tar (-> val_256/) and '
                 'filelist_places365-standard.tar (the .txt lists), unpacked in the same root)',
    **robustness.DOWNLOAD,   # ImageNet-C/-A/-R/-Sketch: test sets only (mimbench.datasets.robustness)
}

# Official sizes (train, val), to flag a partial download; mae.txt Table 6 and the releases' pages.
OFFICIAL_COUNTS = {
    'in1k': (1_281_167, 50_000), 'coco': (118_287, 5_000), 'ade20k': (20_210, 2_000),
    'inat2017': (579_184, 95_986), 'inat2018': (437_513, 24_426), 'inat2019': (265_213, 3_030),
    'places205': (2_448_873, 20_500), 'places365': (1_803_460, 36_500),
}
# Official number of classes (ADE20K: 150 by convention); a different count needs num_classes changed too.
OFFICIAL_CLASSES = {'in1k': 1000, 'coco': 80, 'ade20k': 150, 'inat2017': 5089, 'inat2018': 8142,
                    'inat2019': 1010, 'places205': 205, 'places365': 365}


class DatasetRootError(FileNotFoundError):
    """A dataset root is missing, incomplete or malformed; the message says what to do."""


def expected_files(task: str) -> dict[str, str]:
    """``{what: relative path}`` a real root of ``task`` must contain (paths ending in '/' are folders)."""
    if task in robustness.ROBUSTNESS_TASKS:
        return robustness.expected_files(task)
    if task == 'in1k':
        return {'train list': 'meta/train.txt', 'val list': 'meta/val.txt',
                'train images': 'train/', 'val images': 'val/'}
    if task == 'coco':
        return {'train annotations': 'annotations/instances_train2017.json',
                'val annotations': 'annotations/instances_val2017.json',
                'train images': 'train2017/', 'val images': 'val2017/'}
    if task == 'ade20k':
        return {'train images': 'images/training/', 'train labels': 'annotations/training/',
                'val images': 'images/validation/', 'val labels': 'annotations/validation/'}
    if task.startswith('inat') and task[4:].isdigit():
        layout = inat_layout(int(task[4:]))
        return {'train annotations': layout['train_json'], 'val annotations': layout['val_json'],
                'images': layout['image_dir'] + '/'}
    if task.startswith('places') and task[6:].isdigit():
        layout = places_layout(int(task[6:]))
        files = {'train list': layout['train_list'], 'val list': layout['val_list'],
                 'train images': layout['train_dir'] + '/', 'val images': layout['val_dir'] + '/'}
        if layout['categories']:
            files['categories'] = layout['categories']
        return files
    raise ValueError(f'unknown task {task!r}; expected one of {", ".join(TASKS)}')


def missing_files(task: str, root) -> list[str]:
    """Relative paths of ``expected_files(task)`` that are absent under ``root``."""
    root = Path(root)
    if task in robustness.ROBUSTNESS_TASKS:
        return robustness.missing_files(task, root)
    missing = []
    for rel in expected_files(task).values():
        path = root / rel
        if not (path.is_dir() if rel.endswith('/') else path.is_file()):
            missing.append(rel)
    return missing


def root_error(task: str, root, problems: list[str]) -> DatasetRootError:
    """The error for a bad ``root``: the problems, the expected layout, where to download, how to fake it."""
    layout = '\n'.join(f'    {rel:<55} ({what})' for what, rel in expected_files(task).items())
    found = ', '.join(sorted(p.name for p in Path(root).iterdir())[:12]) if Path(root).is_dir() else \
        'the folder does not exist'
    return DatasetRootError(
        f'{task} dataset root {str(root)!r} is not usable:\n  - ' + '\n  - '.join(problems) +
        f'\nExpected under the root:\n{layout}\nFound: {found}\n'
        f'Download: {DOWNLOAD[task]}\n'
        f'Point a config at a root with --cfg-options {cfg_options_text(task, "DIR")}\n'
        f'or generate a tiny synthetic stand-in with `mimbench data make --root DIR --tasks {task}`.')


def require_root(task: str, root) -> Path:
    """Raise ``DatasetRootError`` unless every expected file of ``task`` exists under ``root``."""
    missing = missing_files(task, root)
    if missing:
        raise root_error(task, root, [f'missing {rel}' for rel in missing])
    return Path(root)


def _read_list(path: Path) -> list[tuple[str, int]]:
    """Parse a ``<path> <label>`` list file, rejecting malformed lines with their line number."""
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.strip().rsplit(' ', 1)
        if len(parts) != 2 or not parts[1].lstrip('-').isdigit():
            raise DatasetRootError(
                f'{path}:{number}: expected "<image path> <integer label>", found {line!r}')
        rows.append((parts[0], int(parts[1])))
    return rows


def _sample(items: list, count: int) -> list:
    """``count`` items spread evenly over ``items`` (first and last included): cheap but representative."""
    if len(items) <= count:
        return items
    if count <= 1:
        return items[:count]
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


def image_problem(path: Path) -> str | None:
    """Why the image at ``path`` cannot be used (missing, empty, truncated, not an image), else None.

    Decodes the whole file (``Image.load``), which is what a training pipeline will do: a header that opens
    is not enough (a truncated JPEG opens and fails later, in the middle of a run).
    """
    try:
        size = path.stat().st_size
    except OSError:
        return f'image {path} is missing'
    if size == 0:
        return f'{path} is an empty file (0 bytes)'
    try:
        with Image.open(path) as im:
            im.load()
    except Exception as err:  # noqa: BLE001 - PIL raises OSError, SyntaxError, ValueError... per codec
        return f'{path} ({size} bytes) cannot be decoded: {type(err).__name__}: {err}'
    return None


def _image_size(path: Path) -> tuple[int, int] | None:
    try:
        with Image.open(path) as im:
            return im.size
    except Exception:  # noqa: BLE001 - reported by image_problem
        return None


def _decode_problems(paths: list[Path], sample: int | None, split: str) -> list[str]:
    """Decode ``sample`` images spread over ``paths`` (every one when ``sample`` is None)."""
    chosen = paths if sample is None else _sample(paths, sample)
    return [f'{split}: {problem}' for p in chosen if (problem := image_problem(p))]


def _ade_label_problems(path: Path, image: Path | None = None) -> list[str]:
    """ADE20K labels are single-channel PNGs with values 0 ("other") .. 150, the size of their image;
    anything else is a wrong convention (e.g. colour-coded full ADE20K masks, or labels already shifted by
    reduce_zero_label) or a mismatched pair."""
    problem = image_problem(path)
    if problem:
        return [problem]
    label = Image.open(path)
    if label.mode not in ('L', 'P'):
        return [f'{path} is a {label.mode} image; expected single-channel class ids (mode L or P)']
    top = int(np.asarray(label).max())
    if top > 150:
        return [f'{path} holds class id {top}; expected 0 ("other") to 150 (ADEChallengeData2016 convention)']
    size = _image_size(image) if image is not None else None
    if size is not None and size != label.size:
        return [f'{path} is {label.size[0]}x{label.size[1]} but its image {image.name} is {size[0]}x{size[1]}; '
                'a label map must have the size of its image']
    return []


def _coco_problems(ann: dict, ann_path: Path, image_dir: Path, sample: int | None) -> list[str]:
    """Annotation consistency of a COCO-style file: ids, categories, boxes inside their images."""
    problems = []
    images = {im.get('id'): im for im in ann['images']}
    categories = {c.get('id') for c in ann['categories']}
    bad_cat, bad_image, bad_box = [], [], []
    for a in ann['annotations']:
        if a.get('category_id') not in categories:
            bad_cat.append(a)
        image = images.get(a.get('image_id'))
        if image is None:
            bad_image.append(a)
            continue
        box = a.get('bbox')
        if box is None:
            continue  # classification-style files (iNat) have no boxes
        width, height = image.get('width'), image.get('height')
        if (not isinstance(box, list) or len(box) != 4 or box[2] <= 0 or box[3] <= 0 or box[0] < 0 or box[1] < 0
                or (width and box[0] + box[2] > width + 1) or (height and box[1] + box[3] > height + 1)):
            bad_box.append((a, width, height))
    name = ann_path.name
    if bad_cat:
        a = bad_cat[0]
        problems.append(f'{name}: {len(bad_cat)} annotation(s) name a category_id not in "categories" (e.g. '
                        f'annotation {a.get("id")} has category_id {a.get("category_id")!r}; categories: '
                        f'{sorted(categories)[:10]}{"..." if len(categories) > 10 else ""})')
    if bad_image:
        a = bad_image[0]
        problems.append(f'{name}: {len(bad_image)} annotation(s) name an image_id not in "images" (e.g. '
                        f'annotation {a.get("id")} has image_id {a.get("image_id")!r})')
    if bad_box:
        a, width, height = bad_box[0]
        problems.append(f'{name}: {len(bad_box)} box(es) are empty or outside their image (e.g. annotation '
                        f'{a.get("id")}: bbox {a.get("bbox")} [x, y, w, h] in a {width}x{height} image)')
    chosen = ann['images'] if sample is None else _sample(ann['images'], sample)
    for im in chosen:
        path = image_dir / im['file_name']
        size = _image_size(path)
        if size is not None and im.get('width') and (im['width'], im['height']) != size:
            problems.append(f'{name}: image {im["file_name"]} is {size[0]}x{size[1]} on disk but '
                            f'{im["width"]}x{im["height"]} in the annotations')
    return problems


def check_root(task: str, root, sample: int | None = 32) -> dict:
    """Validate a dataset root beyond file presence: parse its annotations, decode images, check consistency.

    ``sample`` images per split are decoded (``None``: every image, ``mimbench data check --full``);
    annotations are always checked in full (ids, categories, boxes inside images, label-map sizes of the
    sampled ADE20K pairs). Returns ``{'task', 'root', 'splits': {split: {'images': n, 'classes': k}},
    'warnings': [...]}``; raises ``DatasetRootError`` listing every problem found. Size differences from the
    official release (``OFFICIAL_COUNTS``) are warnings, not errors, so synthetic and subset roots pass; an
    empty split is an error.
    """
    root = Path(root)
    require_root(task, root)
    if task in robustness.ROBUSTNESS_TASKS:   # test sets in class folders; no annotation files to parse
        splits, problems, warnings = robustness.check_root(task, root, sample)
        if problems:
            raise root_error(task, root, problems)
        return {'task': task, 'root': str(root), 'splits': splits, 'warnings': warnings}
    problems, splits = [], {}
    if task in ('in1k',) or task.startswith('places'):
        for split in ('train', 'val'):
            if task == 'in1k':
                list_path, image_dir = root / 'meta' / f'{split}.txt', root / split
            else:
                layout = places_layout(int(task[6:]))
                list_path, image_dir = root / layout[f'{split}_list'], root / layout[f'{split}_dir']
            rows = _read_list(list_path)
            if not rows:
                problems.append(f'{split}: {list_path} lists no images (empty split)')
            paths = [image_dir / p.lstrip('/') for p, _ in rows]
            problems += _decode_problems(paths, sample, split)[:10]
            negative = [label for _, label in rows if label < 0]
            if negative:
                problems.append(f'{split}: {list_path.name} has {len(negative)} negative label(s)')
            splits[split] = {'images': len(rows), 'classes': len({label for _, label in rows})}
    elif task == 'coco' or task.startswith('inat'):
        names = expected_files(task)
        for split in ('train', 'val'):
            ann_path = root / names[f'{split} annotations']
            try:
                ann = json.loads(ann_path.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                problems.append(f'{ann_path} is not valid JSON ({err})')
                continue
            lacking = [k for k in ('images', 'annotations', 'categories')
                       if not isinstance(ann, dict) or not isinstance(ann.get(k), list)]
            if lacking:
                problems.append(f'{ann_path} lacks the lists {lacking}; expected a COCO-style file')
                continue
            if not ann['images']:
                problems.append(f'{split}: {ann_path.name} lists no images (empty split)')
            image_dir = root / (f'{split}2017' if task == 'coco' else '')
            paths = [image_dir / im['file_name'] for im in ann['images']]
            problems += _decode_problems(paths, sample, split)[:10]
            problems += _coco_problems(ann, ann_path, image_dir, sample)
            splits[split] = {'images': len(ann['images']), 'classes': len(ann['categories']),
                             'annotations': len(ann['annotations'])}
    elif task == 'ade20k':
        for split, folder in (('train', 'training'), ('val', 'validation')):
            images = sorted(p.stem for p in (root / 'images' / folder).glob('*.jpg'))
            labels = {p.stem for p in (root / 'annotations' / folder).glob('*.png')}
            unmatched = [s for s in images if s not in labels]
            problems += [f'{split}: images/{folder}/{s}.jpg has no annotations/{folder}/{s}.png'
                         for s in unmatched[:5]]
            if not images:
                problems.append(f'{split}: no .jpg images in images/{folder} (empty split)')
            pairs = [s for s in images if s in labels]
            problems += _decode_problems([root / 'images' / folder / f'{s}.jpg' for s in pairs], sample,
                                         split)[:10]
            for stem in (pairs if sample is None else _sample(pairs, sample)):
                problems += _ade_label_problems(root / 'annotations' / folder / f'{stem}.png',
                                                root / 'images' / folder / f'{stem}.jpg')
            splits[split] = {'images': len(images), 'classes': 150}
    if problems:
        raise root_error(task, root, problems)
    warnings = []
    for split, official in zip(('train', 'val'), OFFICIAL_COUNTS[task]):
        if split in splits and splits[split]['images'] != official:
            warnings.append(f'{split} has {splits[split]["images"]} images; the official release has '
                            f'{official} (fine for a subset or a synthetic root, not for reported numbers)')
    classes = max((counts['classes'] for counts in splits.values()), default=0)
    if classes != OFFICIAL_CLASSES[task]:
        warnings.append(f'{classes} classes; the official release has {OFFICIAL_CLASSES[task]}: set the '
                        f'model\'s num_classes to {classes} for this root')
    return {'task': task, 'root': str(root), 'splits': splits, 'warnings': warnings}
