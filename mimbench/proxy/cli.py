"""``mimbench proxy``: pre-train every method briefly on the proxy corpus and test it against random init.

    mimbench proxy [--work-dir DIR] [--pretrain-iters N] [--transfer-iters N] [--seeds 0,1,2]
                   [--tasks linear,finetune,detection,segmentation] [--methods mae,simmim,cim,mixmim]
                   [--configs configs/pretrain/<method>/ablation/<variant>.py ...]

``--configs`` tests further pre-training configs of a method (its ablation variants) the same way, each
against random init, e.g. MAE with mask tokens in the encoder (mae.txt Table 1(c), the paper's 14-point
linear-probing drop) next to the same recipe without them.

Prints, per method x task, the pre-trained and random-init metric (mean over seeds), Δ with its 95% interval
and p-value, and writes them to ``DIR/proxy.csv``. A stopped run resumes where it stopped.
"""
from __future__ import annotations

import argparse
from pathlib import Path

COLUMNS = ['method', 'backbone', 'task', 'metric', 'pretrained', 'random_init', 'delta', 'ci_low', 'ci_high',
           'p_value']


def _configs(table):
    """Each row's pre-training config name ('' for a method's own recipe), or None when no row has one."""
    names = table['config'].fillna('').astype(str) if 'config' in table else None
    return names if names is not None and names.astype(bool).any() else None


def format_table(table) -> str:
    """The Δ table as fixed-width text (numbers to 2 decimals, p-values to 3 significant digits)."""
    columns = COLUMNS if _configs(table) is None else COLUMNS[:1] + ['config'] + COLUMNS[1:]
    shown = table[columns].copy()
    shown['p_value'] = shown['p_value'].map(lambda p: f'{p:.3g}')
    return shown.to_string(index=False, float_format=lambda v: f'{v:.2f}')


def summary(table) -> str:
    """One line: for how many method x task pairs pre-training beats random init at p < 0.05."""
    better = table[(table.p_value < 0.05) & (table.delta > 0)]
    worse = table[(table.p_value < 0.05) & (table.delta < 0)]
    text = f'pre-training beats random init at p < 0.05 in {len(better)} of {len(table)} method x task pairs'
    if len(worse):
        names, configs = worse.method, _configs(worse)
        if configs is not None:
            names = names + ('/' + configs).where(configs.astype(bool), '')
        text += f'; random init is better in {len(worse)} ({", ".join(names + "/" + worse.task)})'
    return text


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(',') if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected comma-separated integers such as 0,1,2, got {text!r}')


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from mimbench.proxy.benchmark import FULL, TASKS, with_overrides
    from mimbench.proxy.pretraining import METHODS

    console = Console(stderr=True, soft_wrap=True)
    tasks = tuple(t for t in args.tasks.split(',') if t) if args.tasks else None
    methods = tuple(m for m in args.methods.split(',') if m) if args.methods else None
    known = [m for m, _ in METHODS]
    bad = [t for t in tasks or () if t not in TASKS] + [m for m in methods or () if m not in known]
    if bad:
        console.print(f'[red]mimbench proxy: unknown task(s)/method(s) {", ".join(bad)}; tasks: '
                      f'{", ".join(TASKS)}; methods: {", ".join(known)}[/red]')
        return 2
    if args.seeds is not None and len(args.seeds) < 1:
        console.print('[red]mimbench proxy: --seeds needs at least one seed, e.g. 0,1,2[/red]')
        return 2
    from mimbench.proxy.benchmark import config_arm
    try:
        for config in args.configs or ():
            config_arm(config)
    except ValueError as err:
        console.print(f'[red]mimbench proxy: {err}[/red]')
        return 2
    if args.configs and not methods:
        methods = ()              # only the named configs (with --methods too: both)
    settings = with_overrides(
        FULL, pretrain_iters=args.pretrain_iters, transfer_iters=args.transfer_iters, seeds=args.seeds,
        tasks=tasks, configs=tuple(args.configs) if args.configs else None,
        methods=tuple((m, b) for m, b in METHODS if m in methods) if methods is not None else None)
    from mimbench.proxy.benchmark import run_proxy

    table = run_proxy(Path(args.work_dir), settings, console)
    print(format_table(table))
    console.print(summary(table))
    console.print(f'table: {Path(args.work_dir).resolve() / "proxy.csv"}')
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser('proxy', help='can the suite tell pre-trained from random init? (CPU)',
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work-dir', default='work_dirs/proxy')
    parser.add_argument('--pretrain-iters', type=int, help='pre-training iterations per method')
    parser.add_argument('--transfer-iters', type=int, help='fine-tuning/detection/segmentation iterations')
    parser.add_argument('--seeds', type=_ints, help='comma-separated seeds (default 0,1,2)')
    parser.add_argument('--tasks', help='comma-separated: linear,finetune,detection,segmentation')
    parser.add_argument('--methods', help='comma-separated: mae,simmim,cim,mixmim')
    parser.add_argument('--configs', nargs='+', metavar='CONFIG',
                        help="pre-training configs under configs/pretrain/<method>/ (e.g. ablation variants) "
                             "to test as further encoders, each on its method's backbone; alone, only these "
                             'run (with --methods: both)')
    parser.set_defaults(func=run)
