"""Which checkpoint an interrupted run resumes from, skipping files that were cut short.

mmengine resumes from the file named in ``<work_dir>/last_checkpoint``. A run killed while saving, or a
disk that filled up, leaves that file truncated; mmengine then fails with ``PytorchStreamReader failed reading
zip archive`` without naming the file, and every re-run fails the same way. :func:`resume_checkpoint` checks
the candidates first — the ``last_checkpoint`` target, then ``epoch_*.pth`` and ``iter_*.pth``, newest
first — and returns the newest one that reads (its container, weights-only; tensors are mapped, not read),
with one message per file it skipped and why. When none reads, the run starts over, and says so.
"""
from __future__ import annotations

import os
import re
from pathlib import Path


def _numbered(work_dir: Path, prefix: str) -> list[Path]:
    found = [(int(m.group(1)), p) for p in work_dir.glob(f'{prefix}_*.pth')
             if (m := re.fullmatch(rf'{prefix}_(\d+)\.pth', p.name))]
    return [p for _, p in sorted(found, reverse=True)]


def candidates(work_dir: str | os.PathLike) -> list[Path]:
    """The checkpoints a run in ``work_dir`` could resume from, in the order they are tried."""
    work_dir = Path(work_dir)
    found = []
    pointer = work_dir / 'last_checkpoint'
    if pointer.is_file():
        named = Path(pointer.read_text().strip())
        found.append(named if named.is_absolute() else work_dir / named.name)
    found += _numbered(work_dir, 'epoch') + _numbered(work_dir, 'iter')
    unique = []
    for path in found:
        if path.resolve() not in {p.resolve() for p in unique}:
            unique.append(path)
    return unique


def problem(path: Path) -> str | None:
    """Why ``path`` cannot be resumed from (missing, corrupt, refused, not mmengine's), or None."""
    from mimbench.checkpoints.safe_load import CheckpointReadError, load_file

    if not path.is_file():
        return f'{path} does not exist'
    try:
        checkpoint = load_file(path, mmap=True)
    except CheckpointReadError as err:
        return str(err)
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint or 'meta' not in checkpoint:
        return f'{path} is not an mmengine checkpoint (no state_dict/meta)'
    return None


def resume_checkpoint(work_dir: str | os.PathLike) -> tuple[bool, str | None, list[str]]:
    """``(resume, load_from, messages)`` for a run that resumes in ``work_dir`` (module docstring).

    ``(True, None, [])`` when there is nothing to resume (mmengine then starts the run); ``(True, path, ...)``
    to resume from ``path``; ``(False, None, messages)`` to start over because no checkpoint reads.
    """
    tried = candidates(work_dir)
    messages = []
    for path in tried:
        why = problem(path)
        if why is None:
            if messages:
                messages.append(f'resuming from {path}, the newest checkpoint in {work_dir} that reads')
            return True, str(path), messages
        messages.append(f'cannot resume from {path.name}: {why}')
    if messages:
        messages.append(f'no checkpoint in {work_dir} can be resumed from; starting the run over from the '
                        'beginning (the unreadable files are left in place and overwritten as the run saves)')
        return False, None, messages
    return True, None, []
