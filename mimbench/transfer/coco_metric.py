"""mmdet's COCO metric with a choice of evaluator: faster-coco-eval (default) or pycocotools (reference).

COCO evaluation is the slowest step users wait on after every detection epoch (mae.txt A.3, simmim.txt
C.1 and mixmim.txt Sec. 8 all report box/mask AP from the COCO evaluator). faster-coco-eval re-implements
the evaluator's matching and accumulation in C++ and gives the same AP; this metric keeps everything else
of ``mmdet.CocoMetric`` (result conversion, metric names such as ``coco/bbox_mAP``, ``classwise``,
``metric_items``, ``format_only``) and swaps only the evaluator object, so numbers and logs stay comparable
with any mmdet run. ``backend='pycocotools'`` is exactly ``mmdet.CocoMetric``.

Config::

    val_evaluator = dict(type='mimbench.FastCocoMetric', ann_file=..., metric=['bbox', 'segm'],
                         backend='faster_coco_eval')
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import mmdet.evaluation.metrics.coco_metric as mmdet_coco_metric
from mmdet.evaluation.metrics import CocoMetric
from mmengine.logging import MMLogger

from mimbench.registry import METRICS

BACKENDS = ('faster_coco_eval', 'pycocotools')


def faster_evaluator(coco_gt, coco_dt, iou_type: str, gt_cache: dict, separate_eval: bool = False):
    """A faster-coco-eval ``COCOeval`` over the same ground truth and detections as pycocotools would see.

    ``coco_gt``/``coco_dt`` are the pycocotools-style objects mmdet builds (``coco_dt`` from
    ``coco_gt.loadRes``, so detections carry pycocotools' areas and boxes). Their ``dataset`` dicts are
    re-indexed by faster-coco-eval's ``COCO``; the ground truth is deep-copied once and cached in
    ``gt_cache`` (the evaluator writes fields into annotations; mmdet's object must stay untouched).
    ``separate_eval=True`` keeps the per-image matching (``_evalImgs_cpp``) for per-sample outcomes
    (:mod:`mimbench.samples.detection`); the AP is the same.
    """
    from faster_coco_eval import COCO as FastCOCO
    from faster_coco_eval import COCOeval_faster

    if gt_cache.get('source') is not coco_gt:
        gt_cache['source'] = coco_gt
        gt_cache['fast'] = FastCOCO(coco_gt.dataset, use_deepcopy=True)
    fast_dt = FastCOCO(coco_dt.dataset, use_deepcopy=False)
    logger = MMLogger.get_current_instance()
    return COCOeval_faster(gt_cache['fast'], fast_dt, iou_type, print_function=logger.info,
                           separate_eval=separate_eval)


@contextmanager
def evaluator_swapped(factory):
    """Make mmdet's coco_metric module build its evaluator with ``factory`` inside the block.

    mmdet's ``CocoMetric.compute_metrics`` names the evaluator class through its module global
    ``COCOeval``; swapping that name (and restoring it, also on errors) reuses all of mmdet's metric code
    instead of copying it. Evaluation runs on the main process after the results are collected, one metric
    at a time, so the swap is not observed by other metrics.
    """
    original = mmdet_coco_metric.COCOeval
    mmdet_coco_metric.COCOeval = factory
    try:
        yield
    finally:
        mmdet_coco_metric.COCOeval = original


@contextmanager
def recording(metric, evaluators: list):
    """Append ``(iou_type, evaluator)`` for every COCO evaluator ``metric`` builds inside the block.

    For :class:`FastCocoMetric` (either backend) the metric records them itself, with faster-coco-eval keeping
    its per-image results; for mmdet's own ``CocoMetric`` the pycocotools evaluator is built through a
    recording factory. Used by :class:`mimbench.samples.capture.OutcomeCapture`.
    """
    if isinstance(metric, FastCocoMetric):
        metric.recorded = evaluators
        try:
            yield
        finally:
            metric.recorded = None
        return
    with evaluator_swapped(_recording_factory(mmdet_coco_metric.COCOeval, evaluators)):
        yield


def _recording_factory(build, evaluators: list):
    def factory(coco_gt, coco_dt, iou_type):
        evaluator = build(coco_gt, coco_dt, iou_type)
        evaluators.append((iou_type, evaluator))
        return evaluator
    return factory


def check_ann_file(ann_file) -> None:
    """Fail early, with the expected COCO layout and what to do, when a local ``ann_file`` is missing."""
    if not ann_file or '://' in str(ann_file) or Path(ann_file).is_file():
        return
    from mimbench.datasets.checks import root_error
    folder = Path(ann_file).parent
    root = folder.parent if folder.name == 'annotations' else folder
    raise root_error('coco', root, [f'the evaluator\'s ann_file {ann_file} does not exist'])


@METRICS.register_module()
class FastCocoMetric(CocoMetric):
    """``mmdet.CocoMetric`` whose evaluator is faster-coco-eval (``backend='faster_coco_eval'``, default)
    or pycocotools (``backend='pycocotools'``, the reference). All other arguments are mmdet's.
    """

    def __init__(self, *args, backend: str = 'faster_coco_eval', **kwargs):
        if backend not in BACKENDS:
            raise ValueError(f'FastCocoMetric backend must be one of {BACKENDS}, got {backend!r}')
        if backend == 'faster_coco_eval':
            if kwargs.get('use_mp_eval'):
                raise ValueError('use_mp_eval=True is pycocotools multi-process evaluation; with '
                                 "backend='faster_coco_eval' leave it False (the C++ evaluator is faster "
                                 "still), or set backend='pycocotools'")
            try:
                import faster_coco_eval  # noqa: F401
            except ImportError as err:
                raise ImportError("backend='faster_coco_eval' needs the faster-coco-eval package: "
                                  "pip install faster-coco-eval, or set backend='pycocotools'") from err
        check_ann_file(kwargs.get('ann_file', args[0] if args else None))
        super().__init__(*args, **kwargs)
        self.backend = backend
        self._fast_gt_cache: dict = {}
        self.recorded: list | None = None   # set by ``recording``: evaluators built are appended here

    def compute_metrics(self, results: list) -> dict[str, float]:
        """mmdet's computation, with the evaluator of ``self.backend``."""
        recorded = self.recorded
        if self.backend == 'pycocotools':
            if recorded is None:
                return super().compute_metrics(results)
            factory = _recording_factory(mmdet_coco_metric.COCOeval, recorded)
        else:
            def factory(coco_gt, coco_dt, iou_type):
                evaluator = faster_evaluator(coco_gt, coco_dt, iou_type, self._fast_gt_cache,
                                             recorded is not None)
                if recorded is not None:
                    recorded.append((iou_type, evaluator))
                return evaluator

        with evaluator_swapped(factory):
            return super().compute_metrics(results)
