"""mimbench.datasets"""
from mimbench.datasets import synthetic  # noqa: F401
from mimbench.datasets import checks, inat, places  # noqa: F401
from mimbench.datasets import overrides  # noqa: F401
from mimbench.datasets import heldout, robustness  # noqa: F401  (HeldOutSplit, ImageNet-C/-A/-R/-Sketch)
