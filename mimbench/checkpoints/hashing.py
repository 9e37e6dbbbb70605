"""The sha256 of a checkpoint file, stamped onto result records (``ResultRecord.checkpoint_sha256``).

A record names the exact weights it was fine-tuned from: two runs with the same path but different
bytes must not be averaged together on the leaderboard.
"""
from __future__ import annotations

import hashlib
import os

_CHUNK = 1 << 20


def checkpoint_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of the file at ``path``, read in 1 MiB chunks (checkpoints are GBs)."""
    digest = hashlib.sha256()
    try:
        with open(path, 'rb') as f:
            for chunk in iter(lambda: f.read(_CHUNK), b''):
                digest.update(chunk)
    except OSError as err:
        raise FileNotFoundError(
            f'cannot hash checkpoint {os.fspath(path)!r}: {err}; expected a readable checkpoint file',
        ) from err
    return digest.hexdigest()
