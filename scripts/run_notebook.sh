#!/usr/bin/env bash
# Set up, then execute the notebook headlessly with the full config, in place: its outputs come from
# this run. It trains into results/final/maml/seed<N> (its `run_dir` parameter) unless a finished run is
# there, in which case it loads that run and only evaluates, plots and films it.
# Extra arguments go to papermill, e.g.  bash scripts/run_notebook.sh -p size smoke
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd Notebooks
exec ../.venv/bin/papermill HW14_MAML.ipynb HW14_MAML.ipynb --cwd . --log-output "$@"
