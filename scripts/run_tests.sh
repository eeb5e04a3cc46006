#!/usr/bin/env bash
# Set up, then run the whole test suite (including the notebook's smoke run through papermill).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -q tests "$@"
