"""Real-size training steps of every full recipe: peak memory per device, seconds per iteration, images/s and
the device-hours of the whole schedule, known before a week of cluster time is spent (issue 15).

Recipes: every full transfer recipe (``mimbench.transfer.tasks.all_configs('full')``, not the test-only
robustness configs), every pre-training recipe (``configs/pretrain/``), then the pre-training ablation
variants (``configs/pretrain/*/ablation/``), or ``--configs``. For each, in its own
subprocess, the script builds the model and optimizer wrapper as the config does (its constructor:
layer-wise lr decay, parameter groups, clipping; SyncBN reverted to BN as mmengine does in one process;
encoders at random weights, CiM's frozen tokenizer too), generates full-size data with
``mimbench.datasets.synthetic`` at the recipe's input size and sends it through the config's own training
pipeline and data preprocessor (COCO: LSJ at 1024 px, boxes and masks as mmdet ``DetDataSample``s; ADE20K:
512 px crops; classification and pre-training: the recipe's crop), then runs ``model.train_step`` (forward,
loss, backward, optimizer step): ``--warmup`` untimed steps, then ``--steps`` timed ones.

Memory: on CPU the process's ``VmHWM`` (peak resident size) less its resident size once the libraries are
imported, i.e. model, gradients, optimizer state, activations and the batch (the whole-process ``VmHWM`` is
kept as ``process_peak_GiB``); on CUDA ``torch.cuda.max_memory_reserved`` (what the caching allocator held;
``max_memory_allocated`` is kept as ``cuda_allocated_GiB``).
Batch: 1 and 2 always, then the recipe's per-device batch when the extrapolation from those two predicts it
fits (``--max-mem-gib``, and the memory the machine has available) and finishes in ``--max-seconds``.
Otherwise the figures at the recipe's batch are extrapolated linearly from batches 1 and 2 (or from batch 1
alone with ``--small-batches 1``, the cheapest full-size check) and the row says ``estimate``: time as the
optimizer step's plus the batch times the rest's time per image (``time_at``); memory from batch 2's peak
plus, per further image, the growth of the tensors autograd saves for backward
(counted exactly with ``saved_tensors_hooks``) or of the peak, whichever is larger (``memory_at``).
Precision: the recipe's on CUDA (``AmpOptimWrapper``'s dtype; fp32 where the recipe sets a plain
``OptimWrapper``), fp32 on CPU (mmengine's AmpOptimWrapper refuses CPUs); ``--dtype`` overrides both (bf16
on a CPU runs under ``torch.autocast``).
Time: on CUDA the synchronised wall-clock; on CPU the process's CPU seconds per thread (its wall-clock with
its threads to itself: load from other processes on a shared machine stretches the wall-clock, kept as
``wall_s_per_iter``, not this).
Schedule: ``max_iters``, or ``max_epochs`` x iterations per epoch over the task's official training set at the
recipe's total batch (devices from the config name's ``NxbM`` x per-device batch); device-hours = seconds per
iteration x iterations x devices / 3600 (data loading and evaluation not included).

Results: one row per recipe, device, dtype and checkpointing setting in ``--out`` (CSV, rewritten after every
recipe; recipes already measured there are skipped unless ``--force``, so a sweep resumes, failed ones are
tried again and new recipes are added by re-running the same command). ``--table`` prints the Markdown
table of a CSV.

    nice -n 19 python benchmarks/transfer_step.py                      # CPU: every recipe
    python benchmarks/transfer_step.py --device cuda                   # GPU, the recipes' AMP dtype
    python benchmarks/transfer_step.py --device cuda --activation-checkpointing
    python benchmarks/transfer_step.py --table benchmarks/results/transfer_step_cpu.csv
"""
from __future__ import annotations

import argparse
import copy
import datetime
import json
import math
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / 'benchmarks'):      # mimbench, and pretrain_speed next to this file
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

# Training images the schedule iterates over: the official releases (mimbench.datasets.checks), except COCO,
# where mmdet's filter_empty_gt drops the 1,021 train2017 images without annotations (118,287 -> 117,266).
TRAIN_IMAGES_OVERRIDE = {'coco': 117_266}
COLUMNS = ['config', 'kind', 'task', 'device', 'device_name', 'dtype', 'activation_checkpointing',
           'input_size', 'batch_per_device', 'devices', 'total_batch', 'schedule_iters', 'small_batches',
           'warmup', 'steps',
           'peak_mem_lo_GiB', 'peak_mem_hi_GiB', 'saved_lo_GiB', 'saved_hi_GiB', 's_per_iter_lo',
           's_per_iter_hi',
           'measured_batch', 'estimate', 'peak_mem_GiB', 's_per_iter', 'img_per_s', 'device_hours',
           'wall_s_per_iter', 'step_s_per_iter', 'process_peak_GiB', 'cuda_allocated_GiB', 'date', 'torch',
           'note', 'error']
KEY = ['config', 'device', 'dtype', 'activation_checkpointing']


# --- which recipes, and what each one asks for --------------------------------------------------------------

def discover(kinds=('transfer', 'pretrain', 'ablation')) -> list[Path]:
    """Every full recipe that trains: the task table's (each file once; not the test-only robustness
    configs, which evaluate a fine-tuned model), the pre-training recipes under ``configs/pretrain/``, then
    their ablation variants (``configs/pretrain/*/ablation/``). Smoke runs are no files (``mimbench.smoke``
    derives them from these), so there is nothing to leave out for them."""
    from mimbench.transfer.tasks import TASKS, all_configs
    paths = []
    if 'transfer' in kinds:
        paths += [Path(p) for p in dict.fromkeys(all_configs('full'))
                  if not getattr(TASKS.get(Path(p).parent.name), 'evaluates', None)]
    pretrain = sorted((ROOT / 'configs' / 'pretrain').rglob('*.py'))
    if 'pretrain' in kinds:           # the base recipes first: each ablation variant changes one of them
        paths += [p for p in pretrain if 'ablation' not in p.parts]
    if 'ablation' in kinds:
        paths += [p for p in pretrain if 'ablation' in p.parts]
    return paths


def _transform(pipeline, name: str) -> dict | None:
    return next((t for t in pipeline or [] if name in str(t.get('type', ''))), None)


def input_size(cfg) -> int:
    """The side of the images the model trains on: LSJ's padded size (detection), the crop (segmentation,
    classification, pre-training)."""
    pipeline = cfg.train_dataloader.dataset.get('pipeline', [])
    for name, key in (('Pad', 'size'), ('RandomCrop', 'crop_size'), ('RandomResizedCrop', 'scale')):
        transform = _transform(pipeline, name)
        if transform and transform.get(key) is not None:
            size = transform[key]
            return int(size if isinstance(size, int) else size[0])
    from mimbench.models.complexity import image_size_of
    return image_size_of(cfg)


def task_of(cfg) -> str:
    """The task whose data the recipe trains on (pre-training: ImageNet-1K)."""
    return cfg.get('mimbench', {}).get('task') or 'in1k'


def schedule_iterations(cfg, task: str, total_batch: int) -> int:
    """Optimizer steps of the whole schedule at the recipe's total batch."""
    from mimbench.datasets.checks import OFFICIAL_COUNTS
    train = cfg.train_cfg
    if 'max_iters' in train:
        return int(train['max_iters'])
    images = TRAIN_IMAGES_OVERRIDE.get(task, OFFICIAL_COUNTS[task][0])
    per_epoch = images / total_batch
    per_epoch = math.floor(per_epoch) if cfg.train_dataloader.get('drop_last') else math.ceil(per_epoch)
    return int(train['max_epochs']) * per_epoch


def recipe_dtype(cfg, device: str, override: str | None) -> str:
    """fp32 / bf16 / fp16 as the step will run."""
    if override:
        return override
    if device != 'cuda':
        return 'fp32'
    optim = cfg.optim_wrapper
    if 'Amp' not in str(optim.get('type', '')):
        return 'fp32'
    dtype = optim.get('dtype')                             # mmengine's default: float16
    return {'bfloat16': 'bf16', 'float16': 'fp16', None: 'fp16'}.get(dtype, str(dtype))


def plan(path: Path, args) -> dict:
    """What one recipe asks for: per-device batch, devices, schedule, input size, precision."""
    from mmengine.config import Config

    from mimbench.transfer.memory_savers import recipe_devices
    cfg = Config.fromfile(str(path))
    batch = int(cfg.train_dataloader.batch_size)
    known = recipe_devices(cfg, path)
    devices = known or 1
    task = task_of(cfg)
    total = devices * batch
    kind = ('transfer' if 'pretrain' not in path.parts else 'ablation' if 'ablation' in path.parts
            else 'pretrain')
    return dict(config=path.stem, path=str(path), kind=kind,
                task=task, input_size=input_size(cfg), batch_per_device=batch, devices=devices,
                total_batch=total, schedule_iters=schedule_iterations(cfg, task, total),
                dtype=recipe_dtype(cfg, args.device, args.dtype),
                note='' if known else 'device count not in the config name: 1 assumed')


# --- generated full-size data -------------------------------------------------------------------------------

def data_size(task: str, size: int) -> int:
    """Side of the generated images: detection/segmentation at the input size, classification a little larger
    than the crop (RandomResizedCrop samples inside it)."""
    return size if task in ('coco', 'ade20k') else math.ceil(size * 8 / 7)


def make_data(task: str, size: int, root: Path) -> Path:
    """A few generated images of ``task`` at ``size`` px in the task's official layout (reused when there)."""
    from mimbench.datasets import synthetic
    path = root / f'{task}-{size}'
    if (path / synthetic.DONE_MARKER).is_file():
        return path
    if task == 'coco':
        synthetic.make_coco(path, num_train=8, num_val=1, size=size)
    elif task == 'ade20k':
        synthetic.make_ade20k(path, num_train=8, num_val=1, size=size)
    elif task == 'in1k':
        synthetic.make_imagenet(path, num_classes=2, images_per_class=4, size=size)
    elif task.startswith('inat'):
        synthetic.make_inat(path, int(task[4:]), num_classes=2, images_per_class=4, size=size)
    elif task.startswith('places'):
        synthetic.make_places(path, int(task[6:]), num_classes=2, images_per_class=4, size=size)
    else:
        raise ValueError(f'no generator for task {task!r}')
    return path


# --- one measurement (runs in a fresh subprocess) -----------------------------------------------------------

def rss_gib(field: str = 'VmRSS', pid: str = 'self') -> float:
    """A memory field of /proc/<pid>/status (VmRSS: resident now; VmHWM: peak resident), GiB."""
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 2 ** 20
    raise RuntimeError(f'no {field} in /proc/{pid}/status: CPU memory needs Linux')


def step_config(job: dict):
    """The recipe as the step runs it: data at the generated root, random encoder weights, memory savers.
    Files a user brings for a pre-training target (DALL-E tokenizers, iGPT's colour clusters) become random
    stand-ins of the same size: same cost."""
    from mmengine.config import Config

    from mimbench.datasets.synthetic import COCO_CLASSES
    from mimbench.transfer.memory_savers import checkpointing_options
    from pretrain_speed import without_tokenizer_weights
    cfg = Config.fromfile(job['path'])
    dataset = cfg.train_dataloader.dataset
    dataset.data_root = job['data_root']
    if job['task'] == 'coco':
        dataset.metainfo = dict(classes=COCO_CLASSES)   # the generated categories; the heads keep 80 classes
    if job['task'] == 'in1k' and 'ann_file' in dataset:  # pre-training reads ImageNet's meta/train.txt
        dataset.ann_file = 'meta/train.txt'
    backbone = cfg.model.get('backbone') or {}
    init = backbone.get('init_cfg')
    if isinstance(init, (list, tuple)):                  # random weights: same cost, no file needed
        backbone.init_cfg = [i for i in init if i.get('type') != 'mimbench.Pretrained'] or None
    elif (init or {}).get('type') == 'mimbench.Pretrained':
        backbone.init_cfg = None
    extra = {}
    if job['checkpointing']:
        extra = checkpointing_options(cfg)
        cfg.merge_from_dict({k: v for k, v in extra.items() if k != 'activation_checkpointing'})
    model = copy.deepcopy(cfg.model)                     # a ConfigDict: mmdet reads train_cfg.rpn
    model.setdefault('data_preprocessor', cfg.get('data_preprocessor'))   # as mmengine's Runner does
    model, _ = without_tokenizer_weights(model)
    head = model.get('head') or {}
    if head.get('clusters'):                             # iGPT's colour clusters: as many random centres
        head.clusters = None
    if 'DALLETokenizer' in str((head.get('tokenizer') or {}).get('type', '')):   # a target tokenizer:
        head.tokenizer.update(encoder_path=None, decoder_path=None)              # random, same size
    return cfg, model, extra.get('activation_checkpointing')


def optim_config(cfg, device: str, dtype: str) -> dict:
    """The config's optim_wrapper; AMP per the step's dtype (mmengine's AmpOptimWrapper needs CUDA)."""
    from pretrain_speed import optimizer_of
    if device != 'cuda' or dtype == 'fp32':
        return optimizer_of(cfg)
    optim = copy.deepcopy(cfg.optim_wrapper.to_dict())
    optim.update(type='AmpOptimWrapper', dtype={'bf16': 'bfloat16', 'fp16': 'float16'}[dtype])
    return optim


def measure(job: dict) -> dict:
    """Peak memory and seconds per iteration of ``job['batch']``-image training steps of one recipe."""
    import contextlib
    import functools
    import importlib
    import random

    import numpy as np
    import torch

    import mimbench  # noqa: F401  (compat fixes, registrations)
    cfg, model_cfg, blocks = step_config(job)
    scope = cfg.get('default_scope', 'mmpretrain')
    importlib.import_module(f'{scope}.models')           # the toolbox, before the memory baseline
    from mmengine.model import revert_sync_batchnorm
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DATASETS, FUNCTIONS, MODELS, init_default_scope
    from mmengine.runner import turn_on_activation_checkpointing
    init_default_scope(scope)
    device = job['device']
    base = rss_gib()
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    collate = dict(cfg.train_dataloader.get('collate_fn', dict(type='pseudo_collate')))   # as the Runner
    collate = functools.partial(FUNCTIONS.get(collate.pop('type')), **collate)
    data = collate([dataset[i % len(dataset)] for i in range(job['batch'])])
    model = MODELS.build(model_cfg)
    model.init_weights()
    model = revert_sync_batchnorm(model).to(device).train()
    if blocks:
        turn_on_activation_checkpointing(model, blocks)
    optim_wrapper = build_optim_wrapper(model, optim_config(cfg, device, job['dtype']))
    autocast = (torch.autocast('cpu', dtype=torch.bfloat16) if device == 'cpu' and job['dtype'] == 'bf16'
                else contextlib.nullcontext())

    def sync():
        if device == 'cuda':
            torch.cuda.synchronize()

    saved = SavedBytes({p.untyped_storage().data_ptr() for p in model.parameters()})
    step = StepTimer(sync, torch.get_num_threads())
    optim_wrapper.optimizer.register_step_pre_hook(step.pre)
    optim_wrapper.optimizer.register_step_post_hook(step.post)
    for i in range(job['warmup'] + job['steps']):
        if i == job['warmup']:
            sync()
            start, cpu_start = time.perf_counter(), time.process_time()
            step.active = True
        hooks = (torch.autograd.graph.saved_tensors_hooks(saved.pack, saved.unpack) if i == 0
                 else contextlib.nullcontext())       # counted once, in the first (untimed if warm-up) step
        with autocast, hooks:
            model.train_step(data, optim_wrapper)
    sync()
    wall = (time.perf_counter() - start) / job['steps']
    cpu = (time.process_time() - cpu_start) / job['steps'] / torch.get_num_threads()
    # CPU: the process's CPU seconds per thread, i.e. its wall-clock with its threads to itself (other load
    # on a shared machine stretches the wall-clock, not this); CUDA: wall-clock (synchronised)
    cuda = device == 'cuda'
    out = {'batch': job['batch'], 's_per_iter': wall if cuda else cpu, 'wall_s_per_iter': wall,
           'step_s_per_iter': (step.wall if cuda else step.cpu) / job['steps'],
           'step_wall_s_per_iter': step.wall / job['steps'], 'saved_GiB': saved.total() / 2 ** 30,
           'activations_GiB': saved.total(activations=True) / 2 ** 30}
    if device == 'cuda':
        out.update(peak_mem_GiB=torch.cuda.max_memory_reserved() / 2 ** 30,
                   cuda_allocated_GiB=torch.cuda.max_memory_allocated() / 2 ** 30,
                   process_peak_GiB=rss_gib('VmHWM'))
    else:
        out.update(peak_mem_GiB=rss_gib('VmHWM') - base, process_peak_GiB=rss_gib('VmHWM'))
    return out


class StepTimer:
    """Seconds spent in ``optimizer.step`` (optimizer pre/post hooks): the part of an iteration that does not
    grow with the batch. ``cpu`` is CPU seconds per thread, as the iteration's."""

    def __init__(self, sync, threads: int):
        self.sync, self.threads = sync, threads
        self.active, self.wall, self.cpu = False, 0.0, 0.0

    def pre(self, *_):
        if self.active:
            self.sync()
            self.started = (time.perf_counter(), time.process_time())

    def post(self, *_):
        if self.active:
            self.sync()
            self.wall += time.perf_counter() - self.started[0]
            self.cpu += (time.process_time() - self.started[1]) / self.threads


class SavedBytes:
    """Bytes of the tensors autograd saves for the backward pass during one forward (each storage once,
    parameters included; ``total(activations=True)`` leaves the parameters out): the memory that grows with
    the batch. Used as ``saved_tensors_hooks``."""

    def __init__(self, parameters: set[int] = frozenset()):
        self.storages = {}
        self.parameters = parameters      # data pointers of the model's parameter storages

    def pack(self, tensor):
        try:
            storage = tensor.untyped_storage()
            self.storages[storage.data_ptr()] = storage.nbytes()
        except (RuntimeError, NotImplementedError):   # no storage (sparse, nested tensors): not counted
            pass
        return tensor

    @staticmethod
    def unpack(tensor):
        return tensor

    def total(self, activations: bool = False) -> int:
        """All saved bytes, or (``activations``) those of tensors that are not the model's parameters."""
        return sum(n for ptr, n in self.storages.items() if not (activations and ptr in self.parameters))


def available_gib() -> float:
    """MemAvailable of this machine (Linux), GiB."""
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith('MemAvailable:'):
                return int(line.split()[1]) / 2 ** 20
    return float('inf')


def gpu_gib() -> float:
    """Total memory of CUDA device 0, GiB."""
    import torch
    return torch.cuda.get_device_properties(0).total_memory / 2 ** 30


def run_isolated(job: dict, limit_gib: float, timeout_s: float) -> dict:
    """``measure(job)`` in a fresh Python process, killed when its resident memory passes ``limit_gib`` (the
    machine is shared) or it runs past ``timeout_s``. Returns its result or ``{'error': why}``. Its output
    goes to files, not pipes: a chatty model build would otherwise fill a pipe nobody reads and stall."""
    import tempfile
    with tempfile.TemporaryFile('w+') as out, tempfile.TemporaryFile('w+') as err:
        proc = subprocess.Popen([sys.executable, __file__, '--worker', json.dumps(job)], stdout=out,
                                stderr=err, text=True)
        try:
            killed = _watch(proc, limit_gib, timeout_s)
        finally:                     # interrupted or terminated: take the worker down too
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if killed:
            return {'error': f'batch {job["batch"]}: {killed}'}
        out.seek(0)
        err.seek(0)
        lines = [ln for ln in out.read().splitlines() if ln.startswith('{')]
        if proc.returncode or not lines:
            last = (err.read().strip().splitlines() or [f'exit code {proc.returncode}, no output'])[-1]
            return {'error': f'batch {job["batch"]}: {last}'}
        return json.loads(lines[-1])


def _watch(proc, limit_gib: float, timeout_s: float) -> str:
    """Wait for ``proc``; return why it had to be killed ('' when it ended by itself)."""
    start = time.monotonic()
    while proc.poll() is None:
        try:
            if rss_gib('VmRSS', str(proc.pid)) > limit_gib:
                return f'resident memory passed {limit_gib:.1f} GiB'
        except (OSError, RuntimeError):
            pass
        if time.monotonic() - start > timeout_s:
            return f'ran past {timeout_s:.0f} s'
        time.sleep(0.5)
    return ''


# --- one recipe: batches 1 and 2, the recipe's batch when it fits -------------------------------------------

def time_at(results: dict, key: str, step_key: str, batch: int) -> float:
    """Seconds per iteration ``key`` at ``batch``: the optimizer step's time (``step_key``, the same at every
    batch) plus ``batch`` x the time per image of the rest of the iteration, averaged over the measured
    batches. (The line through two short, noisy timings would multiply their difference's noise by the
    batch; the per-image time of each measurement is far steadier.)"""
    values = list(results.values())
    fixed = sum(r[step_key] for r in values) / len(values)
    per_image = sum((r[key] - r[step_key]) / r['batch'] for r in values) / len(values)
    return fixed + max(per_image, 0.0) * batch


def memory_at(lo: dict, hi: dict, key: str, batch: int) -> float:
    """Peak memory ``key`` at ``batch`` from the two measured batches: the larger one's peak plus, per further
    image, the larger of two growths between them: of the tensors autograd saved for backward (counted
    exactly) and of the measured peak. The saved tensors are what grows with the batch; at batches 1 and 2
    the peak itself is often set by the optimizer step (weights, gradients and AdamW moments all alive),
    which does not grow, so a line through the peaks alone would miss the activations. With one measured
    batch (``--small-batches 1``): its peak plus, per further image, the activations autograd saved per image
    (parameters left out), a lower bound of the growth (temporaries of the backward pass grow too)."""
    if hi['batch'] == lo['batch']:    # one measured batch (--small-batches 1): its activations per image
        growth = lo.get('activations_GiB', lo['saved_GiB']) / lo['batch']
    else:
        growth = max(hi['saved_GiB'] - lo['saved_GiB'], hi[key] - lo[key], 0.0) / (hi['batch'] - lo['batch'])
    return hi[key] + growth * (batch - hi['batch'])


def step_job(recipe: dict, args) -> dict:
    """What one worker measures for ``recipe`` (its batch added per call), the full-size data generated."""
    data = make_data(recipe['task'], data_size(recipe['task'], recipe['input_size']), Path(args.data_dir))
    return dict(path=recipe['path'], task=recipe['task'], device=args.device, dtype=recipe['dtype'],
                checkpointing=bool(args.activation_checkpointing), warmup=args.warmup, steps=args.steps,
                data_root=f'{data}/')


def memory_limit(args) -> float:
    """The largest process to start or keep now: ``--max-mem-gib``, and what the machine has free less
    ``--reserve-gib``."""
    return min(args.max_mem_gib, available_gib() - args.reserve_gib)


ONE_IMAGE_BN = 'Expected more than 1 value per channel when training'


def measure_small(job: dict, batch: int, args, batches: tuple[int, ...] = ()) -> tuple[dict, str]:
    """``--small-batches`` (1 and 2, or just 1; none above the recipe's). Where BatchNorm on pooled features
    refuses a batch of 1 (linear probing's feature BN, UperNet's 1x1 pyramid pooling): 2 and 4, or 2 alone
    when that is the recipe's batch or one batch is asked for. Returns ``{batch: result}`` and an error (''
    when all ran)."""
    results = {}
    for b in batches or sorted({min(s, batch) for s in args.small_batches}):
        result = run_isolated({**job, 'batch': b}, memory_limit(args), args.timeout)
        if 'error' in result:
            if b == 1 and ONE_IMAGE_BN in result['error'] and batch >= 2:
                two = batch >= 4 and len(args.small_batches) > 1
                return measure_small(job, batch, args, (2, 4) if two else (2,))
            return results, result['error']
        results[b] = result
        report(result)
    return results, ''


def report(result: dict) -> None:
    print(f'  batch {result["batch"]}: {result["peak_mem_GiB"]:.2f} GiB ({result["saved_GiB"]:.2f} saved for '
          f'backward), {result["s_per_iter"]:.2f} s/iteration', flush=True)


def measure_recipe(recipe: dict, args) -> dict:
    """One CSV row for ``recipe`` (see the module docstring for the batch policy)."""
    import torch
    row = {c: recipe.get(c, '') for c in COLUMNS}
    row.update(device=args.device, activation_checkpointing=bool(args.activation_checkpointing),
               warmup=args.warmup, steps=args.steps,
               date=datetime.date.today().isoformat(), torch=torch.__version__, device_name=device_name(args))
    job = step_job(recipe, args)
    batch = recipe['batch_per_device']
    results, error = measure_small(job, batch, args)
    if error:
        row['error'] = error
        return row
    lo, hi = results[min(results)], results[max(results)]
    row.update(small_batches=' '.join(map(str, sorted(results))), peak_mem_lo_GiB=lo['peak_mem_GiB'],
               s_per_iter_lo=lo['s_per_iter'], saved_lo_GiB=lo['saved_GiB'])
    if len(results) > 1:
        row.update(peak_mem_hi_GiB=hi['peak_mem_GiB'], s_per_iter_hi=hi['s_per_iter'],
                   saved_hi_GiB=hi['saved_GiB'])
    if min(results) > 1:
        measured = ' and '.join(map(str, sorted(results)))
        why = f'batch 1 refused (BatchNorm on pooled features): batch {measured}'
        row['note'] = '; '.join(filter(None, [row['note'], why]))
    final = results.get(batch)
    if final is None:
        memory = memory_at(lo, hi, 'peak_mem_GiB', batch)
        seconds = time_at(results, 's_per_iter', 'step_s_per_iter', batch)
        if args.device == 'cuda':     # the GPU's memory (the workers' CUDA context is not in max reserved)
            fits = memory <= gpu_gib() - args.reserve_gib
        else:                         # the whole process, libraries included, in the machine's free memory
            fits = memory + hi['process_peak_GiB'] - hi['peak_mem_GiB'] <= memory_limit(args)
        wall = time_at(results, 'wall_s_per_iter', 'step_wall_s_per_iter', batch)
        if fits and wall * (args.warmup + args.steps) <= args.max_seconds:
            final = run_isolated({**job, 'batch': batch}, memory_limit(args), args.timeout)
            if 'error' in final:
                why = final['error'] + ': extrapolated instead'
                row['note'] = '; '.join(filter(None, [row['note'], why]))
                final = None
    if final is not None:
        row.update(measured_batch=batch, estimate=False, peak_mem_GiB=final['peak_mem_GiB'],
                   s_per_iter=final['s_per_iter'], wall_s_per_iter=final['wall_s_per_iter'],
                   step_s_per_iter=final['step_s_per_iter'], process_peak_GiB=final['process_peak_GiB'],
                   cuda_allocated_GiB=final.get('cuda_allocated_GiB', ''))
    else:
        row.update(measured_batch='', estimate=True, peak_mem_GiB=memory, s_per_iter=seconds,
                   wall_s_per_iter=wall,
                   step_s_per_iter=sum(r['step_s_per_iter'] for r in results.values()) / len(results),
                   process_peak_GiB=memory_at(lo, hi, 'process_peak_GiB', batch))
        if 'cuda_allocated_GiB' in hi:
            row['cuda_allocated_GiB'] = memory_at(lo, hi, 'cuda_allocated_GiB', batch)
    row['img_per_s'] = batch / row['s_per_iter']
    row['device_hours'] = row['s_per_iter'] * recipe['schedule_iters'] * recipe['devices'] / 3600
    return row


def check_extrapolation(recipe: dict, batches: list[int], args) -> list[dict]:
    """How far the extrapolation is from a measurement: measure ``recipe`` at batches 1 and 2 and at each of
    ``batches`` (larger ones that fit), and put the measured peak memory and seconds per iteration next to
    what :func:`memory_at` / :func:`time_at` predict for them from batch 1 alone (the CPU sweep's fast path,
    ``--small-batches 1``) and from batches 1 and 2. One row per checked batch."""
    job = step_job(recipe, args)
    limit = memory_limit(args)
    small = {}
    for b in (1, 2):
        result = run_isolated({**job, 'batch': b}, limit, args.timeout)
        if 'error' in result:
            return [dict(config=recipe['config'], batch=b, error=result['error'])]
        small[b] = result
        report(result)
    rows = []
    for batch in batches:
        result = run_isolated({**job, 'batch': batch}, limit, args.timeout)
        row = dict(config=recipe['config'], task=recipe['task'], input_size=recipe['input_size'], batch=batch)
        if 'error' in result:
            rows.append(dict(row, error=result['error']))
            continue
        report(result)
        row.update(
            measured_GiB=result['peak_mem_GiB'],
            from_1_GiB=memory_at(small[1], small[1], 'peak_mem_GiB', batch),
            from_1_2_GiB=memory_at(small[1], small[2], 'peak_mem_GiB', batch),
            measured_s=result['s_per_iter'],
            from_1_s=time_at({1: small[1]}, 's_per_iter', 'step_s_per_iter', batch),
            from_1_2_s=time_at(small, 's_per_iter', 'step_s_per_iter', batch), error='')
        rows.append(row)
        print(f'  batch {batch}: measured {row["measured_GiB"]:.2f} GiB; from batch 1 '
              f'{row["from_1_GiB"]:.2f}, from 1 and 2 {row["from_1_2_GiB"]:.2f}', flush=True)
    return rows


def device_name(args) -> str:
    if args.device == 'cuda':
        import torch
        return torch.cuda.get_device_name()
    import torch
    threads = torch.get_num_threads()
    return f'{threads} CPU thread' + ('s' if threads > 1 else '')


# --- driver -------------------------------------------------------------------------------------------------

def read_rows(path: Path) -> list[dict]:
    import pandas as pd
    if not path.is_file():
        return []
    return pd.read_csv(path, keep_default_na=False).to_dict('records')


def write_rows(path: Path, rows: list[dict]) -> None:
    import pandas as pd
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows, columns=COLUMNS)
    table = table.sort_values(['kind', 'task', 'config', 'activation_checkpointing'])
    table.to_csv(path, index=False, float_format='%.4g')


def key_of(row: dict) -> tuple:
    return tuple(str(row[k]) for k in KEY)


KINDS = {'transfer': 'Transfer recipes', 'pretrain': 'Pre-training recipes',
         'ablation': 'Pre-training ablation variants'}
NOT_MEASURED = 'not measured: the CPU sweep stopped before it'


def _base_of(path: Path) -> str:
    """The recipe an ablation variant inherits (its ``_base_``, read as text), or ''."""
    match = re.search(r"_base_\s*=\s*\[?\s*'([^']+)'", path.read_text())
    return Path(match.group(1)).stem if match else ''


def unmeasured(table, recipes: list[Path], device: str) -> list[dict]:
    """Rows for the ``recipes`` that ``table`` has no row of: what each asks for, and that it is not
    measured (an ablation variant also names the recipe it changes)."""
    args = argparse.Namespace(device=device, dtype=None)
    have = set(table['config']) if len(table) else set()
    rows = []
    for path in recipes:
        if path.stem in have:
            continue
        row = plan(path, args)
        base = _base_of(path) if row['kind'] == 'ablation' else ''
        rows.append(dict(row, error=NOT_MEASURED + (f' (changes {base})' if base else '')))
    return rows


def _section(table) -> str:
    import pandas as pd

    from mimbench.models.complexity import to_markdown
    table = table.reset_index(drop=True)
    for column in ('measured_batch', 'estimate', 'peak_mem_lo_GiB', 'peak_mem_hi_GiB', 'small_batches',
                   'peak_mem_GiB', 's_per_iter', 'img_per_s', 'device_hours', 'activation_checkpointing'):
        table[column] = pd.to_numeric(table[column], errors='coerce') if column not in (
            'small_batches', 'activation_checkpointing', 'estimate') else table[column]
    measured = table.peak_mem_GiB.notna()
    table = table.assign(
        batch=[f"{int(b)}{'' if m == m or not done else ' (est.)'}" for b, m, done in
               zip(table.batch_per_device, table.measured_batch, measured)],
        small=[f'{lo:.2f} / {hi:.2f} (batch {b})' if hi == hi else f'{lo:.2f} (batch {b})' if lo == lo
               else ''
               for lo, hi, b in zip(table.peak_mem_lo_GiB, table.peak_mem_hi_GiB,
                                    table.small_batches.astype(str).str.replace(' ', ', '))],
        ckpt=table.activation_checkpointing.map(lambda v: 'yes' if str(v) == 'True' else ''))
    columns = ['config', 'task', 'input_size', 'batch', 'devices', 'ckpt', 'small', 'peak_mem_GiB',
               's_per_iter', 'img_per_s', 'schedule_iters', 'device_hours', 'error']
    table = table[columns].rename(columns={
        'input_size': 'px', 'batch': 'batch/device', 'small': 'GiB at small batches',
        'peak_mem_GiB': 'GiB at batch', 's_per_iter': 's/iter', 'img_per_s': 'img/s',
        'schedule_iters': 'iterations', 'device_hours': 'device-hours', 'error': 'error / note'})
    formats = {'GiB at batch': '{:.1f}', 's/iter': '{:.3g}', 'img/s': '{:.3g}', 'iterations': '{:,.0f}',
               'device-hours': '{:,.0f}'}
    for column, fmt in formats.items():
        table[column] = [fmt.format(float(v)) if v == v and v != '' else '' for v in table[column]]
    return to_markdown(table.astype(object).where(table.notna(), ''))


def markdown(path: Path, recipes: list[Path] | None = None) -> str:
    """The README tables of one results CSV: transfer recipes, pre-training recipes, ablation variants;
    every recipe of ``recipes`` (default: all, :func:`discover`) without a row is listed as not measured."""
    import pandas as pd
    table = pd.read_csv(path, keep_default_na=False)
    table = table.replace('', float('nan'))
    device = str(table['device'].iloc[0]) if len(table) else 'cpu'
    extra = pd.DataFrame(unmeasured(table, discover() if recipes is None else recipes, device))
    table = pd.concat([table, extra], ignore_index=True) if len(extra) else table
    parts = []
    for kind, title in KINDS.items():
        rows = table[table['kind'] == kind]
        if len(rows):
            done = int(rows['peak_mem_GiB'].notna().sum())
            parts.append(f'**{title}** ({done} of {len(rows)} measured)\n\n{_section(rows)}')
    return '\n'.join(parts)


def summary(row: dict) -> str:
    if row['error']:
        return row['error']
    return (f"{row['peak_mem_GiB']:.2f} GiB, {row['s_per_iter']:.2f} s/iteration at batch "
            f"{row['batch_per_device']}" + (' (estimate)' if row['estimate'] else ''))


def run(args) -> list[dict]:
    out = Path(args.out or ROOT / 'benchmarks' / 'results' / f'transfer_step_{args.device}.csv')
    rows = read_rows(out)
    done = {key_of(r) for r in rows if not r['error']}            # failed measurements are tried again
    paths = [Path(c) for c in args.configs] if args.configs else discover(args.kinds)
    for path in paths:
        recipe = plan(path, args)
        key = key_of({**recipe, 'device': args.device,
                      'activation_checkpointing': bool(args.activation_checkpointing)})
        if key in done and not args.force:
            print(f'{recipe["config"]}: in {out} already (--force measures again)', flush=True)
            continue
        print(f'{recipe["config"]}: batch {recipe["batch_per_device"]} x {recipe["devices"]} devices, '
              f'{recipe["input_size"]} px, {recipe["dtype"]}', flush=True)
        row = measure_recipe(recipe, args)
        rows = [r for r in rows if key_of(r) != key] + [row]
        write_rows(out, rows)
        print(f'  -> {summary(row)}', flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--configs', nargs='*', help='recipes to measure (default: every full recipe)')
    parser.add_argument('--kinds', nargs='*', default=['transfer', 'pretrain', 'ablation'],
                        choices=['transfer', 'pretrain', 'ablation'],
                        help='transfer recipes, pre-training recipes, pre-training ablation variants')
    parser.add_argument('--small-batches', type=int, nargs='+', default=[1, 2], choices=[1, 2],
                        help='batches always measured (1 2; 1 alone is the cheapest full-size check: the '
                             'recipe batch is then extrapolated from batch 1 with its activations per image)')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--dtype', choices=['fp32', 'bf16', 'fp16'],
                        help="default: the recipe's AMP dtype on CUDA, fp32 on CPU")
    parser.add_argument('--activation-checkpointing', action='store_true',
                        help="the backbone family's checkpointing (mimbench.transfer.memory_savers)")
    parser.add_argument('--warmup', type=int, default=1, help='untimed training steps first')
    parser.add_argument('--steps', type=int, default=2, help='timed training steps')
    parser.add_argument('--max-mem-gib', type=float, default=20.0,
                        help='largest process to start or keep (CPU: resident memory)')
    parser.add_argument('--reserve-gib', type=float, default=2.0,
                        help='memory left to the rest of the machine (subtracted from what is available)')
    parser.add_argument('--max-seconds', type=float, default=1800.,
                        help='measure the recipe batch only when its steps are predicted to take less')
    parser.add_argument('--timeout', type=float, default=3 * 3600.,
                        help='seconds before one process is killed')
    parser.add_argument('--data-dir', default=str(ROOT / 'work_dirs' / 'transfer_step_data'),
                        help='where the generated full-size images go (reused)')
    parser.add_argument('--out', help='CSV (default benchmarks/results/transfer_step_<device>.csv)')
    parser.add_argument('--force', action='store_true', help='measure recipes already in the CSV again')
    parser.add_argument('--table', metavar='CSV', help='print the Markdown table of a results CSV and exit')
    parser.add_argument('--check-extrapolation', type=int, nargs='+', metavar='BATCH',
                        help='instead of the sweep: measure --configs at batches 1, 2 and these, next to '
                             'what batch 1 alone and batches 1 and 2 predict for them (CSV '
                             'transfer_step_extrapolation_<device>.csv)')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(measure(json.loads(args.worker))))
        return 0
    if args.table:
        print(markdown(Path(args.table)))
        return 0
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))     # `kill` ends the worker too (run_isolated)
    if args.device == 'cuda':
        import torch
        if not torch.cuda.is_available():
            raise SystemExit('--device cuda: torch sees no CUDA device here; run on a GPU machine or drop it')
    if args.check_extrapolation:
        import pandas as pd
        name = f'transfer_step_extrapolation_{args.device}.csv'
        out = Path(args.out or ROOT / 'benchmarks' / 'results' / name)
        rows = read_rows(out)
        for path in ([Path(c) for c in args.configs] if args.configs else discover(args.kinds)):
            recipe = plan(path, args)
            print(f'{recipe["config"]}: batches 1, 2 and {args.check_extrapolation}', flush=True)
            new = check_extrapolation(recipe, args.check_extrapolation, args)
            rows = [r for r in rows if r['config'] != recipe['config']] + new
            out.parent.mkdir(parents=True, exist_ok=True)
            pd.DataFrame(rows).to_csv(out, index=False, float_format='%.4g')
        return 0
    run(args)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
