"""A held-out part of a training set, for choices that must never see the validation set.

Intermediate-layer linear probing chooses the ViT block that probes best (simmim.txt Sec. 4.2, following
BEiT); choosing it on the validation set that then reports the accuracy would be an optimistic pick. The
choice is made on images held out of the *training* set instead:

- class-stratified: every class contributes the same number of held-out images, ``per_class``
  (at most all but one of its images, so every class still trains);
- deterministic: within a class the held-out images are those with the smallest
  ``sha1(salt + '/' + path relative to the data root)``, so the split depends neither on file order, nor on
  the data root's location, nor on a random state;
- size: ``per_class`` x classes, e.g. 10 x 1000 = 10,000 of ImageNet-1K's 1,281,167 training images (0.78%).
"""
from __future__ import annotations

import hashlib
import os
from typing import Sequence

from mimbench.registry import DATASETS

SALT = 'mimbench-heldout'


def heldout_split(keys: Sequence[str], labels: Sequence[int], per_class: int,
                  salt: str = SALT) -> tuple[list[int], list[int]]:
    """``(train indices, held-out indices)`` of samples named ``keys`` with ``labels`` (module docstring).

    Both lists are sorted; together they are every index exactly once.
    """
    if per_class < 1:
        raise ValueError(f'per_class must be at least 1, got {per_class}')
    by_class: dict[int, list[tuple[str, int]]] = {}
    for index, (key, label) in enumerate(zip(keys, labels)):
        digest = hashlib.sha1(f'{salt}/{key}'.encode('utf-8')).hexdigest()
        by_class.setdefault(int(label), []).append((digest, index))
    heldout = []
    for members in by_class.values():
        members.sort()
        heldout += [index for _, index in members[:min(per_class, len(members) - 1)]]
    heldout_set = set(heldout)
    return [i for i in range(len(keys)) if i not in heldout_set], sorted(heldout)


def split_description(per_class: int, salt: str, num_train: int, num_heldout: int) -> str:
    """One sentence saying how the held-out part was drawn, for records and logs."""
    return (f'held out of the training set, class-stratified: per class the min({per_class}, n-1) images '
            f'with the smallest sha1("{salt}/<path relative to the data root>"); {num_heldout} held-out and '
            f'{num_train} training images')


@DATASETS.register_module()
class HeldOutSplit:
    """One part of a dataset split by :func:`heldout_split` (config: ``type='mimbench.HeldOutSplit'``).

    Args:
        dataset: the training dataset (a config dict or a built dataset with ``get_data_info`` giving
            ``img_path`` and ``gt_label``, as mmpretrain's datasets do).
        part: ``'train'`` (what remains for training) or ``'heldout'``.
        per_class: held-out images per class.
        salt: the split's seed (a different salt draws another held-out part).
    """

    def __init__(self, dataset, part: str, per_class: int = 10, salt: str = SALT):
        if part not in ('train', 'heldout'):
            raise ValueError(f"part must be 'train' or 'heldout', got {part!r}")
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        root = getattr(self.dataset, 'data_root', '') or ''
        infos = [self.dataset.get_data_info(i) for i in range(len(self.dataset))]
        keys = [os.path.relpath(info['img_path'], root) if root else info['img_path'] for info in infos]
        train, heldout = heldout_split(keys, [int(info['gt_label']) for info in infos], per_class, salt)
        self.part, self.indices = part, (train if part == 'train' else heldout)
        self.description = split_description(per_class, salt, len(train), len(heldout))

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def get_data_info(self, index: int) -> dict:
        return self.dataset.get_data_info(self.indices[index])

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int):
        return self.dataset[self.indices[index]]
