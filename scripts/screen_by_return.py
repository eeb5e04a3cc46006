"""Goal-velocity configurations compared by return after adaptation (experiments/velocity.toml, round three).

    .venv/bin/python scripts/screen_by_return.py            # the table, one row per candidate and seed
    .venv/bin/python scripts/screen_by_return.py --json     # the same rows as JSON

Why return and not the share of the gap: the share (R_1 - R_0) / (R_oracle - R_0) divides by a gap that a
better initialisation shrinks, so a configuration that starts higher and ends higher can show the same share.
What a user of the adapted policy gets is R_k, the mean return after k steps over the stratified test goals.

Paired by goal: a candidate and the baseline configuration of the same training seed were evaluated on the
same 100 goals with the same evaluation seed, so the difference d_g = R_k(candidate, g) - R_k(base, g) is
taken goal by goal and its mean has standard error sd(d) / sqrt(n). That covers goal-to-goal and trajectory
noise of the one training seed, not the training-seed noise (hence two seeds).
"""
import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry import ROOT, load_all  # noqa: E402
from seed_stats import welch_interval  # noqa: E402

BASE = "velocity_screen"  # the velocity family's final configuration on seeds 5 and 6
CANDIDATES = ("velocity_lr005", "velocity_lam1", "velocity_lr005_lam1")
NEXT, FINAL = "velocity_maml_next", "velocity_maml"  # the chosen candidate on seeds 0-4, and what it may replace
FINAL_SEEDS = (0, 1, 2, 3, 4)
STEPS = (1, 3)  # the returns the comparison is made on: after one and after three steps
SE_MULTIPLE = 2.0  # a difference counts if it exceeds this many standard errors
RULE = ("Round three, written into experiments/velocity.toml on 2026-12-07 before its runs: each candidate is compared "
        "with velocity_screen on the same training seed by the mean return over the 100 test goals after one step (R_1) "
        "and after three (R_3), paired by goal (standard error: standard deviation of the 100 per-goal differences over "
        "10). A candidate goes on if on both seeds 5 and 6 both differences exceed twice their standard error; of those, "
        "the best mean R_1 over seeds 5 and 6 runs on seeds 0-4, and replaces velocity_maml's configuration if its mean "
        "R_1 over seeds 0-4 is higher with a 95 % Welch interval of the difference above zero.")


def test_returns(run_dir: Path) -> tuple:
    """(goals (n,), per-goal returns (n, steps + 1)) on the test goals of one run's eval.json."""
    e = json.loads((Path(run_dir) / "eval.json").read_text())["test"]
    return np.asarray(e["goals"], dtype=float), np.asarray(e["per_run"], dtype=float)


def mean_test_returns(run_dir: Path) -> list:
    """The mean over the test goals of one run's returns after 0, 1, ... steps (eval.json's own mean)."""
    return json.loads((Path(run_dir) / "eval.json").read_text())["test"]["mean"]


def paired_difference(candidate: np.ndarray, base: np.ndarray) -> tuple:
    """(mean, standard error) of the per-goal difference candidate - base, both (n,) over the same goals."""
    d = np.asarray(candidate, dtype=float) - np.asarray(base, dtype=float)
    if d.ndim != 1 or len(d) < 2:
        raise ValueError(f"paired_difference needs two equal-length vectors of at least 2 goals, got shape {d.shape}")
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d)))


def compare(cand_dir: Path, base_dir: Path) -> dict:
    """One candidate seed against the base on the same seed: for each k in STEPS, both means, the paired
    difference, its standard error and whether the difference exceeds SE_MULTIPLE standard errors."""
    goals_c, r_c = test_returns(cand_dir)
    goals_b, r_b = test_returns(base_dir)
    if goals_c.shape != goals_b.shape or not np.allclose(goals_c, goals_b):
        raise ValueError(f"{cand_dir} and {base_dir} were evaluated on different goals: no pairing possible")
    row = {}
    for k in STEPS:
        diff, se = paired_difference(r_c[:, k], r_b[:, k])
        row[f"R{k}"], row[f"R{k}_base"] = float(r_c[:, k].mean()), float(r_b[:, k].mean())
        row[f"diff{k}"], row[f"se{k}"], row[f"ahead{k}"] = diff, se, bool(diff > SE_MULTIPLE * se)
    return row


def rows(results: Path = ROOT / "results", registry: dict | None = None) -> list:
    """Every finished candidate seed whose base seed is finished too, in candidate then seed order."""
    reg = registry or load_all()
    base_out = Path(results) / reg[BASE]["out"]
    out = []
    for name in CANDIDATES:
        for seed in reg[name]["seeds"]:
            c, b = Path(results) / reg[name]["out"] / f"seed{seed}", base_out / f"seed{seed}"
            if (c / "eval.json").exists() and (b / "eval.json").exists():
                out.append({"name": name, "seed": seed, **compare(c, b)})
    return out


def goes_on(rows_: list, name: str, seeds=(5, 6)) -> bool | None:
    """True if `name` is ahead at every step of STEPS on every seed of `seeds`; False as soon as one finished
    seed is not; None while seeds are missing and none has failed yet."""
    mine = {r["seed"]: r for r in rows_ if r["name"] == name}
    if any(not all(mine[s][f"ahead{k}"] for k in STEPS) for s in seeds if s in mine):
        return False
    return True if all(s in mine for s in seeds) else None


def best(rows_: list, seeds=(5, 6)) -> str | None:
    """Of the candidates that go on, the one with the highest mean R_1 over `seeds` (the one that runs on
    seeds 0-4); None while a candidate is undecided (a seed missing) or when none goes on."""
    if any(goes_on(rows_, n, seeds) is None for n in CANDIDATES):
        return None
    going = [n for n in CANDIDATES if goes_on(rows_, n, seeds)]
    mean_r1 = lambda n: float(np.mean([r["R1"] for r in rows_ if r["name"] == n and r["seed"] in seeds]))
    return max(going, key=mean_r1) if going else None


def adoption(results: Path = ROOT / "results", registry: dict | None = None) -> dict | None:
    """NEXT against FINAL over seeds 0-4 (independent training seeds, so unpaired): each seed's mean return
    after one and after three steps on the test goals, and the 95 % Welch interval of the difference of the
    one-step means. 'adopted' is True if that interval lies above zero, False if not, None while a seed of
    either is missing. None if NEXT is not in the registry."""
    reg = registry or load_all()
    if NEXT not in reg:
        return None
    per_seed = {}
    for name in (NEXT, FINAL):
        found = {s: mean_test_returns(Path(results) / reg[name]["out"] / f"seed{s}") for s in FINAL_SEEDS
                 if (Path(results) / reg[name]["out"] / f"seed{s}" / "eval.json").exists()}
        per_seed[name] = {s: [float(r[k]) for k in STEPS] for s, r in found.items()}
    r1 = {n: [v[0] for v in per_seed[n].values()] for n in (NEXT, FINAL)}
    w = welch_interval(r1[NEXT], r1[FINAL])
    complete = all(len(per_seed[n]) == len(FINAL_SEEDS) for n in (NEXT, FINAL))
    return {"seeds": {n: sorted(per_seed[n]) for n in (NEXT, FINAL)}, "per_seed": per_seed,
            "mean_R1": {n: float(np.mean(r1[n])) if r1[n] else float("nan") for n in (NEXT, FINAL)},
            "welch_R1": w, "adopted": bool(w["low"] > 0) if complete else None}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", default=str(ROOT / "results"))
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    rs = rows(Path(args.results))
    if args.json:
        print(json.dumps(rs, indent=1))
        return
    print(f"{'candidate':22s} seed  " + "  ".join(f"R{k} (base)       diff +- se   ahead" for k in STEPS))
    for r in rs:
        print(f"{r['name']:22s} {r['seed']:4d}  " + "  ".join(
            f"{r[f'R{k}']:6.1f} ({r[f'R{k}_base']:6.1f}) {r[f'diff{k}']:+6.1f} +- {r[f'se{k}']:4.1f} {str(r[f'ahead{k}']):5s}"
            for k in STEPS))
    for name in CANDIDATES:
        print(f"{name}: goes on = {goes_on(rs, name)}")
    print(f"runs on seeds 0-4: {best(rs)}")
    a = adoption(Path(args.results))
    if a:
        w = a["welch_R1"]
        print(f"{NEXT} seeds {a['seeds'][NEXT]}: mean R1 {a['mean_R1'][NEXT]:.1f} against {FINAL}'s {a['mean_R1'][FINAL]:.1f}, "
              f"difference {w['diff']:+.1f}, 95 % Welch interval [{w['low']:.1f}, {w['high']:.1f}]; adopted: {a['adopted']}")


if __name__ == "__main__":
    main()
