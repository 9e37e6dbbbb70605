"""ImageNet-C, -A, -R and -Sketch: the ImageNet variants of the robustness evaluation in mae.txt Appendix C.

MAE evaluates its ImageNet-1K fine-tuned classifiers, without any further training, on four variants of the
validation set (mae.txt Table 13). Each is read here in its official release layout:

- ImageNet-C (Hendrycks & Dietterich, ICLR 2019; zenodo.org/record/2235448, ``noise.tar blur.tar
  weather.tar digital.tar``): ``<root>/<corruption>/<severity 1-5>/<wnid>/*.JPEG``, 15 corruptions x 5
  severities x the 50,000 val images at 224 px. ``extra.tar``'s four held-out corruptions may sit in the
  same root; the mCE uses the 15 of the benchmark only.
- ImageNet-A (Hendrycks et al., CVPR 2021; ``imagenet-a.tar``) and ImageNet-R (Hendrycks et al., ICCV 2021;
  ``imagenet-r.tar``): ``<root>/<wnid>/*.jpg`` with 200 WordNet-id folders each (7,500 and 30,000 images)
  and a ``README.txt``. Both cover a 200-class subset of ImageNet-1K; as their authors evaluate, the
  classifier's 1000 logits are restricted to those 200 classes before the argmax (``output_indices``).
- ImageNet-Sketch (Wang et al., NeurIPS 2019; ``ImageNet-Sketch.zip``): ``<root>/sketch/<wnid>/*`` (the
  unzipped release) or ``<root>/<wnid>/*``, 50,889 images of all 1000 classes.

Labels are positions in ``label_wnids``: the WordNet ids of the classifier's outputs in output order,
by default ImageNet-1K's 1000 synsets in sorted order (mmpretrain's and torchvision's class order). The
ImageNet-1K, -A and -R synset lists are timm's (``timm/data/_info``), which ships them with the package.
"""
from __future__ import annotations

import os
import pkgutil
from functools import lru_cache
from pathlib import Path

from mmpretrain.datasets import BaseDataset

from mimbench.registry import DATASETS

# Hendrycks & Dietterich (2019), Sec. 3 and Fig. 1: the 15 corruptions of the benchmark, in their order
CORRUPTIONS = ('gaussian_noise', 'shot_noise', 'impulse_noise', 'defocus_blur', 'glass_blur', 'motion_blur',
               'zoom_blur', 'snow', 'frost', 'fog', 'brightness', 'contrast', 'elastic_transform', 'pixelate',
               'jpeg_compression')
SEVERITIES = (1, 2, 3, 4, 5)
IMAGE_EXTENSIONS = ('.jpeg', '.jpg', '.png')
ROBUSTNESS_TASKS = ('imagenet-c', 'imagenet-a', 'imagenet-r', 'imagenet-sketch')
# Official release sizes and class counts (the releases' pages and papers)
OFFICIAL_IMAGES = {'imagenet-c': 50_000 * len(CORRUPTIONS) * len(SEVERITIES), 'imagenet-a': 7_500,
                   'imagenet-r': 30_000, 'imagenet-sketch': 50_889}
OFFICIAL_CLASSES = {'imagenet-c': 1000, 'imagenet-a': 200, 'imagenet-r': 200, 'imagenet-sketch': 1000}
DOWNLOAD = {
    'imagenet-c': 'https://zenodo.org/record/2235448 (noise.tar, blur.tar, weather.tar, digital.tar, '
                  'untarred into one root; github.com/hendrycks/robustness)',
    'imagenet-a': 'https://people.eecs.berkeley.edu/~hendrycks/imagenet-a.tar (the root is the untarred '
                  'imagenet-a folder; github.com/hendrycks/natural-adv-examples)',
    'imagenet-r': 'https://people.eecs.berkeley.edu/~hendrycks/imagenet-r.tar (the root is the untarred '
                  'imagenet-r folder; github.com/hendrycks/imagenet-r)',
    'imagenet-sketch': 'https://github.com/HaohanWang/ImageNet-Sketch (ImageNet-Sketch.zip; the root is the '
                       'folder holding the unzipped sketch/)',
}


@lru_cache(maxsize=None)
def _timm_synsets(name: str) -> tuple[str, ...]:
    data = pkgutil.get_data('timm.data', f'_info/{name}')
    if data is None:
        raise FileNotFoundError(f'timm.data/_info/{name} is missing; mimbench needs timm>=1.0, which '
                                'ships it')
    return tuple(line.strip() for line in data.decode('utf-8').splitlines() if line.strip())


def imagenet_wnids() -> tuple[str, ...]:
    """ImageNet-1K's 1000 WordNet ids in label order (sorted, as mmpretrain's meta/*.txt and torchvision)."""
    return _timm_synsets('imagenet_synsets.txt')


def subset_wnids(task: str) -> tuple[str, ...]:
    """The 200 WordNet ids of ImageNet-A or ImageNet-R (the classes their authors keep of the 1000)."""
    files = {'imagenet-a': 'imagenet_a_synsets.txt', 'imagenet-r': 'imagenet_r_synsets.txt'}
    if task not in files:
        raise ValueError(f'{task!r} has no 200-class subset; expected imagenet-a or imagenet-r')
    return _timm_synsets(files[task])


def is_wnid(name: str) -> bool:
    """A WordNet noun id as ImageNet names its class folders: ``n`` and 8 digits."""
    return len(name) == 9 and name[0] == 'n' and name[1:].isdigit()


def wnid_folders(folder) -> list[str]:
    """Sorted names of the WordNet-id sub-folders of ``folder`` (README.txt and the like are skipped)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(e.name for e in os.scandir(folder) if e.is_dir() and is_wnid(e.name))


def images_in(folder) -> list[str]:
    """Sorted file names of the images in ``folder`` (by extension, case-insensitive)."""
    return sorted(e.name for e in os.scandir(folder)
                  if e.is_file() and e.name.lower().endswith(IMAGE_EXTENSIONS))


def sketch_image_root(root) -> Path:
    """The folder of ImageNet-Sketch's class folders: ``root/sketch`` (the unzipped release) or ``root``."""
    root = Path(root)
    return root / 'sketch' if (root / 'sketch').is_dir() else root


class _WnidFolders(BaseDataset):
    """Images in ``<wnid>/`` folders, labelled by their position in ``classes`` (see the module docstring).

    Args:
        data_root: the dataset root in its release layout.
        label_wnids: WordNet ids of the classifier's outputs in output order; None: ImageNet-1K's 1000.
        subset: WordNet ids the dataset covers when that is a subset of ``label_wnids`` (ImageNet-A/-R);
            labels are then positions in ``subset`` and ``metainfo['output_indices']`` are the outputs to
            keep (``mimbench.SubsetAccuracy`` restricts the logits to them). None: all ``label_wnids``.
        **kwargs: passed to ``mmpretrain.datasets.BaseDataset`` (pipeline, test_mode, ...).
    """

    task = ''

    def __init__(self, data_root: str, label_wnids=None, subset=None, **kwargs):
        from mimbench.datasets.checks import require_root

        require_root(self.task, data_root)
        self.label_wnids = tuple(label_wnids) if label_wnids is not None else imagenet_wnids()
        self.subset = tuple(subset) if subset is not None else None
        classes = self.subset or self.label_wnids
        metainfo = dict(kwargs.pop('metainfo', None) or {}, classes=classes)
        if self.subset is not None:
            outside = [w for w in self.subset if w not in self.label_wnids]
            if outside:
                raise ValueError(f'{self.task}: subset classes {outside[:5]} are not among the classifier\'s '
                                 f'{len(self.label_wnids)} label_wnids; expected a subset of them')
            metainfo['output_indices'] = [self.label_wnids.index(w) for w in self.subset]
        super().__init__(ann_file='', data_root=data_root, metainfo=metainfo, test_mode=True, **kwargs)

    def _label_of(self, wnid: str, folder) -> int:
        classes = self.subset or self.label_wnids
        if wnid not in classes:
            raise ValueError(f'{folder}: class folder {wnid} is not one of the {len(classes)} classes this '
                             f'{self.task} dataset evaluates; expected the release\'s class folders (check '
                             f'the root with `mimbench data check --task {self.task}`)')
        return classes.index(wnid)

    def _folder_items(self, image_root: Path, **extra) -> list[dict]:
        items = []
        for wnid in wnid_folders(image_root):
            label = self._label_of(wnid, image_root / wnid)
            items += [dict(img_path=str(image_root / wnid / name), gt_label=label, **extra)
                      for name in images_in(image_root / wnid)]
        return items

    def load_data_list(self) -> list[dict]:
        return self._folder_items(Path(self.data_root))


@DATASETS.register_module()
class ImageNetA(_WnidFolders):
    """ImageNet-A (config: ``type='mimbench.ImageNetA'``); ``subset`` defaults to its 200 classes."""

    task = 'imagenet-a'

    def __init__(self, data_root: str, label_wnids=None, subset=None, **kwargs):
        subset = subset if subset is not None else subset_wnids(self.task)
        super().__init__(data_root, label_wnids, subset, **kwargs)


@DATASETS.register_module()
class ImageNetR(ImageNetA):
    """ImageNet-R (config: ``type='mimbench.ImageNetR'``); ``subset`` defaults to its 200 classes."""

    task = 'imagenet-r'


@DATASETS.register_module()
class ImageNetSketch(_WnidFolders):
    """ImageNet-Sketch (config: ``type='mimbench.ImageNetSketch'``): all of ``label_wnids``."""

    task = 'imagenet-sketch'

    def load_data_list(self) -> list[dict]:
        return self._folder_items(sketch_image_root(self.data_root))


@DATASETS.register_module()
class ImageNetC(_WnidFolders):
    """ImageNet-C (config: ``type='mimbench.ImageNetC'``): every image carries ``corruption``/``severity``.

    The test pipeline's ``PackInputs`` must keep them (``meta_keys`` with ``'corruption', 'severity'``) for
    ``mimbench.MeanCorruptionError``. Images are ordered by corruption, severity, class and file name.

    Args:
        corruptions: corruption folders to read (default the benchmark's 15, :data:`CORRUPTIONS`).
        severities: severities to read (default 1-5).
    """

    task = 'imagenet-c'

    def __init__(self, data_root: str, label_wnids=None, corruptions=CORRUPTIONS, severities=SEVERITIES,
                 **kwargs):
        self.corruptions, self.severities = tuple(corruptions), tuple(int(s) for s in severities)
        super().__init__(data_root, label_wnids, None, **kwargs)

    def load_data_list(self) -> list[dict]:
        items = []
        for corruption in self.corruptions:
            for severity in self.severities:
                folder = Path(self.data_root) / corruption / str(severity)
                items += self._folder_items(folder, corruption=corruption, severity=severity)
        return items


# ------------------------------------------------------------------------------------- dataset root checks
def expected_files(task: str) -> dict[str, str]:
    """``{what: relative path}`` a root of ``task`` must hold (folders end in '/'; ``<wnid>``: a class)."""
    if task == 'imagenet-c':
        return {f'{c} (severities 1-5)': f'{c}/' for c in CORRUPTIONS}
    if task == 'imagenet-sketch':
        return {'class folders': 'sketch/<wnid>/ (or <wnid>/ directly under the root)'}
    return {'class folders': '<wnid>/ (200 WordNet-id folders)'}


def missing_files(task: str, root) -> list[str]:
    """What of :func:`expected_files` is absent under ``root``."""
    root = Path(root)
    if task == 'imagenet-c':
        return [f'{c}/{s}/' for c in CORRUPTIONS for s in SEVERITIES if not (root / c / str(s)).is_dir()]
    image_root = sketch_image_root(root) if task == 'imagenet-sketch' else root
    return [] if wnid_folders(image_root) else list(expected_files(task).values())


def check_root(task: str, root, sample: int | None = 32) -> tuple[dict, list[str], list[str]]:
    """Count the images of a robustness root, decode some, and compare its classes with the release's.

    Returns ``(splits, problems, warnings)`` as ``mimbench.datasets.checks.check_root`` reports them: the
    only split is ``test``; empty class folders and images that do not decode (``sample`` of them, spread
    over the class folders; ``None``: all) are problems, class folders that are not ImageNet-1K's or a
    different image count than the release's are warnings (synthetic and subset roots pass).
    """
    from mimbench.datasets.checks import _sample, image_problem

    root = Path(root)
    known = set(imagenet_wnids())
    problems, warnings, to_decode = [], [], []
    if task == 'imagenet-c':
        folders = [root / c / str(s) for c in CORRUPTIONS for s in SEVERITIES]
    else:
        folders = [sketch_image_root(root) if task == 'imagenet-sketch' else root]
    images, classes = 0, set()
    for folder in folders:
        names = {w: images_in(folder / w) for w in wnid_folders(folder)}
        problems += [f'{folder / w} holds no image' for w, n in names.items() if not n][:5]
        images += sum(len(n) for n in names.values())
        classes |= set(names)
        # every image for a full check, else the first of each class folder (then spread over them)
        to_decode += [folder / w / f for w, n in names.items() for f in (n if sample is None else n[:1])]
    chosen = to_decode if sample is None else _sample(to_decode, sample)
    problems += [f'test: {problem}' for p in chosen if (problem := image_problem(p))][:10]
    synthetic = any(w not in known for w in classes)
    if synthetic:
        warnings.append(f'{len(classes - known)} class folders are not ImageNet-1K WordNet ids (a synthetic '
                        'root): set the dataset\'s label_wnids to the classifier\'s classes')
    elif task in ('imagenet-a', 'imagenet-r') and classes != set(subset_wnids(task)):
        warnings.append(f'{len(classes)} class folders; the release has its 200 classes '
                        f'({len(set(subset_wnids(task)) - classes)} missing)')
    elif task in ('imagenet-c', 'imagenet-sketch') and len(classes) != 1000:
        warnings.append(f'{len(classes)} class folders; the release has all 1000 ImageNet-1K classes')
    if task == 'imagenet-c':
        per_folder = {f'{f.parent.name}/{f.name}': sum(len(images_in(f / w)) for w in wnid_folders(f))
                      for f in folders}
        uneven = sorted({n for n in per_folder.values()})
        if len(uneven) > 1:
            warnings.append(f'corruption/severity folders hold different image counts ({uneven[0]} to '
                            f'{uneven[-1]}); the release has 50,000 in each')
    if images != OFFICIAL_IMAGES[task]:
        warnings.append(f'{images} images; the official release has {OFFICIAL_IMAGES[task]} (fine for a '
                        'subset or a synthetic root, not for reported numbers)')
    return {'test': {'images': images, 'classes': len(classes)}}, problems, warnings
