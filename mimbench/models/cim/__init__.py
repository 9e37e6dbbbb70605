"""CiM pre-training (cim.txt): generator (frozen tokenizer + small BEiT), enhancer objectives, algorithm."""
from mimbench.models.cim import cim, generator, objectives  # noqa: F401
from mimbench.models.cim.cim import CiM  # noqa: F401
from mimbench.models.cim.generator import (  # noqa: F401
    CiMGenerator,
    blockwise_count_mask,
    gumbel_sample,
    random_count_mask,
    sample_replacements,
)
from mimbench.models.cim.objectives import (  # noqa: F401
    CiMPixelHead,
    CiMTokenDetectionHead,
    patch_normalize,
    respix_loss,
    respix_target,
    revdet_labels,
    revdet_loss,
    sliding_window_normalize,
)
