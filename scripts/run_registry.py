"""Train and evaluate the experiments a registry file names (experiments/*.toml), one job at a time.

    .venv/bin/python scripts/run_registry.py experiments/velocity.toml
    .venv/bin/python scripts/run_registry.py experiments/velocity.toml --only velocity_maml --seeds 3 4

For each selected entry and seed, in the registry's order (seeds outer with --seed-major): unless
`<results>/<out>/seed<S>/eval.json` exists, train with scripts/meta_train.py (which resumes from the
run's checkpoint) and evaluate with scripts/evaluate.py. Logs go to <results>/logs/<name>-seed<S>.log.
Entries that continue another start from its checkpoint (`continue_from`); extra evaluations (the final
runs' held-out one) follow the main one. Entries marked stopped run only when --only names them; entries
that name no size ran on an earlier version of the code and are never rerun. A failing job stops the
runner with its exit code; finished runs are never redone. Adding an experiment is one registry entry.
"""
import argparse
import datetime
import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry import ROOT, load_all, load_registry  # noqa: E402,F401


def runnable(e: dict) -> bool:
    """Whether this code can (re)run the entry: it names a size (of the notebook's SIZES)."""
    return "size" in e


def commands(name: str, e: dict, seed: int, results: Path) -> list:
    """The command lines of one seed of one entry: train (resuming from the run's checkpoint), evaluate,
    then each extra evaluation (its own output file, evaluation seed = seed + its offset)."""
    py, run = sys.executable, results / e["out"] / f"seed{seed}"
    sets = [f"--set={k}={json.dumps(v)}" for k, v in e.get("set", {}).items()]
    if e.get("evaluate_only"):
        family = e.get("set", {}).get("task_family", e.get("family", "direction"))
        return [[py, str(ROOT / "scripts/evaluate.py"), "--random-init", "--seed", str(seed),
                 "--task-family", family, "--out", str(run / "eval.json"), *e.get("evaluate", [])]]
    evaluate = [py, str(ROOT / "scripts/evaluate.py"), "--checkpoint", str(run / "checkpoint.pt")]
    return [[py, str(ROOT / "scripts/meta_train.py"), "--out", str(run), "--seed", str(seed),
             "--size", e["size"], *sets],
            [*evaluate, "--out", str(run / "eval.json"), *e.get("evaluate", [])],
            *([*evaluate, "--eval-seed", str(seed + x["seed_offset"]), "--out", str(run / x["out"])]
              for x in e.get("extra_evaluations", []))]


def continue_from(entries: dict, e: dict, seed: int, results: Path):
    """An entry that continues another (`continue_from`) starts from that entry's checkpoint and metrics of
    the same seed, unless it has a checkpoint of its own (the notebook's resume check then verifies that
    the config differs only in what may change on resuming)."""
    src, dst = results / entries[e["continue_from"]]["out"] / f"seed{seed}", results / e["out"] / f"seed{seed}"
    if (dst / "checkpoint.pt").exists():
        return
    if not (src / "checkpoint.pt").exists():
        raise SystemExit(f"error: {e['name']} seed {seed} continues {e['continue_from']}, which has no "
                         f"checkpoint at {src}: run that entry first")
    dst.mkdir(parents=True, exist_ok=True)
    for f in ("checkpoint.pt", "metrics.jsonl"):
        shutil.copy(src / f, dst / f)


def reevaluate(name: str, e: dict, seed: int, results: Path):
    """The evaluation commands of one finished seed (a random init has nothing to train), logged as a run's."""
    run = results / e["out"] / f"seed{seed}"
    if not e.get("evaluate_only") and not (run / "checkpoint.pt").exists():
        raise SystemExit(f"error: {name} seed {seed} has no checkpoint at {run}: nothing to evaluate again")
    cmds = commands(name, e, seed, results)
    with open(results / "logs" / f"{name}-seed{seed}.log", "a") as out:
        for cmd in cmds if e.get("evaluate_only") else cmds[1:]:
            rc = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
            if rc:
                raise SystemExit(f"error: re-evaluating {name} seed {seed} failed (exit {rc})")
    print(f"re-evaluated: {name} seed {seed}", flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("registry")
    p.add_argument("--only", nargs="+", default=None, help="entry names to run (default: all)")
    p.add_argument("--seeds", type=int, nargs="+", default=None, help="seeds to run (default: each entry's)")
    p.add_argument("--seed-major", action="store_true", help="all entries of a seed before the next seed")
    p.add_argument("--results", default=str(ROOT / "results"), help="results folder")
    p.add_argument("--reevaluate", action="store_true",
                   help="run only the evaluations of finished runs again (after the evaluation protocol changed), "
                        "overwriting their eval*.json; never trains")
    args = p.parse_args(argv)
    entries = load_registry(args.registry)
    everything = {**load_all(), **entries}  # what continue_from may name
    unknown = sorted(set(args.only or ()) - set(entries))
    if unknown:
        raise SystemExit(f"error: --only names {unknown}, not in {args.registry} (entries: {sorted(entries)})")
    # a stopped entry was stopped by its rule: only naming it in --only runs it again
    chosen = [(n, e) for n, e in entries.items()
              if (n in args.only if args.only is not None else e["status"] != "stopped")]
    jobs = [(n, e, s) for n, e in chosen for s in e["seeds"] if args.seeds is None or s in args.seeds]
    if args.seed_major:
        jobs.sort(key=lambda j: j[2])  # stable: registry order within a seed
    results = Path(args.results)
    (results / "logs").mkdir(parents=True, exist_ok=True)
    for name, e, seed in jobs:
        if args.reevaluate:
            reevaluate(name, e, seed, results)
            continue
        if (results / e["out"] / f"seed{seed}" / "eval.json").exists():
            continue
        if e.get("code_at"):
            raise SystemExit(f"error: {name} seed {seed} cannot be rerun here: its variant was retired from the code; "
                             f"check out commit {e['code_at']} (its code_at) to run it")
        if not runnable(e):
            raise SystemExit(f"error: {name} seed {seed} has no eval.json and cannot be rerun: the entry names no "
                             f"size (it ran on an earlier version of the code; see its rule)")
        if e.get("continue_from"):
            continue_from(everything, e, seed, results)
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
