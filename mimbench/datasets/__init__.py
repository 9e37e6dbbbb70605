"""mimbench.datasets"""
from mimbench.datasets import synthetic  # noqa: F401
