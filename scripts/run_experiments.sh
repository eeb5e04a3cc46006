#!/usr/bin/env bash
# All results behind the report, in order of importance; finished runs are skipped (resume).
# Logs go to results/logs/. Usage: bash scripts/run_experiments.sh [seeds...]   (default 0 1 2)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MUJOCO_GL="${MUJOCO_GL:-egl}"
PY=.venv/bin/python
SEEDS=("${@:-0 1 2}"); SEEDS=(${SEEDS[*]})
mkdir -p results/logs
train() {  # name seed [--set ...]
  local name=$1 seed=$2; shift 2
  echo "$(date -u +%FT%TZ) train $name seed $seed" >> results/logs/progress.txt
  $PY scripts/meta_train.py --out "results/$name/seed$seed" --seed "$seed" "$@" > "results/logs/$name-seed$seed.log" 2>&1
  $PY scripts/evaluate.py --checkpoint "results/$name/seed$seed/checkpoint.pt" --out "results/$name/seed$seed/eval.json" \
    >> "results/logs/$name-seed$seed.log" 2>&1
}
first=${SEEDS[0]}
# baselines: TRPO without adaptation (inner_steps=0), 100 iterations of the same batch size
BASE=(--set inner_steps=0 --set meta_iterations=100)
train maml "$first"
train oracle "$first" --set task_family=backward "${BASE[@]}"
train pretrained "$first" "${BASE[@]}"
for s in "${SEEDS[@]}"; do
  $PY scripts/evaluate.py --random-init --seed "$s" --out "results/random/seed$s/eval.json" > "results/logs/random-seed$s.log" 2>&1
done
for s in "${SEEDS[@]:1}"; do train maml "$s"; done
for s in "${SEEDS[@]:1}"; do
  train oracle "$s" --set task_family=backward "${BASE[@]}"
  train pretrained "$s" "${BASE[@]}"
done
echo "$(date -u +%FT%TZ) all done" >> results/logs/progress.txt
