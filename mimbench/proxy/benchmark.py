"""The proxy benchmark end to end: corpus, pre-training, both encoders evaluated per seed, the Δ table.

Work dir layout (a stopped run resumes: finished pre-training, probes and transfer runs are reused; their
names carry the corpus size and the budget, so a run with other settings does not pick up stale results)::

    proxy.csv                                          the table
    <n>-per-class/corpus/{in1k,coco,ade20k}            the generated corpus (n images per class)
    (``<n>-per-class`` is ``corpus-v<version>_<n>-per-class``: runs on an older generator are not reused)
    <n>-per-class/pretrain/<iters>it-b<batch>/<method>/ pre-training work dirs and checkpoints
    <n>-per-class/probe/<arm>_<backbone>_<epochs>ep_seed<k>.npz   linear-probe predictions
    <n>-per-class/transfer/<arm>_<backbone>/<task>_<iters>it/seed<k>/   suite transfer runs (configs, records
                                                       with their per-sample sidecars)

``<arm>`` is ``<method id>-<iters>it-b<batch>`` for a pre-trained encoder (the id its checkpoint records, e.g.
``cim-revdet``; a ``--configs`` arm: the config's name) and ``random-<method id>`` for the random-init one it
is compared with (built and trained with that method's recipes: :func:`random_arm`).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mimbench.datasets.proxy import VERSION as PROXY_VERSION
from mimbench.proxy.pretraining import METHODS

if TYPE_CHECKING:
    import pandas as pd

    from mimbench.proxy.pretraining import Pretrained

TASKS = ('linear', 'finetune', 'detection', 'segmentation')
PRIMARY = {'linear': 'linear', 'finetune': 'top1', 'detection': 'ap_box', 'segmentation': 'miou'}


@dataclass(frozen=True)
class Settings:
    """What a proxy run does; :data:`FULL` is ``mimbench proxy``'s default, :data:`DEMO` the demo's."""
    pretrain_iters: int | None = None   # every method's iterations; None: PRETRAIN_ITERS
    batch_size: int = 64
    lr: float = 1e-3
    seeds: tuple[int, ...] = (0, 1, 2)
    tasks: tuple[str, ...] = TASKS
    transfer_iters: int = 100           # fine-tuning, detection and segmentation runs
    probe_epochs: int = 90              # mae.txt Table 10
    methods: tuple[tuple[str, str], ...] = METHODS
    images_per_class: int = 200         # corpus size (mimbench.datasets.proxy.make_proxy)
    resamples: int = 1000               # bootstrap resamples per test (mimbench.stats)
    workers: int | None = None          # methods pre-trained at once; None: one per CPU core (at most 4)
    configs: tuple[str, ...] = ()       # further pre-training configs (e.g. ablation variants), each an arm
    budget: tuple[tuple[str, int], ...] = ()   # (method, iterations) replacing PRETRAIN_ITERS for a method
    tokenizer_iters: int | None = None  # CiM's VQ tokenizer; None: mimbench.proxy.pretraining's rule


# Pre-training iterations per method at batch 64: the proxy's budget, the shortest of the measured ones at
# which each method's encoder probes above random init's (benchmarks/README.md "Proxy benchmark": SimMIM is
# below random at 1000 and 2000 iterations and far above at 4000; CiM at random's level at 100 and 250 and
# above at 1000). CiM's iterations cost about 10x MAE's on CPU (ResNet-18 enhancer, generator, tokenizer).
# The CPU seconds each method took are measured and reported next to its results.
PRETRAIN_ITERS = {'mae': 1000, 'simmim': 4000, 'cim': 1000, 'mixmim': 1000}


def iterations(settings: 'Settings', method: str) -> int:
    """Pre-training iterations of ``method`` under ``settings``."""
    return settings.pretrain_iters or dict(settings.budget).get(method) or PRETRAIN_ITERS[method]


FULL = Settings()
# The demo: linear probing only, SimMIM at 1000 iterations and CiM at 100, so that the whole demo stays under
# 15 minutes on 2 cores after set-up (SimMIM's 4000 and CiM's 1000 take 15-17 CPU-minutes each; at the
# demo's budget neither is separated from random init: benchmarks/README.md "Proxy benchmark").
# --pretrain-iters N still gives every method N.
DEMO = Settings(tasks=('linear',), budget=(('simmim', 1000), ('cim', 100)))


@dataclass(frozen=True)
class Arm:
    """One encoder under test: ``label`` names its outputs, ``method`` is the id its records carry.

    ``recipe`` is the method whose recipes build and train the encoder, when not ``method``'s own: a
    random-init arm is built and trained as the pre-trained encoder it is compared with
    (:func:`random_arm`), so that Δ measures the weights alone and not, e.g., SimMIM's ViT layout or its
    fine-tuning recipe against MAE's.
    """
    label: str
    method: str
    backbone: str
    checkpoint: Path | None = None
    recipe: str | None = None

    @property
    def recipe_method(self) -> str | None:
        """The method whose recipes this arm uses (None: the family's default, for ``random`` alone)."""
        return self.recipe or (self.method if self.checkpoint else None)


def random_arm(pretrained: Arm) -> Arm:
    """The random-init encoder ``pretrained`` is compared with: same backbone, built and trained with the same
    method's recipes; labelled by that method, so arms of one method (its ablation configs) share it."""
    return Arm(f'random-{pretrained.method}', 'random', pretrained.backbone, recipe=pretrained.method)


def probe_outcomes(arm: Arm, corpus: Path, work_dir: Path, settings: Settings) -> list:
    """Linear-probe outcomes of ``arm``, one :class:`~mimbench.samples.ClassificationOutcomes` per seed (a
    pre-trained encoder's features are computed once; each seed probes its own random encoder)."""
    from mimbench.datasets.proxy import SHAPES
    from mimbench.proxy.probe import extract, probe_outcome, train_linear

    runs, features = [], None
    for seed in settings.seeds:
        path = work_dir / 'probe' / f'{arm.label}_{arm.backbone}_{settings.probe_epochs}ep_seed{seed}.npz'
        if not path.is_file():
            if features is None or arm.checkpoint is None:
                features = extract(arm.backbone, arm.checkpoint, corpus / 'in1k', len(SHAPES), seed=seed,
                                   method=arm.recipe_method)
            path.parent.mkdir(parents=True, exist_ok=True)
            pred = train_linear(features, len(SHAPES), seed, epochs=settings.probe_epochs)
            np.savez_compressed(path, pred=pred, target=features.val_labels.numpy())
        saved = np.load(path)
        runs.append(probe_outcome(saved['pred'], saved['target']))
    return runs


def transfer_outcomes(task: str, arm: Arm, corpus: Path, work_dir: Path, settings: Settings) -> list:
    """Per-seed outcomes (record sidecars) of a fine-tuning/detection/segmentation run of ``arm``."""
    from mimbench.proxy.transfer import run_transfer

    runs = work_dir / 'transfer' / f'{arm.label}_{arm.backbone}' / f'{task}_{settings.transfer_iters}it'
    return [run_transfer(task, arm.backbone, arm.checkpoint, arm.method, corpus, runs / f'seed{seed}',
                         settings.transfer_iters, seed, recipe_method=arm.recipe_method)
            for seed in settings.seeds]


def compare(task: str, pretrained: list, random_init: list, resamples: int = 1000) -> dict:
    """Both arms' metric (mean over seeds), Δ, its 95% interval and p-value (``mimbench.stats``: paired
    bootstrap over images combined with the spread across seeds), and the per-seed Δ range."""
    from mimbench.stats import paired_difference

    metric = PRIMARY[task]
    diff = paired_difference(pretrained, random_init, metric, n_resamples=resamples)
    deltas = [a.metric(metric) - b.metric(metric) for a, b in zip(pretrained, random_init)]
    return dict(pretrained=diff.a, random_init=diff.b, delta=diff.delta, ci_low=diff.low, ci_high=diff.high,
                p_value=diff.p_value, test=diff.test, seeds=len(pretrained), seed_delta_min=min(deltas),
                seed_delta_max=max(deltas), val_images=diff.images)


# CPU cost of one pre-training iteration relative to MAE's (measured at the proxy's batch 64, one thread;
# CiM includes its tokenizer's share at 1000 iterations), used only to start the costliest runs first
RELATIVE_COST = {'mae': 1.0, 'simmim': 2.5, 'mixmim': 2.4, 'cim': 9.0}


def _pretrain_one(job: dict, threads: int) -> 'Pretrained':
    """One method's pre-training in a worker process, on its share of the CPU threads."""
    import torch

    from mimbench.proxy.pretraining import pretrain

    torch.set_num_threads(threads)
    return pretrain(**job)


def pretrain_all(jobs: list[dict], workers: int) -> list['Pretrained']:
    """``pretrain(**job)`` for every job, ``workers`` at a time in separate processes (each with an equal
    share of the cores; smoke-size models use one thread far better than two), costliest first; in this
    process when ``workers`` is 1. Results in the order of ``jobs``; finished runs are reused as ``pretrain``
    does."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from mimbench.proxy.pretraining import pretrain

    if workers <= 1 or len(jobs) <= 1:
        return [pretrain(**job) for job in jobs]
    threads = max(1, (os.cpu_count() or 1) // workers)
    cost = [RELATIVE_COST.get(job['method'], 1.0) * job['iters'] for job in jobs]
    order = sorted(range(len(jobs)), key=lambda i: -cost[i])
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context('spawn')) as pool:
        futures = {i: pool.submit(_pretrain_one, jobs[i], threads) for i in order}
        return [futures[i].result() for i in range(len(jobs))]


def config_arm(config: str) -> tuple[str, str]:
    """(method, smoke backbone) of a pre-training config under ``configs/pretrain/<method>/``: the smoke size
    of the family its encoder belongs to (a CiM ViT-S config gives ``vit-smoke``, its ResNet-50 one
    ``resnet-smoke``), which is what its smoke twin pre-trains and what the arm is probed with."""
    from mmengine.config import Config

    from mimbench.pretrain import CONFIG_ROOT
    from mimbench.smoke import encoder_family

    path = Path(config).resolve()
    methods = dict(METHODS)
    try:
        method = path.relative_to(CONFIG_ROOT.resolve()).parts[0]
    except ValueError:
        method = ''
    if method not in methods or not path.is_file():
        raise ValueError(f'{config}: expected a pre-training config file under {CONFIG_ROOT}/<method>/ for '
                         f'one of {", ".join(methods)} (e.g. an ablation variant), found '
                         f'{"no such file" if not path.is_file() else "a file elsewhere"}')
    # one of the project's own recipes (checked above), so reading it as an mmengine config is safe
    family = encoder_family(Config.fromfile(str(path)).model.get('backbone'))
    if family is None:
        raise ValueError(f'{config}: expected a model with a backbone (the encoder the proxy probes), '
                         'found none')
    return method, f'{family}-smoke'


def run_proxy(work_dir: Path, settings: Settings = FULL, console=None) -> 'pd.DataFrame':
    """Run the proxy benchmark under ``work_dir``; return (and write ``proxy.csv``) one row per method x task.

    Pre-training iterations and CPU seconds are per method; ``eval_cpu_s`` is the CPU time of evaluating both
    encoders on the task (all seeds) and of the statistics. CPU seconds count every thread of this process.
    """
    import pandas as pd

    from mimbench.checkpoints import checkpoint_sha256
    from mimbench.datasets.proxy import SHAPES, make_proxy
    from mimbench.evaluate import checkpoint_facts, resolve_method

    say = console.print if console is not None else print
    table_path = Path(work_dir).resolve() / 'proxy.csv'
    # runs on this corpus: its generator version and size
    work_dir = table_path.parent / f'corpus-v{PROXY_VERSION}_{settings.images_per_class}-per-class'
    corpus = work_dir / 'corpus'
    make_proxy(corpus, settings.images_per_class)
    rows = []
    # a corpus smaller than a batch (tiny test runs) would give an empty epoch: the batch shrinks to fit
    batch = min(settings.batch_size, settings.images_per_class * len(SHAPES))
    if batch < settings.batch_size:
        say(f'pre-training batch {batch} instead of {settings.batch_size}: the corpus has {batch} images')
    arms_to_train = [(m, b, None) for m, b in settings.methods] + [(*config_arm(c), Path(c).resolve())
                                                                   for c in settings.configs]
    jobs = []
    for method, backbone, config in arms_to_train:
        iters = iterations(settings, method)
        folder = work_dir / 'pretrain' / f'{iters}it-b{batch}'
        jobs.append(dict(method=method, backbone=backbone, corpus=corpus, iters=iters, batch_size=batch,
                         lr=settings.lr, config=config, tokenizer_iters=settings.tokenizer_iters,
                         work_dir=folder / 'configs' / config.stem if config else folder))
    workers = settings.workers or min(4, len(jobs), os.cpu_count() or 1)
    say(f'pre-training {len(jobs)} encoder(s), {workers} at a time')
    for (method, backbone, config), pre in zip(arms_to_train, pretrain_all(jobs, workers)):
        # the method id the checkpoint file records (e.g. cim-revdet), as mimbench evaluate labels it; it
        # names the arm's outputs, so runs of another objective of the method are never taken for this one's
        label = resolve_method(None, checkpoint_facts(str(pre.checkpoint)))
        iters, name = pre.iters, config.stem if config else label
        say(f'{method}{f" ({name})" if config else ""} ({backbone}): pre-trained {iters} iterations at batch '
            f'{batch} in {pre.cpu_seconds:.0f} CPU-s: {pre.checkpoint}')
        pretrained = Arm(f'{name}-{iters}it-b{batch}', label, backbone, pre.checkpoint)
        arms = (pretrained, random_arm(pretrained))
        for task in settings.tasks:
            start = time.process_time()
            if task == 'linear':
                outcomes = [probe_outcomes(arm, corpus, work_dir, settings) for arm in arms]
            else:
                outcomes = [transfer_outcomes(task, arm, corpus, work_dir, settings) for arm in arms]
            row = dict(method=arms[0].method, config=config.stem if config else '', backbone=backbone,
                       task=task, metric=PRIMARY[task],
                       **compare(task, *outcomes, resamples=settings.resamples),
                       pretrain_iters=iters, pretrain_cpu_s=round(pre.cpu_seconds, 1),
                       eval_cpu_s=round(time.process_time() - start, 1),
                       checkpoint=str(pre.checkpoint), loaded_sha256=checkpoint_sha256(pre.checkpoint)[:12])
            rows.append(row)
            say(f'  {task:<12} pre-trained {row["pretrained"]:6.2f}  random {row["random_init"]:6.2f}  '
                f'Δ {row["delta"]:+6.2f} [{row["ci_low"]:+6.2f}, {row["ci_high"]:+6.2f}]  '
                f'p={row["p_value"]:.3g}  ({row["eval_cpu_s"]:.0f} CPU-s)')
    table = pd.DataFrame(rows)
    table.to_csv(table_path, index=False)
    return table


def with_overrides(settings: Settings, **changes) -> Settings:
    """``settings`` with every change that is not None."""
    return replace(settings, **{k: v for k, v in changes.items() if v is not None})
