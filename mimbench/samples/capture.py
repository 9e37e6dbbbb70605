"""Capture per-image outcomes from the toolbox metrics while they compute, without editing the toolboxes.

mmengine evaluates in two steps: every process's ``metric.process`` appends per-batch results, then
``metric.evaluate`` gathers them onto the main process (in dataset order) and calls
``compute_metrics(results)`` there. :class:`OutcomeCapture` replaces ``compute_metrics`` on the metric
*instance* (the class and the installed package stay as they are) by a wrapper that calls the original and
then turns the same gathered ``results`` into per-image outcomes:

- mmpretrain ``Accuracy``: the top-k labels of each image's scores (ranked as ``Accuracy`` does), its target;
- mmseg ``IoUMetric``: each image's (intersection, union, predicted, label) pixel counts per class, which
  ``IoUMetric.process`` already computed;
- mmdet ``CocoMetric`` and ``mimbench.FastCocoMetric``: the evaluator's per-image matching
  (:func:`mimbench.samples.detection.from_evaluator`), kept by letting the metric build its evaluators through
  a recording factory.

Before keeping them, the wrapper recomputes the toolbox's metrics from the outcomes and compares them with
what the toolbox returned: outcomes that would not reproduce the record's numbers are dropped (with a
warning), so a record never references a sidecar that disagrees with it. Only the process that computes
metrics (the main one under DDP) ever holds outcomes.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np
from mmengine.logging import print_log

from mimbench.samples.classification import ClassificationOutcomes
from mimbench.samples.detection import IOU_TYPES, DetectionOutcomes, from_evaluator
from mimbench.samples.segmentation import SegmentationOutcomes

TOPK = 5   # classification sidecars keep the 5 best labels (top-1 and top-5 accuracy)


def _type_of(metric) -> str | None:
    """'accuracy' | 'iou' | 'coco' for the toolbox metrics mimbench reads, else None."""
    names = {cls.__module__.split('.')[0] + '.' + cls.__name__ for cls in type(metric).__mro__}
    if 'mmpretrain.Accuracy' in names:
        return 'accuracy'
    if 'mmseg.IoUMetric' in names:
        return 'iou'
    if 'mmdet.CocoMetric' in names:
        return 'coco'
    return None


def dataset_ids(dataset, n: int) -> np.ndarray:
    """Identifiers of the ``n`` evaluated images: paths relative to their common folder when the dataset
    has ``n`` items with an ``img_path``, else the dataset indices 0..n-1."""
    try:
        if dataset is None or len(dataset) != n:
            raise ValueError
        paths = [str(dataset.get_data_info(i)['img_path']) for i in range(n)]
        root = os.path.commonpath(paths) if n > 1 else os.path.dirname(paths[0])
        ids = np.array([os.path.relpath(p, root) for p in paths])
        if len(set(ids.tolist())) == n:
            return ids
    except Exception:  # noqa: BLE001 - a dataset without paths is still evaluated; indices identify images
        pass
    return np.arange(n)


def classification(metric, results: list[dict], dataset=None, aliases: dict | None = None
                   ) -> ClassificationOutcomes:
    """Outcomes of mmpretrain ``Accuracy`` from its gathered ``results``."""
    import torch
    target = torch.cat([r['gt_label'] for r in results]).numpy().astype(np.int64)
    if 'pred_score' in results[0]:
        scores = torch.stack([r['pred_score'] for r in results])
        k = min(max(TOPK, *metric.topk), scores.shape[1])
        top_scores, labels = scores.topk(k, dim=1)
        thrs = [t for t in metric.thrs if t is not None]
        labels = labels.numpy().astype(np.int64)
        if len(metric.thrs) == 1 and thrs:       # Accuracy counts a label only above its threshold
            labels[(top_scores <= thrs[0]).numpy()] = -1
    else:
        labels = torch.cat([r['pred_label'] for r in results]).numpy().astype(np.int64)[:, None]
    topk = labels
    aliases = dict(aliases or {'top1': 'top1'})
    if topk.shape[1] >= 5:
        aliases.setdefault('top5', 'top5')
    return ClassificationOutcomes(topk=topk, target=target, ids=dataset_ids(dataset, len(target)),
                                  aliases=aliases)


def segmentation(metric, results: list, dataset=None) -> SegmentationOutcomes:
    """Outcomes of mmseg ``IoUMetric`` from its gathered per-image (intersect, union, pred, label) areas."""
    counts = [np.stack([r[i].numpy() for r in results]) for i in (0, 2, 3)]
    if any(np.any(c != np.round(c)) or c.max(initial=0) >= 2 ** 31 for c in counts):
        raise ValueError('IoUMetric areas are not whole pixel counts')
    intersect, pred, label = (c.astype(np.uint32 if c.max(initial=0) >= 2 ** 16 else np.uint16)
                              for c in counts)
    return SegmentationOutcomes(intersect=intersect, pred=pred, label=label,
                                ids=dataset_ids(dataset, len(results)),
                                nan_to_num=getattr(metric, 'nan_to_num', None))


def detection(evaluators: list[tuple[str, Any]]) -> DetectionOutcomes:
    """Outcomes of a COCO metric from the evaluators it ran (``[(iou_type, COCOeval), ...]``)."""
    sets, ids, cat_ids = {}, None, None
    for iou_type, evaluator in evaluators:
        if iou_type not in IOU_TYPES:
            continue
        evaluated, img_ids, cats = from_evaluator(evaluator)
        if ids is not None and (not np.array_equal(ids, img_ids) or not np.array_equal(cat_ids, cats)):
            raise ValueError(f'{iou_type} was evaluated on other images or categories than {list(sets)}')
        sets[iou_type], ids, cat_ids = evaluated, img_ids, cats
    if not sets:
        raise ValueError('the COCO metric evaluated neither bbox nor segm')
    return DetectionOutcomes(sets=sets, ids=ids, cat_ids=cat_ids)


def mismatches(outcomes, toolbox: dict[str, Any]) -> list[str]:
    """Toolbox metrics the outcomes do not reproduce exactly (empty when all agree)."""
    checks = []   # compute_metrics' own keys (the evaluator adds the 'accuracy/' and 'coco/' prefixes later)
    if isinstance(outcomes, ClassificationOutcomes):
        checks = [(f'top{k}', f'top{k}', float) for k in (1, 5)]
    elif isinstance(outcomes, SegmentationOutcomes):
        checks = [('mIoU', 'miou', float)]
    elif isinstance(outcomes, DetectionOutcomes):
        checks = [(f'{t}_mAP', name, lambda v: round(float(v), 3) * 100.0)
                  for t, name in IOU_TYPES.items() if t in outcomes.sets]
    found = []
    for key, name, convert in checks:
        if key not in toolbox:
            continue
        try:
            mine = outcomes.metric(name)
        except KeyError:
            continue
        if mine != convert(toolbox[key]):
            found.append(f'{key}: toolbox {toolbox[key]!r}, outcomes {mine!r}')
    return found


class OutcomeCapture:
    """Per-image outcomes of the last evaluation of the metrics it is attached to (module docstring).

    ``latest`` holds the outcomes of the most recent ``compute_metrics`` (None until one ran, or when its
    outcomes could not be captured: ``problem`` says why).
    """

    def __init__(self, aliases: dict | None = None):
        self.aliases = aliases
        self.latest = None
        self.problem: str | None = None

    def attach(self, evaluator, dataset=None) -> None:
        """Wrap the ``compute_metrics`` of every metric of ``evaluator`` (an mmengine Evaluator) once."""
        for metric in getattr(evaluator, 'metrics', []):
            kind = _type_of(metric)
            if kind is None or getattr(metric, '_mimbench_capture', None) is self:
                continue
            if kind == 'coco' and hasattr(metric, 'per_image'):
                metric.per_image = True   # mimbench.FastCocoMetric keeps its evaluators' per-image results
            original = getattr(metric, '_mimbench_original', None) or metric.compute_metrics
            metric._mimbench_original = original
            metric._mimbench_capture = self
            metric.compute_metrics = self._wrap(metric, kind, original, dataset)

    def _wrap(self, metric, kind: str, original, dataset):
        def compute_metrics(results: list) -> dict:
            self.latest, self.problem = None, None
            evaluators: list = []
            if kind == 'coco':
                from mimbench.transfer.coco_metric import recording
                with recording(metric, evaluators):
                    toolbox = original(results)
            else:
                toolbox = original(results)
            try:
                if kind == 'accuracy':
                    outcomes = classification(metric, results, dataset, self.aliases)
                elif kind == 'iou':
                    outcomes = segmentation(metric, results, dataset)
                else:
                    outcomes = detection(evaluators)
                wrong = mismatches(outcomes, toolbox)
                if wrong:
                    raise ValueError('they do not reproduce the metric: ' + '; '.join(wrong))
                self.latest = outcomes
            except Exception as err:  # noqa: BLE001 - the evaluation stands; only its per-sample file is lost
                self.problem = f'per-sample outcomes of {type(metric).__name__} not kept: {err}'
                print_log(self.problem, logger='current', level=30)
            return toolbox
        return compute_metrics
