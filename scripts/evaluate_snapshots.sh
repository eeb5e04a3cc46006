#!/usr/bin/env bash
# Evaluate every kept checkpoint (checkpoint_iter{N}.pt) of the MAML runs, to see adaptation
# against meta-training time. Writes results/maml/seed*/eval_iter{N}.json; skips existing files.
set -euo pipefail
cd "$(dirname "$0")/.."
export MUJOCO_GL="${MUJOCO_GL:-egl}"
for ck in results/maml/seed*/checkpoint_iter*.pt; do
  [ -e "$ck" ] || continue
  n=${ck##*checkpoint_iter}; n=${n%.pt}
  out="$(dirname "$ck")/eval_iter$n.json"
  [ -e "$out" ] || .venv/bin/python scripts/evaluate.py --checkpoint "$ck" --out "$out"
done
