"""iNaturalist 2017/2018/2019 classification as an mmpretrain dataset, read from the official JSON files.

MAE fine-tunes on iNat 2017/2018/2019 (mae.txt Sec. 5 and Table 6, recipe Table 9); MixMIM on iNat 2018
(mixmim.txt Table 5). The releases ship COCO-style JSON (``train<year>.json``/``val<year>.json``:
``images``, ``annotations`` with one ``category_id`` per image, ``categories``); each year names its image
tree differently (``mimbench.datasets.synthetic.inat_layout``). Labels are the category ids in sorted
order (the releases' ids are already 0..N-1), class names are the categories' ``name``.
"""
from __future__ import annotations

import json
from pathlib import Path

from mmpretrain.datasets import BaseDataset

from mimbench.datasets.checks import require_root, root_error
from mimbench.datasets.synthetic import inat_layout
from mimbench.registry import DATASETS


@DATASETS.register_module()
class INaturalist(BaseDataset):
    """iNaturalist ``year`` train or val split (config: ``type='mimbench.INaturalist'``).

    Args:
        data_root: the folder holding ``train<year>.json``, ``val<year>.json`` and the image tree.
        year: 2017, 2018 or 2019.
        split: 'train' or 'val' (the papers report top-1 on val; the test sets have no labels).
        ann_file: override of the annotation file (relative to ``data_root``); default the year's.
        **kwargs: passed to ``mmpretrain.datasets.BaseDataset`` (pipeline, test_mode, ...).
    """

    def __init__(self, data_root: str, year: int = 2018, split: str = 'train', ann_file: str = '',
                 **kwargs):
        if split not in ('train', 'val'):
            raise ValueError(f"iNaturalist split must be 'train' or 'val', got {split!r}")
        layout = inat_layout(year)
        if not ann_file:
            require_root(f'inat{year}', data_root)
            ann_file = layout[f'{split}_json']
        elif not (Path(data_root) / ann_file).is_file() and not Path(ann_file).is_file():
            raise root_error(f'inat{year}', data_root, [f'missing annotation file {ann_file}'])
        self.year, self.split = year, split
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    def load_data_list(self) -> list[dict]:
        """One ``dict(img_path, gt_label)`` per image; sets ``classes`` from the file's categories."""
        with open(self.ann_file) as f:
            ann = json.load(f)
        cat_ids = sorted(c['id'] for c in ann['categories'])
        label_of = {cat_id: label for label, cat_id in enumerate(cat_ids)}
        names = {c['id']: c['name'] for c in ann['categories']}
        if 'classes' not in self._metainfo:
            self._metainfo['classes'] = tuple(names[c] for c in cat_ids)
        category_of = {a['image_id']: a['category_id'] for a in ann['annotations']}
        unlabelled = [im['file_name'] for im in ann['images'] if im['id'] not in category_of]
        if unlabelled:
            raise ValueError(f'{self.ann_file}: {len(unlabelled)} images have no annotation (first: '
                             f'{unlabelled[0]}); expected one category per image as in the train/val '
                             f'files (the test files have no labels and cannot be used for fine-tuning)')
        prefix = self.img_prefix or self.data_root
        return [{'img_path': str(Path(prefix) / im['file_name']), 'gt_label': label_of[category_of[im['id']]]}
                for im in ann['images']]
