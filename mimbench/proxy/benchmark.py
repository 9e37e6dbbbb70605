"""The proxy benchmark end to end: corpus, pre-training, both encoders evaluated per seed, the Δ table.

Work dir layout (a stopped run resumes: finished pre-training, probes and transfer runs are reused; their
names carry the budget, so a run with other settings does not pick up stale results)::

    corpus/{in1k,coco,ade20k}                          the generated corpus
    pretrain/<iters>it/<method>/                       pre-training work dirs and checkpoints
    probe/<arm>_<backbone>_<epochs>ep_seed<k>.npz      linear-probe outcomes
    transfer/<arm>_<backbone>/<task>_<iters>it/seed<k>/ suite transfer runs (configs, records, outcomes)
    proxy.csv                                          the table

``<arm>`` is ``<method>-<iters>it`` for a pre-trained encoder and ``random`` for a random-init one.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from mimbench.proxy.pretraining import METHODS

TASKS = ('linear', 'finetune', 'detection', 'segmentation')
DETECTION_RESAMPLES = 199
PRIMARY = {'linear': 'linear', 'finetune': 'top1', 'detection': 'ap_box', 'segmentation': 'miou'}


@dataclass(frozen=True)
class Settings:
    """What a proxy run does; :data:`FULL` is ``mimbench proxy``'s default, :data:`DEMO` the demo's."""
    pretrain_iters: int | None = None   # every method's iterations; None: PRETRAIN_ITERS
    batch_size: int = 64
    lr: float = 1e-3
    seeds: tuple[int, ...] = (0, 1, 2)
    tasks: tuple[str, ...] = TASKS
    transfer_iters: int = 300           # fine-tuning, detection and segmentation runs
    probe_epochs: int = 90              # mae.txt Table 10
    methods: tuple[tuple[str, str], ...] = METHODS
    images_per_class: int = 200         # corpus size (mimbench.datasets.proxy.make_proxy)
    resamples: int = 999                # bootstrap resamples and permutations per test


# Pre-training iterations per method at batch 64: the proxy's budget. CiM's ResNet-18 enhancer (plus its
# generator and tokenizer) costs about 8x MAE's ViT per iteration on CPU, so CiM gets a quarter of the
# iterations; the CPU seconds each method took are measured and reported next to its results.
PRETRAIN_ITERS = {'mae': 1000, 'simmim': 1000, 'cim': 250, 'mixmim': 1000}


def iterations(settings: 'Settings', method: str) -> int:
    """Pre-training iterations of ``method`` under ``settings``."""
    return settings.pretrain_iters or PRETRAIN_ITERS[method]


FULL = Settings()
DEMO = Settings(tasks=('linear',))


@dataclass(frozen=True)
class Arm:
    """One encoder under test: ``label`` names its outputs, ``method`` is the id its records carry."""
    label: str
    method: str
    backbone: str
    checkpoint: Path | None = None


def probe_outcomes(arm: Arm, corpus: Path, work_dir: Path, settings: Settings) -> np.ndarray:
    """Linear-probe correctness ``[n_val, n_seeds]`` (a pre-trained encoder's features are computed once)."""
    from mimbench.datasets.proxy import SHAPES
    from mimbench.proxy.probe import extract, train_linear

    columns, features = [], None
    for seed in settings.seeds:
        path = work_dir / 'probe' / f'{arm.label}_{arm.backbone}_{settings.probe_epochs}ep_seed{seed}.npz'
        if not path.is_file():
            if features is None or arm.checkpoint is None:   # every seed probes its own random encoder
                features = extract(arm.backbone, arm.checkpoint, corpus / 'in1k', len(SHAPES), seed=seed)
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(path, correct=train_linear(features, len(SHAPES), seed,
                                                           epochs=settings.probe_epochs))
        columns.append(np.load(path)['correct'])
    return np.stack(columns, axis=1)


def transfer_outcomes(task: str, arm: Arm, corpus: Path, work_dir: Path, settings: Settings) -> list:
    """Per-seed outcomes (``np.load`` of each run's ``outcomes.npz``) of a fine-tuning/detection/segmentation run."""
    from mimbench.proxy.transfer import run_transfer

    runs = work_dir / 'transfer' / f'{arm.label}_{arm.backbone}' / f'{task}_{settings.transfer_iters}it'
    return [np.load(run_transfer(task, arm.backbone, arm.checkpoint, arm.method, corpus, runs / f'seed{seed}',
                                 settings.transfer_iters, seed))
            for seed in settings.seeds]


def task_metric(task: str, arms: list, corpus: Path):
    """``(metric(arm, idx), n_images)`` of ``task`` from both arms' outcomes (:mod:`mimbench.proxy.metrics`)."""
    from mimbench.proxy import metrics

    if task == 'linear':
        correct = np.stack(arms)                                                     # [2, n, seeds]
        return metrics.top1_metric(correct), correct.shape[1]
    if task == 'finetune':
        correct = np.stack([np.stack([o['pred'] == o['target'] for o in arm], 1) for arm in arms])
        return metrics.top1_metric(correct), correct.shape[1]
    if task == 'segmentation':
        inter = np.stack([np.stack([o['intersect'] for o in arm], 1) for arm in arms])
        union = np.stack([np.stack([o['union'] for o in arm], 1) for arm in arms])
        return metrics.miou_metric(inter, union), inter.shape[1]
    ann_file = corpus / 'coco' / 'annotations' / 'instances_val2017.json'
    detections = [[_detections_by_image(o) for o in arm] for arm in arms]
    return metrics.box_ap_metric(ann_file, detections), len(json.loads(ann_file.read_text())['images'])


def _detections_by_image(outcome) -> dict:
    ends = np.cumsum(outcome['count'])
    return {int(i): (outcome['bboxes'][a:b], outcome['scores'][a:b], outcome['labels'][a:b])
            for i, a, b in zip(outcome['img_id'], ends - outcome['count'], ends)}


def compare(task: str, arms: list, corpus: Path, resamples: int = 999) -> dict:
    """Both arms' metric (seed mean), Δ, its 95% interval, p-value, and the per-seed Δ range."""
    from mimbench.proxy.significance import paired_difference

    metric, n_images = task_metric(task, arms, corpus)
    every = np.arange(n_images)
    n_seeds = arms[0].shape[1] if task == 'linear' else len(arms[0])
    seed_deltas = []
    for s in range(n_seeds):
        single = [a[:, s:s + 1] for a in arms] if task == 'linear' else [[a[s]] for a in arms]
        one, _ = task_metric(task, single, corpus)
        seed_deltas.append(one(0, every) - one(1, every))
    if task == 'detection':   # every resample re-runs COCO's evaluator for each seed and encoder
        result = paired_difference(metric, n_images, resamples=min(resamples, DETECTION_RESAMPLES),
                                   method='percentile')
    else:
        result = paired_difference(metric, n_images, resamples=resamples)
    return dict(pretrained=metric(0, every), random_init=metric(1, every), **result, seeds=n_seeds,
                seed_delta_min=min(seed_deltas), seed_delta_max=max(seed_deltas), val_images=n_images)


def run_proxy(work_dir: Path, settings: Settings = FULL, console=None) -> 'pd.DataFrame':
    """Run the proxy benchmark under ``work_dir``; return (and write ``proxy.csv``) one row per method x task.

    Pre-training iterations and CPU seconds are per method; ``eval_cpu_s`` is the CPU time of evaluating both
    encoders on the task (all seeds) and of the statistics. CPU seconds count every thread of this process.
    """
    import pandas as pd

    from mimbench.checkpoints import checkpoint_sha256
    from mimbench.datasets.proxy import make_proxy
    from mimbench.evaluate import _method_of
    from mimbench.proxy.pretraining import pretrain

    say = console.print if console is not None else print
    work_dir = Path(work_dir).resolve()
    corpus = work_dir / 'corpus'
    make_proxy(corpus, settings.images_per_class)
    rows = []
    for method, backbone in settings.methods:
        iters = iterations(settings, method)
        pre = pretrain(method, backbone, corpus, work_dir / 'pretrain' / f'{iters}it', iters,
                       settings.batch_size, settings.lr)
        say(f'{method} ({backbone}): pre-trained {iters} iterations at batch {settings.batch_size} in '
            f'{pre.cpu_seconds:.0f} CPU-s: {pre.checkpoint}')
        arms = (Arm(f'{method}-{iters}it', _method_of(str(pre.checkpoint)), backbone, pre.checkpoint),
                Arm('random', 'random', backbone))
        for task in settings.tasks:
            start = time.process_time()
            if task == 'linear':
                outcomes = [probe_outcomes(arm, corpus, work_dir, settings) for arm in arms]
            else:
                outcomes = [transfer_outcomes(task, arm, corpus, work_dir, settings) for arm in arms]
            row = dict(method=arms[0].method, backbone=backbone, task=task, metric=PRIMARY[task],
                       **compare(task, outcomes, corpus, settings.resamples),
                       pretrain_iters=iters, pretrain_cpu_s=round(pre.cpu_seconds, 1),
                       eval_cpu_s=round(time.process_time() - start, 1),
                       checkpoint=str(pre.checkpoint), loaded_sha256=checkpoint_sha256(pre.checkpoint)[:12])
            rows.append(row)
            say(f'  {task:<12} pre-trained {row["pretrained"]:6.2f}  random {row["random_init"]:6.2f}  '
                f'Δ {row["delta"]:+6.2f} [{row["ci_low"]:+6.2f}, {row["ci_high"]:+6.2f}]  '
                f'p={row["p_value"]:.3g}  ({row["eval_cpu_s"]:.0f} CPU-s)')
    table = pd.DataFrame(rows)
    table.to_csv(work_dir / 'proxy.csv', index=False)
    return table


def with_overrides(settings: Settings, **changes) -> Settings:
    """``settings`` with every change that is not None."""
    return replace(settings, **{k: v for k, v in changes.items() if v is not None})
