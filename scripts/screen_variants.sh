#!/usr/bin/env bash
# Screening: every variant at one fixed budget (ITERS meta-iterations of the `full` size, i.e.
# ITERS x 160k environment steps) on seeds 0 and 1, each evaluated on 20 adaptation runs per direction.
# Results: results/screen/<variant>/seed<S>/{metrics.jsonl,eval.json}; logs next to them.
# Usage: bash scripts/screen_variants.sh [ITERS]   (default 40 = 6.4 M steps); finished runs are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
export MUJOCO_GL="${MUJOCO_GL:-egl}"
PY=.venv/bin/python
ITERS=${1:-40}
declare -A VARIANTS=(
  [vpg]=""
  [lvc]="--set inner_objective=lvc"
  [first-order]="--set first_order=true"
  [lvc-scale10]="--set inner_objective=lvc --set action_scale=10"
  [lvc-lr0.3]="--set inner_objective=lvc --set inner_lr=0.3 --set eval_inner_lrs=[0.3,0.15,0.15]"
)
ORDER=(vpg lvc first-order lvc-scale10 lvc-lr0.3)
for seed in 0 1; do
  for name in "${ORDER[@]}"; do
    out="results/screen/$name/seed$seed"
    [ -f "$out/eval.json" ] && continue
    mkdir -p "$out"
    echo "$(date -u +%FT%TZ) screen $name seed $seed" >> results/screen/progress.txt
    # shellcheck disable=SC2086
    $PY scripts/meta_train.py --out "$out" --seed "$seed" --set meta_iterations="$ITERS" --set keep_every=0 \
      ${VARIANTS[$name]} > "$out/train.log" 2>&1
    $PY scripts/evaluate.py --checkpoint "$out/checkpoint.pt" --out "$out/eval.json" --runs 20 >> "$out/train.log" 2>&1
  done
done
echo "$(date -u +%FT%TZ) screening done" >> results/screen/progress.txt
