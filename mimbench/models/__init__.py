"""mimbench.models"""
from mimbench.models import mixmim  # noqa: F401  (MixMIM pre-training)
from mimbench.models import adapters  # noqa: F401  (ViT/MixMIM multi-scale backbones for FPN/UperNet)
