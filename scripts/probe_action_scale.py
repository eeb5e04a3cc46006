"""Effect of the action scale on one adaptation step at initialisation (the notebook's section 4 note).

    python scripts/probe_action_scale.py [--runs 10] [--out benchmarks/results/action_scale_probe.json]

For each (action_scale, init_log_std, step size) it evaluates the freshly initialised seed-0 policy on
HalfCheetahBackward: mean return before and after one policy-gradient step, over --runs independent
runs of 20 trajectories.
"""
import argparse
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import nbdefs  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--out", default="benchmarks/results/action_scale_probe.json")
    args = p.parse_args()
    nb = nbdefs.load()
    rows = []
    for scale, log_std in ((10.0, 0.0), (1.0, 0.0), (10.0, math.log(5.0))):
        cfg = nb.make_config("full", action_scale=scale, init_log_std=log_std)
        nb.setup_torch(cfg)
        policy = nb.make_policy(cfg)
        theta = nb.detached_params(policy)
        for lr in (0.1, 1.0):
            r, _ = nb.evaluate_adaptation(policy, theta, cfg, -1.0, n_runs=args.runs, lrs=(lr,))
            s = nb.summarize(r)
            rows.append({"action_scale": scale, "init_log_std": log_std, "lr": lr,
                         "before": s["mean"][0], "after": s["mean"][1], "sem": s["sem"]})
            print(f"scale {scale:>4}  log_std {log_std:.2f}  lr {lr}:  {s['mean'][0]:7.2f} -> {s['mean'][1]:7.2f}"
                  f"  (s.e.m. {s['sem'][0]:.2f}, {s['sem'][1]:.2f})", flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
