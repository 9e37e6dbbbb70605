"""The per-sample sidecar of a result record: one compressed numpy archive next to the record's JSON.

A record names its sidecar in ``samples = {"path": <file name, relative to the record>, "sha256": <hex of the
file>, "kind": "classification" | "segmentation" | "detection"}``. The archive (``np.savez_compressed``) holds
the arrays of the outcomes (:mod:`mimbench.samples.classification`, ``segmentation``, ``detection``) and a
JSON string ``__meta__`` (format version, kind, the few scalars the metric needs). It is read with
``allow_pickle=False``: a sidecar is data, never code, whoever wrote it.

Sizes, measured on generated arrays of the real shapes (``tests/test_samples.py::
test_sidecar_sizes_for_coco_and_ade20k_val``): COCO val2017 (5,000 images x 100 detections, mmdet's
``max_per_img``, box and mask) 4,934,172 bytes (2.47 MB per iouType, ~5 bytes per detection: the float32
scores do not compress); ADE20K val (2,000 images, 150 classes, 5-20 labelled per image, three uint32 counts
per image and class) 311,181 bytes; ImageNet val (50,000 images, top-5 labels and the image paths) 475,150
bytes. A sidecar is written once per record (the final evaluation), never per epoch.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Union

import numpy as np

from mimbench.results import _umask
from mimbench.samples.classification import ClassificationOutcomes
from mimbench.samples.detection import DetectionOutcomes
from mimbench.samples.segmentation import SegmentationOutcomes

FORMAT = 1
SUFFIX = '.samples.npz'
KINDS = {'classification': ClassificationOutcomes, 'segmentation': SegmentationOutcomes,
         'detection': DetectionOutcomes}
Outcomes = Union[ClassificationOutcomes, SegmentationOutcomes, DetectionOutcomes]


class SidecarError(ValueError):
    """A sidecar that is missing, altered, unreadable or of the wrong kind; the message says which and why."""


def encode(outcomes: Outcomes) -> bytes:
    """The sidecar file's bytes for ``outcomes``."""
    meta = {'format': FORMAT, 'kind': outcomes.kind, **outcomes.meta()}
    arrays = outcomes.arrays()
    if arrays['ids'].dtype.kind == 'U':   # image paths: UTF-8 bytes are a quarter of numpy's UTF-32
        arrays['ids'] = np.char.encode(arrays['ids'], 'utf-8')
    buffer = io.BytesIO()
    np.savez_compressed(buffer, __meta__=np.array(json.dumps(meta)), **arrays)
    return buffer.getvalue()


def write_sidecar(outcomes: Outcomes, folder: str | os.PathLike, stem: str) -> dict:
    """Write ``<folder>/<stem>.samples.npz`` atomically; return the record's ``samples`` reference."""
    data = encode(outcomes)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = f'{stem}{SUFFIX}'
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp-', suffix=SUFFIX)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())   # readable like its record (mkstemp makes 0600)
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {'path': name, 'sha256': hashlib.sha256(data).hexdigest(), 'kind': outcomes.kind}


def decode(data: bytes, where: str = 'sidecar') -> Outcomes:
    """Outcomes from a sidecar's bytes; :class:`SidecarError` on anything malformed."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        meta = json.loads(str(arrays.pop('__meta__')))
        if arrays['ids'].dtype.kind == 'S':
            arrays['ids'] = np.char.decode(arrays['ids'], 'utf-8')
        if not isinstance(meta, dict) or meta.get('format') != FORMAT or meta.get('kind') not in KINDS:
            raise SidecarError(f'{where}: format/kind {meta.get("format")!r}/{meta.get("kind")!r} is not one '
                               f'mimbench reads (format {FORMAT}, kinds {", ".join(KINDS)})')
        return KINDS[meta['kind']].from_arrays(arrays, meta)
    except SidecarError:
        raise
    except Exception as err:  # noqa: BLE001 - any malformed content is one message, never a traceback
        raise SidecarError(f'{where}: not a readable mimbench sidecar ({type(err).__name__}: {err})') from err


def read_sidecar(path: str | os.PathLike, sha256: str | None = None, kind: str | None = None) -> Outcomes:
    """Read a sidecar, checking its sha256 and kind when given (a record's ``samples`` gives both)."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise SidecarError(f'{path}: per-sample sidecar is missing or unreadable ({err}); '
                           'copy it next to its record, or re-run the evaluation') from err
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise SidecarError(f'{path}: sha256 differs from the one its record names; the file was altered or '
                           'replaced, so its outcomes are not the record\'s')
    outcomes = decode(data, str(path))
    if kind is not None and outcomes.kind != kind:
        raise SidecarError(f'{path}: holds {outcomes.kind} outcomes, its record says {kind}')
    return outcomes


def sidecar_path(record, record_path: str | os.PathLike) -> Path:
    """Where the sidecar of ``record`` (read from ``record_path``) lies."""
    if not record.samples:
        raise SidecarError(f'{record_path}: record has no per-sample sidecar (schema 1, or written before '
                           'mimbench kept per-sample outcomes); no interval or paired test for it')
    return Path(record_path).parent / record.samples['path']


def record_outcomes(record, record_path: str | os.PathLike | None = None) -> Outcomes:
    """The per-sample outcomes of a record (``record_path`` defaults to where ``read_record`` read it)."""
    record_path = record_path or getattr(record, 'path', None)
    if record_path is None:
        raise SidecarError('record was not read from a file; pass record_path to find its sidecar')
    ref = record.samples or {}
    return read_sidecar(sidecar_path(record, record_path), ref.get('sha256'), ref.get('kind'))
