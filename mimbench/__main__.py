"""``python -m mimbench ...``: the same command as ``mimbench ...`` (for environments without the script)."""
import sys

from mimbench.cli import main

if __name__ == '__main__':
    sys.exit(main())
