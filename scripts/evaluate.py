"""Evaluate adaptation (returns after 0..3 policy-gradient steps) of a checkpoint, or of a random init.

    python scripts/evaluate.py --checkpoint results/final/maml/seed0/checkpoint.pt --out results/final/maml/seed0/eval.json
    python scripts/evaluate.py --random-init --seed 0 --out results/baselines/random/seed0/eval.json
    python scripts/evaluate.py --checkpoint ... --eval-seed 12345 --runs 40   # seeds never used before

    python scripts/evaluate.py --random-init --seed 0 --task-family velocity --out ...   # goal-velocity family

For each direction (backward = HalfCheetahBackward, forward), or for the goal-velocity family's test,
extrapolation and anchor goals, the JSON holds the per-run mean returns (runs x steps+1), their mean and
standard error, the step sizes and the evaluation seed.
"""
import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import nbdefs  # noqa: E402


def positive_int(text):
    """argparse type: an integer >= 1 (0 would silently fall back to the config's default)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def step_size(text):
    """argparse type: a finite number > 0 (a NaN step would poison the adapted policy's actions)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint")
    src.add_argument("--random-init", action="store_true", help="the freshly initialised policy of --seed")
    p.add_argument("--seed", type=int, default=0, help="policy-init seed for --random-init")
    p.add_argument("--eval-seed", type=int, default=None, help="evaluation seed (default: the run's seed + 1000, as in the notebook)")
    p.add_argument("--task-family", default="direction", help="task family of --random-init (direction or velocity)")
    p.add_argument("--runs", type=positive_int, default=None,
                   help="independent adaptation runs (default: config eval_batches)")
    p.add_argument("--lrs", type=step_size, nargs="+", default=None, help="step sizes (default: config eval_inner_lrs)")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    nb = nbdefs.load()
    try:
        if args.checkpoint:
            policy, theta, cfg = nb.load_policy(args.checkpoint)
        else:
            cfg = nb.make_config("full", seed=args.seed, task_family=args.task_family)
            policy = nb.make_policy(cfg)
            theta = nb.detached_params(policy)
    except (nb.support.CheckpointError, nb.support.ConfigError) as e:
        raise SystemExit(f"error: {e}")
    nb.setup_torch(cfg)
    eval_seed = cfg.seed + nb.EVAL_SEED_OFFSET if args.eval_seed is None else args.eval_seed
    out = {"source": args.checkpoint or f"random init, seed {args.seed}", "eval_seed": eval_seed,
           "lrs": list(args.lrs or cfg.eval_inner_lrs)}
    t = time.perf_counter()
    out.update(nb.evaluate_tasks(policy, theta, cfg, n_runs=args.runs, lrs=args.lrs, seed=eval_seed))
    for name in ("test", "extrapolation", "anchors") if cfg.task_family == "velocity" else ("backward", "forward"):
        print(name, [round(x, 1) for x in out[name]["mean"]], "sem", [round(x, 1) for x in out[name]["sem"]], flush=True)
    out["seconds"] = time.perf_counter() - t
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
