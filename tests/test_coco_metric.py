"""faster-coco-eval behind mmdet's CocoMetric gives pycocotools' numbers (mimbench.transfer.coco_metric)."""
import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

import mimbench  # noqa: F401  (registers mimbench.FastCocoMetric)
from mimbench.datasets.synthetic import COCO_CLASSES, make_coco
from mimbench.registry import METRICS
from mimbench.transfer import coco_metric


@pytest.fixture(scope='module')
def coco_root(tmp_path_factory):
    return make_coco(tmp_path_factory.mktemp('coco'), num_train=2, num_val=24, seed=3)


def noisy_detections(coco: COCO, seed: int = 0) -> list:
    """mmdet-style (gt, pred) pairs: jittered true positives, wrong labels, clutter, >100 boxes on one image.

    Clutter boxes on the first image push it past 100 detections, so the maxDets handling (mmdet sets
    100/300/1000) is exercised; one image gets no detections at all.
    """
    rng = np.random.default_rng(seed)
    results = []
    for n, img_id in enumerate(sorted(coco.getImgIds())):
        info = coco.imgs[img_id]
        h, w = info['height'], info['width']
        bboxes, scores, labels, masks = [], [], [], []
        if n != 1:  # image 1: no detections
            for ann in coco.loadAnns(coco.getAnnIds(imgIds=img_id, iscrowd=False)):
                x, y, bw, bh = ann['bbox']
                shift = rng.normal(0, 0.08 * max(bw, bh), 4)
                box = np.clip([x + shift[0], y + shift[1], x + bw + shift[2], y + bh + shift[3]], 0, w)
                mask = coco.annToMask(ann).astype(bool)
                mask = np.roll(mask, rng.integers(-2, 3), axis=int(rng.integers(2)))
                label = coco.getCatIds().index(ann['category_id'])
                if rng.random() < 0.2:
                    label = int(rng.integers(len(COCO_CLASSES)))
                bboxes.append(box), scores.append(rng.uniform(0.3, 1.0))
                labels.append(label), masks.append(mask)
            clutter = 150 if n == 0 else int(rng.integers(0, 6))
            for _ in range(clutter):
                x0, y0 = rng.uniform(0, w - 8, 2)
                x1, y1 = x0 + rng.uniform(4, 30), y0 + rng.uniform(4, 30)
                mask = np.zeros((h, w), bool)
                mask[int(y0):int(min(y1, h)), int(x0):int(min(x1, w))] = True
                bboxes.append([x0, y0, min(x1, w), min(y1, h)]), scores.append(rng.uniform(0, 0.6))
                labels.append(int(rng.integers(len(COCO_CLASSES)))), masks.append(mask)
        rles = [mask_utils.encode(np.asfortranarray(m.astype(np.uint8))) for m in masks]
        pred = dict(img_id=img_id, bboxes=np.asarray(bboxes, np.float32).reshape(-1, 4),
                    scores=np.asarray(scores, np.float32), labels=np.asarray(labels, np.int64), masks=rles)
        results.append((dict(img_id=img_id, width=w, height=h), pred))
    return results


def evaluate(ann_file, results, backend, **kwargs):
    metric = METRICS.build(dict(type='mimbench.FastCocoMetric', ann_file=str(ann_file),
                                metric=['bbox', 'segm'], backend=backend, **kwargs))
    metric.dataset_meta = dict(classes=COCO_CLASSES)
    return metric.compute_metrics(results)


def test_faster_coco_eval_matches_pycocotools(coco_root, monkeypatch):
    ann_file = coco_root / 'annotations' / 'instances_val2017.json'
    coco = COCO(str(ann_file))
    assert coco.getAnnIds(iscrowd=True)             # crowd regions: both evaluators must ignore them alike
    results = noisy_detections(coco)
    reference = evaluate(ann_file, results, 'pycocotools', classwise=True)
    built = []  # the fast run must really go through faster-coco-eval's evaluator
    original = coco_metric.faster_evaluator
    monkeypatch.setattr(coco_metric, 'faster_evaluator', lambda *a: built.append(original(*a)) or built[-1])
    fast = evaluate(ann_file, results, 'faster_coco_eval', classwise=True)
    assert [type(e).__name__ for e in built] == ['COCOeval_faster', 'COCOeval_faster']  # bbox, segm
    assert coco_metric.mmdet_coco_metric.COCOeval.__module__.startswith('pycocotools')  # restored
    assert set(fast) == set(reference)
    for key in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'segm_mAP', 'segm_mAP_50', 'segm_mAP_s'):
        assert key in reference
    assert 0.05 < reference['bbox_mAP'] < 0.95 and 0.05 < reference['segm_mAP'] < 0.95  # not degenerate
    for key, value in reference.items():
        if isinstance(value, float):
            assert fast[key] == pytest.approx(value, abs=1e-3, nan_ok=True), key
        else:
            assert fast[key] == value, key


def test_perfect_detections_score_one_with_both_backends(coco_root):
    ann_file = coco_root / 'annotations' / 'instances_val2017.json'
    coco = COCO(str(ann_file))
    results = []
    for img_id in coco.getImgIds():
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img_id, iscrowd=False))
        boxes = [[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2], a['bbox'][1] + a['bbox'][3]]
                 for a in anns]
        rles = [mask_utils.encode(np.asfortranarray(coco.annToMask(a))) for a in anns]
        results.append((dict(img_id=img_id, width=64, height=64), dict(
            img_id=img_id, bboxes=np.asarray(boxes, np.float32).reshape(-1, 4),
            scores=np.ones(len(anns), np.float32),
            labels=np.asarray([coco.getCatIds().index(a['category_id']) for a in anns]), masks=rles)))
    for backend in ('pycocotools', 'faster_coco_eval'):
        scores = evaluate(ann_file, results, backend)
        assert scores['bbox_mAP'] == pytest.approx(1.0) and scores['segm_mAP'] == pytest.approx(1.0), backend


def test_a_detector_that_detects_nothing_scores_zero_with_per_image_outcomes(coco_root):
    """No detection on any image (a short random-init run can end there): mmdet alone logs "The testing
    results of the whole dataset is empty" and returns no metric, so no record is written and the run is
    lost. With mimbench.compat it is AP 0 from the evaluator, and the per-image outcomes reproduce it."""
    from mimbench.samples.capture import detection
    ann_file = coco_root / 'annotations' / 'instances_val2017.json'
    coco = COCO(str(ann_file))
    empty = dict(bboxes=np.zeros((0, 4), np.float32), scores=np.zeros(0, np.float32),
                 labels=np.zeros(0, np.int64), masks=[])
    results = [(dict(img_id=i, width=64, height=64), dict(empty, img_id=i)) for i in coco.getImgIds()]
    for backend in ('pycocotools', 'faster_coco_eval'):
        metric = METRICS.build(dict(type='mimbench.FastCocoMetric', ann_file=str(ann_file),
                                    metric=['bbox', 'segm'], backend=backend))
        metric.dataset_meta = dict(classes=COCO_CLASSES)
        evaluators = []
        with coco_metric.recording(metric, evaluators):
            scores = metric.compute_metrics(results)
        assert scores['bbox_mAP'] == 0.0 and scores['segm_mAP'] == 0.0, (backend, scores)
        outcomes = detection(evaluators)
        assert outcomes.ap('ap_box') == 0.0 and outcomes.ap('ap_mask') == 0.0, backend


def test_missing_annotation_file_fails_with_guidance(tmp_path):
    from mimbench.datasets.checks import DatasetRootError
    with pytest.raises(DatasetRootError, match='mimbench data make --root DIR --tasks coco') as info:
        METRICS.build(dict(type='mimbench.FastCocoMetric',
                           ann_file=str(tmp_path / 'annotations' / 'instances_val2017.json')))
    assert 'annotations/instances_train2017.json' in str(info.value)   # the expected layout is listed


def test_unknown_backend_and_mp_eval_are_refused():
    with pytest.raises(ValueError, match='backend must be one of'):
        METRICS.build(dict(type='mimbench.FastCocoMetric', backend='detectron2'))
    with pytest.raises(ValueError, match='use_mp_eval'):
        METRICS.build(dict(type='mimbench.FastCocoMetric', use_mp_eval=True))


def test_unrounded_stats_and_precision_match(coco_root):
    """Beyond mmdet's 3-decimal rounding: full stats vector and precision table agree to 1e-9."""
    from pycocotools.cocoeval import COCOeval
    ann_file = coco_root / 'annotations' / 'instances_val2017.json'
    coco = COCO(str(ann_file))
    dets = []
    for _, pred in noisy_detections(coco, seed=1):
        for box, score, label, rle in zip(pred['bboxes'], pred['scores'], pred['labels'], pred['masks']):
            x0, y0, x1, y1 = box.tolist()
            dets.append(dict(image_id=pred['img_id'], category_id=coco.getCatIds()[label], score=float(score),
                             bbox=[x0, y0, x1 - x0, y1 - y0],
                             segmentation=dict(size=rle['size'], counts=rle['counts'].decode())))
    for iou_type in ('bbox', 'segm'):
        # mmdet drops the boxes of segm results so areas come from the masks; do the same
        coco_dt = coco.loadRes([{k: v for k, v in d.items() if iou_type == 'bbox' or k != 'bbox'}
                                for d in dets])
        evaluators = [COCOeval(coco, coco_dt, iou_type),
                      coco_metric.faster_evaluator(coco, coco_dt, iou_type, {})]
        for e in evaluators:
            e.params.maxDets = [100, 300, 1000]  # as mmdet sets them
            e.evaluate(), e.accumulate(), e.summarize()
        ref, fast = evaluators
        np.testing.assert_allclose(fast.stats[:12], ref.stats[:12], atol=1e-9, err_msg=iou_type)
        np.testing.assert_allclose(fast.eval['precision'], ref.eval['precision'], atol=1e-9, err_msg=iou_type)


@pytest.mark.parametrize('backend', ['faster_coco_eval', 'pycocotools', 'mmdet'])
def test_captured_per_image_outcomes_reproduce_box_and_mask_ap(coco_root, backend):
    """mimbench.samples.capture wraps the metric instance; its outcomes give the metric's AP box and AP mask
    unrounded (>100 detections on one image: the 100-per-image cut is the evaluator's)."""
    from types import SimpleNamespace

    from mmdet.evaluation import CocoMetric

    from mimbench.samples.capture import OutcomeCapture
    ann_file = coco_root / 'annotations' / 'instances_val2017.json'
    results = noisy_detections(COCO(str(ann_file)))
    if backend == 'mmdet':
        metric = CocoMetric(ann_file=str(ann_file), metric=['bbox', 'segm'])
    else:
        metric = METRICS.build(dict(type='mimbench.FastCocoMetric', ann_file=str(ann_file),
                                    metric=['bbox', 'segm'], backend=backend))
    metric.dataset_meta = dict(classes=COCO_CLASSES)
    capture = OutcomeCapture()
    capture.attach(SimpleNamespace(metrics=[metric]))
    toolbox = metric.compute_metrics(results)
    outcomes = capture.latest
    assert outcomes is not None, capture.problem
    assert outcomes.n == 24 and sorted(outcomes.sets) == ['bbox', 'segm']
    for iou_type, name in (('bbox', 'ap_box'), ('segm', 'ap_mask')):
        assert outcomes.metric(name) == round(toolbox[f'{iou_type}_mAP'], 3) * 100
        assert 5 < outcomes.metric(name) < 95
    assert coco_metric.mmdet_coco_metric.COCOeval.__module__.startswith('pycocotools')   # restored
