"""How far the TRPO meta-update's conjugate gradient is from converged after a given number of iterations.

    python benchmarks/cg_convergence.py [--checkpoint PATH ...] [--init-seed 3] [--init-size full] [--iteration 1000]

For each policy (checkpoints, and the freshly initialised policy of --init-seed) it samples one
meta-iteration's batches with the policy's own configuration (iteration --iteration of its seed's
streams, one no run used), forms the meta-gradient g and the configured curvature product H (the
final configuration: the Jacobian form), and solves H x = -g with 3, 5, 7, 10, 15, 20 and 30 CG
iterations. Per count it reports
  cos    the cosine between x and the 30-iteration solution
  gain   -g.x / sqrt(x^T H x): the surrogate's first-order improvement per unit of trust-region
         radius, i.e. what a step of KL delta gains to first order, divided by sqrt(2 delta)
The last line is one JSON object. A benchmark, not a test; seconds are not its point.
"""
import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import nbdefs  # noqa: E402
from curvature import meta_problem  # noqa: E402

COUNTS = (3, 5, 7, 10, 15, 20, 30)


def probe(nb, policy, theta, cfg, iteration):
    nb.setup_torch(cfg)
    problem = meta_problem(nb, policy, theta, cfg, iteration)
    th = {k: v.detach().clone().requires_grad_(True) for k, v in theta.items()}
    loss, _ = problem.loss_and_kl(th)
    g = nb.flat(torch.autograd.grad(loss, list(th.values())))
    Hvp = nb.curvature_product(problem, th, cfg)
    xs = {n: nb.conjugate_gradient(Hvp, -g, n) for n in COUNTS}
    ref = xs[max(COUNTS)]
    return {n: {"cos": round(float(x @ ref / (x.norm() * ref.norm())), 4),
                "gain": round(float(-(g @ x) / torch.sqrt(x @ Hvp(x))), 5)} for n, x in xs.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", nargs="*", default=["results/final/maml/seed0/checkpoint.pt",
                                                        "results/final/maml/seed3/checkpoint.pt"])
    p.add_argument("--init-seed", type=int, default=3)
    p.add_argument("--init-size", default="full", help="config size of the freshly initialised policy")
    p.add_argument("--iteration", type=int, default=1000)
    args = p.parse_args()
    nb = nbdefs.load()
    cfg = nb.make_config(args.init_size, seed=args.init_seed)
    policy = nb.make_policy(cfg)
    rows = {f"init seed {args.init_seed}": probe(nb, policy, nb.detached_params(policy), cfg, args.iteration)}
    for path in args.checkpoint:
        rows[path] = probe(nb, *nb.load_policy(path), args.iteration)
    print(f"{'policy':45s} " + " ".join(f"{n:>13d}" for n in COUNTS))
    for name, r in rows.items():
        print(f"{name[-45:]:45s} " + " ".join(f"{r[n]['cos']:.3f}/{r[n]['gain']:.4f}" for n in COUNTS))
    print(json.dumps({"iteration": args.iteration, "cg_iters": list(COUNTS), "policies": rows}))


if __name__ == "__main__":
    main()
