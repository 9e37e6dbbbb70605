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
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


def _ade_label_problems(path: Path) -> list[str]:
    """ADE20K labels are single-channel PNGs with values 0 ("other") .. 150; anything else is a wrong
    convention (e.g. colour-coded full ADE20K masks, or labels already shifted by reduce_zero_label)."""
    label = Image.open(path)
    if label.mode not in ('L', 'P'):
        return [f'{path} is a {label.mode} image; expected single-channel class ids (mode L or P)']
    top = int(np.asarray(label).max())
    if top > 150:
        return [f'{path} holds class id {top}; expected 0 ("other") to 150 (ADEChallengeData2016 convention)']
    return []


def check_root(task: str, root, sample: int = 32) -> dict:
    """Validate a dataset root beyond file presence: parse its annotations, look for sampled images.

    Returns ``{'task', 'root', 'splits': {split: {'images': n, 'classes': k}}, 'warnings': [...]}``;
    raises ``DatasetRootError`` listing every problem found. Size differences from the official release
    (``OFFICIAL_COUNTS``) are warnings, not errors, so synthetic and subset roots pass.
    """
    root = Path(root)
    require_root(task, root)
    problems, splits = [], {}
    if task in ('in1k',) or task.startswith('places'):
        for split in ('train', 'val'):
            if task == 'in1k':
                list_path, image_dir = root / 'meta' / f'{split}.txt', root / split
            else:
                layout = places_layout(int(task[6:]))
                list_path, image_dir = root / layout[f'{split}_list'], root / layout[f'{split}_dir']
            rows = _read_list(list_path)
            absent = [p for p, _ in _sample(rows, sample) if not (image_dir / p.lstrip('/')).is_file()]
            problems += [f'{split}: image {image_dir / p.lstrip("/")} listed in {list_path.name} is missing'
                         for p in absent[:5]]
            splits[split] = {'images': len(rows), 'classes': len({label for _, label in rows})}
    elif task == 'coco' or task.startswith('inat'):
        names = expected_files(task)
        for split in ('train', 'val'):
            ann_path = root / names[f'{split} annotations']
            try:
                ann = json.loads(ann_path.read_text())
            except json.JSONDecodeError as err:
                problems.append(f'{ann_path} is not valid JSON ({err})')
                continue
            lacking = [k for k in ('images', 'annotations', 'categories') if k not in ann]
            if lacking:
                problems.append(f'{ann_path} lacks the keys {lacking}; expected a COCO-style file')
                continue
            image_dir = root / (f'{split}2017' if task == 'coco' else '')
            absent = [im['file_name'] for im in _sample(ann['images'], sample)
                      if not (image_dir / im['file_name']).is_file()]
            problems += [f'{split}: image {image_dir / f} named in {ann_path.name} is missing'
                         for f in absent[:5]]
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
                problems.append(f'{split}: no .jpg images in images/{folder}')
            for stem in _sample([s for s in images if s in labels], min(sample, 8)):
                problems += _ade_label_problems(root / 'annotations' / folder / f'{stem}.png')
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
