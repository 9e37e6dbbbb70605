"""``mimbench leaderboard``: regenerate the paper tables, the combined leaderboard and the plots.

    mimbench leaderboard [--records DIR ...] [--out leaderboards] [--paper P] [--task T] [--html] [--check]

Without ``--records`` the tables hold the papers' numbers only; that is what is committed under
``leaderboards/``, and ``--check`` exits 1 when those committed files are stale. ``--html`` also writes
``index.html``: every table on one page, sortable and filterable, that opens from disk (no server).
"""
from __future__ import annotations

import argparse
import sys

from mimbench.results import PAPERS, TASKS


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        'leaderboard', help='regenerate the leaderboards from result records and the papers\' tables',
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--records', nargs='+', default=[], metavar='DIR',
                        help='results folders, mmengine work dirs or record files '
                             '(default: none, papers only)')
    parser.add_argument('--out', default='leaderboards', help='output folder (default: leaderboards)')
    parser.add_argument('--paper', action='append', choices=PAPERS,
                        help='only this paper\'s tables (repeatable)')
    parser.add_argument('--task', action='append', choices=TASKS,
                        help='only tables showing this task (repeatable)')
    parser.add_argument('--reference', default=None, metavar='DIR',
                        help='reference CSV folder (default: leaderboards/reference of this checkout)')
    parser.add_argument('--check', action='store_true',
                        help='write nothing; exit 1 if the files under --out differ from a fresh rendering')
    parser.add_argument('--no-plots', action='store_true', help='skip the PNG plots')
    parser.add_argument('--html', action='store_true',
                        help='also write index.html: all tables on one sortable, filterable page '
                             '(opens from disk)')
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from mimbench.leaderboard.build import build_leaderboards, check_leaderboards
    if args.check:
        stale = check_leaderboards(args.records, args.out, args.paper, args.task, args.reference)
        if stale:
            print(f'{len(stale)} leaderboard file(s) under {args.out} are stale:', file=sys.stderr)
            for name in stale:
                print(f'  {name}', file=sys.stderr)
            print('regenerate them with `mimbench leaderboard` (same options, without --check) and commit',
                  file=sys.stderr)
            return 1
        print(f'leaderboards under {args.out} are up to date')
        return 0
    written = build_leaderboards(args.records, args.out, args.paper, args.task, args.reference,
                                 plots=not args.no_plots, html=args.html)
    problems = written.pop('problems', None)
    print(f'wrote {len(written)} file(s) under {args.out}'
          + (f'; open {written["index.html"]} in a browser' if 'index.html' in written else ''))
    if problems is not None:
        count = len(problems.read_text().splitlines())
        print(f'{count} record(s) skipped, each reported above and listed in {problems}', file=sys.stderr)
    return 0
