#!/usr/bin/env bash
# The README's test command: set up (or reuse) the environment, then run the whole test suite on CPU.
#   bash tools/test.sh [pytest args]
# pytest's own exit code is kept: a run that collects no test (exit 5) fails like any other error.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1} PYTHONHASHSEED=0
# -p no:cacheprovider keeps a read-only checkout clean; -n 2 uses both cores of a CI machine.
exec "$ROOT/.venv/bin/python" -m pytest -p no:cacheprovider -n "${MIMBENCH_TEST_WORKERS:-2}" --dist loadgroup \
  --durations=15 "$@"
