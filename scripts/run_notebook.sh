#!/usr/bin/env bash
# Set up, then execute the notebook headlessly with the full config, in place: its outputs (and
# results/notebook_run/: metrics, checkpoint, evaluation, figures, video) come from this run.
# Extra arguments go to papermill, e.g.  bash scripts/run_notebook.sh -p size smoke
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MUJOCO_GL="${MUJOCO_GL:-egl}"
cd Notebooks
exec ../.venv/bin/papermill HW14_MAML.ipynb HW14_MAML.ipynb --cwd . --log-output "$@"
