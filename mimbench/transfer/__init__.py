"""mimbench.transfer"""
from mimbench.transfer import coco_metric  # noqa: F401
