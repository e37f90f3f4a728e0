#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source on its Ubuntu 22.04
# base image, to build the grading environment of @ASSIGNMENT@.
# Written by `dlcourse export gradescope`; the zip it came in is the
# instructor's autograder (it holds the reference solution): never share it.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# bubblewrap isolates student code; python3-venv gives grading its own interpreter.
apt-get install -y -qq python3 python3-venv python3-pip bubblewrap >/dev/null
VENV="${AUTOGRADER_ROOT:-/autograder}/venv"
python3 -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
"${PIP[@]}" --upgrade pip
if [ "@NEEDS_TORCH@" = 1 ]; then
  # torch first, pinned, so that no wider requirement pulls another build.
  # TORCH_INDEX_URL (set below at export time, or in the environment) selects
  # the index of the CPU-only wheels.
  TORCH_INDEX_URL="${TORCH_INDEX_URL:-@TORCH_INDEX_URL@}"
  "${PIP[@]}" -c constraints.txt ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} torch
fi
"${PIP[@]}" -c constraints.txt -r requirements.txt
# The package itself runs from source (dlcourse/ on PYTHONPATH, see run_autograder).
"$VENV/bin/python" -c "import numpy, pytest, click, rich, yaml; print('dlcourse autograder for @ASSIGNMENT@ is set up')"
