#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment with the pinned OpenMMLab stack and mimbench.
#
#   tools/setup_env.sh            sets up .venv (or $MIMBENCH_VENV) and prints nothing else on reuse
#
# Steps, each skipped when already done:
#   1. python3.11 -m venv, setuptools pinned to [77.0.3, 82) (torch needs >=77.0.3, mmcv and mmengine's
#      `mmdet::` config inheritance need pkg_resources, removed in 82);
#   2. torch 2.14.1 + torchvision 0.29.1;
#   3. mmcv 2.1.0 with compiled ops, from the wheel cache or built once by tools/build_mmcv.sh;
#   4. mimbench itself (editable) with the rest of the stack pinned in pyproject.toml.
# A stamp file records the hash of pyproject.toml and these scripts: an unchanged project re-uses the
# environment in about a second.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MIMBENCH_VENV:-$ROOT/.venv}
PYTHON_BIN=${MIMBENCH_PYTHON:-python3.11}
STAMP="$VENV/.mimbench-setup"
say() { echo "[setup] $*" >&2; }

want=$(cat "$ROOT/pyproject.toml" "$ROOT/tools/setup_env.sh" "$ROOT/tools/build_mmcv.sh" | sha256sum | cut -c1-16)
if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

command -v "$PYTHON_BIN" >/dev/null || { echo "setup: $PYTHON_BIN not found. mimbench needs Python 3.11 (set MIMBENCH_PYTHON to its path)." >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment $VENV"
  "$PYTHON_BIN" -m venv "$VENV"
fi
PY="$VENV/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1
say "installing build tools and torch 2.14.1 / torchvision 0.29.1"
"$PY" -m pip install --quiet "setuptools>=77.0.3,<82" wheel
"$PY" -m pip install --quiet "torch==2.14.1" "torchvision==0.29.1"

if ! "$PY" -c 'import mmcv, mmcv.ops' 2>/dev/null || [ "$("$PY" -c 'import mmcv; print(mmcv.__version__)')" != "2.1.0" ]; then
  wheel=$(bash "$ROOT/tools/build_mmcv.sh" "$PY" | tail -n1)
  say "installing $wheel"
  "$PY" -m pip install --quiet "$wheel"
fi

say "installing mimbench and the OpenMMLab stack"
"$PY" -m pip install --quiet -e "$ROOT[test]"
# mmpretrain 1.2.0 imports broken multimodal code when `transformers` is present; keep it out.
"$PY" -m pip uninstall --quiet -y transformers 2>/dev/null || true
"$PY" -c 'import mmcv.ops, mmdet, mmseg, mmpretrain, mimbench' \
  || { echo "setup: the stack installed but does not import; see the error above." >&2; exit 1; }
echo "$want" > "$STAMP"
say "environment ready: $VENV"
