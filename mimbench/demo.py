"""``mimbench demo``: the whole pipeline on generated data, on CPU, in minutes.

1. generate the tiny datasets of every task (mimbench.datasets.synthetic);
2. pre-train each method briefly with the smoke twin of its recipe (``mimbench.smoke``) — MAE (ViT), SimMIM
   (Swin), CiM (ResNet enhancer) and MixMIM (MixMIM encoder), so every backbone family is covered;
3. evaluate each pre-trained encoder, and a randomly initialised encoder of the same family, on the smoke
   twin of every task recipe its family has (``mimbench evaluate --scale smoke`` machinery, so configs and
   records are the real ones);
4. write the leaderboards and plots, and print how much each pre-trained encoder moved every downstream
   number away from its random-init twin: proof that pre-trained weights reach the downstream models.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

DEMO_PRETRAINING = (
    ('mae', 'vit-smoke'),
    ('simmim', 'swin-smoke'),
    ('cim', 'resnet-smoke'),
    ('mixmim', 'mixmim-smoke'),
)


def tasks_with_recipe(tasks: list[str], backbone: str) -> list[str]:
    """The ``tasks`` that have a full recipe for ``backbone``'s family, i.e. a smoke twin to run (a test-only
    task, robustness, tests the model of the task it evaluates: that one needs the recipe)."""
    from mimbench.transfer.tasks import TASKS, task_config

    def has(task: str) -> bool:
        try:
            return bool(task_config(TASKS[task].evaluates or task, backbone, 'smoke'))
        except ValueError:
            return False

    return [task for task in tasks if has(task)]


def _evaluate_encoder(
    label: str, backbone: str, checkpoint: str | None, work_dir: Path, data_root: Path, tasks: list[str],
    console, advance=None,
) -> list[str]:
    """Evaluate one encoder on the smoke twins of ``tasks``' recipes (``mimbench evaluate``'s planning and
    loop); the method id of a pre-trained one is read from its checkpoint (e.g. ``cim-respix``)."""
    from mimbench.evaluate import plan, run_tasks

    args = argparse.Namespace(
        checkpoint=checkpoint or 'none', backbone=backbone, method=None if checkpoint else 'random',
        tasks=','.join(tasks), scale='smoke', data_root=str(data_root), launcher='none', gpus=1,
        partition=None, work_dir=str(work_dir),
    )
    failed = run_tasks(plan(args), 'none', console, label=f'{label} {backbone} ', advance=advance)
    return [f'{label}/{backbone}/{task}' for task in failed]


def pretrained_vs_random(records):
    """One row per (method, backbone, task, metric): pre-trained value, random-init value and the change."""
    import pandas as pd

    rows = [
        dict(
            method=r.method,
            backbone=r.backbone,
            task=r.task,
            metric=m,
            value=v,
            loaded_sha256=(r.checkpoint_sha256 or '')[:12],
        )
        for r in records
        for m, v in r.metrics.items()
    ]
    df = pd.DataFrame(rows)
    random = (
        df[df.method == 'random']
        .drop(columns=['method', 'loaded_sha256'])
        .rename(columns={'value': 'random_init'})
    )
    ours = df[df.method != 'random'].rename(columns={'value': 'pretrained'})
    out = ours.merge(random, on=['backbone', 'task', 'metric'], how='left')
    out['delta'] = out.pretrained - out.random_init
    columns = ['method', 'backbone', 'task', 'metric', 'pretrained', 'random_init', 'delta', 'loaded_sha256']
    return out[columns].sort_values(['method', 'task', 'metric']).reset_index(drop=True)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from mimbench.datasets.synthetic import make_all
    from mimbench.leaderboard import build_leaderboards
    from mimbench.pretrain import find_config, run_pretrain, smoke_twin
    from mimbench.results import read_record

    console = Console(soft_wrap=True)  # paths and commands must stay copy-pastable
    root = Path(args.work_dir).resolve()
    start = time.time()
    console.rule('mimbench demo: 1/4 generating tiny datasets')
    data_root = root / 'data'
    make_all(data_root)
    console.rule('2/4 pre-training (smoke twins of the recipes, CPU)')
    checkpoints = {}
    for method, backbone in DEMO_PRETRAINING:
        work = root / 'pretrain' / method
        config = smoke_twin(find_config(method, backbone, 'smoke'), work)
        t0 = time.time()
        checkpoints[method] = run_pretrain(
            config, work, data_root / 'in1k', cfg_options={'log_level': 'WARNING'}
        )
        console.print(f'  {method:>8} {backbone:<13} {time.time() - t0:5.1f}s  {checkpoints[method]}')
    console.rule('3/4 transfer: every encoder x every task (smoke)')
    failed = []
    evals = root / 'evaluate'
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from mimbench.evaluate import parse_tasks

    wanted = parse_tasks(args.tasks)
    runs = {backbone: tasks_with_recipe(wanted, backbone) for _, backbone in DEMO_PRETRAINING}
    for backbone, have in runs.items():
        if set(wanted) - set(have):
            console.print(f'  {backbone}: no recipe (so no smoke twin) for '
                          f'{", ".join(t for t in wanted if t not in have)}')
    total = 2 * sum(len(have) for have in runs.values())
    columns = (TextColumn('transfer runs'), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task('transfer', total=total)
        for method, backbone in DEMO_PRETRAINING:
            for name, ckpt in ((method, str(checkpoints[method])), ('random', None)):
                failed += _evaluate_encoder(
                    name, backbone, ckpt, evals, data_root, runs[backbone], progress.console,
                    advance=lambda: progress.advance(bar),
                )
    console.rule('4/4 leaderboards')
    record_files = sorted(evals.glob('**/results/*.json'))
    written = build_leaderboards(sorted({p.parent for p in record_files}), root / 'leaderboards', html=True)
    table = pretrained_vs_random([read_record(p) for p in record_files])
    table_path = root / 'leaderboards' / 'pretrained_vs_random.csv'
    table.to_csv(table_path, index=False)
    print(table.to_string(index=False, float_format='%.2f'))  # plain print: a table must not wrap
    changed = int((table.delta.abs() > 1e-9).sum())
    console.print(
        f'\npre-training changed {changed} of {len(table)} downstream numbers relative to random init'
    )
    console.print(f'records: {evals}/**/results/*.json\npre-trained vs random: {table_path}')
    console.print(
        f'leaderboards and plots: {root / "leaderboards"} ({len(written)} files; open index.html in a '
        'browser, or start with index.md)'
    )
    console.print(f'demo finished in {time.time() - start:.0f}s')
    if failed:
        console.print(f'[red]{len(failed)} run(s) failed: {", ".join(failed)}[/red]')
        return 1
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser('demo', help='the whole pipeline on generated data (CPU, minutes)')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--tasks', default='all', help='comma-separated task ids, or all')
    parser.set_defaults(func=run)
