"""mimbench.checkpoints: reading, converting, resizing and loading pre-trained encoders.

``formats`` tells a checkpoint's format, ``convert`` renames keys into mmpretrain backbone layouts,
``interpolate`` resizes position tensors, ``load`` loads strictly and reports, ``init`` registers the
``mimbench.Pretrained`` init_cfg type, ``hashing`` gives the sha256 for result records, ``provenance`` the
plain-data meta mimbench writes into its pre-training checkpoints, ``cli`` the ``mimbench convert-checkpoint``
command.
"""
from mimbench.checkpoints import (  # noqa: F401
    convert, formats, hashing, init, interpolate, load, provenance)
from mimbench.checkpoints.hashing import checkpoint_sha256  # noqa: F401
from mimbench.checkpoints.load import (  # noqa: F401
    CheckpointMismatchError, LoadReport, load_backbone_checkpoint)
