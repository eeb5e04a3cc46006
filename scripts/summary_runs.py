"""Statistics of the runs in results/: loading, pooled returns, fractions of the oracle per seed, the
headline, the ablations and the curvature comparison (the first part of scripts/summarize_results.py)."""
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry import (ablation_rows, composition, final_entry, load_all, oracle_protocols,  # noqa: E402
                      reference_oracles, table_methods)
from seed_stats import t_interval  # noqa: E402

# what the runs are, where they live and how the report labels them: all from experiments/*.toml
REGISTRY = load_all()
ORACLES = oracle_protocols(REGISTRY)  # {name: (direction, protocol)}: candidates for each direction's reference
ORACLE_RUNS = {d: [name for name, (dd, _) in ORACLES.items() if dd == d] for d in ("backward", "forward")}
REFERENCES = reference_oracles(REGISTRY)  # {direction: name}: the oracle protocol fixed before it ran
METHODS = table_methods(REGISTRY)  # {name: label}: the rows of the adaptation tables, in registry order

FINAL = final_entry(REGISTRY)  # the direction family's final configuration
# Finn et al. 2017, Figure 5 (half-cheetah direction, rllab), read from the data files released with the paper's
# code (cbfinn/maml_rl, icml/*.pkl); the pretrained policy's one- and two-step returns there are -24.749 and -12.849
PAPER = {"maml": [-50.7, 293.2, 313.5, 315.7], "maml_sem": [2.9, 8.7, 8.0, 7.1],
         "pretrained": [-43.0, -24.749, -12.849, 19.6], "random": [-35.7, 21.8, 62.3, 86.2], "oracle": 442.7}


def wall_minutes(runs) -> list:
    """Each run's training wall time in minutes (its last metrics line; resumed runs count every session)."""
    return [round(r["metrics"][-1]["time/wall"] / 60, 2) for r in runs]


def run_path(results: Path, name: str) -> Path:
    """The folder of registry entry `name` under `results` (its `out`)."""
    if name not in REGISTRY:
        raise SystemExit(f"error: {name!r} is not an entry of the experiment registry (experiments/*.toml)")
    return results / REGISTRY[name]["out"]


def load_runs(results: Path, name: str):
    """The finished seeds (those with an eval.json) of registry entry `name`, in seed order."""
    runs = []
    for d in sorted(run_path(results, name).glob("seed*"), key=lambda p: int(p.name[4:])):
        if not (d / "eval.json").exists():
            continue
        run = {"seed": int(d.name[4:]), "eval": json.loads((d / "eval.json").read_text())}
        if (d / "metrics.jsonl").exists():
            run["metrics"] = [json.loads(l) for l in (d / "metrics.jsonl").read_text().splitlines() if l.strip()]
        runs.append(run)
    return runs


def pooled(runs, direction):
    per_run = np.concatenate([np.asarray(r["eval"][direction]["per_run"]) for r in runs])  # (runs, steps)
    seed_means = np.array([np.mean(r["eval"][direction]["per_run"], axis=0) for r in runs])
    return {"mean": per_run.mean(0).tolist(),
            "sem": (per_run.std(0, ddof=1) / math.sqrt(len(per_run))).tolist(),
            "n_runs": int(len(per_run)), "seed_means": seed_means.tolist(),
            "seed_std": (seed_means.std(0, ddof=1) if len(runs) > 1 else np.zeros(seed_means.shape[1])).tolist()}


def own_return(run, direction: str) -> float:
    """A run's mean return before adaptation (0 steps) on `direction`."""
    return float(np.mean(run["eval"][direction]["per_run"], axis=0)[0])


def oracle_return(results: Path, source: str, direction: str):
    """Mean over seeds of an oracle's own return (0 adaptation steps) on its training direction."""
    runs = load_runs(results, source)
    return float(np.mean([own_return(r, direction) for r in runs])) if runs else None


def fractions(runs, oracle: dict) -> dict:
    """Per seed: 1-step return / oracle return, backward and averaged over both directions."""
    out = {"seeds": [r["seed"] for r in runs]}
    one = {d: [float(np.mean(r["eval"][d]["per_run"], axis=0)[1]) for r in runs] for d in ("backward", "forward")}
    out["return_1step_per_seed"] = one
    fb = [x / oracle["backward"] for x in one["backward"]]
    out["backward"] = {"fraction_1step_per_seed": fb, "fraction_1step": float(np.mean(fb)),
                       "fraction_1step_ci95": t_interval(fb)}
    if oracle.get("forward"):
        fa = [(b / oracle["backward"] + f / oracle["forward"]) / 2 for b, f in zip(one["backward"], one["forward"])]
        out["direction_average"] = {"fraction_1step_per_seed": fa, "fraction_1step": float(np.mean(fa)),
                                    "fraction_1step_ci95": t_interval(fa)}
    else:
        out["direction_average"] = None
    return out


def oracle_candidates(results: Path) -> dict:
    """{direction: {source: mean return}} of the single oracle runs present in results/. The designated
    references (REFERENCES) are not among them: they divide only as a whole (`reference`)."""
    found = {d: {src: oracle_return(results, src, d) for src in srcs if src not in REFERENCES.values()}
             for d, srcs in ORACLE_RUNS.items()}
    return {d: {k: v for k, v in c.items() if v is not None} for d, c in found.items()}


def oracles(results: Path, pick=max) -> dict:
    """The single oracle runs' return per direction: the *stronger* run (pick=max), since a weaker reference
    would flatter the fraction; pick=min gives the weaker one, for comparison."""
    out = {}
    for d, c in oracle_candidates(results).items():
        src = pick(c, key=c.get) if c else None
        out[d], out[f"{d}_source"] = (c[src], src) if src else (None, None)
    return out


def reference(results: Path) -> dict | None:
    """The designated oracles (REFERENCES), once every seed the registry lists for both has finished:
    per direction the mean over seeds of the 0-step return (what fractions divide by), the seeds, each
    seed's return and a 95 % t interval across them. None while any seed is missing: a reference with
    fewer seeds than its rule says would be a different reference."""
    out = {}
    for d in ("backward", "forward"):
        name = REFERENCES.get(d)
        if name is None:
            return None
        runs = load_runs(results, name)
        if [r["seed"] for r in runs] != sorted(REGISTRY[name]["seeds"]):
            return None
        per_seed = [own_return(r, d) for r in runs]
        out.update({d: float(np.mean(per_seed)), f"{d}_source": name, f"{d}_seeds": [r["seed"] for r in runs],
                    f"{d}_per_seed": per_seed, f"{d}_ci95": t_interval(per_seed)})
    return out


def oracle_text(oracle: dict, d: str, seeds: list | None) -> str:
    """How the README and the notebook name direction d's divisor: '979.7, mean of seeds [0, 1, 2]: 951.9,
    969.2, 1018.2' for the designated reference, '770.4, one run: <source>, seeds [0]' for a single run."""
    per_seed = oracle.get(f"{d}_per_seed")
    if per_seed:
        return f"{oracle[d]:.1f}, mean of seeds {oracle[f'{d}_seeds']}: " + ", ".join(f"{x:.1f}" for x in per_seed)
    return f"{oracle[d]:.1f}, one run: {oracle[f'{d}_source']}, seeds {seeds}"


def divisor(results: Path) -> tuple:
    """(oracle, rule): the oracle returns every fraction divides by, and which rule chose them. The
    designated 3-seed references once they have finished; until then the stronger oracle run of each
    direction (a weaker reference would flatter the fraction). The rule is written into summary.json."""
    ref = reference(results)
    if ref:
        return ref, "reference: the oracle protocol fixed before it ran (MAML's settings), mean over its seeds"
    return oracles(results), "stronger oracle run per direction (the designated references have not finished)"


def line_search_stats(runs) -> dict:
    """Per seed: meta-iterations whose line search accepted no step (ls_step -1: theta kept), and the
    median number of backtracking steps of the accepted ones."""
    ls = [[m["trpo/ls_step"] for m in r.get("metrics", []) if "trpo/ls_step" in m] for r in runs]
    return {"rejected_steps_per_seed": [sum(1 for x in v if x < 0) for v in ls],
            "iterations_per_seed": [len(v) for v in ls],
            "median_backtracks_of_accepted_per_seed": [
                float(np.median(acc)) if (acc := [x for x in v if x >= 0]) else float("nan") for v in ls]}


HELDOUT_SEED_OFFSET = 9000  # evaluation seeds no other evaluation here draws from (those use seed + 1000)


def heldout(results: Path, runs: list, oracle: dict) -> dict | None:
    """The headline fractions again from eval_heldout.json: each final checkpoint evaluated on seed + 9000,
    a stream that no run, screening or choice of this project ever saw; None unless every seed has one."""
    files = [run_path(results, FINAL) / f"seed{r['seed']}" / "eval_heldout.json" for r in runs]
    if not all(f.exists() for f in files):
        return None
    evals = [json.loads(f.read_text()) for f in files]
    for f, r, e in zip(files, runs, evals):
        if e["eval_seed"] != r["seed"] + HELDOUT_SEED_OFFSET:
            raise SystemExit(f"error: {f} was evaluated on seed {e['eval_seed']}, not the held-out "
                             f"{r['seed'] + HELDOUT_SEED_OFFSET}")
    f = fractions([{**r, "eval": e} for r, e in zip(runs, evals)], oracle)
    return {"eval_seeds": [e["eval_seed"] for e in evals], "return_1step_per_seed": f["return_1step_per_seed"],
            "backward": f["backward"], "direction_average": f["direction_average"]}


LATE_WINDOW, LATE_LAG = 20, 50  # late_change's defaults: the last 20 iterations against those 4 M steps earlier


def late_change(runs, window: int = LATE_WINDOW, lag: int = LATE_LAG) -> list:
    """Per seed: the training curve's post-update return, averaged over both directions and over the last
    `window` iterations, minus the same average over the `window` iterations ending `lag` iterations earlier
    (with the final runs' 80k steps per iteration, 50 iterations are the last 4 M steps). Positive: still
    improving when the budget ran out."""
    out = []
    for r in runs:
        m = r["metrics"]
        both = np.array([(x["returns/post_backward"] + x["returns/post_forward"]) / 2 for x in m])
        if len(both) < window + lag:
            raise ValueError(f"seed {r['seed']}: {len(both)} iterations, fewer than window + lag = {window + lag}")
        out.append(float(both[-window:].mean() - both[-window - lag:-lag].mean()))
    return out


def headline(results: Path) -> dict | None:
    runs = load_runs(results, FINAL)
    oracle, rule = divisor(results)
    if not runs or oracle["backward"] is None:
        return None
    h = fractions(runs, oracle)
    if oracle.get("backward_per_seed") and oracle.get("forward_per_seed"):
        # the same fractions against the reference's strongest and weakest seed: how far its spread moves them
        for key, pick in (("against_strongest_oracles", max), ("against_weaker_oracles", min)):
            other = {**oracle, **{d: pick(oracle[f"{d}_per_seed"]) for d in ("backward", "forward")}}
            f = fractions(runs, other)
            h[key] = {"oracle_return": other, "backward": f["backward"], "direction_average": f["direction_average"]}
        # the paper's metric, a ratio of averages over both directions (ours above: the average of the ratios)
        one = h["return_1step_per_seed"]
        h["ratio_of_averages_per_seed"] = [(b + f) / (oracle["backward"] + oracle["forward"])
                                           for b, f in zip(one["backward"], one["forward"])]
        h["ratio_of_averages"] = float(np.mean(h["ratio_of_averages_per_seed"]))
    held = heldout(results, runs, oracle)
    if held:
        h["heldout"] = held
    order = np.argsort(h["backward"]["fraction_1step_per_seed"])
    h["median_seed"] = h["seeds"][int(order[(len(order) - 1) // 2])]  # the lower median for an even count
    h["line_search"] = line_search_stats(runs)
    curves = all(len(r["metrics"]) >= LATE_WINDOW + LATE_LAG and "returns/post_backward" in r["metrics"][-1]
                 for r in runs)
    h["late_change_per_seed"] = late_change(runs) if curves else None  # None: runs without such curves
    h.update({"env_steps_per_seed": [r["metrics"][-1]["progress/total_env_steps"] for r in runs],
              "wall_minutes_per_seed": wall_minutes(runs),
              "oracle_return": oracle, "oracle_rule": rule, "oracle_candidates": oracle_candidates(results),
              "oracle_seeds": {d: [r["seed"] for r in load_runs(results, oracle[f"{d}_source"])]
                               for d in ("backward", "forward") if oracle.get(f"{d}_source")},
              "interval": "95% Student-t interval across seeds (seeds are the units)",
              "fraction": "seed's mean return after 1 step / mean over oracle seeds of the oracle's return "
                          f"(each direction: {rule})"})
    h["oracle_text"] = {d: oracle_text(oracle, d, h["oracle_seeds"].get(d)) for d in ("backward", "forward")
                        if oracle.get(d) is not None}
    return h


def ablations(results: Path) -> list:
    """The rows of the ablation table: every registry entry with an `ablation_label` (screening runs,
    ablations of the final configuration and archived full runs) that has finished seeds."""
    oracle, _ = divisor(results)
    rows = []
    if oracle["backward"] is None:
        return rows
    for name in ablation_rows(REGISTRY):
        d = run_path(results, name)
        runs = load_runs(results, name)
        if not runs:
            continue
        f = fractions(runs, oracle)
        cfg = json.loads((d / f"seed{runs[0]['seed']}" / "config.json").read_text())
        rows.append({"name": name, "seeds": f["seeds"],
                     "env_steps": runs[0]["metrics"][-1]["progress/total_env_steps"],
                     "wall_minutes_per_seed": wall_minutes(runs),
                     "fraction_1step_backward_per_seed": f["backward"]["fraction_1step_per_seed"],
                     "fraction_1step_direction_average_per_seed":
                         (f["direction_average"] or {}).get("fraction_1step_per_seed"),
                     "return_1step_per_seed": f["return_1step_per_seed"],
                     "line_search": line_search_stats(runs),
                     "return_0step_backward_per_seed": [float(np.mean(r["eval"]["backward"]["per_run"], axis=0)[0])
                                                        for r in runs],
                     "config": {k: cfg[k] for k in ("inner_objective", "first_order", "action_scale", "inner_lr",
                                                    "meta_batch_size", "max_kl", "curvature", "balanced_tasks") if k in cfg}})
    return rows


# pairs of screening runs that differ only in the curvature of the meta-update: (Fisher run, other run)
CURVATURE_PAIRS = composition("curvature_pairs")


def curvature_stats(ms: list) -> dict:
    """One run's metrics (a list of iterations): post-update returns, line search, update seconds."""
    ls = line_search_stats([{"metrics": ms}])
    return {"post_backward_mean": float(np.mean([m["returns/post_backward"] for m in ms])),
            "post_forward_mean": float(np.mean([m["returns/post_forward"] for m in ms])),
            "post_last10_mean": float(np.mean([m["returns/post"] for m in ms[-10:]])),
            "rejected_steps": ls["rejected_steps_per_seed"][0],
            "median_backtracks": ls["median_backtracks_of_accepted_per_seed"][0],
            "update_s": float(np.mean([m["time/update"] for m in ms]))}


def curvature_comparison(results: Path) -> dict | None:
    """The Fisher curvature against each other curvature (CURVATURE_PAIRS), seed by seed, over the
    iterations both runs have: post-update returns of the meta-batch (mean over iterations), line-search
    statistics and seconds per update. One entry per (other curvature, seed) pair found."""
    def metrics(variant, seed):
        path = run_path(results, variant) / f"seed{seed}" / "metrics.jsonl"
        return [json.loads(l) for l in path.read_text().splitlines() if l.strip()] if path.exists() else None
    pairs = []
    for other, (fisher_run, other_run) in CURVATURE_PAIRS.items():
        for seed in (0, 1):
            a, b = metrics(fisher_run, seed), metrics(other_run, seed)
            if a and b:
                n = min(len(a), len(b))
                pairs.append({"other": other, "seed": seed, "iterations": n,
                              "fisher": curvature_stats(a[:n]), other: curvature_stats(b[:n])})
    return {"runs": CURVATURE_PAIRS, "pairs": pairs} if pairs else None
