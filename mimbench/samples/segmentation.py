"""Per-image segmentation outcomes: pixel counts per class of every validation image.

mmseg's ``IoUMetric`` sums four per-image, per-class pixel counts over the validation set (intersection of
prediction and label, their union, the predicted area and the label area) and derives every metric from the
sums: IoU of a class is intersection / union, mIoU the mean over classes that occur (a class with union 0 is
NaN and left out of the mean), aAcc the summed intersection over the summed label area. Keeping the counts
per image makes mIoU and aAcc recomputable on any subset of images.

The union is not stored: it is ``pred + label - intersect`` exactly (pixel counts, ignored pixels excluded
from all three). :meth:`SegmentationOutcomes.metric` sums in float32 in image order, as mmseg does, so the
full set gives the record's number bit for bit; :meth:`values` sums exactly (float64) for the statistics.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KIND = 'segmentation'


@dataclass
class SegmentationOutcomes:
    """``intersect``, ``pred``, ``label``: (n, C) pixel counts per image and class; ``ids``: (n,) ids."""
    intersect: np.ndarray
    pred: np.ndarray
    label: np.ndarray
    ids: np.ndarray
    nan_to_num: float | None = None   # IoUMetric's nan_to_num (None: classes without pixels are left out)

    kind = KIND
    metric_ids = ('miou',)

    def __post_init__(self):
        shapes = {self.intersect.shape, self.pred.shape, self.label.shape}
        if len(shapes) != 1 or self.intersect.ndim != 2 or len(self.ids) != self.intersect.shape[0]:
            raise ValueError(f'segmentation counts must all be (n images, classes) with n ids; got '
                             f'{self.intersect.shape}, {self.pred.shape}, {self.label.shape}, '
                             f'{len(self.ids)} ids')

    @property
    def n(self) -> int:
        return self.intersect.shape[0]

    @property
    def union(self) -> np.ndarray:
        return self.pred.astype(np.int64) + self.label - self.intersect

    def _miou(self, intersect: np.ndarray, union: np.ndarray) -> np.ndarray:
        with np.errstate(divide='ignore', invalid='ignore'):
            iou = intersect / union
        if self.nan_to_num is not None:
            iou = np.nan_to_num(iou, nan=self.nan_to_num)
        return iou

    def values(self, metric: str, weights: np.ndarray) -> np.ndarray:
        """mIoU in percent under per-image ``weights`` (B, n): (B,) values (exact float64 sums)."""
        if metric != 'miou':
            raise KeyError(f'segmentation outcomes give miou, not {metric!r}')
        weights = np.asarray(weights, dtype=np.float64)
        iou = self._miou(weights @ self.intersect.astype(np.float64), weights @ self.union.astype(np.float64))
        return 100.0 * np.nanmean(iou, axis=-1)

    def metric(self, metric: str, subset: np.ndarray | None = None) -> float:
        """mIoU (or aAcc) as mmseg's IoUMetric reports it (float32 sums in image order, rounded to 2
        decimals), on ``subset`` (indices or boolean mask) or on all images."""
        rows = slice(None) if subset is None else subset
        sums = [np.cumsum(a[rows].astype(np.float32), axis=0, dtype=np.float32)[-1]
                for a in (self.intersect, self.union, self.label)]
        if metric == 'miou':
            value = np.nanmean(self._miou(sums[0], sums[1]))
        elif metric == 'aacc':
            value = sums[0].sum() / sums[2].sum()
        else:
            raise KeyError(f'segmentation outcomes give miou and aacc, not {metric!r}')
        return float(np.round(value * 100, 2))

    def arrays(self) -> dict[str, np.ndarray]:
        return {'intersect': self.intersect, 'pred': self.pred, 'label': self.label, 'ids': self.ids}

    def meta(self) -> dict:
        return {'nan_to_num': self.nan_to_num}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict) -> 'SegmentationOutcomes':
        return cls(intersect=arrays['intersect'], pred=arrays['pred'], label=arrays['label'],
                   ids=arrays['ids'], nan_to_num=meta.get('nan_to_num'))
