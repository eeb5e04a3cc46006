"""The goal-velocity family's numbers and figure: its registry entries' seed*/eval.json -> the
`velocity` object of results/summary.json, report/figures/velocity.pdf and report/generated/velocity.tex.

The measure is the share of the gap between the pre-update return and the oracle's that adaptation
closes, (R_k - R_0) / (R_oracle - R_0), with R_k a seed's mean return over the test goals after k
steps and R_oracle the mean over the oracle's seeds of its own (0-step) return on the same goals.
Intervals are 95 % Student-t intervals across seeds (training seeds are the units); beside them, the
standard error of the five-seed mean share over a fresh draw of the stratified test goals (`goal_set_sem`).
"""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry import final_entry, load_all  # noqa: E402
from screen_by_return import adoption  # noqa: E402
from seed_stats import t_interval  # noqa: E402

REGISTRY = load_all()
# the family's runs by method, the entry's name without its family prefix (experiments/velocity.toml);
# its screening entries are summarised apart (`screening`), except one with `candidate_for`, which runs another
# configuration on the final entry's seeds and so is a row of its own beside it
def method_entries(registry: dict) -> dict:
    """{method: entry}: the final entry, then any configuration run on its seeds (`candidate_for`), then the
    baselines and the oracle, each group in registry order (the order of the report's rows)."""
    keep = [(n, e) for n, e in registry.items()
            if e["family"] == "velocity" and (e["role"] in ("final", "baseline", "oracle") or "candidate_for" in e)]
    group = lambda e: 0 if e["role"] == "final" else 1 if "candidate_for" in e else 2
    return {n.removeprefix("velocity_"): e for n, e in sorted(keep, key=lambda ne: group(ne[1]))}


ENTRIES = method_entries(REGISTRY)


def screen_entries(registry: dict) -> dict:
    """The family's configurations compared on the screening seeds. An entry with `candidate_for` runs a chosen
    configuration on the final entry's seeds instead (scripts/screen_by_return.py judges it), so it is left out."""
    return {n: e for n, e in registry.items()
            if e["family"] == "velocity" and e["role"] == "screening" and "candidate_for" not in e}


SCREEN = screen_entries(REGISTRY)
SCREEN_BASE = "velocity_screen"  # what each screened variant is compared with, seed by seed
METHODS = {m: e["label"] for m, e in ENTRIES.items()}
# "anchors" is eval.json's key of the ten evenly spaced goals 0.1, 0.3, ..., 1.9 (each twice)
GOAL_SETS = {"test": "test goals in [0, 2]", "extrapolation": "goals beyond training, [2, 3]",
             "anchors": "ten goals 0.1, 0.3, ..., 1.9"}
RULE_MARGIN = 0.03  # experiments/velocity.toml: a variant must beat velocity_screen's one-step share by this
ROUND_TWO_SEEDS = (5,)  # round two's rule judged seed 5; seed 6 and the combined entry are round three's (issue 43)
# Finn et al. 2017, Figure 5, goal velocity (rllab, 40 test goals), read from the data files released with the
# paper's code (cbfinn/maml_rl)
PAPER = {"maml": [-129.5, -78.6, -66.6, -60.8], "pretrained": [-158.0, -135.4, -128.5, -133.6],
         "random": [-254.8, -254.3, -246.8, -230.8], "oracle": -54.5}


def seed_returns(results: Path, method: str) -> dict:
    """{seed: {goal set: [mean return over the goals after 0, 1, ... steps]}} of the finished runs."""
    out = {}
    for d in sorted((results / ENTRIES[method]["out"]).glob("seed*"), key=lambda p: int(p.name[4:])):
        if (d / "eval.json").exists():
            e = json.loads((d / "eval.json").read_text())
            out[int(d.name[4:])] = {g: e[g]["mean"] for g in GOAL_SETS if g in e}
    return out


def per_goal(run_dir: Path, goal_set: str = "test"):
    """(goals, per-run returns (goals, steps)) of one run's eval.json."""
    e = json.loads((run_dir / "eval.json").read_text())[goal_set]
    return np.asarray(e.get("goals", [])), np.asarray(e["per_run"])  # runs before the goals were saved: none


def stratified_pairs(goals, low: float = 0.0, high: float = 2.0) -> bool:
    """Whether goals are two per equal stratum, stratum-major (the notebook's `test_goals`)."""
    s = len(goals) // 2
    return len(goals) == 2 * s and s > 0 and np.array_equal(
        np.floor((np.asarray(goals) - low) / (high - low) * s).astype(int), np.repeat(np.arange(s), 2))


def goal_set_sem(maml_runs: list, oracle_runs: list, nb=None) -> float | None:
    """Standard error of the mean over seeds of the one-step share, over a fresh draw of the test goals and
    of their trajectories, the training seeds held fixed. The mean share F = mean_s A_s / B_s with
    A_s = mean_j (y1_sj - y0_sj), B_s = mean_j (o_j - y0_sj), o_j the oracles' mean 0-step return on goal j.
    Linearised in the per-goal terms, F moves with the mean over goals of
    z_j = mean_s [(y1_sj - y0_sj) - (A_s / B_s) (o_j - y0_sj)] / B_s, whose standard error over a fresh
    stratified draw the within-stratum pairs give (`stratified_sem`). maml_runs, oracle_runs: lists of
    (goals, per_run) of the same goals; None unless they are stratified pairs."""
    goals = maml_runs[0][0]
    if not stratified_pairs(goals) or any(not np.array_equal(g, goals) for g, _ in maml_runs + oracle_runs):
        return None
    o = np.mean([r[:, 0] for _, r in oracle_runs], axis=0)
    z = np.zeros(len(goals))
    for _, r in maml_runs:
        y0, y1 = r[:, 0], r[:, 1]
        a, b = np.mean(y1 - y0), np.mean(o - y0)
        z += ((y1 - y0) - a / b * (o - y0)) / b
    if nb is None:  # the notebook's own estimator (nbdefs loads its lib cells)
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        import nbdefs
        nb = nbdefs.load()
    sem = getattr(nb, "stratified_sem", None)
    if sem is None:  # the notebook's machinery module beside it (nbdefs puts its folder on sys.path)
        import hw14_support
        sem = hw14_support.stratified_sem
    return float(sem(z / len(maml_runs)))


def gap_closed(returns: list, oracle: float) -> list:
    """(R_k - R_0) / (R_oracle - R_0) for k = 0, 1, ...: 0 before adaptation, 1 at the oracle."""
    r = np.asarray(returns, dtype=float)
    return ((r - r[0]) / (oracle - r[0])).tolist()


def by_goal(results: Path, split: float = 1.0) -> dict | None:
    """Where on the test goals MAML's first step helps: per seed, the goals below `split` ('slow') and from it
    up ('fast'), the mean change of the return after one step, R_1 - R_0 per goal, and the share of goals whose
    return one step lowers. Seeds are the units (means over seeds alongside). None if a seed's eval.json has no
    goals."""
    out = {"split": split}
    for d in sorted((results / ENTRIES["maml"]["out"]).glob("seed*/eval.json"), key=lambda p: int(p.parent.name[4:])):
        test = json.loads(d.read_text())["test"]
        if "goals" not in test:
            return None
        goals, r = np.asarray(test["goals"]), np.asarray(test["per_run"])
        for name, k in (("slow", goals < split), ("fast", goals >= split)):
            change = r[k, 1] - r[k, 0]
            e = out.setdefault(name, {"gain_1step_per_seed": [], "share_worse_1step_per_seed": []})
            e["gain_1step_per_seed"].append(float(change.mean()))
            e["share_worse_1step_per_seed"].append(float((change < 0).mean()))
    for name in ("slow", "fast"):
        if name not in out:
            return None
        e = out[name]
        e["gain_1step"], e["share_worse_1step"] = (float(np.mean(e["gain_1step_per_seed"])),
                                                   float(np.mean(e["share_worse_1step_per_seed"])))
    return out


def wall_minutes(results: Path, method: str, seeds) -> list:
    """Training wall time per seed in minutes and environment steps, from each run's last metrics line."""
    out = []
    for s in seeds:
        path = results / ENTRIES[method]["out"] / f"seed{s}" / "metrics.jsonl"
        last = json.loads(path.read_text().splitlines()[-1])
        out.append((round(last["time/wall"] / 60, 1), int(last["progress/total_env_steps"])))
    return out


def velocity_summary(results: Path) -> dict | None:
    """The `velocity` object of summary.json, or None until MAML and the oracle have a finished seed."""
    runs = {m: seed_returns(results, m) for m in METHODS}
    if not runs["maml"] or not runs["oracle"]:
        return None
    sets = [g for g in GOAL_SETS if all(g in r for m in ("maml", "oracle") for r in runs[m].values())]
    out = {"oracle_seeds": sorted(runs["oracle"]), "paper_finn2017_fig5_velocity": PAPER, "methods": {},
           "goal_sets": sets}
    for g in sets:
        out[f"oracle_return_{g}"] = float(np.mean([r[g][0] for r in runs["oracle"].values()]))
        out[f"oracle_return_{g}_per_seed"] = [r[g][0] for r in runs["oracle"].values()]
    for m, per_seed in runs.items():
        if not per_seed:
            continue
        entry = {"seeds": sorted(per_seed), "label": ENTRIES[m]["label"]}
        for g in sets:
            returns = np.array([per_seed[s][g] for s in entry["seeds"]])      # (seeds, steps)
            gaps = np.array([gap_closed(r, out[f"oracle_return_{g}"]) for r in returns])
            entry[g] = {"returns_per_seed": returns.tolist(), "returns_mean": returns.mean(0).tolist(),
                        "gap_closed_per_seed": gaps.tolist(), "gap_closed_mean": gaps.mean(0).tolist(),
                        "gap_closed_ci95": [t_interval(gaps[:, k]) for k in range(gaps.shape[1])]}
        out["methods"][m] = entry
    maml = out["methods"]["maml"]
    out["gap_closed_1step_per_seed"] = [row[1] for row in maml["test"]["gap_closed_per_seed"]]
    out["gap_closed_1step"] = float(np.mean(out["gap_closed_1step_per_seed"]))
    out["gap_closed_1step_ci95"] = t_interval(out["gap_closed_1step_per_seed"])
    out["training"] = {m: wall_minutes(results, m, out["methods"][m]["seeds"])
                       for m in ("maml", "oracle", "pretrained") if m in out["methods"]}
    p = PAPER["maml"]
    out["paper_gap_closed"] = gap_closed(p, PAPER["oracle"])
    out["first_sampling_time_ratio"] = first_sampling_ratio(results, out["methods"]["maml"]["seeds"])
    out["by_goal"] = by_goal(results)
    dirs = lambda m: [results / ENTRIES[m]["out"] / f"seed{s}" for s in out["methods"][m]["seeds"]]
    test_goals = per_goal(dirs("maml")[0])[0]
    out["n_test_goals"] = len(test_goals)
    out["test_goals_fast_share"] = float(np.mean(test_goals >= 1.0)) if len(test_goals) else None
    out["gap_closed_1step_sem_goalset"] = goal_set_sem([per_goal(d) for d in dirs("maml")],
                                                       [per_goal(d) for d in dirs("oracle")])
    # the configuration chosen on seeds 5 and 6, run on the final seeds, against the final entry (unpaired seeds)
    out["on_final_seeds"] = adoption(results)
    out["screening"] = screening(results, out)
    out["step_size_probe"] = step_size_probe(results, out["by_goal"]["split"] if out["by_goal"] else 1.0)
    return out


def step_size_probe(results: Path, split: float) -> list:
    """velocity_screen's checkpoints adapted with other first-step sizes (eval_first_step_lr*.json, written by
    scripts/evaluate.py --lrs) beside their own eval.json: per seed and step size, the mean return after one
    step over the test goals, over those below `split` and over those from it up. Sorted by seed, then size.
    A seed without a probe file contributes nothing (its eval.json alone is no comparison of step sizes)."""
    rows = []
    for d in sorted((results / SCREEN[SCREEN_BASE]["out"]).glob("seed*"), key=lambda p: int(p.name[4:])):
        probes = sorted(d.glob("eval_first_step_lr*.json"))
        for f in [d / "eval.json", *probes] if probes else []:
            e = json.loads(f.read_text()) if f.exists() else {}
            if "goals" not in e.get("test", {}):
                continue
            goals, r = np.asarray(e["test"]["goals"]), np.asarray(e["test"]["per_run"])
            rows.append({"seed": int(d.name[4:]), "lr": e["lrs"][0],
                         "return_1step": float(r[:, 1].mean()), "slow_return_1step": float(r[goals < split, 1].mean()),
                         "fast_return_1step": float(r[goals >= split, 1].mean())})
    return sorted(rows, key=lambda x: (x["seed"], x["lr"]))


def screening(results: Path, v: dict) -> list:
    """One row per finished seed of each screening entry: one- and three-step share on the test goals (against
    the same oracle), one-step return on the ten evenly spaced goals ('anchors'), and, for a variant, round two's verdict against
    velocity_screen on the same seed (experiments/velocity.toml: share ahead by RULE_MARGIN, the return on the
    ten goals not lower)."""
    rows = []
    for name, e in SCREEN.items():
        for d in sorted((results / e["out"]).glob("seed*/eval.json"), key=lambda p: int(p.parent.name[4:])):
            ev = json.loads(d.read_text())
            if "anchors" not in ev:
                continue
            r = ev["test"]["mean"]
            rows.append({"entry": name, "label": e["label"], "seed": int(d.parent.name[4:]),
                         "gap_closed_1step": gap_closed(r, v["oracle_return_test"])[1],
                         "gap_closed_3step": gap_closed(r, v["oracle_return_test"])[3],
                         "return_0step": r[0], "return_1step": r[1], "return_3step": r[3], "anchors_return_1step": ev["anchors"]["mean"][1]})
    base = {row["seed"]: row for row in rows if row["entry"] == SCREEN_BASE}
    for row in rows:
        b = base.get(row["seed"])
        if row["entry"] != SCREEN_BASE and b and row["seed"] in ROUND_TWO_SEEDS and "round three" not in SCREEN[row["entry"]]["rule"]:
            passed = (row["gap_closed_1step"] >= b["gap_closed_1step"] + RULE_MARGIN
                      and row["anchors_return_1step"] >= b["anchors_return_1step"])
            row["verdict"] = "passes" if passed else "fails"
    return rows


def first_sampling_ratio(results: Path, seeds) -> float | None:
    """Machine speed of the velocity runs against the direction runs: the ratio of the first meta-iteration's
    sampling time, same seed in both families (same initial policy and reset seeds, so the pre-update batch
    is physically the same), averaged over the seeds both have."""
    ratios = []
    for s in seeds:
        files = [results / ENTRIES["maml"]["out"] / f"seed{s}" / "metrics.jsonl",
                 results / REGISTRY[final_entry(REGISTRY)]["out"] / f"seed{s}" / "metrics.jsonl"]
        if all(f.exists() for f in files):
            first = [json.loads(f.read_text().splitlines()[0])["time/sample"] for f in files]
            ratios.append(first[0] / first[1])
    return float(np.mean(ratios)) if ratios else None
