#!/usr/bin/env bash
# Gradescope runs this as /autograder/run_autograder for every submission of
# @ASSIGNMENT@: it grades $AUTOGRADER_ROOT/submission with the sandboxed grader,
# public and hidden checks, and writes $AUTOGRADER_ROOT/results/results.json.
# DLCOURSE_PYTHON overrides the interpreter (default: the one setup.sh made).
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="${DLCOURSE_SOURCE:-$ROOT/source}"
PYTHON="${DLCOURSE_PYTHON:-$ROOT/venv/bin/python}"
export DLCOURSE_ROOT="$SOURCE/dlcourse"
export PYTHONPATH="$SOURCE/dlcourse${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$ROOT/results"
exec "$PYTHON" -c 'import sys; from autograder.platforms.gradescope.export import main; sys.exit(main(sys.argv[1:]))' \
  --assignment "@ASSIGNMENT@" \
  --submission "$ROOT/submission" \
  --metadata "$ROOT/submission_metadata.json" \
  --results "$ROOT/results/results.json"
