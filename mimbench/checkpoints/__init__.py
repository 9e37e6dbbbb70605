"""mimbench.checkpoints: reading, converting, resizing and loading pre-trained encoders.

``safe_load`` reads a file weights-only (releases' config objects as data, code refused, corrupt files
named), ``formats`` tells a checkpoint's format and caches the one read per file, ``convert`` renames keys
into mmpretrain backbone layouts, ``interpolate`` resizes position tensors, ``load`` loads strictly and
reports, ``init`` registers the ``mimbench.Pretrained`` init_cfg type, ``hashing`` gives the sha256 for result
records, ``provenance`` the plain-data meta mimbench writes into its pre-training checkpoints, ``identify`` and
``facts`` what a file holds (backbone, method, epochs), ``resume`` which checkpoint an interrupted run
resumes from, ``cli`` the ``mimbench convert-checkpoint`` and ``mimbench inspect`` commands.
"""
from mimbench.checkpoints import (  # noqa: F401
    convert, facts, formats, hashing, init, interpolate, load, provenance, resume, safe_load)
from mimbench.checkpoints.hashing import checkpoint_sha256  # noqa: F401
from mimbench.checkpoints.load import (  # noqa: F401
    CheckpointMismatchError, LoadReport, load_backbone_checkpoint)
