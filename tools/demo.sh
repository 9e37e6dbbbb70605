#!/usr/bin/env bash
# The README's main command: set up (or reuse) the environment, then run the embedded demo on CPU:
# generate tiny datasets, pre-train SimMIM, MAE, CiM and MixMIM on the proxy corpus and linear-probe each
# against random init (Δ, interval, p-value: mimbench proxy in short form), evaluate each encoder and a
# randomly initialised one on the smoke variant of every task, and write the leaderboards and plots.
#   bash tools/demo.sh [mimbench demo args, e.g. --work-dir DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/mimbench" demo "$@"
