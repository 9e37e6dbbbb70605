"""Per-image classification outcomes: the top-k predicted labels and the target of every validation image.

Enough to recompute top-1/top-5 accuracy on any subset of the images, and to run McNemar's test between two
encoders evaluated on the same images (both need the per-image correctness, nothing else). The record's
``top1`` (or ``linear``) is mmpretrain's ``Accuracy``: the target is among the ``k`` highest scores, and a
score must exceed the metric's threshold (``thrs``, default 0) to count; a top-k label whose score does not
is stored as -1, so it never matches.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KIND = 'classification'


@dataclass
class ClassificationOutcomes:
    """``topk[i]``: the k best labels of image ``i`` (best first; -1 where the score is at or under the
    metric's threshold), ``target[i]`` its label, ``ids[i]`` its identifier (path relative to the common
    folder of the validation images, or its index in the dataset)."""
    topk: np.ndarray      # (n, k) int
    target: np.ndarray    # (n,) int
    ids: np.ndarray       # (n,) str or int
    aliases: dict         # record metric id -> 'top1' / 'top5' (e.g. linear probing records 'linear')

    kind = KIND

    def __post_init__(self):
        self.topk = np.asarray(self.topk).reshape(len(self.target), -1)
        if len(self.ids) != len(self.target):
            raise ValueError(f'{len(self.ids)} image ids for {len(self.target)} targets')

    @property
    def n(self) -> int:
        return len(self.target)

    def correct(self, k: int = 1) -> np.ndarray:
        """(n,) bool: the target is among the ``k`` best labels (and above the threshold)."""
        if k > self.topk.shape[1]:
            raise ValueError(f'top-{k} asked of outcomes holding the {self.topk.shape[1]} best labels')
        return (self.topk[:, :k] == self.target[:, None]).any(axis=1)

    def _k(self, metric: str) -> int:
        name = self.aliases.get(metric, metric)
        if name not in ('top1', 'top5'):
            raise KeyError(f'classification outcomes give top1/top5 (and {", ".join(self.aliases)}), '
                           f'not {metric!r}')
        return int(name[3:])

    @property
    def metric_ids(self) -> tuple[str, ...]:
        return tuple(self.aliases)

    def values(self, metric: str, weights: np.ndarray) -> np.ndarray:
        """Accuracy in percent under per-image ``weights`` (B, n) (resampling counts): (B,) values."""
        correct = self.correct(self._k(metric)).astype(np.float64)
        weights = np.asarray(weights, dtype=np.float64)
        return 100.0 * (weights @ correct) / weights.sum(axis=-1)

    def metric(self, metric: str, subset: np.ndarray | None = None) -> float:
        """The metric as mmpretrain computes it (float32 count * 100 / n), on ``subset`` (indices or a
        boolean mask) or on all images; the record holds this value rounded to 4 decimals."""
        correct = self.correct(self._k(metric))
        if subset is not None:
            correct = correct[subset]
        count = np.float32(np.count_nonzero(correct))
        return float(count * np.float32(100.0 / len(correct)))

    def arrays(self) -> dict[str, np.ndarray]:
        dtype = np.int16 if max(self.topk.max(initial=0), self.target.max(initial=0)) < 2 ** 15 else np.int32
        return {'topk': self.topk.astype(dtype), 'target': self.target.astype(dtype), 'ids': self.ids}

    def meta(self) -> dict:
        return {'aliases': dict(self.aliases)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict) -> 'ClassificationOutcomes':
        return cls(topk=arrays['topk'].astype(np.int64), target=arrays['target'].astype(np.int64),
                   ids=arrays['ids'], aliases=dict(meta['aliases']))
