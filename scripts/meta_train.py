"""Meta-train (or, with --set inner_steps=0, TRPO-train a baseline) with the notebook's own code.

    python scripts/meta_train.py --out results/final/maml/seed0 --seed 0
    python scripts/meta_train.py --out /tmp/oracle/seed0 --seed 0 --set task_family=backward --set inner_steps=0

The experiments behind the report run through scripts/run_registry.py, which calls this script.

Writes config.json, metrics.jsonl and checkpoint.pt to --out; resumes from checkpoint.pt if present.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import nbdefs  # noqa: E402


def parse_overrides(items):
    """['a=1', 'b=[2, 3]', 'c=backward'] -> {'a': 1, 'b': [2, 3], 'c': 'backward'} (JSON, else string)."""
    out = {}
    for item in items:
        if "=" not in item:
            raise SystemExit(f"--set expects NAME=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        try:
            out[k] = json.loads(v)
        except json.JSONDecodeError:
            out[k] = v
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="run directory")
    p.add_argument("--size", default="full", help="named size from the notebook's SIZES")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a config field")
    p.add_argument("--no-resume", action="store_true", help="start over even if a checkpoint exists")
    p.add_argument("--stop-after", type=int, default=None, help="stop after this many iterations (testing)")
    args = p.parse_args(argv)
    nb = nbdefs.load()
    try:
        cfg = nb.make_config(args.size, seed=args.seed, **parse_overrides(args.set))
    except nb.support.ConfigError as e:
        raise SystemExit(f"error: {e}")
    nb.train(cfg, args.out, resume=not args.no_resume, progress=sys.stderr.isatty(), stop_after=args.stop_after)
    print(f"done: {args.out}", flush=True)


if __name__ == "__main__":
    main()
