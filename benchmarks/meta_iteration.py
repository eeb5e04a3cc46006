"""Where a meta-iteration's time goes, against the pure physics of the same agent steps, in one run.

    python benchmarks/meta_iteration.py [--iterations 5] [--warmup 1] [--set field=value ...]

For the `full` configuration it times `--iterations` meta-iterations (after `--warmup` untimed ones)
of the notebook's `meta_iteration`, split into its phases (sample, advantages, adapt, update), and,
on the same cores in the same process, pure MuJoCo physics for the same number of agent steps
(`mujoco.rollout`, one thread per core, open-loop random controls: no policy, no Python).
It does this twice: for the configuration as given ("after") and with the update of the previous
version of the code ("before": exact double-backward KL Hessian over 10 tasks), so the two can be
compared on one machine. Prints a table; the last line is one JSON object. A benchmark, not a test.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import mujoco
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))
import nbdefs  # noqa: E402
from meta_train import parse_overrides  # noqa: E402
from sampler import physics_sps  # noqa: E402

BEFORE = {"curvature": "exact", "hvp_tasks": 10}
PHASES = ("sample", "advantages", "adapt", "update")


def time_iterations(nb, cfg, iterations: int, warmup: int) -> dict:
    """Median seconds per phase and per whole meta-iteration over `iterations` timed iterations."""
    nb.setup_torch(cfg)
    policy = nb.make_policy(cfg)
    theta = nb.detached_params(policy)
    env = nb.support.BatchedHalfCheetah(np.ones(cfg.meta_batch_size * cfg.traj_per_task), cfg.horizon,
                                cfg.ctrl_cost_weight, cfg.num_threads)
    rows = []
    try:
        for it in range(warmup + iterations):
            t = time.perf_counter()
            theta, r = nb.meta_iteration(cfg, policy, theta, it, env, lambda name, x: x)
            total = time.perf_counter() - t
            if it >= warmup:
                rows.append({**{p: r.seconds.get(p, 0.0) for p in PHASES}, "iteration": total})
            print(f"  {'warm-up' if it < warmup else 'timed'} iteration {it + 1}: {total:.2f} s "
                  + " ".join(f"{p} {r.seconds.get(p, 0.0):.2f}" for p in PHASES), file=sys.stderr, flush=True)
    finally:
        env.close()
    return {k: statistics.median(row[k] for row in rows) for k in (*PHASES, "iteration")}


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a config field")
    p.add_argument("--no-before", action="store_true", help="skip the 'before' configuration")
    args = p.parse_args()
    nb = nbdefs.load()
    after = nb.make_config("full", **parse_overrides(args.set))
    configs = {"after": after} if args.no_before else {"before": nb.make_config("full", **{
        **parse_overrides(args.set), **BEFORE}), "after": after}
    cores = os.cpu_count() or 1
    steps = 2 * after.meta_batch_size * after.traj_per_task * after.horizon  # pre + post batches
    env = nb.support.BatchedHalfCheetah(np.ones(after.meta_batch_size * after.traj_per_task), after.horizon)
    model, frame_skip = env.model, env.frame_skip
    env.close()
    timings = {}
    for name, cfg in configs.items():
        print(f"{name}: curvature={cfg.curvature}, hvp_tasks={cfg.hvp_tasks}", file=sys.stderr, flush=True)
        timings[name] = time_iterations(nb, cfg, args.iterations, args.warmup)
    sps = statistics.median(physics_sps(model, steps // after.horizon, after.horizon, frame_skip, cores)
                            for _ in range(3))
    physics_s = steps / sps
    print(f"\nseconds per meta-iteration (median of {args.iterations}; {steps:,} agent steps; {cores} cores)")
    print(f"  {'phase':<12}" + "".join(f"{n:>18}" for n in timings))
    for ph in (*PHASES, "iteration"):
        print(f"  {ph:<12}" + "".join(f"{t[ph]:>9.2f} s {t[ph] / t['iteration']:>5.0%}" for t in timings.values()))
    print(f"  physics      {physics_s:>9.2f} s   (mujoco.rollout, {sps:,.0f} agent steps/s)")
    for n, t in timings.items():
        print(f"  {n}: iteration / physics = {t['iteration'] / physics_s:.2f}, update share = "
              f"{t['update'] / t['iteration']:.2f}")
    a = timings["after"]
    res = {"iteration_s": round(a["iteration"], 6), "physics_s": round(physics_s, 6),
           "ratio": round(a["iteration"] / physics_s, 3), "update_share": round(a["update"] / a["iteration"], 3),
           "phases_s": {k: round(a[k], 6) for k in PHASES},
           "before": {k: round(v, 3) for k, v in timings.get("before", {}).items()},
           "before_ratio": round(timings["before"]["iteration"] / physics_s, 3) if "before" in timings else None,
           "agent_steps_per_iteration": steps, "iterations": args.iterations, "warmup": args.warmup,
           "cores": cores, "cpu": cpu_name(), "torch": torch.__version__, "mujoco": mujoco.__version__,
           "numpy": np.__version__, "python": platform.python_version()}
    print(json.dumps(res))


if __name__ == "__main__":
    main()
