"""mimbench.models"""
from mimbench.models import mixmim  # noqa: F401  (MixMIM pre-training)
