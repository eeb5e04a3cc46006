"""Would warm-starting the meta-update's conjugate gradient from the previous iteration's solution help?

    python benchmarks/cg_warm_start.py [--checkpoint PATH] [--iteration 1000] [--steps 5]

From a checkpoint it runs `--steps` consecutive meta-iterations with the checkpoint's own configuration
(iterations --iteration, --iteration + 1, ... of its seed's streams, ones no run used), each with its real
TRPO update, so theta moves as it does in training. At every iteration after the first it solves
H x = -g (g the meta-gradient, H the configured curvature product) by CG with n = 3, 5 and 10 iterations:
  cold   from x0 = 0, as the meta-update does today;
  warm   from x0 = the previous iteration's 10-iteration solution. CG from x0 is CG on H y = -g - H x0,
         x = x0 + y, so the notebook's own conjugate_gradient does both (one extra product for warm).
Per start and count it reports, against a 30-iteration cold solve of the same system:
  cos    the cosine between x and the reference
  gain   -g.x / sqrt(x^T H x): the first-order improvement per unit of trust-region radius (the
         quantity the TRPO step buys; cg_convergence.py reports the same for cold starts)
and, once per pair of iterations, prev_cos: the cosine between consecutive reference solutions (warm
starting can only help as far as that is large). Prints a table; the last line is one JSON object.
A benchmark, not a test: medians over the iterations are its summary.
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import nbdefs  # noqa: E402

COUNTS = (3, 5, 10)
REFERENCE_ITERS = 30


def cos(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(a @ b / (a.norm() * b.norm()))


def warm_cg(nb, Hvp, b: torch.Tensor, x0: torch.Tensor, iters: int) -> torch.Tensor:
    """CG for H x = b started from x0: x0 + the notebook's CG on H y = b - H x0 (CG from a nonzero start is
    CG from zero on the residual system; the iterates are the same in exact arithmetic)."""
    return x0 + nb.conjugate_gradient(Hvp, b - Hvp(x0), iters)


def solves(nb, problem, theta, cfg, x_prev):
    """(reference solution, {start: {n: {cos, gain}}}) for one iteration's system H x = -g."""
    th = {k: v.detach().clone().requires_grad_(True) for k, v in theta.items()}
    loss, _ = problem.loss_and_kl(th)
    g = nb.flat(torch.autograd.grad(loss, list(th.values()))).detach()
    Hvp = nb.curvature_product(problem, th, cfg)
    ref = nb.conjugate_gradient(Hvp, -g, REFERENCE_ITERS)

    def score(x):
        return {"cos": round(cos(x, ref), 4), "gain": round(float(-(g @ x) / torch.sqrt(x @ Hvp(x))), 5)}

    rows = {"cold": {n: score(nb.conjugate_gradient(Hvp, -g, n)) for n in COUNTS}}
    if x_prev is not None:
        rows["warm"] = {n: score(warm_cg(nb, Hvp, -g, x_prev, n)) for n in COUNTS}
    return ref, nb.conjugate_gradient(Hvp, -g, max(COUNTS)), rows


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default="results/final/maml/seed3/checkpoint.pt")
    p.add_argument("--iteration", type=int, default=1000)
    p.add_argument("--steps", type=int, default=5, help="consecutive meta-iterations (>= 2)")
    args = p.parse_args()
    if args.steps < 2:
        raise SystemExit(f"error: --steps must be at least 2 (warm starts need a previous iteration), got {args.steps}")
    nb = nbdefs.load()
    policy, theta, cfg = nb.load_policy(args.checkpoint)
    nb.setup_torch(cfg)
    env = nb.make_env(cfg, np.ones(cfg.meta_batch_size * cfg.traj_per_task))
    per_iteration, x_prev, ref_prev = [], None, None
    try:
        for it in range(args.iteration, args.iteration + args.steps):
            new_theta, result = nb.meta_iteration(cfg, policy, theta, it, env, check=lambda name, x: x)
            ref, x10, rows = solves(nb, result.problem, theta, cfg, x_prev)
            if ref_prev is not None:
                rows["prev_cos"] = round(cos(ref, ref_prev), 4)
                per_iteration.append(rows)
                print(f"it {it}: prev_cos {rows['prev_cos']:.3f} | " + " | ".join(
                    f"n={n} cold {rows['cold'][n]['cos']:.3f}/{rows['cold'][n]['gain']:.4f} "
                    f"warm {rows['warm'][n]['cos']:.3f}/{rows['warm'][n]['gain']:.4f}" for n in COUNTS),
                    file=sys.stderr, flush=True)
            theta, x_prev, ref_prev = new_theta, x10, ref
    finally:
        env.close()
    median = {start: {n: {k: round(statistics.median(r[start][n][k] for r in per_iteration), 4) for k in ("cos", "gain")}
                      for n in COUNTS} for start in ("cold", "warm")}
    median["prev_cos"] = round(statistics.median(r["prev_cos"] for r in per_iteration), 4)
    print(json.dumps({"checkpoint": args.checkpoint, "iterations": [args.iteration, args.iteration + args.steps - 1],
                      "cg_iters": list(COUNTS), "reference_iters": REFERENCE_ITERS, "median": median,
                      "per_iteration": per_iteration}))


if __name__ == "__main__":
    main()
