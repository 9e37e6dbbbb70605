#!/usr/bin/env bash
# Build mmcv 2.1.0 *with its compiled ops* for the torch in the active Python, once, and cache the wheel.
#
# Why a script: PyPI has only mmcv's sdist, and a plain `pip install mmcv==2.1.0` on today's stack
#  - builds under pip's build isolation, where torch is invisible, and silently produces a wheel
#    without `mmcv._ext` (every RoIAlign / nms call then fails at run time);
#  - compiles with -std=c++17, but torch >= 2.13 headers require C++20;
#  - imports pkg_resources, which setuptools >= 82 removed.
# So: fetch the sdist, raise the C++ standard, build with --no-build-isolation and MMCV_WITH_OPS=1 against
# the installed torch, check the wheel really holds the ops, and cache it under
# $MIMBENCH_CACHE/wheels/<torch version>-<cpu|cuda>/ so a second setup takes seconds.
# On a machine where torch sees CUDA (or FORCE_CUDA=1) the same script builds the CUDA ops.
#
# Usage: tools/build_mmcv.sh [PYTHON]     prints the path of the cached wheel on its last line.
set -euo pipefail

PY=${1:-python}
MMCV_VERSION=2.1.0
CACHE=${MIMBENCH_CACHE:-$HOME/.cache/mimbench}

die() { echo "build_mmcv: $*" >&2; exit 1; }

TORCH_TAG=$("$PY" - <<'PYEOF'
import os, torch
cuda = torch.cuda.is_available() or os.environ.get("FORCE_CUDA") == "1"
print(f"torch{torch.__version__.split('+')[0]}-{'cuda' + str(torch.version.cuda) if cuda else 'cpu'}")
PYEOF
) || die "torch is not importable from '$PY'. Install torch first (tools/setup_env.sh does)."

WHEEL_DIR="$CACHE/wheels/$TORCH_TAG"
mkdir -p "$WHEEL_DIR"
existing=$(ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n1 || true)
if [ -n "$existing" ]; then
  echo "build_mmcv: using cached wheel" >&2
  echo "$existing"
  exit 0
fi

command -v "${CXX:-g++}" >/dev/null || die "no C++ compiler found (looked for '${CXX:-g++}'). Install one, e.g. 'apt-get install g++', then re-run."
INC=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
[ -f "$INC/Python.h" ] || die "Python headers are missing ($INC/Python.h not found). Install them, e.g. 'apt-get install python3-dev', then re-run."
"$PY" -c 'import setuptools, sys; v = tuple(int(x) for x in setuptools.__version__.split(".")[:2]); sys.exit(not ((77, 0) <= v < (82, 0)))' \
  || die "setuptools must be >=77.0.3,<82 (torch needs >=77.0.3; mmcv's setup.py needs pkg_resources, removed in 82). Found $("$PY" -c 'import setuptools; print(setuptools.__version__)')."

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "build_mmcv: fetching mmcv==$MMCV_VERSION sdist" >&2
"$PY" -m pip download --quiet --no-deps --no-binary :all: --no-build-isolation -d "$WORK" "mmcv==$MMCV_VERSION" >&2
tar -xzf "$WORK"/mmcv-"$MMCV_VERSION".tar.gz -C "$WORK"
SRC="$WORK/mmcv-$MMCV_VERSION"
grep -q 'c++17' "$SRC/setup.py" || die "mmcv's setup.py no longer mentions c++17; this script's patch needs revisiting."
sed -i 's/c++17/c++20/g' "$SRC/setup.py"

echo "build_mmcv: compiling mmcv ops against $TORCH_TAG (about 8 minutes on 2 cores)" >&2
( cd "$SRC" && MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-2} "$PY" -m pip wheel --no-build-isolation --no-deps -w "$WORK/dist" . >&2 )
built=$(ls "$WORK"/dist/mmcv-*.whl | head -n1)
"$PY" -c 'import sys, zipfile; sys.exit(not any(n.startswith("mmcv/_ext") for n in zipfile.ZipFile(sys.argv[1]).namelist()))' "$built" \
  || die "the built wheel has no mmcv/_ext extension: the ops were not compiled. See the compiler output above."
cp "$built" "$WHEEL_DIR/"
echo "$WHEEL_DIR/$(basename "$built")"
