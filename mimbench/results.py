"""Result records: one JSON file per finished evaluation, the only input of the leaderboards.

A record is written by every transfer run (mimbench.transfer) and read by the aggregator
(mimbench.leaderboard). One file per (checkpoint, task, seed, run): files are written atomically
(temporary file + ``os.replace``) under unique names, so concurrent writers never lose each other's results.

Schema (``SCHEMA_VERSION`` 2; version-1 records, which lack the last four fields, are still read); metric values are in percent, as the papers print them::

    {
      "schema_version": 1,
      "task": "coco",                 # one of TASKS
      "method": "mae",                # pre-training method id (METHODS) or "random" / "supervised"
      "backbone": "vit-b",            # backbone id, e.g. vit-b, swin-b, mixmim-b, resnet-50
      "metrics": {"ap_box": 50.3, "ap_mask": 44.9},   # the run's FINAL evaluation
      "best_metrics": {"ap_box": 50.6, ...} | null,   # best over all evaluations, labelled as such
      "history": [{"step": 1000, "metrics": {...}}],  # every evaluation, in order (may be empty)
      "scale": "smoke" | "full",
      "seed": 0, "epochs": 100 | null, "iters": 1000 | null,
      "checkpoint": "path" | null, "checkpoint_sha256": "hex" | null,
      "config": "path of the config file", "resolved_config": "the fully resolved config text",
      "layer_decay_rule": "mae" | "simmim" | "mixmim" | null,
      "pretrain": {"epochs": 1600, "flops_g": 17.5, "params_m": 86.0} ,   # optional facts
      "hardware": {...}, "versions": {...}, "code_version": "git hash", "date": "ISO 8601 UTC",
      "note": "",
      "resolution": 224 | null,       # fine-tuning input size when not the task's default (e.g. 448)
      "variant": "name" | null,       # a named deviation from the default recipe (ablations)
      "recipe": "mae.txt Table 9" | null,   # the paper recipe the run used (another paper's when its own has none)
      "samples": {"path": "...", "sha256": "...", "kind": "..."} | null,  # per-sample outcomes sidecar
      "cost": {...},                  # wall-clock, devices, device-hours, peak memory, images/s, pre-training FLOPs
      "probe": {...}                  # intermediate-layer probing protocol (block, pooling, norm, selection split)
    }

Records are gathered with ``collect_records(paths)``, which reads results folders and mmengine work dirs and
returns ``(records, problems)``: a corrupt or partial file becomes a problem line, never a crash or a silent
drop. ``metrics_from_scalars`` turns an mmengine ``scalars.json`` into (final, best, history) for a record.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

SCHEMA_VERSION = 2
READABLE_SCHEMA_VERSIONS = (1, 2)
PAPERS = ('simmim', 'mae', 'cim', 'mixmim')
TASKS = ('in1k', 'coco', 'ade20k', 'inat2017', 'inat2018', 'inat2019', 'places205', 'places365')
METRICS = ('top1', 'ap_box', 'ap_mask', 'miou', 'linear')
REQUIRED = ('task', 'method', 'backbone', 'metrics')
# metrics where a smaller value is better (every other metric is higher-is-better)
LOWER_IS_BETTER: frozenset[str] = frozenset()


@dataclass
class ResultRecord:
    """One finished evaluation. See the module docstring for the meaning of each field."""
    task: str
    method: str
    backbone: str
    metrics: dict[str, float]
    best_metrics: dict[str, float] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    scale: str = 'full'
    seed: int = 0
    epochs: int | None = None
    iters: int | None = None
    checkpoint: str | None = None
    checkpoint_sha256: str | None = None
    config: str | None = None
    resolved_config: str | None = None
    layer_decay_rule: str | None = None
    pretrain: dict[str, Any] = field(default_factory=dict)
    hardware: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    code_version: str | None = None
    date: str | None = None
    note: str = ''
    resolution: int | None = None
    variant: str | None = None
    recipe: str | None = None
    samples: dict[str, Any] | None = None
    cost: dict[str, Any] = field(default_factory=dict)
    probe: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def validate(self) -> None:
        """Raise ValueError naming what is wrong, so the aggregator can report and skip it."""
        if self.task not in TASKS:
            raise ValueError(f'unknown task {self.task!r}; expected one of {", ".join(TASKS)}')
        if not self.metrics:
            raise ValueError('record has no metrics')
        for name, value in {**self.metrics, **(self.best_metrics or {})}.items():
            if name not in METRICS:
                raise ValueError(f'unknown metric {name!r}; expected one of {", ".join(METRICS)}')
            if not isinstance(value, (int, float)) or value != value:
                raise ValueError(f'metric {name!r} is not a number: {value!r}')
        if self.schema_version not in READABLE_SCHEMA_VERSIONS:
            raise ValueError(f'schema_version {self.schema_version!r} is not one of '
                             f'{", ".join(map(str, READABLE_SCHEMA_VERSIONS))}')

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> 'ResultRecord':
        missing = [k for k in REQUIRED if k not in data]
        if missing:
            raise ValueError(f'record lacks required field(s): {", ".join(missing)}')
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f'record has unknown field(s): {", ".join(unknown)}')
        record = cls(**data)
        record.validate()
        return record


def environment_facts() -> dict[str, Any]:
    """Hardware, package versions, git hash and date, stamped onto every record."""
    import torch
    versions = {'python': platform.python_version(), 'torch': torch.__version__}
    for name in ('mmengine', 'mmcv', 'mmdet', 'mmseg', 'mmpretrain', 'timm'):
        try:
            versions[name] = __import__(name).__version__
        except Exception:  # noqa: BLE001 - a missing optional package is a fact, not an error
            versions[name] = 'missing'
    from mimbench import __version__
    versions['mimbench'] = __version__
    hardware = {'platform': platform.platform(), 'cpu_count': os.cpu_count(),
                'cuda': torch.cuda.is_available(),
                'gpu': torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
    try:
        code = subprocess.run(['git', 'rev-parse', 'HEAD'], capture_output=True, text=True, timeout=5,
                              cwd=Path(__file__).resolve().parent).stdout.strip() or None
    except Exception:  # noqa: BLE001
        code = None
    return dict(hardware=hardware, versions=versions, code_version=code,
                date=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds'))


def write_record(record: ResultRecord, results_dir: str | os.PathLike) -> Path:
    """Validate and write ``record`` atomically under a unique name in ``results_dir``; return its path."""
    record.validate()
    if record.date is None:
        for key, value in environment_facts().items():
            if not getattr(record, key):
                setattr(record, key, value)
    out = Path(results_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f'{record.task}__{record.method}__{record.backbone}__seed{record.seed}__{uuid.uuid4().hex[:12]}'
    fd, tmp = tempfile.mkstemp(dir=out, prefix='.tmp-', suffix='.json')
    try:
        with os.fdopen(fd, 'w') as f:
            json.dump(asdict(record), f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        final = out / f'{stem}.json'
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return final


class NotARecord(ValueError):
    """A readable JSON object naming none of a record's identifying fields (e.g. a run's ``DONE.json``)."""


IDENTIFYING = ('schema_version', 'task', 'method', 'backbone')


def read_record(path: str | os.PathLike) -> ResultRecord:
    """Read and validate one record; raises ValueError with the file name on any problem.

    A JSON object without any of :data:`IDENTIFYING` raises the subclass :class:`NotARecord`.
    """
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f'{path}: not a readable JSON record ({err})') from err
    if not isinstance(data, dict):
        raise ValueError(f'{path}: expected a JSON object, found {type(data).__name__}')
    if not any(k in data for k in IDENTIFYING):
        raise NotARecord(f'{path}: JSON object with none of the record fields {", ".join(IDENTIFYING)}; '
                         'not a result record')
    try:
        return ResultRecord.from_dict(data)
    except (TypeError, ValueError) as err:
        raise ValueError(f'{path}: {err}') from err


# mmengine evaluation keys -> (record metric, factor to percent). mmdet's CocoMetric logs fractions;
# mmseg's IoUMetric and mmpretrain's Accuracy already log percentages.
SCALAR_KEYS = {
    'coco/bbox_mAP': ('ap_box', 100.0),
    'coco/segm_mAP': ('ap_mask', 100.0),
    'mIoU': ('miou', 1.0),
    'accuracy/top1': ('top1', 1.0),
}


def metrics_from_scalars(path: str | os.PathLike, keys: dict[str, tuple[str, float]] | None = None
                         ) -> tuple[dict[str, float], dict[str, float], list[dict[str, Any]]]:
    """Read an mmengine ``vis_data/scalars.json`` (JSON lines) into ``(final, best, history)``.

    ``final`` is the last evaluation (what a record reports as ``metrics``), ``best`` the per-metric maximum
    over all evaluations (``best_metrics``: optimistic, so it is only ever reported labelled as best) and
    ``history`` every evaluation in order. Raises ValueError when the file holds no evaluation.
    """
    keys = SCALAR_KEYS if keys is None else keys
    history: list[dict[str, Any]] = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f'{path}:{number}: not a JSON line ({err}); '
                                 'expected mmengine scalars') from err
            found = {name: float(entry[key]) * factor for key, (name, factor) in keys.items() if key in entry}
            if found:
                history.append({'step': entry.get('step'), 'metrics': found})
    if not history:
        raise ValueError(f'{path}: no evaluation found; expected one of the keys {", ".join(keys)}')
    final = dict(history[-1]['metrics'])
    best: dict[str, float] = {}
    for item in history:
        for name, value in item['metrics'].items():
            best[name] = max(value, best.get(name, value))
    return final, best, history


def _json_files(root: str) -> list[str]:
    """``*.json`` under ``root``, sorted, skipping mmengine's logs (``<work_dir>/<timestamp>/vis_data/``)."""
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if d != 'vis_data']
        found.extend(os.path.join(folder, n) for n in names if n.endswith('.json'))
    return sorted(found)


def collect_records(paths: Iterable[str | os.PathLike]) -> tuple[list[ResultRecord], list[str]]:
    """Read every record under ``paths`` (record files, results folders or mmengine work dirs).

    Folders are searched recursively for ``*.json``, skipping mmengine's own logs (``vis_data/``) and JSON
    objects that are plainly something else (no ``schema_version``/``task``/``method``/``backbone``, e.g. the
    ``DONE.json`` markers of ``mimbench evaluate``). Returns ``(records, problems)``: each unreadable,
    partial or invalid file, each leftover temporary file of an unfinished write and each missing path is
    one problem line naming the file and the fault; the caller reports them. Files are read in sorted order
    so the result does not depend on the file system; a file reached through several paths is read once.
    """
    records: list[ResultRecord] = []
    problems: list[str] = []
    seen: set[str] = set()  # a file reached through two paths (a work dir and its results/) counts once
    for root in paths:
        root = os.path.realpath(root)
        if os.path.isfile(root):
            files = [root]
        elif os.path.isdir(root):
            files = _json_files(root)  # strings and one realpath per root: 10,000 files in well under 1 s
        else:
            problems.append(f'{root}: no such file or folder; '
                            'expected a results folder or an mmengine work dir')
            continue
        for path in files:
            if path in seen:
                continue
            seen.add(path)
            if os.path.basename(path).startswith('.tmp-'):
                problems.append(f'{path}: temporary file of an unfinished or crashed write; skipped')
                continue
            try:
                records.append(read_record(path))
            except NotARecord as err:
                if path == root:  # a file named explicitly must be a record
                    problems.append(f'{err}; skipped')
            except ValueError as err:
                problems.append(f'{err}; skipped')
    return records, problems
