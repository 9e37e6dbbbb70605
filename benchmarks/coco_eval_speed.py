"""Time COCO evaluation (bbox and segm) with pycocotools and with faster-coco-eval on the same detections.

    .venv/bin/python benchmarks/coco_eval_speed.py [NUM_IMAGES] [DETS_PER_IMAGE]

Ground truth: NUM_IMAGES 640x480 images with 3-12 polygon objects each (COCO-like sizes, all three area
ranges); detections: jittered copies of the objects plus clutter, DETS_PER_IMAGE per image, with RLE masks.
Both evaluators run mmdet's settings (maxDets 100/300/1000) through mimbench.transfer.coco_metric's adapter;
the script prints each one's time, the speed-up and the largest difference of the 12 summary numbers
(expected: 0). The issue quotes 5.7-8.7x on 50k detections.
"""
from __future__ import annotations

import sys
import time

import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from mimbench.transfer.coco_metric import faster_evaluator

H, W = 480, 640


def polygon(rng, cx, cy, r):
    """Random star-convex polygon around (cx, cy): flat [x0, y0, x1, y1, ...]."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(5, 10)))
    radii = r * rng.uniform(0.6, 1.0, angles.size)
    xs = np.clip(cx + radii * np.cos(angles), 0, W - 1)
    ys = np.clip(cy + radii * np.sin(angles), 0, H - 1)
    return np.stack([xs, ys], 1).reshape(-1).round(2).tolist()


def make_data(num_images: int, dets_per_image: int, seed: int = 0):
    """(COCO ground truth object, list of detection dicts in COCO result format)."""
    rng = np.random.default_rng(seed)
    images, anns, dets = [], [], []
    for img_id in range(1, num_images + 1):
        images.append({'id': img_id, 'width': W, 'height': H, 'file_name': f'{img_id:012d}.jpg'})
        objects = []
        for _ in range(rng.integers(3, 13)):
            r = float(np.exp(rng.uniform(np.log(6), np.log(150))))   # small, medium and large objects
            poly = polygon(rng, rng.uniform(r, W - r), rng.uniform(r, H - r), r)
            rle = mask_utils.merge(mask_utils.frPyObjects([poly], H, W))
            cat = int(rng.integers(1, 11))
            anns.append({'id': len(anns) + 1, 'image_id': img_id, 'category_id': cat, 'segmentation': [poly],
                         'area': float(mask_utils.area(rle)), 'bbox': mask_utils.toBbox(rle).tolist(),
                         'iscrowd': 0})
            objects.append((cat, poly, r))
        for k in range(dets_per_image):
            if k < len(objects):                                     # a jittered true positive
                cat, poly, r = objects[k]
                pts = np.asarray(poly).reshape(-1, 2) + rng.normal(0, 0.1 * r, 2)
                poly = np.clip(pts, 0, [W - 1, H - 1]).reshape(-1).tolist()
            else:                                                    # clutter
                r = float(rng.uniform(5, 80))
                cat = int(rng.integers(1, 11))
                poly = polygon(rng, rng.uniform(r, W - r), rng.uniform(r, H - r), r)
            rle = mask_utils.merge(mask_utils.frPyObjects([poly], H, W))
            rle['counts'] = rle['counts'].decode()
            dets.append({'image_id': img_id, 'category_id': cat, 'score': float(rng.uniform()),
                         'bbox': mask_utils.toBbox(rle).tolist(), 'segmentation': rle})
    gt = COCO()
    gt.dataset = {'images': images, 'annotations': anns,
                  'categories': [{'id': c, 'name': f'c{c}'} for c in range(1, 11)]}
    gt.createIndex()
    return gt, dets


def run(evaluator) -> tuple[float, np.ndarray]:
    evaluator.params.maxDets = [100, 300, 1000]     # as mmdet's CocoMetric sets them
    start = time.perf_counter()
    evaluator.evaluate()
    evaluator.accumulate()
    evaluator.summarize()
    return time.perf_counter() - start, np.asarray(evaluator.stats[:12])


def main(num_images: int = 500, dets_per_image: int = 100) -> None:
    gt, dets = make_data(num_images, dets_per_image)
    print(f'{num_images} images, {len(gt.dataset["annotations"])} objects, {len(dets)} detections')
    for iou_type in ('bbox', 'segm'):
        dt = gt.loadRes([d if iou_type == 'bbox' else {k: v for k, v in d.items() if k != 'bbox'}
                         for d in dets])
        t_ref, ref = run(COCOeval(gt, dt, iou_type))
        t_fast, fast = run(faster_evaluator(gt, dt, iou_type, {}))
        print(f'{iou_type}: pycocotools {t_ref:.2f} s, faster-coco-eval {t_fast:.2f} s, '
              f'speed-up {t_ref / t_fast:.1f}x, AP {ref[0]:.4f}, '
              f'max |diff| of the 12 stats {np.abs(ref - fast).max():.2e}')


if __name__ == '__main__':
    main(*(int(a) for a in sys.argv[1:3]))
