#!/usr/bin/env bash
# Every benchmark behind the report, one after the other; run it on an otherwise idle machine (a
# training job on the same cores would slow both). Each writes its table to results/logs/<name>.txt
# and its last line, the JSON, to benchmarks/results/<name>.json.
#   bash scripts/run_benchmarks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
run() {  # name, then the benchmark's command line
  local name=$1; shift
  "$PY" "$@" > "results/logs/$name.txt" 2> "results/logs/$name.err"
  tail -n 1 "results/logs/$name.txt" > "benchmarks/results/$name.json.tmp" && mv "benchmarks/results/$name.json.tmp" "benchmarks/results/$name.json"
  echo "$(date -u +%FT%TZ) $name done"
}
mkdir -p results/logs benchmarks/results
run benchmark_sampler_200 benchmarks/sampler.py --tasks 10       # the final configuration's batch: 200 trajectories
run benchmark_sampler benchmarks/sampler.py                      # the paper's: 40 tasks x 20 = 800 trajectories
run benchmark_meta_iteration benchmarks/meta_iteration.py                                   # `full`: Jacobian curvature
run benchmark_meta_iteration_fisher benchmarks/meta_iteration.py --set curvature=fisher      # the cheaper Fisher curvature
# the Fisher-curvature final run of seed 3 (now archived as maml_fisher_lambda1)
run benchmark_curvature benchmarks/curvature.py --checkpoint results/archive/maml_fisher_lambda1/seed3/checkpoint.pt
# how far 10 CG iterations are from a converged natural step (the final runs' seeds 0 and 3, and an untrained policy)
run benchmark_cg_convergence benchmarks/cg_convergence.py
# warm-starting CG from the previous iteration's solution, along six real iterations of the final seed 3
run benchmark_cg_warm_start benchmarks/cg_warm_start.py --steps 6
# the update part by part, and the line search's share given the final runs' backtracking counts
run benchmark_update_parts benchmarks/update_parts.py
