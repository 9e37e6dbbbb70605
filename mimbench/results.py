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
import math
import os
import platform
import re
import subprocess
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

SCHEMA_VERSION = 2
READABLE_SCHEMA_VERSIONS = (1, 2)
PAPERS = ('simmim', 'mae', 'cim', 'mixmim')
TASKS = ('in1k', 'coco', 'ade20k', 'inat2017', 'inat2018', 'inat2019', 'places205', 'places365',
         # robustness of the in1k fine-tuned classifier, no further training (mae.txt Appendix C, Table 13)
         'imagenet-c', 'imagenet-a', 'imagenet-r', 'imagenet-sketch')
METRICS = ('top1', 'ap_box', 'ap_mask', 'miou', 'linear',
           'mce')   # ImageNet-C mean corruption error, AlexNet-normalised (Hendrycks & Dietterich 2019)
REQUIRED = ('task', 'method', 'backbone', 'metrics')
# metrics where a smaller value is better (every other metric is higher-is-better)
LOWER_IS_BETTER: frozenset[str] = frozenset({'mce'})


def best_value(metric: str, values: Iterable[float]) -> float:
    """The best of ``values`` for ``metric``: the minimum for a :data:`LOWER_IS_BETTER` metric, else the
    maximum."""
    return min(values) if metric in LOWER_IS_BETTER else max(values)


# ids that name files and table rows: lower-case letters, digits and . _ + - (no path separators)
ID_PATTERN = re.compile(r'^[a-z0-9][a-z0-9._+-]{0,79}$')


def id_problem(kind: str, value: Any) -> str | None:
    """A sentence saying why ``value`` is not a usable ``kind`` id (method, backbone, variant), else None."""
    if not isinstance(value, str) or not ID_PATTERN.match(value) or '..' in value:
        return (f'{kind} {value!r} is not a valid id: expected lower-case letters, digits and . _ + - '
                f'(at most 80, no "/" or spaces), e.g. mae, vit-b, mask-ratio-0.75')
    return None


def metric_range(name: str) -> tuple[float, float]:
    """The closed range of valid values of metric ``name``: [0, 100] for percentages (accuracy, AP, mIoU);
    mean corruption error is a percentage of AlexNet's error and may exceed 100."""
    return (0.0, math.inf) if name in LOWER_IS_BETTER else (0.0, 100.0)


def check_metric(name: Any, value: Any, where: str = 'metrics') -> None:
    """Raise ValueError unless ``name`` is a known metric and ``value`` a finite number in its range."""
    if name not in METRICS:
        raise ValueError(f'{where}: unknown metric {name!r}; expected one of {", ".join(METRICS)}')
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f'{where}: metric {name!r} is {value!r} ({_json_type(value)}); expected a finite '
                         'number (percent)')
    low, high = metric_range(name)
    if not low <= value <= high:
        raise ValueError(f'{where}: metric {name!r} is {value}, outside its range [{low:g}, {high:g}]')


def _json_type(value: Any) -> str:
    return {bool: 'boolean', str: 'string', type(None): 'null', dict: 'object', list: 'array',
            int: 'number', float: 'number'}.get(type(value), type(value).__name__)


def _is_instance(value: Any, kinds: tuple) -> bool:
    if isinstance(value, bool) and bool not in kinds:
        return False  # JSON true/false is not a number
    return isinstance(value, kinds)


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
    path = None   # the file read_record read it from (not a field: never written); finds the sidecar

    def validate(self) -> None:
        """Raise ValueError naming the first thing wrong, so the aggregator can report and skip the record.

        Every field is checked for its type (a record is a user file: ``"37.5"``, ``true``, ``null``, NaN and
        inf are not metric values), ids are checked to be file-name safe, metric values to be finite numbers
        in their range (:func:`metric_range`).
        """
        if self.schema_version not in READABLE_SCHEMA_VERSIONS or isinstance(self.schema_version, bool):
            raise ValueError(f'schema_version {self.schema_version!r} is not one of '
                             f'{", ".join(map(str, READABLE_SCHEMA_VERSIONS))}')
        for name, kinds in _FIELD_TYPES.items():
            value = getattr(self, name)
            if not _is_instance(value, kinds):
                expected = ' or '.join('null' if k is type(None) else k.__name__ for k in kinds)
                raise ValueError(f'field {name!r} is {value!r} ({_json_type(value)}); expected {expected}')
        if self.task not in TASKS:
            raise ValueError(f'unknown task {self.task!r}; expected one of {", ".join(TASKS)}')
        for name in ('method', 'backbone'):
            problem = id_problem(name, getattr(self, name))
            if problem:
                raise ValueError(problem)
        if self.variant is not None and id_problem('variant', self.variant):
            raise ValueError(id_problem('variant', self.variant))
        if self.scale not in ('smoke', 'full'):
            raise ValueError(f"scale {self.scale!r} is not 'smoke' or 'full'")
        if not self.metrics:
            raise ValueError('record has no metrics')
        for where, values in (('metrics', self.metrics), ('best_metrics', self.best_metrics or {})):
            for name, value in values.items():
                check_metric(name, value, where)
        for name in ('epochs', 'iters', 'resolution'):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f'field {name!r} is {value}; expected a non-negative integer or null')
        validate_samples(self.samples)
        from mimbench.cost import validate_cost
        validate_cost(self.cost)

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


_STR, _OPT_STR, _DICT = (str,), (str, type(None)), (dict,)
_FIELD_TYPES = {
    'task': _STR, 'method': _STR, 'backbone': _STR, 'metrics': _DICT, 'best_metrics': (dict, type(None)),
    'history': (list,), 'scale': _STR, 'seed': (int,), 'epochs': (int, type(None)), 'iters': (int, type(None)),
    'checkpoint': _OPT_STR, 'checkpoint_sha256': _OPT_STR, 'config': _OPT_STR, 'resolved_config': _OPT_STR,
    'layer_decay_rule': _OPT_STR, 'pretrain': _DICT, 'hardware': _DICT, 'versions': _DICT,
    'code_version': _OPT_STR, 'date': _OPT_STR, 'note': _STR, 'resolution': (int, type(None)),
    'variant': _OPT_STR, 'recipe': _OPT_STR, 'samples': (dict, type(None)), 'cost': _DICT, 'probe': _DICT,
}
assert set(_FIELD_TYPES) | {'schema_version'} == set(ResultRecord.__dataclass_fields__)


SAMPLE_KINDS = ('classification', 'segmentation', 'detection')


def validate_samples(samples: Any) -> None:
    """A record's ``samples``: None, or ``{path, sha256, kind}`` naming a file beside the record."""
    if samples is None:
        return
    if not isinstance(samples, dict) or set(samples) != {'path', 'sha256', 'kind'}:
        raise ValueError(f'samples must be null or {{"path", "sha256", "kind"}}, found {samples!r}')
    path, sha, kind = samples['path'], samples['sha256'], samples['kind']
    if (not isinstance(path, str) or not path or os.path.isabs(path) or '..' in Path(path).parts
            or '\\' in path):
        raise ValueError(f'samples.path {path!r} must be a file name relative to the record, inside its '
                         'folder')
    if not isinstance(sha, str) or len(sha) != 64 or any(c not in '0123456789abcdef' for c in sha):
        raise ValueError(f'samples.sha256 {sha!r} is not a lowercase hex sha256')
    if kind not in SAMPLE_KINDS:
        raise ValueError(f'samples.kind {kind!r} is not one of {", ".join(SAMPLE_KINDS)}')


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
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a shared results folder must be readable
        final = out / f'{stem}.json'
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return final


def _umask() -> int:
    """The process umask, from /proc where possible (``os.umask`` can only read it by setting it)."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
        record = ResultRecord.from_dict(data)
    except (TypeError, ValueError) as err:
        raise ValueError(f'{path}: {err}') from err
    record.path = os.fspath(path)
    return record


# mmengine evaluation keys -> (record metric, factor to percent). mmdet's CocoMetric logs fractions;
# mmseg's IoUMetric and mmpretrain's Accuracy already log percentages.
SCALAR_KEYS = {
    'coco/bbox_mAP': ('ap_box', 100.0),
    'coco/segm_mAP': ('ap_mask', 100.0),
    'mIoU': ('miou', 1.0),
    'accuracy/top1': ('top1', 1.0),
    'corruption/mCE': ('mce', 1.0),   # mimbench.MeanCorruptionError reports percent
}


def metrics_from_scalars(path: str | os.PathLike, keys: dict[str, tuple[str, float]] | None = None
                         ) -> tuple[dict[str, float], dict[str, float], list[dict[str, Any]]]:
    """Read an mmengine ``vis_data/scalars.json`` (JSON lines) into ``(final, best, history)``.

    ``final`` is the last evaluation (what a record reports as ``metrics``), ``best`` the per-metric best
    (:func:`best_value`: the minimum for lower-is-better metrics) over all evaluations (``best_metrics``:
    optimistic, so it is only ever reported labelled as best) and ``history`` every evaluation in order. Raises ValueError when the file holds no evaluation.
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
            best[name] = best_value(name, (value, best.get(name, value)))
    return final, best, history


def _json_files(root: str) -> list[str]:
    """``*.json`` under ``root``, sorted, skipping mmengine's logs (``<work_dir>/<timestamp>/vis_data/``)."""
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if d != 'vis_data']
        found.extend(os.path.join(folder, n) for n in names if n.endswith('.json'))
    return sorted(found)


# what makes two records the same run: a re-run after a crash, or a copied file, must not count twice
RUN_IDENTITY = ('task', 'method', 'backbone', 'scale', 'seed', 'checkpoint_sha256', 'variant', 'recipe',
                'resolution', 'epochs', 'iters', 'note')


def run_identity(record: ResultRecord) -> tuple:
    """The fields that identify one run (:data:`RUN_IDENTITY`, plus the protocol and pre-training facts).

    Runs of one setting with different seeds are different runs; the same seed twice is one run repeated.
    """
    facts = json.dumps({'pretrain': record.pretrain, 'probe': record.probe}, sort_keys=True, default=str)
    return tuple(getattr(record, name) for name in RUN_IDENTITY) + (facts,)


def deduplicate_runs(records: list[ResultRecord], paths: list[str]) -> tuple[list[ResultRecord], list[str]]:
    """Keep one record per run (:func:`run_identity`): the latest by ``date``, then by path.

    Returns ``(records, notes)``: one note per run that had several records, naming the files set aside.
    """
    groups: dict[tuple, list[tuple[ResultRecord, str]]] = {}
    for record, path in zip(records, paths):
        groups.setdefault(run_identity(record), []).append((record, path))
    kept, notes = [], []
    for items in groups.values():
        items.sort(key=lambda item: (item[0].date or '', item[1]))
        kept.append(items[-1][0])
        if len(items) > 1:
            dropped = ', '.join(path for _, path in items[:-1])
            notes.append(f'{items[-1][1]}: {len(items)} records of the same run (task, method, backbone, '
                         f'seed, checkpoint, recipe); counted once, this one (the latest). Set aside: {dropped}')
    return kept, notes


def collect_records(paths: Iterable[str | os.PathLike]) -> tuple[list[ResultRecord], list[str]]:
    """Read every record under ``paths`` (record files, results folders or mmengine work dirs).

    Folders are searched recursively for ``*.json``, skipping mmengine's own logs (``vis_data/``) and JSON
    objects that are plainly something else (no ``schema_version``/``task``/``method``/``backbone``, e.g. the
    ``DONE.json`` markers of ``mimbench evaluate``). Returns ``(records, problems)``: each unreadable,
    partial or invalid file, each leftover temporary file of an unfinished write and each missing path is
    one problem line naming the file and the fault; the caller reports them. Several records of the same run
(a re-run after a crash, a copied file) count once (:func:`deduplicate_runs`), with a line saying so. Files are read in sorted order
    so the result does not depend on the file system; a file reached through several paths is read once.
    """
    records: list[ResultRecord] = []
    record_paths: list[str] = []
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
                record_paths.append(path)
            except NotARecord as err:
                if path == root:  # a file named explicitly must be a record
                    problems.append(f'{err}; skipped')
            except ValueError as err:
                problems.append(f'{err}; skipped')
    records, notes = deduplicate_runs(records, record_paths)
    return records, problems + notes
