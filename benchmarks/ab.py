"""A/B a benchmark in one run: alternate two command lines (A, B, A, B, ...) so that both see the same
machine state, and report each one's JSON (the command's last output line) and the ratio B / A of the
chosen keys' medians.

    python benchmarks/ab.py --rounds 2 --keys sampler_sps ratio_vs_physics \
        --a "benchmarks/sampler.py --repeats 1" \
        --b "benchmarks/sampler.py --repeats 1 --set activation=relu --set action_scale=1"

Commands run with this interpreter from the repository root; stderr is passed through. The last line
printed is one JSON object: {"a": [...], "b": [...], "median_a": {...}, "median_b": {...}, "ratio_b_over_a": {...}}.
"""
import argparse
import json
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(cmd: str) -> dict:
    out = subprocess.run([sys.executable, *shlex.split(cmd)], cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    if not lines:
        raise SystemExit(f"error: {cmd!r} printed nothing; expected a JSON object on its last line")
    return json.loads(lines[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--a", required=True, help="command line A (a script and its flags)")
    p.add_argument("--b", required=True, help="command line B")
    p.add_argument("--rounds", type=int, default=2, help="A/B pairs, alternated")
    p.add_argument("--keys", nargs="+", required=True, help="numeric keys of the JSON to compare")
    args = p.parse_args(argv)
    if args.rounds < 1:
        raise SystemExit(f"error: --rounds must be >= 1, got {args.rounds}")
    res = {"a": [], "b": []}
    for i in range(args.rounds):
        for side in ("a", "b"):
            res[side].append(run(getattr(args, side)))
            print(f"round {i + 1} {side}: " + ", ".join(f"{k}={res[side][-1][k]}" for k in args.keys),
                  file=sys.stderr, flush=True)
    med = {side: {k: statistics.median(r[k] for r in res[side]) for k in args.keys} for side in ("a", "b")}
    print(json.dumps({"commands": {"a": args.a, "b": args.b}, **res, "median_a": med["a"], "median_b": med["b"],
                      "ratio_b_over_a": {k: med["b"][k] / med["a"][k] for k in args.keys}}))


if __name__ == "__main__":
    main()
