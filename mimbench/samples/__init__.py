"""Per-sample outcomes of an evaluation: what every validation image contributed to the record's metric.

A result record's metric is one number; its sidecar (:mod:`.sidecar`) keeps, per image, what that number is
made of, so intervals and paired tests (:mod:`mimbench.stats`) can be computed after the fact, and the metric
recomputed on any subset of the images:

- :mod:`.classification`: top-5 labels and target per image (top-1/top-5 accuracy, McNemar);
- :mod:`.segmentation`: intersection/prediction/label pixel counts per image and class (mIoU);
- :mod:`.detection`: the COCO evaluator's per-image matching per IoU threshold (AP box / AP mask).

Every kind offers ``metric(name, subset=None)`` (the toolbox's number, exactly, on all images or a subset),
``values(name, weights)`` (unrounded, for many resamplings at once: ``weights`` (B, n) image counts) and
``ids`` (image identifiers, to pair runs). :mod:`.capture` fills them from the toolbox metrics during
evaluation; ``ResultRecordHook`` writes the sidecar next to the record.
"""
from mimbench.samples.classification import ClassificationOutcomes
from mimbench.samples.detection import DetectionOutcomes
from mimbench.samples.segmentation import SegmentationOutcomes
from mimbench.samples.sidecar import (KINDS, SidecarError, read_sidecar, record_outcomes, write_sidecar)

__all__ = ['ClassificationOutcomes', 'DetectionOutcomes', 'SegmentationOutcomes', 'KINDS', 'SidecarError',
           'read_sidecar', 'record_outcomes', 'write_sidecar']
