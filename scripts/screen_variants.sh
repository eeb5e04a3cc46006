#!/usr/bin/env bash
# Screening: each variant at one fixed budget of environment steps on seeds 0 and 1, evaluated on 20
# adaptation runs per direction. Results: results/screen/<variant>/seed<S>/ (metrics.jsonl,
# checkpoint.pt, eval.json, train.log). Finished runs are skipped.
#   bash scripts/screen_variants.sh            # every variant below, 6.4 M steps each
#   bash scripts/screen_variants.sh lvc vpg    # only these
#   SEEDS="1" bash scripts/screen_variants.sh  # only seed 1 (default: SEEDS="0 1")
# A variant is "name|meta-iterations|--set overrides" on top of size `full` (KL 0.05, Fisher curvature),
# naming the inner objective, action scale and tasks per meta-batch explicitly, so that the later change
# of `full` to the winner leaves every variant as it was run; 40 iterations of 20 tasks and 80 of 10
# tasks are both 6.4 M steps.
set -euo pipefail
cd "$(dirname "$0")/.."
export MUJOCO_GL="${MUJOCO_GL:-egl}"
PY=.venv/bin/python
VARIANTS=(
  "vpg|40|--set inner_objective=vpg --set action_scale=1 --set meta_batch_size=20 --set hvp_tasks=20 --set balanced_tasks=false --set activation=relu"
  "lvc|40|--set inner_objective=lvc --set action_scale=1 --set meta_batch_size=20 --set hvp_tasks=20 --set balanced_tasks=false --set activation=relu"
  "first-order|40|--set inner_objective=vpg --set first_order=true --set action_scale=1 --set meta_batch_size=20 --set hvp_tasks=20 --set balanced_tasks=false --set activation=relu"
  "lvc-scale10|40|--set inner_objective=lvc --set action_scale=10 --set meta_batch_size=20 --set hvp_tasks=20 --set balanced_tasks=false --set activation=relu"
  "lvc-lr0.3|40|--set inner_objective=lvc --set action_scale=1 --set inner_lr=0.3 --set eval_inner_lrs=[0.3,0.15,0.15] --set meta_batch_size=20 --set hvp_tasks=20 --set balanced_tasks=false --set activation=relu"
  # second batch, after action scale 10 stood out in the first
  "vpg-scale10|40|--set inner_objective=vpg --set action_scale=10 --set meta_batch_size=20 --set hvp_tasks=20 --set balanced_tasks=false --set activation=relu"
  "lvc-scale10-k10|80|--set inner_objective=lvc --set action_scale=10 --set meta_batch_size=10 --set hvp_tasks=10 --set balanced_tasks=false --set activation=relu"
  # ProMP's outer step (with its LVC inner objective) at action scale 10
  "promp-scale10|40|--set inner_objective=lvc --set action_scale=10 --set outer=promp --set meta_batch_size=20 --set hvp_tasks=20 --set balanced_tasks=false --set activation=relu"
  # session 3: more meta-updates per environment step (fewer tasks per batch, or a wider trust region),
  # and meta-batches stratified over the two directions
  "lvc-scale10-k10b|80|--set inner_objective=lvc --set action_scale=10 --set meta_batch_size=10 --set hvp_tasks=10 --set max_kl=0.05 --set balanced_tasks=true --set activation=relu"
  "lvc-scale10-k4b|200|--set inner_objective=lvc --set action_scale=10 --set meta_batch_size=4 --set hvp_tasks=4 --set max_kl=0.05 --set balanced_tasks=true --set activation=relu"
  "lvc-scale10-k10b-kl0.1|80|--set inner_objective=lvc --set action_scale=10 --set meta_batch_size=10 --set hvp_tasks=10 --set max_kl=0.1 --set balanced_tasks=true --set activation=relu"
  # the hidden activation of the compact independent implementation (shared/reference/anchors.md)
  "lvc-scale10-k10b-tanh|80|--set inner_objective=lvc --set action_scale=10 --set meta_batch_size=10 --set hvp_tasks=10 --set max_kl=0.05 --set balanced_tasks=true --set activation=tanh"
  # the exact KL Hessian (double backward through the inner step) in place of the Fisher curvature:
  # does the fast update learn as well as the exact one? (issue 8)
  "lvc-scale10-k10b-tanh-exact|80|--set inner_objective=lvc --set action_scale=10 --set meta_batch_size=10 --set hvp_tasks=10 --set max_kl=0.05 --set balanced_tasks=true --set activation=tanh --set curvature=exact"
  # session 4: the inner step. Its size (the test-time sizes follow, halved after the first step as in the
  # paper), and a lower-variance inner gradient (GAE lambda 0.95 instead of Monte-Carlo returns)
  "lvc-scale10-k10b-tanh-lr0.2|80|--set inner_objective=lvc --set action_scale=10 --set meta_batch_size=10 --set hvp_tasks=10 --set max_kl=0.05 --set balanced_tasks=true --set activation=tanh --set inner_lr=0.2 --set eval_inner_lrs=[0.2,0.1,0.1]"
  "lvc-scale10-k10b-tanh-lr0.4|80|--set inner_objective=lvc --set action_scale=10 --set meta_batch_size=10 --set hvp_tasks=10 --set max_kl=0.05 --set balanced_tasks=true --set activation=tanh --set inner_lr=0.4 --set eval_inner_lrs=[0.4,0.2,0.2]"
  "lvc-scale10-k10b-tanh-lam0.95|80|--set inner_objective=lvc --set action_scale=10 --set meta_batch_size=10 --set hvp_tasks=10 --set max_kl=0.05 --set balanced_tasks=true --set activation=tanh --set gae_lambda=0.95"
  # the exact curvature at about a third of its cost per product (curvature 'jacobian'), alone and with GAE lambda
  # 0.95; a lower lambda still, with the Jacobian curvature
  "lvc-scale10-k10b-tanh-jac|80|--set inner_objective=lvc --set action_scale=10 --set meta_batch_size=10 --set hvp_tasks=10 --set max_kl=0.05 --set balanced_tasks=true --set activation=tanh --set curvature=jacobian"
  "lvc-scale10-k10b-tanh-lam0.95-jac|80|--set inner_objective=lvc --set action_scale=10 --set meta_batch_size=10 --set hvp_tasks=10 --set max_kl=0.05 --set balanced_tasks=true --set activation=tanh --set gae_lambda=0.95 --set curvature=jacobian"
  "lvc-scale10-k10b-tanh-lam0.9-jac|80|--set inner_objective=lvc --set action_scale=10 --set meta_batch_size=10 --set hvp_tasks=10 --set max_kl=0.05 --set balanced_tasks=true --set activation=tanh --set gae_lambda=0.9 --set curvature=jacobian"
  "lvc-scale10-k10b-tanh-lam0.8-jac|80|--set inner_objective=lvc --set action_scale=10 --set meta_batch_size=10 --set hvp_tasks=10 --set max_kl=0.05 --set balanced_tasks=true --set activation=tanh --set gae_lambda=0.8 --set curvature=jacobian"
)
mkdir -p results/screen
for seed in ${SEEDS:-0 1}; do
  for v in "${VARIANTS[@]}"; do
    IFS='|' read -r name iters sets <<< "$v"
    if [ $# -gt 0 ] && [[ ! " $* " == *" $name "* ]]; then continue; fi
    out="results/screen/$name/seed$seed"
    [ -f "$out/eval.json" ] && continue
    mkdir -p "$out"
    echo "$(date -u +%FT%TZ) screen $name seed $seed ($(git rev-parse --short HEAD))" >> results/screen/progress.txt
    # shellcheck disable=SC2086
    $PY scripts/meta_train.py --out "$out" --seed "$seed" --set meta_iterations="$iters" --set keep_every=0 \
      $sets > "$out/train.log" 2>&1
    $PY scripts/evaluate.py --checkpoint "$out/checkpoint.pt" --out "$out/eval.json" --runs 20 >> "$out/train.log" 2>&1
  done
done
echo "$(date -u +%FT%TZ) screening done" >> results/screen/progress.txt
