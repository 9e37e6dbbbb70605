"""Places205 and Places365-Standard classification as mmpretrain datasets, read from the official lists.

MAE fine-tunes on Places205 and Places365 (mae.txt Table 6, recipe Table 9); MixMIM on Places205 and
Places365 (mixmim.txt Table 5); SimMIM's appendix lists Places too. Layouts: see
``mimbench.datasets.synthetic.places_layout``.

- Places205 reuses ``mmpretrain.Places205`` (a CustomDataset reading ``<path> <label>`` lines, which is
  exactly the release's ``trainvalsplit_places205/*.csv`` format) with the release's default paths and a
  root check.
- Places365's train list holds absolute-looking paths (``/a/airfield/00000001.jpg``) that a plain join
  would turn into filesystem-root paths, so it is read here; class names come from
  ``categories_places365.txt``.
"""
from __future__ import annotations

from pathlib import Path

from mmpretrain.datasets import BaseDataset
from mmpretrain.datasets import Places205 as _MMPretrainPlaces205

from mimbench.datasets.checks import _read_list, require_root
from mimbench.datasets.synthetic import places_layout
from mimbench.registry import DATASETS


def _check_split(split: str) -> None:
    if split not in ('train', 'val'):
        raise ValueError(f"Places split must be 'train' or 'val', got {split!r}")


@DATASETS.register_module()
class Places205(_MMPretrainPlaces205):
    """Places205 train or val split (config: ``type='mimbench.Places205', data_root=..., split=...``)."""

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        _check_split(split)
        require_root('places205', data_root)
        layout = places_layout(205)
        kwargs.setdefault('ann_file', layout[f'{split}_list'])
        kwargs.setdefault('data_prefix', layout[f'{split}_dir'])
        self.split = split
        super().__init__(data_root=data_root, **kwargs)


@DATASETS.register_module()
class Places365(BaseDataset):
    """Places365-Standard train or val split (config: ``type='mimbench.Places365'``)."""

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        _check_split(split)
        require_root('places365', data_root)
        layout = places_layout(365)
        kwargs.setdefault('ann_file', layout[f'{split}_list'])
        kwargs.setdefault('data_prefix', layout[f'{split}_dir'])
        self.split = split
        if 'classes' not in kwargs and 'classes' not in (kwargs.get('metainfo') or {}):
            # "/a/airfield 0" -> "airfield"; label order is the file's
            rows = sorted(_read_list(Path(data_root) / layout['categories']), key=lambda r: r[1])
            kwargs['classes'] = [name.lstrip('/').split('/', 1)[1] for name, _ in rows]
        super().__init__(data_root=data_root, **kwargs)

    def load_data_list(self) -> list[dict]:
        """One ``dict(img_path, gt_label)`` per listed image; leading '/' stripped before joining."""
        return [{'img_path': str(Path(self.img_prefix) / path.lstrip('/')), 'gt_label': label}
                for path, label in _read_list(Path(self.ann_file))]
