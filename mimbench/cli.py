"""The ``mimbench`` command: one argparse sub-command per area, each registered by the module that owns it.

Every area module exposes ``register(subparsers)``, which adds its sub-parser and sets ``func`` to a
function ``run(args) -> int`` returning the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# module path of each area that contributes sub-commands, in the order `mimbench --help` lists them
SUBCOMMAND_MODULES = (
    'mimbench.demo',
    'mimbench.proxy.cli',
    'mimbench.pretrain',
    'mimbench.evaluate',
    'mimbench.train',
    'mimbench.leaderboard.cli',
    'mimbench.compare',
    'mimbench.recipes.cli',
    'mimbench.datasets.cli',
    'mimbench.checkpoints.cli',
    'mimbench.info',
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='mimbench',
        description='Downstream-transfer benchmark suite for masked-image-modeling pre-training.',
    )
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == '__main__':
    sys.exit(main())
