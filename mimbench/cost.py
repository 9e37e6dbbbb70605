"""What a run cost, stamped on its result record (``ResultRecord.cost``).

Fields (all optional except the first five, which every record written by :class:`mimbench.ResultRecordHook`
carries)::

    wall_s            seconds from the start of the run to the record, summed over resumed segments (time lost
                      between the last checkpoint and a crash is not counted)
    device            'cuda: <GPU name>' or 'cpu: <processor>'
    device_count      processes of the run (one device each: GPUs, or CPU processes)
    device_hours      wall_s * device_count / 3600
    peak_memory_mb    peak over processes: torch.cuda.max_memory_allocated on GPUs, the resident set
                      high-water mark (VmHWM) on CPU
    train_images      training images seen, all processes together
    images_per_s      train_images / training time (evaluation excluded; data loading included)
    pretrain_epochs   epochs the encoder was pre-trained for, as the record's ``pretrain.epochs``
                      (:func:`mimbench.checkpoints.identify.trained_epochs` of what the checkpoint records:
                      mimbench provenance, an mmengine config, a MAE/SimMIM/MixMIM release's stored config;
                      else the config's ``mimbench.pretrain.epochs``)
    pretrain_schedule_epochs   the planned length of that pre-training schedule, only when the checkpoint is
                      an intermediate one (it stopped before; as the record's ``pretrain.schedule_epochs``)
    pretrain_gflops_per_image   forward multiply-adds (G) of one pre-training loss evaluation on one image
                      (:func:`mimbench.models.complexity.config_complexity` of the pre-training config)
    pretrain_pflops   pre-training compute: 3 x gflops_per_image x pretrain_epochs x images per epoch / 1e6
                      (backward ~ 2x forward); set only when the pre-training set is ImageNet-1K (1,281,167
                      images), as for all four papers (mae.txt Sec. 4, simmim.txt Sec. 4.1, cim.txt
                      Sec. 3.1, mixmim.txt Sec. 4)

FLOPs follow mmengine's convention (one multiply-add = one FLOP), as ``mimbench.models.complexity`` does.
"""
from __future__ import annotations

import functools
import os
import platform
import resource
import time
from pathlib import Path
from typing import Any

IN1K_TRAIN_IMAGES = 1_281_167   # ImageNet-1K train split
FIELDS = {'wall_s': float, 'device': str, 'device_count': int, 'device_hours': float, 'peak_memory_mb': float,
          'train_images': int, 'images_per_s': float, 'pretrain_epochs': float,
          'pretrain_schedule_epochs': float, 'pretrain_gflops_per_image': float, 'pretrain_pflops': float}
CHECKPOINT_KEY = 'mimbench_cost'


def validate_cost(cost: Any) -> None:
    """Raise ValueError naming the first field of a record's ``cost`` that is unknown or of the wrong type."""
    if not isinstance(cost, dict):
        raise ValueError(f'cost must be a dict, found {type(cost).__name__}')
    for key, value in cost.items():
        if key not in FIELDS:
            raise ValueError(f'cost has unknown field {key!r}; expected some of {", ".join(FIELDS)}')
        kind = FIELDS[key]
        numeric = kind in (int, float)
        if numeric:
            ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and value == value
                  and value >= 0)
        else:
            ok = isinstance(value, kind)
        if value is not None and not ok:
            raise ValueError(f'cost field {key!r} must be a non-negative number' if numeric else
                             f'cost field {key!r} must be a {kind.__name__}', )


def peak_memory_mb() -> float:
    """This process's peak memory: CUDA max allocated when a GPU is in use, else VmHWM (resident peak)."""
    import torch
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        return torch.cuda.max_memory_allocated() / 2 ** 20
    try:
        for line in Path('/proc/self/status').read_text().splitlines():
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss   # kB on Linux, bytes on macOS
    return peak / (2 ** 20 if platform.system() == 'Darwin' else 1024)


def device_name() -> str:
    import torch
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        return f'cuda: {torch.cuda.get_device_name()}'
    name = platform.processor()
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                name = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    return f'cpu: {name or platform.machine()}'


class CostMeter:
    """Times a run from hook calls (``ResultRecordHook`` forwards them) and summarises it as ``cost``.

    Training time is measured between consecutive training iterations, minus the evaluations in between;
    the accumulated totals travel in checkpoints (``meta['mimbench_cost']``) so a resumed run counts them.
    """

    def __init__(self):
        self.previous_s = 0.0      # wall-clock of earlier segments of a resumed run
        self.train_s = 0.0
        self.train_images = 0
        self._start = time.perf_counter()
        self._mark: float | None = None
        self._val_start: float | None = None
        self._val_since_mark = 0.0

    def wall_s(self) -> float:
        return self.previous_s + time.perf_counter() - self._start

    def start_training(self) -> None:
        self._mark, self._val_since_mark = time.perf_counter(), 0.0

    def iteration_done(self, images: int) -> None:
        now = time.perf_counter()
        if self._mark is not None:
            self.train_s += max(0.0, now - self._mark - self._val_since_mark)
        self._mark, self._val_since_mark = now, 0.0
        self.train_images += images

    def validation_started(self) -> None:
        self._val_start = time.perf_counter()

    def validation_done(self) -> None:
        if self._val_start is not None:
            self._val_since_mark += time.perf_counter() - self._val_start
            self._val_start = None

    def state(self) -> dict[str, float]:
        """Plain numbers for a checkpoint's meta."""
        return {'wall_s': self.wall_s(), 'train_s': self.train_s, 'train_images': self.train_images}

    def restore(self, state: Any) -> None:
        """Continue the totals of the segment that wrote ``state`` (ignored unless plain numbers)."""
        if isinstance(state, dict) and all(isinstance(state.get(k), (int, float)) for k in
                                           ('wall_s', 'train_s', 'train_images')):
            self.previous_s = float(state['wall_s'])
            self._start = time.perf_counter()
            self.train_s, self.train_images = float(state['train_s']), int(state['train_images'])

    def summary(self, world_size: int, peak_mb: float, pretrain: dict | None = None) -> dict[str, Any]:
        """The record's ``cost``; ``peak_mb`` is the maximum over processes, ``pretrain`` the known
        pre-training facts (:func:`pretrain_cost`)."""
        wall = round(self.wall_s(), 3)
        cost = {'wall_s': wall, 'device': device_name(), 'device_count': int(world_size),
                'device_hours': float(f'{wall * world_size / 3600:.6g}'), 'peak_memory_mb': round(peak_mb, 1)}
        if self.train_images:
            cost['train_images'] = int(self.train_images)
            if self.train_s > 0:
                cost['images_per_s'] = round(self.train_images / self.train_s, 3)
        cost.update(pretrain or {})
        return cost


def batch_size(data_batch: Any) -> int:
    """Images in one training batch (mmdet/mmseg/mmpretrain ``inputs`` are a list or a stacked tensor)."""
    inputs = data_batch.get('inputs') if isinstance(data_batch, dict) else None
    try:
        return len(inputs) if inputs is not None else 0
    except TypeError:
        return 0


def checkpoint_pretraining(path: str | os.PathLike | None) -> dict[str, Any]:
    """What a checkpoint file says about its pre-training: ``epochs`` (trained) and ``schedule_epochs``
    (:func:`mimbench.checkpoints.identify.trained_epochs`) and, for a mimbench pre-training checkpoint, the
    ``config`` it was trained with (provenance). Read through the shared weights-only reader
    (:func:`mimbench.checkpoints.formats.read_checkpoint`, cached per file version: evaluate's planning, the
    loader and this take one read), so releases (SimMIM/Swin yacs containers, MAE/MixMIM arguments) tell
    theirs too; empty when absent or unreadable."""
    if not path or not os.path.isfile(path):
        return {}
    from mimbench.checkpoints.formats import detect_format, read_checkpoint
    from mimbench.checkpoints.identify import method_of, pretraining_facts, trained_epochs
    from mimbench.checkpoints.provenance import read_provenance

    try:
        raw = read_checkpoint(path)
    except (OSError, ValueError):   # not a checkpoint mimbench reads (CheckpointReadError is a ValueError)
        return {}
    try:
        fmt = detect_format(raw)
    except ValueError:              # no tensors of a known layout: provenance may still be there
        fmt = None
    method, _ = method_of(raw, fmt, source=str(path))
    out: dict[str, Any] = dict(trained_epochs(pretraining_facts(raw, method)))
    config = (read_provenance(raw) or {}).get('config')
    if isinstance(config, str):
        out['config'] = config
    return out


def _pretrain_config(name: str) -> Path | None:
    """A pre-training config of this checkout named ``name`` (a file name from a checkpoint's provenance)."""
    root = Path(__file__).resolve().parents[1] / 'configs' / 'pretrain'
    if not name or Path(name).name != name or not name.endswith('.py'):
        return None
    found = sorted(root.glob(f'*/{name}'))
    return found[0] if found else None


@functools.lru_cache(maxsize=None)
def _pretrain_gflops(config: str, smoke: bool = False) -> float | None:
    """Forward GFLOPs of one pre-training loss evaluation on one image of a config of this checkout, or of
    its smoke twin (``mimbench.smoke``), counted once per process: evaluate's tasks share their encoder."""
    try:
        from mimbench.models.complexity import config_complexity
        if smoke:
            from mimbench.smoke import load_smoke
            return config_complexity(load_smoke(config))['pretrain_forward_GFLOPs']
        return config_complexity(config)['pretrain_forward_GFLOPs']
    except Exception:  # noqa: BLE001 - FLOPs are a fact "where known": a failed count leaves it out
        return None


def pretrain_cost(checkpoint: str | None, config_facts: dict | None = None,
                  with_flops: bool = True) -> dict[str, Any]:
    """``pretrain_*`` cost fields: epochs trained (and the schedule's length for an intermediate checkpoint)
    from the checkpoint (:func:`checkpoint_pretraining`; else ``config_facts``, the record's ``pretrain``
    dict with the same meaning), per-image pre-training FLOPs from this checkout's config named in the
    provenance (else ``config_facts['pretrain_gflops_per_image']``), and the total when the pre-training set
    is ImageNet-1K."""
    facts = dict(config_facts or {})
    known = checkpoint_pretraining(checkpoint)
    out: dict[str, Any] = {}
    source = known if known.get('epochs') is not None else facts
    for field, key in (('pretrain_epochs', 'epochs'), ('pretrain_schedule_epochs', 'schedule_epochs')):
        value = source.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            out[field] = float(value)
    gflops = facts.get('pretrain_gflops_per_image')
    name = str(known.get('config') or '')
    config = _pretrain_config(name)
    smoke = config is None and name.endswith('_smoke.py')   # the smoke twin of a recipe (mimbench.smoke)
    if smoke:
        config = _pretrain_config(name[:-len('_smoke.py')] + '.py')
    if gflops is None and config is not None and with_flops:
        gflops = _pretrain_gflops(str(config), smoke)
    if isinstance(gflops, (int, float)) and gflops > 0:
        out['pretrain_gflops_per_image'] = round(float(gflops), 4)
        in1k = config is not None and '_in1k' in config.stem and not smoke
        if in1k and 'pretrain_epochs' in out:
            out['pretrain_pflops'] = round(3 * gflops * out['pretrain_epochs'] * IN1K_TRAIN_IMAGES / 1e6, 3)
    return out
