"""mimbench: downstream-transfer benchmark suite for masked-image-modeling pre-training.

``import mimbench`` applies the compatibility fixes for today's torch (mimbench.compat) and registers every
mimbench module in the ``mimbench`` scope of the OpenMMLab registries (mimbench.registry), so that mmdet,
mmseg and mmpretrain configs can name them as ``type='mimbench.Name'``.
"""
__version__ = '0.1.0'

from mimbench import compat as _compat  # noqa: E402

_compat.apply()

from mimbench import checkpoints, datasets, models, transfer  # noqa: E402,F401  (registers modules)
