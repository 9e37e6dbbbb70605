"""Training script that OpenMMLab's ``mim`` runs for ``mim train mimbench CONFIG [--launcher ...]``.

mim looks for ``<package>/.mim/tools/train.py`` and for configs under ``<package>/.mim/configs`` (a link to
the repository's ``configs/``); this delegates to ``mimbench.train`` so both entry points behave the same.
"""
import sys

from mimbench.train import main

if __name__ == '__main__':
    sys.exit(main())
