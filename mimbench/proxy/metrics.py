"""Task metrics recomputed on any multiset of validation images, from per-image outcomes of two encoders.

Outcomes of one task are stacked per encoder ("arm": 0 = pre-trained, 1 = random init) and seed. Each
``*_metric`` returns ``metric(arm, idx)`` for :func:`mimbench.proxy.significance.paired_difference`: the
seeds' mean of the task metric on images ``idx`` (repeats allowed), where ``arm`` is one arm for every image
or an array giving each image's arm. Values are the suite's metrics, in percent: top-1 (mmpretrain
``Accuracy``), mIoU (mmseg ``IoUMetric``: per-class IoU from summed intersections and unions, mean over
classes with a non-empty union) and box AP (COCO's evaluator, faster-coco-eval, on the chosen images).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def top1_metric(correct: np.ndarray):
    """``correct``: bool ``[2, n_images, n_seeds]``."""
    def metric(arm, idx):
        return 100.0 * correct[arm, idx].mean()
    return metric


def miou_metric(intersect: np.ndarray, union: np.ndarray):
    """``intersect``/``union``: ``[2, n_images, n_seeds, n_classes]`` pixel counts."""
    def metric(arm, idx):
        inter, uni = intersect[arm, idx].sum(0), union[arm, idx].sum(0)           # [n_seeds, n_classes]
        with np.errstate(invalid='ignore', divide='ignore'):
            iou = inter / uni
        return 100.0 * float(np.nanmean(np.nanmean(np.where(uni > 0, iou, np.nan), axis=1)))
    return metric


def box_ap_metric(ann_file: Path, detections: list[list[dict]]):
    """``detections[arm][seed]``: ``{img_id: (boxes xyxy [k, 4], scores [k], labels [k] 0-based)}``.

    ``idx`` indexes the ground truth's images in file order. A resampled image set is evaluated as new images
    (a repeated image counts twice, as the bootstrap needs).
    """
    gt = json.loads(Path(ann_file).read_text())
    images = [im['id'] for im in gt['images']]
    anns = {}
    for ann in gt['annotations']:
        anns.setdefault(ann['image_id'], []).append(ann)
    cat_ids = [c['id'] for c in gt['categories']]
    n_seeds = len(detections[0])

    def metric(arm, idx):
        arms = np.broadcast_to(arm, np.shape(idx))
        return float(np.mean([_box_ap(gt, images, anns, cat_ids, detections, arms, idx, s)
                              for s in range(n_seeds)]))
    return metric


def _box_ap(gt, images, anns, cat_ids, detections, arms, idx, seed) -> float:
    from faster_coco_eval import COCO, COCOeval_faster

    new_images, new_anns, dets = [], [], []
    for new_id, (arm, i) in enumerate(zip(arms, idx), 1):
        old = images[i]
        new_images.append({'id': new_id, 'height': 1, 'width': 1})
        for ann in anns.get(old, ()):
            new_anns.append({**ann, 'id': len(new_anns) + 1, 'image_id': new_id})
        boxes, scores, labels = detections[arm][seed].get(old, (np.zeros((0, 4)), (), ()))
        for (x0, y0, x1, y1), score, label in zip(boxes, scores, labels):
            dets.append({'image_id': new_id, 'category_id': cat_ids[int(label)],
                         'bbox': [float(x0), float(y0), float(x1 - x0), float(y1 - y0)], 'score': float(score)})
    coco_gt = COCO({'images': new_images, 'annotations': new_anns, 'categories': gt['categories']})
    if not dets:
        return 0.0
    evaluator = COCOeval_faster(coco_gt, coco_gt.loadRes(dets), 'bbox', print_function=lambda *a: None)
    evaluator.evaluate()
    evaluator.accumulate()
    evaluator.summarize()
    return 100.0 * max(float(evaluator.stats[0]), 0.0)     # -1 (no ground truth) counts as 0
