"""``mimbench data``: generate the tiny synthetic datasets, or check that a real dataset root is usable.

    mimbench data make --root data/synthetic [--tasks coco ade20k ...] [--seed 0]
    mimbench data check --task inat2018 --root /datasets/inat2018 [--sample 32]

``make`` writes each task under ``ROOT/<task>`` (skipping finished ones) and prints the paths to put in the
smoke configs' ``data_root``. ``check`` parses the root's annotation files and checks their consistency
(category and image ids, boxes inside their images, label maps the size of their images), decodes a sample of
the images (every image with ``--full``) and reports sizes against the official release; it exits 1 with the
list of problems (each naming its file) otherwise.
"""
from __future__ import annotations

import argparse
import sys

from mimbench.datasets.checks import DatasetRootError, check_root
from mimbench.datasets.synthetic import TASKS, make_all


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``data`` sub-command (sub-actions ``make`` and ``check``) to ``subparsers``."""
    parser = subparsers.add_parser('data', help='generate synthetic datasets or check a real dataset root',
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest='data_action', metavar='ACTION')
    actions.required = True
    make = actions.add_parser('make', help='write tiny synthetic datasets in each task\'s real format')
    make.add_argument('--root', required=True, help='folder to fill; each task goes to ROOT/<task>')
    make.add_argument('--tasks', nargs='+', default=list(TASKS), choices=TASKS, metavar='TASK',
                      help=f'tasks to generate (default: all of {", ".join(TASKS)})')
    make.add_argument('--seed', type=int, default=0)
    check = actions.add_parser('check', help='validate a real dataset root for one task')
    check.add_argument('--task', required=True, choices=TASKS)
    check.add_argument('--root', required=True)
    check.add_argument('--sample', type=int, default=32,
                       help='images per split to decode and check against their annotations (default 32)')
    check.add_argument('--full', action='store_true', help='decode and check every image (slow on real data)')
    parser.set_defaults(func=run)
    return parser


def run(args) -> int:
    """Execute ``mimbench data make|check``; returns the exit code."""
    if args.data_action == 'make':
        for task, path in make_all(args.root, tasks=tuple(args.tasks), seed=args.seed).items():
            print(f'{task:<10} {path}')
        return 0
    try:
        report = check_root(args.task, args.root, sample=None if args.full else args.sample)
    except DatasetRootError as err:
        print(f'FAIL {err}', file=sys.stderr)
        return 1
    print(f'OK {report["task"]} at {report["root"]}')
    for split, counts in report['splits'].items():
        print(f'  {split}: ' + ', '.join(f'{v} {k}' for k, v in counts.items()))
    for warning in report['warnings']:
        print(f'  warning: {warning}')
    return 0
