"""mimbench.models"""
from mimbench.models import mixmim  # noqa: F401  (MixMIM pre-training)
from mimbench.models import masking  # noqa: F401  (mask generators, AvgDist)
from mimbench.models import mae  # noqa: F401  (MAE pre-training)
from mimbench.models import simmim  # noqa: F401  (SimMIM pre-training)
from mimbench.models import mae_targets, simmim_heads  # noqa: F401  (ablation targets and heads)
from mimbench.models import adapters  # noqa: F401  (ViT/MixMIM multi-scale backbones for FPN/UperNet)
from mimbench.models import cim, tokenizers  # noqa: F401  (CiM pre-training, DALL-E / VQ image tokenizers)
from mimbench.models import foreign  # noqa: F401  (ForeignBackbone: timm / any registered backbone)
