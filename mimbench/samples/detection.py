"""Per-image detection outcomes: what the COCO evaluator decided for every detection, kept per image.

COCO AP (mae.txt A.3, simmim.txt C.1, mixmim.txt Sec. 8 report AP box / AP mask at IoU .50:.95, 100
detections per image) is computed in two steps: ``evaluateImg`` matches each image's detections of one
category to its ground truth, greedily by score, once per IoU threshold; ``accumulate`` then concatenates
those per-image decisions over all images, sorts them by score, and turns them into a precision/recall curve
per category and threshold. The first step is per image, so its outcome -- for each detection its image,
category, score, and per threshold whether it matched and whether it is ignored (matched to a crowd box), plus
the number of non-ignored ground-truth boxes per image and category -- is enough to redo the second step on
any subset of images, or on a bootstrap resample (images repeated), without the boxes or masks.

:meth:`DetectionOutcomes.metric` redoes ``accumulate`` and ``summarize`` (area ``all``, ``max_dets``
detections per image and category) as pycocotools writes them, so the full image set gives the evaluator's
AP exactly. :meth:`values` does the same for many resamples at once: per category the detections are sorted
once, each resample weights a detection by its image's count, precision and recall are weighted cumulative
sums, and COCO's 101-point interpolation is a suffix maximum read off where the recall crosses each
threshold -- numpy over (resamples, thresholds, detections) arrays, no Python loop per detection.

Storage per detection: image index (int32), category index (int16), score (float32 when that is exact, else
float64), matched and ignored flags as bit masks over the IoU thresholds (uint16 each): 12-16 bytes before
compression.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

KIND = 'detection'
IOU_TYPES = {'bbox': 'ap_box', 'segm': 'ap_mask'}   # COCO iouType -> record metric id
_EPS = np.spacing(1)                                 # pycocotools' precision denominator guard
_CHUNK = 1 << 20                                     # elements per (resamples, detections) block


@dataclass
class EvaluatedSet:
    """One iouType's per-detection decisions (sorted by category, then image, then score as COCO sorts)."""
    img: np.ndarray        # (D,) image index into DetectionOutcomes.ids
    cat: np.ndarray        # (D,) category index
    score: np.ndarray      # (D,)
    matched: np.ndarray    # (D,) bit t set: matched at iou_thrs[t]
    ignored: np.ndarray    # (D,) bit t set: ignored at iou_thrs[t]
    gt: np.ndarray         # (n, K) non-ignored ground-truth objects per image and category
    iou_thrs: np.ndarray   # (T,)
    rec_thrs: np.ndarray   # (R,)
    max_dets: int = 100
    _by_cat: list = field(default=None, init=False, repr=False, compare=False)

    def categories(self) -> list[tuple[np.ndarray, list, list]]:
        """Per category, its detections in COCO's score order: their image indices, and per IoU threshold the
        positions of the true positives and of the ignored detections in that order."""
        if self._by_cat is None:
            T = len(self.iou_thrs)
            starts = np.searchsorted(self.cat, np.arange(self.gt.shape[1] + 1))
            self._by_cat = []
            for k in range(self.gt.shape[1]):
                part = slice(starts[k], starts[k + 1])
                order = np.argsort(-self.score[part], kind='mergesort')   # pycocotools' stable sort
                matched, ignored = self.matched[part][order], self.ignored[part][order]
                tps = [np.flatnonzero((matched >> t) & 1 & ~(ignored >> t) & 1) for t in range(T)]
                skipped = [np.flatnonzero((ignored >> t) & 1) for t in range(T)]
                self._by_cat.append((self.img[part][order], tps, skipped))
        return self._by_cat

    def interpolated(self, weights: np.ndarray):
        """Yield ``(k, rows, q)`` per category: COCO's interpolated precision ``q`` (len(rows), T, R) of
        category ``k`` under the per-image ``weights`` (B, n) of ``rows``, the resamples in which the category
        has ground truth (pycocotools leaves the others out, marking them -1)."""
        weights = np.asarray(weights, dtype=np.float64)
        npig = weights @ self.gt
        for k, (img, tps, skipped) in enumerate(self.categories()):
            rows = np.flatnonzero(npig[:, k] > 0)
            step = max(1, _CHUNK // max(1, len(img)))
            for lo in range(0, len(rows), step):
                b = rows[lo:lo + step]
                yield k, b, _interpolated(weights[b][:, img], tps, skipped, npig[b, k], self.rec_thrs)

    def precision(self, weights: np.ndarray) -> np.ndarray:
        """pycocotools' ``eval['precision'][:, :, :, area all, max_dets]`` (B, T, R, K) under ``weights``."""
        B, T, R, K = len(weights), len(self.iou_thrs), len(self.rec_thrs), self.gt.shape[1]
        out = -np.ones((B, T, R, K))
        for k, rows, q in self.interpolated(weights):
            out[rows, :, :, k] = q
        return out

    def mean_precision(self, weights: np.ndarray) -> np.ndarray:
        """AP (a fraction) per weighting: the mean of the precision over thresholds, recall points and the
        categories with ground truth; (B,), NaN where no category has any."""
        total, count = np.zeros(len(weights)), np.zeros(len(weights))
        per_category = len(self.iou_thrs) * len(self.rec_thrs)
        for _, rows, q in self.interpolated(weights):
            total[rows] += q.sum(axis=(1, 2))
            count[rows] += per_category
        with np.errstate(invalid='ignore', divide='ignore'):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        score = self.score.astype(np.float32)
        if not np.array_equal(score.astype(np.float64), self.score):
            score = self.score
        return {f'{prefix}.img': self.img.astype(np.int32), f'{prefix}.cat': self.cat.astype(np.int16),
                f'{prefix}.score': score, f'{prefix}.matched': self.matched.astype(np.uint16),
                f'{prefix}.ignored': self.ignored.astype(np.uint16), f'{prefix}.gt': _sparse(self.gt),
                f'{prefix}.iou_thrs': self.iou_thrs, f'{prefix}.rec_thrs': self.rec_thrs}

    @classmethod
    def from_arrays(cls, arrays: dict, prefix: str, n: int, num_cats: int, max_dets: int) -> 'EvaluatedSet':
        gt = np.zeros((n, num_cats), dtype=np.int64)
        i, k, count = arrays[f'{prefix}.gt']
        gt[i, k] = count
        return cls(img=arrays[f'{prefix}.img'].astype(np.int64), cat=arrays[f'{prefix}.cat'].astype(np.int64),
                   score=arrays[f'{prefix}.score'].astype(np.float64),
                   matched=arrays[f'{prefix}.matched'].astype(np.uint32),
                   ignored=arrays[f'{prefix}.ignored'].astype(np.uint32), gt=gt,
                   iou_thrs=arrays[f'{prefix}.iou_thrs'], rec_thrs=arrays[f'{prefix}.rec_thrs'],
                   max_dets=max_dets)


def _sparse(gt: np.ndarray) -> np.ndarray:
    i, k = np.nonzero(gt)
    return np.stack([i, k, gt[i, k]]).astype(np.int32)


def _interpolated(w: np.ndarray, tps: list, skipped: list, npig: np.ndarray,
                  rec_thrs: np.ndarray) -> np.ndarray:
    """COCO's interpolated precision (B, T, R) of one category for B weightings ``w`` (B, D) of its detections
    in score order; ``tps[t]``/``skipped[t]``: positions of the true positives / ignored detections at IoU
    threshold t; ``npig`` (B,): weighted ground-truth counts (all > 0).

    pycocotools reads, for each recall threshold, the maximum precision over all detections at or after the
    first one whose recall reaches it. Recall grows only at true positives, and a false positive's precision
    is below that of the true positive before it, so the maximum is one over true positives alone: precision
    and recall are evaluated at the true positives only (false positives before each = all detections before
    it, minus the ignored ones, minus the true positives), with pycocotools' floating-point operations, so
    unit weights give its numbers bit for bit. Cost per resample: one pass over the category's detections plus
    one over its true positives per threshold.
    """
    B, R = w.shape[0], len(rec_thrs)
    out = np.zeros((B, len(tps), R))
    seen = np.cumsum(w, axis=1)
    for t, (positions, ignored) in enumerate(zip(tps, skipped)):
        if len(positions) == 0:
            continue                       # no true positive: precision 0 at every recall, as pycocotools
        tp = np.cumsum(w[:, positions], axis=1)
        fp = seen[:, positions] - tp
        if len(ignored):
            before = np.searchsorted(ignored, positions)
            ignored_seen = np.concatenate([np.zeros((B, 1)), np.cumsum(w[:, ignored], axis=1)], axis=1)
            fp -= ignored_seen[:, before]
        rc = tp / npig[:, None]
        pr = tp / (fp + tp + _EPS)
        envelope = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]
        # the first true positive whose recall reaches threshold r = how many have a recall below it: count,
        # per row, how many thresholds each recall reaches (searchsorted's comparisons), then accumulate
        reached = np.searchsorted(rec_thrs, rc, side='right')
        below = np.bincount((np.arange(B)[:, None] * (R + 1) + reached).ravel(), minlength=B * (R + 1))
        first = np.cumsum(below.reshape(B, R + 1), axis=1)[:, :R]
        padded = np.concatenate([envelope, np.zeros((B, 1))], axis=1)   # beyond the last: precision 0
        out[:, t] = np.take_along_axis(padded, first, axis=1)
    return out


@dataclass
class DetectionOutcomes:
    """``sets``: ``{'bbox': EvaluatedSet, 'segm': EvaluatedSet}`` (those evaluated); ``ids``: (n,) COCO
    image ids in the evaluator's (sorted) order; ``cat_ids``: (K,) COCO category ids."""
    sets: dict
    ids: np.ndarray
    cat_ids: np.ndarray

    kind = KIND

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def metric_ids(self) -> tuple[str, ...]:
        return tuple(IOU_TYPES[t] for t in self.sets)

    def _set(self, metric: str) -> EvaluatedSet:
        for iou_type, name in IOU_TYPES.items():
            if name == metric and iou_type in self.sets:
                return self.sets[iou_type]
        raise KeyError(f'detection outcomes give {", ".join(self.metric_ids)}, not {metric!r}')

    def values(self, metric: str, weights: np.ndarray) -> np.ndarray:
        """AP in percent under per-image ``weights`` (B, n): (B,) values."""
        return 100.0 * self._set(metric).mean_precision(weights)

    def ap(self, metric: str, subset: np.ndarray | None = None) -> float:
        """AP (a fraction, unrounded) exactly as pycocotools' ``summarize`` computes ``stats[0]``."""
        weights = np.ones((1, self.n))
        if subset is not None:
            weights[:] = 0.0
            weights[0, subset] = 1.0
        s = self._set(metric).precision(weights)[0]
        return float(np.mean(s[s > -1])) if (s > -1).any() else -1.0

    def metric(self, metric: str, subset: np.ndarray | None = None) -> float:
        """The metric as mmdet's CocoMetric reports it: AP rounded to 3 decimals, in percent."""
        return round(self.ap(metric, subset), 3) * 100.0

    def arrays(self) -> dict[str, np.ndarray]:
        out = {'ids': self.ids, 'cat_ids': self.cat_ids}
        for iou_type, evaluated in self.sets.items():
            out.update(evaluated.arrays(iou_type))
        return out

    def meta(self) -> dict:
        return {'iou_types': list(self.sets), 'max_dets': {t: s.max_dets for t, s in self.sets.items()}}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict) -> 'DetectionOutcomes':
        ids, cat_ids = arrays['ids'], arrays['cat_ids']
        sets = {t: EvaluatedSet.from_arrays(arrays, t, len(ids), len(cat_ids), int(meta['max_dets'][t]))
                for t in meta['iou_types']}
        return cls(sets=sets, ids=ids, cat_ids=cat_ids)


def from_evaluator(evaluator, max_dets: int = 100) -> tuple[EvaluatedSet, np.ndarray, np.ndarray]:
    """The per-image decisions of an evaluated COCOeval (pycocotools ``evalImgs`` or faster-coco-eval's
    ``_evalImgs_cpp`` with ``separate_eval=True``): ``(set, image ids, category ids)``.

    Reads area range ``all`` and the first ``max_dets`` detections of each image and category, what
    ``stats[0]`` (AP at IoU .50:.95) is computed from. Loops over (category, image) entries, not detections.
    """
    p = evaluator.params
    img_ids, cat_ids = np.asarray(p.imgIds), np.asarray(p.catIds)
    if list(p.areaRngLbl)[0] != 'all' or max_dets not in list(p.maxDets):
        raise ValueError(f'COCOeval params have area ranges {p.areaRngLbl} and maxDets {p.maxDets}; expected '
                         f"'all' first and {max_dets} among them")
    T, I, A = len(p.iouThrs), len(img_ids), len(p.areaRng)
    if T > 16:
        raise ValueError(f'{T} IoU thresholds; the sidecar keeps at most 16 per detection')
    weights = 1 << np.arange(T, dtype=np.uint32)
    entries = getattr(evaluator, 'evalImgs', None) or getattr(evaluator, '_evalImgs_cpp', None)
    if not entries:
        raise ValueError('the COCO evaluator kept no per-image results (faster-coco-eval needs '
                         'separate_eval=True)')
    parts: dict[str, list] = {k: [] for k in ('img', 'cat', 'score', 'matched', 'ignored')}
    gt = np.zeros((I, len(cat_ids)), dtype=np.int64)
    for k in range(len(cat_ids)):
        for i in range(I):
            e = _entry(entries[k * A * I + i], T)
            if e is None:
                continue
            scores, matched, ignored, gt_ignore = e
            gt[i, k] = np.count_nonzero(~gt_ignore)
            d = min(len(scores), max_dets)
            if d == 0:
                continue
            parts['img'].append(np.full(d, i))
            parts['cat'].append(np.full(d, k))
            parts['score'].append(scores[:d])
            parts['matched'].append(weights @ matched[:, :d])
            parts['ignored'].append(weights @ ignored[:, :d])
    arrays = {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}
    evaluated = EvaluatedSet(img=arrays['img'].astype(np.int64), cat=arrays['cat'].astype(np.int64),
                             score=arrays['score'].astype(np.float64),
                             matched=arrays['matched'].astype(np.uint32),
                             ignored=arrays['ignored'].astype(np.uint32), gt=gt,
                             iou_thrs=np.asarray(p.iouThrs, dtype=np.float64),
                             rec_thrs=np.asarray(p.recThrs, dtype=np.float64), max_dets=max_dets)
    return evaluated, img_ids, cat_ids


def _entry(entry, T: int):
    """(scores (D,), matched (T, D) bool, ignored (T, D) bool, gt ignore (G,) bool) of one evaluated
    (category, area, image), from a pycocotools dict or a faster-coco-eval ``ImageEvaluation``."""
    if entry is None:
        return None
    if isinstance(entry, dict):
        scores = np.asarray(entry['dtScores'], dtype=np.float64)
        matched = np.asarray(entry['dtMatches']).reshape(T, -1) > 0
        ignored = np.asarray(entry['dtIgnore'], dtype=bool).reshape(T, -1)
        return scores, matched, ignored, np.asarray(entry['gtIgnore'], dtype=bool)
    state = entry.__getstate__()   # faster-coco-eval's own (pybind11) accessor for its C++ struct
    matches, _, scores, gt_ignore, dt_ignore = state[:5]
    scores = np.asarray(scores, dtype=np.float64)
    return (scores, np.asarray(matches).reshape(T, len(scores)) > 0,
            np.asarray(dt_ignore, dtype=bool).reshape(T, len(scores)), np.asarray(gt_ignore, dtype=bool))
