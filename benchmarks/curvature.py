"""How well, and how fast, each curvature product stands in for the exact KL Hessian of the meta-update.

    python benchmarks/curvature.py --checkpoint results/final/maml/seed3/checkpoint.pt [--stride 10] [--iteration 1000]

From a checkpoint it samples one meta-iteration's batches with the checkpoint's own configuration
(iteration `--iteration` of its seed's streams, one the run never used), builds the `MetaProblem`, and
applies each product of section 6.2 to three vectors: the meta-gradient's direction and two random
ones. For each it reports, against the exact double-backward product over the same tasks:
  rel_err     |Hv - H_exact v| / |H_exact v|, per vector
  vHv_ratio   v^T H v / v^T H_exact v, per vector (below 1: the metric underestimates the KL, and
              TRPO's step overshoots the trust region; above 1: it undershoots)
  product_s   seconds per product (median over the vectors), setup_s once per update
Products: 'fisher' and 'jacobian' at --stride and at stride 1, and 'exact'. Prints a table; the
last line is one JSON object. A benchmark, not a test.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import nbdefs  # noqa: E402


def meta_problem(nb, policy, theta, cfg, it):
    """The MetaProblem that iteration `it` of cfg.seed's streams hands its meta-update, at `theta`
    (restricted to the hvp_tasks tasks the curvature sees)."""
    env = nb.support.BatchedHalfCheetah(np.ones(cfg.meta_batch_size * cfg.traj_per_task), cfg.horizon,
                                cfg.ctrl_cost_weight, cfg.num_threads)
    try:
        _, result = nb.meta_iteration(cfg, policy, theta, it, env, check=lambda name, x: x)
    finally:
        env.close()
    problem = result.problem
    return nb.problem_subset(problem, cfg.hvp_tasks) if cfg.hvp_tasks < cfg.meta_batch_size else problem


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--stride", type=int, default=10)
    p.add_argument("--iteration", type=int, default=1000)
    args = p.parse_args()
    nb = nbdefs.load()
    policy, theta, cfg = nb.load_policy(args.checkpoint)
    nb.setup_torch(cfg)
    problem = meta_problem(nb, policy, theta, cfg, args.iteration)
    th = {k: v.detach().clone().requires_grad_(True) for k, v in theta.items()}
    loss, _ = problem.loss_and_kl(th)
    g = nb.flat(torch.autograd.grad(loss, list(th.values())))
    vectors = [g / g.norm()] + [torch.randn(g.numel(), generator=torch.Generator().manual_seed(i)) for i in (1, 2)]
    makers = {f"fisher_s{args.stride}": lambda: nb.fisher_vp(problem, args.stride, 0.0),
              "fisher_s1": lambda: nb.fisher_vp(problem, 1, 0.0),
              f"jacobian_s{args.stride}": lambda: nb.jacobian_fisher_vp(problem, th, args.stride, 0.0),
              "jacobian_s1": lambda: nb.jacobian_fisher_vp(problem, th, 1, 0.0),
              "exact": lambda: nb.exact_kl_hvp(problem, th, 0.0)}
    exact = nb.exact_kl_hvp(problem, th, 0.0)
    ref = [exact(v) for v in vectors]
    out = {}
    print(f"{'product':14s} {'setup s':>8s} {'product s':>9s}  rel. error per vector     vHv / exact per vector")
    for name, make in makers.items():
        t = time.perf_counter()
        f = make()
        setup = time.perf_counter() - t
        times, results = [], []
        for v in vectors:
            t = time.perf_counter()
            results.append(f(v))
            times.append(time.perf_counter() - t)
        err = [round(float((a - b).norm() / b.norm()), 4) for a, b in zip(results, ref)]
        quad = [round(float(v @ a / (v @ b)), 4) for v, a, b in zip(vectors, results, ref)]
        out[name] = {"setup_s": round(setup, 4), "product_s": round(statistics.median(times), 4),
                     "rel_err": err, "vHv_ratio": quad}
        print(f"{name:14s} {setup:8.3f} {statistics.median(times):9.3f}  {err}  {quad}")
    print(json.dumps({"checkpoint": args.checkpoint, "iteration": args.iteration, "stride": args.stride,
                      "tasks": problem.obs.shape[0], "states_per_task": problem.obs.shape[1],
                      "vectors": ["meta-gradient direction", "random (seed 1)", "random (seed 2)"],
                      "products": out, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                      "machine": platform.processor() or platform.machine()}))


if __name__ == "__main__":
    main()
