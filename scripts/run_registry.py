"""Train and evaluate the experiments a registry file names (experiments/*.toml), one job at a time.

    .venv/bin/python scripts/run_registry.py experiments/velocity.toml
    .venv/bin/python scripts/run_registry.py experiments/velocity.toml --only velocity_maml --seeds 3 4

For each selected entry and seed, in the registry's order (seeds outer with --seed-major): unless
`<results>/<out>/seed<S>/eval.json` exists, train with scripts/meta_train.py (which resumes from the
run's checkpoint) and evaluate with scripts/evaluate.py. Logs go to <results>/logs/<name>-seed<S>.log.
A failing job stops the runner with its exit code; finished runs are never redone.
"""
import argparse
import datetime
import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROLES = ("final", "oracle", "baseline", "ablation", "screening", "archive")


def load_registry(path) -> dict:
    """The registry's entries by name, each checked for the fields the runner needs."""
    entries = tomllib.loads(Path(path).read_text())
    for name, e in entries.items():
        missing = {"role", "label", "out", "seeds"} - set(e)
        if missing:
            raise SystemExit(f"error: registry entry {name!r} in {path} lacks {sorted(missing)}")
        if e["role"] not in ROLES:
            raise SystemExit(f"error: registry entry {name!r}: role {e['role']!r} is not one of {list(ROLES)}")
    return entries


def commands(name: str, e: dict, seed: int, results: Path) -> list:
    """The command lines (train, then evaluate) of one seed of one entry."""
    py, run = sys.executable, results / e["out"] / f"seed{seed}"
    sets = [f"--set={k}={json.dumps(v)}" for k, v in e.get("set", {}).items()]
    if e.get("evaluate_only"):
        family = e.get("set", {}).get("task_family", "direction")
        return [[py, str(ROOT / "scripts/evaluate.py"), "--random-init", "--seed", str(seed),
                 "--task-family", family, "--out", str(run / "eval.json")]]
    return [[py, str(ROOT / "scripts/meta_train.py"), "--out", str(run), "--seed", str(seed),
             "--size", e.get("size", "full"), *sets],
            [py, str(ROOT / "scripts/evaluate.py"), "--checkpoint", str(run / "checkpoint.pt"),
             "--out", str(run / "eval.json")]]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("registry")
    p.add_argument("--only", nargs="+", default=None, help="entry names to run (default: all)")
    p.add_argument("--seeds", type=int, nargs="+", default=None, help="seeds to run (default: each entry's)")
    p.add_argument("--seed-major", action="store_true", help="all entries of a seed before the next seed")
    p.add_argument("--results", default=str(ROOT / "results"), help="results folder")
    args = p.parse_args(argv)
    entries = load_registry(args.registry)
    unknown = sorted(set(args.only or ()) - set(entries))
    if unknown:
        raise SystemExit(f"error: --only names {unknown}, not in {args.registry} (entries: {sorted(entries)})")
    chosen = [(n, e) for n, e in entries.items() if args.only is None or n in args.only]
    jobs = [(n, e, s) for n, e in chosen for s in e["seeds"] if args.seeds is None or s in args.seeds]
    if args.seed_major:
        jobs.sort(key=lambda j: j[2])  # stable: registry order within a seed
    results = Path(args.results)
    (results / "logs").mkdir(parents=True, exist_ok=True)
    for name, e, seed in jobs:
        if (results / e["out"] / f"seed{seed}" / "eval.json").exists():
            continue
        log = results / "logs" / f"{name}-seed{seed}.log"
        with open(results / "logs" / "progress.txt", "a") as f:
            f.write(f"{datetime.datetime.now(datetime.timezone.utc):%FT%TZ} {name} seed {seed}\n")
        with open(log, "a") as out:
            for cmd in commands(name, e, seed, results):
                rc = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
                if rc:
                    raise SystemExit(f"error: {name} seed {seed} failed (exit {rc}); see {log}")
        print(f"done: {name} seed {seed}", flush=True)


if __name__ == "__main__":
    main()
