"""Per-sample outcomes reproduce the toolbox metrics exactly (COCO AP with both evaluators, mmseg mIoU,
mmpretrain accuracy), on all images and on subsets; sidecars round-trip, are hashed, refuse tampering, and
stay small."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from mimbench.samples import (ClassificationOutcomes, DetectionOutcomes, SegmentationOutcomes, SidecarError,
                              read_sidecar, write_sidecar)
from mimbench.samples import capture
from mimbench.samples.detection import EvaluatedSet, from_evaluator
from mimbench.results import _umask
from mimbench.samples.sidecar import decode, encode


def coco_dicts(seed: int = 0, images: int = 40, cats: int = 5, ties: bool = True):
    """Ground truth (some crowd boxes) and detections (jittered true boxes, duplicates, false positives, tied
    scores) as COCO dicts."""
    rng = np.random.default_rng(seed)
    gts, dets, aid = [], [], 1
    for img in range(1, images + 1):
        for _ in range(rng.integers(0, 6)):
            x, y, w, h = rng.uniform(0, 80), rng.uniform(0, 80), rng.uniform(8, 40), rng.uniform(8, 40)
            cat = int(rng.integers(1, cats + 1))
            crowd = int(rng.random() < 0.08)
            gts.append(dict(id=aid, image_id=img, category_id=cat, bbox=[x, y, w, h], area=w * h,
                            iscrowd=crowd))
            aid += 1
            for _ in range(rng.integers(0, 3)):
                jitter = rng.normal(0, 2, 4)
                label = cat if rng.random() < 0.85 else int(rng.integers(1, cats + 1))
                dets.append(dict(image_id=img, category_id=label,
                                 bbox=[x + jitter[0], y + jitter[1], max(2, w + jitter[2]),
                                       max(2, h + jitter[3])],
                                 score=float(np.round(0.4 + 0.6 * rng.random(), 2 if ties else 12))))
        for _ in range(rng.integers(0, 4)):
            dets.append(dict(image_id=img, category_id=int(rng.integers(1, cats + 1)),
                             bbox=list(rng.uniform(0, 80, 2)) + list(rng.uniform(5, 30, 2)),
                             score=float(np.round(0.6 * rng.random(), 2 if ties else 12))))
    dataset = dict(images=[dict(id=i, width=128, height=128) for i in range(1, images + 1)],
                   annotations=gts, categories=[dict(id=c, name=str(c)) for c in range(1, cats + 1)])
    return dataset, dets


def with_masks(dataset, dets):
    """The same objects as instance masks: ground truth as polygons, detections as RLE (COCO's formats)."""
    from pycocotools import mask as mask_utils

    def rle(box):
        m = np.zeros((128, 128), dtype=np.uint8, order='F')
        x, y, w, h = (int(round(v)) for v in box)
        m[max(0, y):y + h, max(0, x):x + w] = 1
        encoded = mask_utils.encode(m)
        encoded['counts'] = encoded['counts'].decode()
        return encoded

    anns = [dict(a, segmentation=[[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2], a['bbox'][1],
                                   a['bbox'][0] + a['bbox'][2], a['bbox'][1] + a['bbox'][3], a['bbox'][0],
                                   a['bbox'][1] + a['bbox'][3]]]) for a in dataset['annotations']]
    masked = [dict(image_id=d['image_id'], category_id=d['category_id'], score=d['score'],
                   segmentation=rle(d['bbox'])) for d in dets]
    return dict(dataset, annotations=anns), masked


def pycocotools_eval(dataset, dets, img_ids=None, iou_type='bbox'):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    gt = COCO()
    gt.dataset = copy.deepcopy(dataset)        # the evaluator and loadRes write into what they are given
    gt.createIndex()
    evaluator = COCOeval(gt, gt.loadRes(copy.deepcopy(dets)), iou_type)
    evaluator.params.maxDets = [100, 300, 1000]   # as mmdet's CocoMetric sets them
    if img_ids is not None:
        evaluator.params.imgIds = list(img_ids)
    evaluator.evaluate()
    evaluator.accumulate()
    evaluator.summarize()
    return evaluator


def faster_eval(dataset, dets, iou_type='bbox'):
    from faster_coco_eval import COCO, COCOeval_faster
    gt = COCO(copy.deepcopy(dataset))
    evaluator = COCOeval_faster(gt, gt.loadRes(copy.deepcopy(dets)), iou_type, separate_eval=True,
                                print_function=lambda *a: None)
    evaluator.params.maxDets = [100, 300, 1000]
    evaluator.evaluate()
    evaluator.accumulate()
    evaluator.summarize()
    return evaluator


@pytest.mark.parametrize('seed, iou_type', [(0, 'bbox'), (1, 'bbox'), (2, 'segm')])
def test_detection_outcomes_give_cocoeval_ap_exactly_on_all_images_and_subsets(seed, iou_type):
    dataset, dets = coco_dicts(seed)
    if iou_type == 'segm':
        dataset, dets = with_masks(dataset, dets)
    metric = {'bbox': 'ap_box', 'segm': 'ap_mask'}[iou_type]
    reference = pycocotools_eval(dataset, dets, iou_type=iou_type)
    assert reference.stats[0] > 0.1
    evaluated, ids, cat_ids = from_evaluator(reference)
    outcomes = DetectionOutcomes(sets={iou_type: evaluated}, ids=ids, cat_ids=cat_ids)
    assert outcomes.ap(metric) == reference.stats[0]                 # bit for bit
    assert outcomes.metric(metric) == round(reference.stats[0], 3) * 100
    rng = np.random.default_rng(seed)
    for _ in range(3):
        subset = np.sort(rng.choice(len(ids), 25, replace=False))
        assert outcomes.ap(metric, subset) == pycocotools_eval(dataset, dets, ids[subset], iou_type).stats[0]
        mask = np.zeros((1, len(ids)))
        mask[0, subset] = 1
        assert outcomes.values(metric, mask)[0] == pytest.approx(100 * outcomes.ap(metric, subset), abs=1e-12)
    # faster-coco-eval's per-image results (separate_eval) hold the same decisions
    fast, fast_ids, fast_cats = from_evaluator(faster_eval(dataset, dets, iou_type))
    assert np.array_equal(fast_ids, ids) and np.array_equal(fast_cats, cat_ids)
    for name in ('img', 'cat', 'score', 'matched', 'ignored', 'gt'):
        assert np.array_equal(getattr(fast, name), getattr(evaluated, name)), name


def test_detection_resamples_weight_repeated_images():
    """A bootstrap resample that draws an image twice counts its detections and ground truth twice: the same
    AP as evaluating a dataset in which that image really occurs twice."""
    dataset, dets = coco_dicts(2, images=12, ties=False)
    evaluated, ids, cat_ids = from_evaluator(pycocotools_eval(dataset, dets))
    outcomes = DetectionOutcomes(sets={'bbox': evaluated}, ids=ids, cat_ids=cat_ids)
    copies = [dict(a, id=a['id'] + 10 ** 6, image_id=a['image_id'] + 1000) for a in dataset['annotations']]
    images = dataset['images'] + [dict(im, id=im['id'] + 1000) for im in dataset['images']]
    doubled = dict(dataset, images=images, annotations=dataset['annotations'] + copies)
    doubled_dets = dets + [dict(d, image_id=d['image_id'] + 1000) for d in dets]
    expected = pycocotools_eval(doubled, doubled_dets).stats[0]
    twice = outcomes.values('ap_box', np.full((1, len(ids)), 2.0))[0]
    assert twice == pytest.approx(100 * expected, abs=1e-12)


def mmseg_results(rng, n: int, classes: int):
    from mmseg.evaluation import IoUMetric
    from mmseg.structures import SegDataSample
    from mmengine.structures import PixelData
    metric = IoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=[str(c) for c in range(classes)])
    samples = []
    for _ in range(n):
        label = torch.from_numpy(rng.integers(0, classes, (1, 24, 24)))
        label[:, :3] = 255                                            # ignored pixels
        pred = torch.where(torch.from_numpy(rng.random((1, 24, 24)) < 0.6), label, torch.from_numpy(
            rng.integers(0, classes, (1, 24, 24))))
        sample = SegDataSample()
        sample.pred_sem_seg, sample.gt_sem_seg = PixelData(data=pred), PixelData(data=label)
        samples.append(sample.to_dict())
    metric.process({}, samples)
    return metric, metric.results


def test_segmentation_outcomes_give_mmseg_miou_exactly():
    rng = np.random.default_rng(0)
    metric, results = mmseg_results(rng, 30, 12)
    outcomes = capture.segmentation(metric, results)
    assert outcomes.metric('miou') == metric.compute_metrics(list(results))['mIoU']
    for subset in (np.arange(10), np.array([3, 7, 8, 20, 29])):
        expected = metric.compute_metrics([results[i] for i in subset])['mIoU']
        assert outcomes.metric('miou', subset) == expected
        weights = np.zeros((1, 30))
        weights[0, subset] = 1
        assert outcomes.values('miou', weights)[0] == pytest.approx(expected, abs=0.005)
    assert capture.mismatches(outcomes, metric.compute_metrics(list(results))) == []


@pytest.mark.parametrize('with_scores', [True, False])
def test_classification_outcomes_give_mmpretrain_accuracy_exactly(with_scores):
    from mmpretrain.evaluation import Accuracy
    rng = np.random.default_rng(0)
    metric = Accuracy(topk=(1, 5) if with_scores else (1,))
    samples = []
    for i in range(37):
        scores = torch.softmax(torch.from_numpy(rng.normal(size=10)).float(), 0)
        sample = {'gt_label': torch.tensor([i % 10])}
        if with_scores:
            sample['pred_score'] = scores
        else:
            sample['pred_label'] = scores.argmax().reshape(1)
        samples.append(sample)
    metric.process({}, samples)
    toolbox = metric.compute_metrics(list(metric.results))
    outcomes = capture.classification(metric, metric.results)
    assert capture.mismatches(outcomes, toolbox) == []
    assert outcomes.metric('top1') == toolbox['top1']
    if with_scores:
        assert outcomes.metric('top5') == toolbox['top5']
    subset = np.arange(0, 37, 3)
    expected = metric.compute_metrics([metric.results[i] for i in subset])['top1']
    assert outcomes.metric('top1', subset) == expected


def test_sidecars_round_trip_and_refuse_tampering(tmp_path):
    rng = np.random.default_rng(0)
    cls = ClassificationOutcomes(topk=rng.integers(0, 9, (20, 5)), target=rng.integers(0, 9, 20),
                                 ids=np.array([f'a/{i}.jpg' for i in range(20)]), aliases={'linear': 'top1'})
    seg = SegmentationOutcomes(intersect=np.ones((4, 3), int), pred=np.full((4, 3), 2),
                               label=np.full((4, 3), 3), ids=np.arange(4))
    dataset, dets = coco_dicts(0, images=8)
    evaluated, ids, cat_ids = from_evaluator(pycocotools_eval(dataset, dets))
    det = DetectionOutcomes(sets={'bbox': evaluated, 'segm': evaluated}, ids=ids, cat_ids=cat_ids)
    for outcomes, metric in ((cls, 'linear'), (seg, 'miou'), (det, 'ap_mask')):
        ref = write_sidecar(outcomes, tmp_path, f'run-{outcomes.kind}')
        assert (tmp_path / ref['path']).stat().st_mode & 0o777 == 0o666 & ~_umask()
        assert ref['kind'] == outcomes.kind and len(ref['sha256']) == 64
        assert ref['path'].endswith('.samples.npz')
        back = read_sidecar(tmp_path / ref['path'], ref['sha256'], ref['kind'])
        assert back.metric(metric) == outcomes.metric(metric) and np.array_equal(back.ids, outcomes.ids)
    path = tmp_path / 'run-segmentation.samples.npz'
    sha = read_sidecar(path) and __import__('hashlib').sha256(path.read_bytes()).hexdigest()
    path.write_bytes(path.read_bytes()[:-50])                      # truncated (or altered) after the record
    with pytest.raises(SidecarError, match='sha256 differs'):
        read_sidecar(path, sha)
    with pytest.raises(SidecarError, match='not a readable mimbench sidecar'):
        read_sidecar(path)
    with pytest.raises(SidecarError, match='missing or unreadable'):
        read_sidecar(tmp_path / 'absent.samples.npz')
    with pytest.raises(SidecarError, match='holds classification outcomes, its record says detection'):
        read_sidecar(tmp_path / 'run-classification.samples.npz', kind='detection')


def test_sidecars_never_unpickle(tmp_path):
    """An archive holding a pickled object array (code a stranger could have put there) is refused."""
    import io
    buffer = io.BytesIO()
    np.savez(buffer, __meta__=np.array('{"format": 1, "kind": "segmentation"}'),
             ids=np.array([object()], dtype=object))
    with pytest.raises(SidecarError, match='not a readable'):
        decode(buffer.getvalue())


def generated_coco(n: int = 5000, per_image: int = 100, cats: int = 80) -> DetectionOutcomes:
    """COCO val2017-sized outcomes: 5,000 images x 100 detections (mmdet's max_per_img), box and mask; ~30% of
    detections match at IoU 0.5, fewer at higher thresholds; ~7 ground-truth objects per image."""
    rng = np.random.default_rng(0)
    gt = np.zeros((n, cats), dtype=np.int64)
    for i in range(n):
        gt[i, rng.choice(cats, rng.integers(1, 6), replace=False)] = rng.integers(1, 4)
    thrs = np.linspace(.5, .95, 10)
    sets = {}
    for iou_type in ('bbox', 'segm'):
        img, cat = np.repeat(np.arange(n), per_image), rng.integers(0, cats, n * per_image)
        order = np.lexsort((img, cat))
        iou = rng.random(n * per_image) * (rng.random(n * per_image) < 0.3)
        matched = ((iou[:, None] >= thrs) * (1 << np.arange(10))).sum(1)
        sets[iou_type] = EvaluatedSet(img=img[order], cat=cat[order],
                                      score=rng.random(n * per_image).astype(np.float32).astype(np.float64),
                                      matched=matched.astype(np.uint32),
                                      ignored=np.zeros(n * per_image, np.uint32),
                                      gt=gt, iou_thrs=thrs, rec_thrs=np.linspace(0, 1, 101))
    return DetectionOutcomes(sets=sets, ids=np.arange(n) * 7 + 139, cat_ids=np.arange(1, cats + 1))


def generated_ade20k(n: int = 2000, classes: int = 150) -> SegmentationOutcomes:
    """ADE20K val-sized outcomes: 2,000 images of 512x683 pixels, 5-20 classes labelled per image."""
    rng = np.random.default_rng(0)
    label, pred = np.zeros((n, classes), np.int64), np.zeros((n, classes), np.int64)
    for i in range(n):
        present = rng.choice(classes, rng.integers(5, 20), replace=False)
        label[i, present] = rng.dirichlet(np.ones(len(present))) * 512 * 683
        guessed = np.concatenate([present[2:], rng.choice(classes, 4)])
        np.add.at(pred[i], guessed, (rng.dirichlet(np.ones(len(guessed))) * 512 * 683).astype(np.int64))
    intersect = (np.minimum(label, pred) * rng.random((n, classes))).astype(np.int64)
    return SegmentationOutcomes(intersect=intersect.astype(np.uint32), pred=pred.astype(np.uint32),
                                label=label.astype(np.uint32),
                                ids=np.array([f'ADE_val_{i + 1:08d}.jpg' for i in range(n)]))


def test_sidecar_sizes_for_coco_and_ade20k_val():
    """The byte counts stated in mimbench/samples/sidecar.py (COCO val 4.9 MB, ADE20K val 0.31 MB)."""
    coco, ade = len(encode(generated_coco())), len(encode(generated_ade20k()))
    print(f'COCO val2017 sidecar {coco} bytes, ADE20K val sidecar {ade} bytes')
    assert 3e6 < coco < 7e6 and 1e5 < ade < 5e5
