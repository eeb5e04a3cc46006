"""What the TRPO meta-update spends its time on, part by part, and what fewer line-search evaluations could save.

    python benchmarks/update_parts.py [--checkpoint PATH] [--iteration 1000] [--repeats 5] [--metrics GLOB]

From a checkpoint it builds one meta-iteration's MetaProblem with the checkpoint's own configuration
(iteration --iteration of its seed's streams, one no run used) and times, median over --repeats:
  gradient     the meta-loss and its gradient through the inner step (once per update)
  setup        building the curvature product (once per update)
  product      one curvature product (CG takes cg_iters of them, the step length one more)
  evaluation   one line-search evaluation: adapted policies at a candidate theta, surrogate and KL
The line-search evaluations an update made come from the training metrics (--metrics, trpo/ls_step:
accepted step j costs j + 1 evaluations, no accepted step ls_steps). From these it composes the
update's time, gradient + setup + (cg_iters + 1) products + mean evaluations x evaluation, and the
line search's share of it: the most that any scheme with fewer evaluations could save.
Prints a table; the last line is one JSON object. A benchmark, not a test.
"""
import argparse
import glob
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import nbdefs  # noqa: E402
from curvature import meta_problem  # noqa: E402


def evaluations(ls_step: int, ls_steps: int) -> int:
    """Line-search evaluations of one update: accepted step j took j + 1; none accepted (-1) took all."""
    return ls_steps if ls_step < 0 else ls_step + 1


def median_seconds(f, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default="results/final/maml/seed3/checkpoint.pt")
    p.add_argument("--iteration", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--metrics", default="results/final/maml/seed*/metrics.jsonl",
                   help="training metrics whose trpo/ls_step give the evaluations per update")
    args = p.parse_args()
    files = sorted(glob.glob(args.metrics))
    if not files:
        raise SystemExit(f"error: --metrics {args.metrics!r} matches no file")
    nb = nbdefs.load()
    policy, theta, cfg = nb.load_policy(args.checkpoint)
    nb.setup_torch(cfg)
    steps = [json.loads(line)["trpo/ls_step"] for f in files for line in open(f)]
    mean_evals = statistics.mean(evaluations(j, cfg.ls_steps) for j in steps)
    problem = meta_problem(nb, policy, theta, cfg, args.iteration)
    th = {k: v.detach().clone().requires_grad_(True) for k, v in theta.items()}

    def gradient():
        loss, _ = problem.loss_and_kl(th)
        return nb.flat(torch.autograd.grad(loss, list(th.values())))

    g = gradient()
    Hvp = nb.curvature_product(problem, th, cfg)
    cand = {k: v.detach() + 1e-3 for k, v in th.items()}

    def evaluation():
        with torch.no_grad():
            return problem.loss_and_kl(cand, create_graph=False)

    parts = {"gradient": median_seconds(gradient, args.repeats),
             "setup": median_seconds(lambda: nb.curvature_product(problem, th, cfg), args.repeats),
             "product": median_seconds(lambda: Hvp(g), args.repeats),
             "evaluation": median_seconds(evaluation, args.repeats)}
    counts = {"gradient": 1, "setup": 1, "product": cfg.cg_iters + 1, "evaluation": mean_evals}
    total = sum(parts[k] * counts[k] for k in parts)
    shares = {k: round(parts[k] * counts[k] / total, 3) for k in parts}
    print(f"{'part':12s} {'s each':>8s} {'per update':>10s} {'share':>6s}")
    for k in parts:
        print(f"{k:12s} {parts[k]:8.3f} {counts[k]:10.2f} {shares[k]:6.3f}")
    print(json.dumps({"checkpoint": args.checkpoint, "iteration": args.iteration, "repeats": args.repeats,
                      "curvature": cfg.curvature, "hvp_tasks": cfg.hvp_tasks, "cg_iters": cfg.cg_iters,
                      "seconds_each": {k: round(v, 4) for k, v in parts.items()},
                      "per_update": {k: round(v, 3) for k, v in counts.items()},
                      "update_s_composed": round(total, 3), "shares": shares,
                      "ls_step_counts": {str(j): steps.count(j) for j in sorted(set(steps))},
                      "metrics_files": files, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                      "machine": platform.processor() or platform.machine()}))


if __name__ == "__main__":
    main()
