#!/usr/bin/env bash
# The README's test command: set up (or reuse) the environment, then run the whole test suite on CPU.
#   bash tools/test.sh [pytest args]
# pytest's own exit code is kept: a run that collects no test (exit 5) fails like any other error.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
# tests/test_leaderboard_html.py drives a real browser: install Debian's chromium when it is missing and apt is
# usable (as root, or with passwordless sudo). Otherwise that test is skipped with the command, or fails under CI.
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
  echo "[test] installing Debian's chromium for the HTML leaderboard test" >&2
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium; } >/dev/null \
    || echo "[test] could not install chromium (apt-get install -y chromium); the HTML leaderboard test will skip (fail under CI)" >&2
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1} PYTHONHASHSEED=0
# -p no:cacheprovider keeps a read-only checkout clean; -n 2 uses both cores of a CI machine.
exec "$ROOT/.venv/bin/python" -m pytest -p no:cacheprovider -n "${MIMBENCH_TEST_WORKERS:-2}" --dist loadgroup \
  --durations=15 "$@"
