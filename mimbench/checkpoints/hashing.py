"""The sha256 of a checkpoint file, stamped onto result records (``ResultRecord.checkpoint_sha256``).

A record names the exact weights it was fine-tuned from: two runs with the same path but different
bytes must not be averaged together on the leaderboard.
"""
from __future__ import annotations

import hashlib
import os

_CHUNK = 1 << 20
_HASHES: dict[tuple, str] = {}


def checkpoint_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of the file at ``path``, read in 1 MiB chunks (checkpoints are GBs).

    Remembered per file version (path, size, mtime), so ``mimbench inspect`` and the loader's report of the
    same file hash it once per process.
    """
    from mimbench.checkpoints.formats import file_key

    digest = hashlib.sha256()
    try:
        key = file_key(path)
        if key in _HASHES:
            return _HASHES[key]
        with open(path, 'rb') as f:
            for chunk in iter(lambda: f.read(_CHUNK), b''):
                digest.update(chunk)
    except OSError as err:
        raise FileNotFoundError(
            f'cannot hash checkpoint {os.fspath(path)!r}: {err}; expected a readable checkpoint file',
        ) from err
    _HASHES[key] = digest.hexdigest()
    return _HASHES[key]
