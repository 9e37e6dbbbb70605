"""``mimbench demo``: the whole pipeline on generated data, on CPU, in minutes.

1. generate the tiny datasets of every task (mimbench.datasets.synthetic);
2. the proxy benchmark in shortened form (``mimbench.proxy``, :data:`mimbench.proxy.benchmark.DEMO`):
   pre-train each method on the proxy corpus for a fixed budget — MAE (ViT), SimMIM (Swin), CiM (ResNet
   enhancer) and MixMIM (MixMIM encoder), so every backbone family is covered — and test each pre-trained
   encoder against random-init encoders of its family by linear probing with several seeds;
3. evaluate each pre-trained encoder, and a randomly initialised encoder of the same family, on the smoke
   twin of every task recipe its family has (``mimbench evaluate --scale smoke`` machinery, so configs and
   records are the real ones);
4. write the leaderboards and plots, and print Δ vs random init with a 95% interval and a p-value per method
   and proxy task: whether the suite can tell a pre-trained encoder from a random one.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from mimbench.proxy.cli import _ints
from mimbench.proxy.pretraining import METHODS as DEMO_PRETRAINING


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


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from mimbench.datasets.synthetic import make_all
    from mimbench.leaderboard import build_leaderboards
    from mimbench.proxy.benchmark import DEMO, run_proxy, with_overrides
    from mimbench.proxy.cli import format_table, summary

    console = Console(soft_wrap=True)  # paths and commands must stay copy-pastable
    root = Path(args.work_dir).resolve()
    start, cpu_start = time.time(), time.process_time()
    console.rule('mimbench demo: 1/4 generating tiny datasets')
    data_root = root / 'data'
    make_all(data_root)
    settings = with_overrides(DEMO, pretrain_iters=args.pretrain_iters, transfer_iters=args.transfer_iters,
                              seeds=args.seeds, images_per_class=args.images_per_class)
    console.rule('2/4 proxy benchmark: pre-training on the proxy corpus, pre-trained vs random init (CPU)')
    table = run_proxy(root / 'proxy', settings, console)
    checkpoints = dict(zip(table.backbone, table.checkpoint))
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
            for name, ckpt in ((method, checkpoints[backbone]), ('random', None)):
                failed += _evaluate_encoder(
                    name, backbone, ckpt, evals, data_root, runs[backbone], progress.console,
                    advance=lambda: progress.advance(bar),
                )
    console.rule('4/4 leaderboards')
    record_files = sorted(evals.glob('**/results/*.json'))
    written = build_leaderboards(sorted({p.parent for p in record_files}), root / 'leaderboards', html=True)
    table_path = root / 'leaderboards' / 'pretrained_vs_random.csv'
    table.to_csv(table_path, index=False)
    console.print(f'pre-trained vs random init on the proxy corpus ({len(settings.seeds)} seeds; Δ with its '
                  '95% interval over validation images and seeds, and its p-value; mimbench.stats):')
    print(format_table(table))  # plain print: a table must not wrap
    console.print(summary(table))
    console.print(f'records: {evals}/**/results/*.json\npre-trained vs random: {table_path}')
    console.print(
        f'leaderboards and plots: {root / "leaderboards"} ({len(written)} files; open index.html in a '
        'browser, or start with index.md)'
    )
    import resource
    children = resource.getrusage(resource.RUSAGE_CHILDREN)        # the proxy's pre-training workers
    cpu = time.process_time() - cpu_start + children.ru_utime + children.ru_stime
    console.print(f'demo finished in {time.time() - start:.0f}s ({cpu:.0f} CPU-s)')
    if failed:
        console.print(f'[red]{len(failed)} run(s) failed: {", ".join(failed)}[/red]')
        return 1
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser('demo', help='the whole pipeline on generated data (CPU, minutes)')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--tasks', default='all', help='comma-separated task ids, or all')
    parser.add_argument('--pretrain-iters', type=int, help='proxy pre-training iterations per method')
    parser.add_argument('--transfer-iters', type=int, help='proxy fine-tuning iterations')
    parser.add_argument('--seeds', type=_ints, help='proxy seeds, comma-separated (default 0,1,2)')
    parser.add_argument('--images-per-class', type=int, help='proxy corpus size (default 200)')
    parser.set_defaults(func=run)
