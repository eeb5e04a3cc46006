"""EXPERIMENTS.md, the research log at the repository's root: every entry of the experiment registry
(experiments/*.toml) with its question, the rule written before it ran, its verdict and its numbers from
results/, then the screening tables and the engineering measurements (benchmarks/results/). Written by
scripts/summarize_results.py; tests/test_experiments_md.py checks that it lists every entry and that
regenerating it gives the committed text."""
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry import ROOT, load_all  # noqa: E402
from summary_runs import divisor, fractions, load_runs, wall_minutes  # noqa: E402
from summary_speed import cg_macros, iteration_macros, sampler_macros, speed_macros  # noqa: E402
from summary_tables import gate_comparisons  # noqa: E402
from summary_tex import lever_rows  # noqa: E402

REGISTRY = load_all()


def md(text) -> str:
    """A report macro's LaTeX text as Markdown: percent signs, thousands separators, ranges, math."""
    s = str(text)
    for a, b in (("\\%", "%"), ("{,}", ","), ("--", "–"), ("\\,", " "), ("$", ""), ("\\lambda", "λ"),
                 ("\\times", "×"), ("\\cdot", "·")):
        s = s.replace(a, b)
    return " ".join(s.split())


def finished_seeds(results: Path, name: str) -> list:
    """Seeds of entry `name` with an eval.json, read from the folder itself."""
    d = Path(results) / REGISTRY[name]["out"]
    return sorted(int(p.parent.name[4:]) for p in d.glob("seed*/eval.json"))


def table(head: list, rows: list) -> list:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head), *("| " + " | ".join(map(str, r)) + " |" for r in rows)]


def direction_numbers(results: Path, name: str, oracle: dict) -> list:
    """Per finished seed of a direction-family entry: environment steps, minutes, return after 0 and 1 steps in
    each direction and the one-step fractions of the oracle (backward, and averaged over both directions)."""
    runs = load_runs(results, name)
    if not runs:
        return []
    f = fractions(runs, oracle) if oracle.get("backward") else None
    mins = wall_minutes(runs) if all("metrics" in r for r in runs) else [None] * len(runs)
    rows = []
    for i, r in enumerate(runs):
        mean = {d: np.mean(r["eval"][d]["per_run"], axis=0) for d in ("backward", "forward")}
        steps = r["metrics"][-1]["progress/total_env_steps"] / 1e6 if "metrics" in r else None
        rows.append([r["seed"], f"{steps:.1f} M" if steps else "–", f"{mins[i]:.1f}" if mins[i] else "–",
                     f"{mean['backward'][0]:.1f}", f"{mean['backward'][1]:.1f}", f"{mean['forward'][0]:.1f}",
                     f"{mean['forward'][1]:.1f}", f"{f['backward']['fraction_1step_per_seed'][i]:.3f}" if f else "–",
                     f"{f['direction_average']['fraction_1step_per_seed'][i]:.3f}" if f and f["direction_average"] else "–"])
    return table(["seed", "env steps", "minutes", "backward, 0 steps", "backward, 1 step", "forward, 0 steps",
                  "forward, 1 step", "fraction backward", "fraction both"], rows)


def velocity_numbers(results: Path, name: str, oracle_test: float | None) -> list:
    """Per finished seed of a goal-velocity entry: mean return over the test goals after 0-3 steps, the share of the
    gap to the oracle closed after 1 and 3 steps, and the one-step return on the ten evenly spaced goals."""
    rows = []
    for s in finished_seeds(results, name):
        ev = json.loads((Path(results) / REGISTRY[name]["out"] / f"seed{s}" / "eval.json").read_text())
        r = ev["test"]["mean"]
        share = lambda k: f"{(r[k] - r[0]) / (oracle_test - r[0]):.3f}" if oracle_test is not None and len(r) > k else "–"
        ten = f"{ev['anchors']['mean'][1]:.1f}" if "anchors" in ev and len(ev["anchors"]["mean"]) > 1 else "–"
        rows.append([s, *(f"{x:.1f}" for x in r[:4]), *([""] * (4 - len(r[:4]))), share(1), share(3), ten])
    return table(["seed", "R_0", "R_1", "R_2", "R_3", "share, 1 step", "share, 3 steps", "ten goals, R_1"], rows) if rows else []


def entry_section(results: Path, name: str, e: dict, oracle: dict, oracle_test) -> list:
    seeds = finished_seeds(results, name)
    overrides = ", ".join(f"{k} = {json.dumps(v)}" for k, v in e.get("set", {}).items()) or "none"
    lines = [f"#### `{name}`: {md(e['label'])}", "",
             f"- role: {e['role']}; status: {e['status']}; seeds named: {', '.join(map(str, e['seeds']))}; "
             f"finished: {', '.join(map(str, seeds)) or 'none'}; folder: `results/{e['out']}`",
             f"- size `{e.get('size', 'full')}` with {overrides}" + ("; evaluated only" if e.get("evaluate_only") else ""),
             f"- question and rule: {md(e['rule'])}"]
    if e.get("verdict"):
        lines.append(f"- verdict: {md(e['verdict'])}")
    nums = velocity_numbers(results, name, oracle_test) if e["family"] == "velocity" else direction_numbers(results, name, oracle)
    return lines + ([""] + nums if nums else []) + [""]


def lever_table(summary: dict) -> list:
    """The report's table of what mattered, as Markdown, from the same rows (summary_tex.lever_rows)."""
    rows = [r.removesuffix(" \\\\").split(" & ") for r in lever_rows(summary) if r != "\\midrule"]
    return table(["change", "env steps (M)", "seeds", "without", "with"], [[md(c) for c in r] for r in rows])


def gate_table(summary: dict) -> list:
    """Full-budget direction screening on seeds 5 and 6: each variant with a `gate` against final_screen."""
    rows = []
    for name, e, seeds, v, b, verdict in gate_comparisons(summary, REGISTRY):
        for s in seeds:
            rows.append([f"`{name}`", s, f"{v['avg'][s]:.3f}", f"{b['avg'][s]:.3f}", f"{v['wall'][s]:.0f}",
                         f"{b['wall'][s]:.0f}", md(verdict)])
    return table(["variant", "seed", "fraction both", "final_screen", "minutes", "final_screen minutes", "by its rule"], rows)


def curvature_table(summary: dict) -> list:
    """The registry's `curvature_pairs`: screening runs that differ only in the meta-update's curvature, compared
    seed by seed over the iterations both have (post-update training return averaged over both directions, line
    search, seconds per update)."""
    cmp = summary.get("curvature_comparison") or {"runs": {}, "pairs": []}
    both = lambda c: f"{(c['post_backward_mean'] + c['post_forward_mean']) / 2:.0f}"
    rows = [[p["other"], f"`{cmp['runs'][p['other']][0]}` / `{cmp['runs'][p['other']][1]}`", p["seed"], p["iterations"],
             f"{both(p['fisher'])} / {both(p[p['other']])}",
             f"{p['fisher']['rejected_steps']} / {p[p['other']]['rejected_steps']}",
             f"{p['fisher']['median_backtracks']:g} / {p[p['other']]['median_backtracks']:g}",
             f"{p['fisher']['update_s']:.2f} / {p[p['other']]['update_s']:.2f}"] for p in cmp["pairs"]]
    return table(["other curvature", "Fisher run / other run", "seed", "iterations", "post-update return",
                  "rejected steps", "median backtracks", "seconds per update"], rows) if rows else []


def ablation_table(summary: dict) -> list:
    rows = [[f"`{a['name']}`", ", ".join(map(str, a["seeds"])), f"{a['env_steps'] / 1e6:.1f}",
             ", ".join(f"{x:.2f}" for x in a["fraction_1step_backward_per_seed"]),
             f"{np.mean(a['fraction_1step_backward_per_seed']):.2f}",
             f"{np.mean(avg):.2f}" if (avg := a.get("fraction_1step_direction_average_per_seed")) else "–"]
            for a in summary.get("ablations", [])]
    return table(["entry", "seeds", "M steps", "fraction backward per seed", "mean", "fraction both"], rows)


def velocity_screen_table(v: dict) -> list:
    rows = [[f"`{r['entry']}`", r["seed"], f"{r['return_0step']:.1f}", f"{r['return_1step']:.1f}", f"{r['return_3step']:.1f}",
             f"{r['gap_closed_1step']:.3f}", f"{r['gap_closed_3step']:.3f}", f"{r['anchors_return_1step']:.1f}",
             r.get("verdict", "comparison" if r["entry"] == "velocity_screen" else "round three")]
            for r in (v or {}).get("screening", [])]
    return table(["entry", "seed", "R_0", "R_1", "R_3", "share, 1 step", "share, 3 steps", "ten goals, R_1",
                  "round two's rule"], rows) if rows else []


def round_three_table(results: Path) -> list:
    """The round-three comparison (scripts/screen_by_return.py, if present): per candidate and seed, the one- and
    three-step return differences from velocity_screen, paired by goal, with their standard errors."""
    path = Path(__file__).resolve().parent / "screen_by_return.py"
    if not path.exists():
        return []
    spec = importlib.util.spec_from_file_location("screen_by_return", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rows = mod.rows(Path(results))
    body = [[f"`{r['name']}`", r["seed"], *(x for k in mod.STEPS for x in (
        f"{r[f'R{k}']:.1f}", f"{r[f'R{k}_base']:.1f}", f"{r[f'diff{k}']:+.1f} ± {r[f'se{k}']:.1f}",
        "yes" if r[f"ahead{k}"] else "no"))] for r in rows]
    head = ["candidate", "seed", *(x for k in mod.STEPS for x in (f"R_{k}", f"R_{k}, velocity_screen",
                                                                    f"difference ± s.e., {k} step{'s' if k > 1 else ''}",
                                                                    f"more than {mod.SE_MULTIPLE:g} s.e."))]
    if not body:
        return []
    said = {True: "goes on", False: "out", None: "not decided yet (a seed is missing)"}
    status = [f"- `{n}`: {said[mod.goes_on(rows, n)]}" for n in mod.CANDIDATES]
    chosen = mod.best(rows)
    if chosen:
        status.append(f"- chosen for seeds 0-4 (highest mean R_1 over seeds 5 and 6 of those that go on): `{chosen}`")
    return [mod.RULE, "", *table(head, body), "", *status, *adoption_lines(mod, results)]


def adoption_lines(mod, results: Path) -> list:
    """The chosen configuration on seeds 0-4 against the final one: per seed R_1 / R_3, the means, the Welch
    interval of the one-step difference and the decision (or how many seeds are still missing)."""
    a = mod.adoption(Path(results))
    if not a or not a["seeds"][mod.NEXT]:
        return []
    rows = [[f"`{n}`", *(f"{a['per_seed'][n][s][0]:.1f} / {a['per_seed'][n][s][1]:.1f}" if s in a["per_seed"][n] else "–"
                         for s in mod.FINAL_SEEDS), f"{a['mean_R1'][n]:.1f}"] for n in (mod.NEXT, mod.FINAL)]
    w = a["welch_R1"]
    said = {True: "adopted: the interval lies above zero", False: "not adopted: the interval reaches zero or below",
            None: f"not decided yet ({len(a['seeds'][mod.NEXT])} of {len(mod.FINAL_SEEDS)} seeds finished)"}
    interval = f"[{w['low']:.1f}, {w['high']:.1f}]" if np.isfinite(w["low"]) else "(needs two seeds)"
    return ["", f"Adoption, seeds 0-4 (R_1 / R_3 per seed on the test goals; last column the mean R_1):", "",
            *table(["entry", *(f"seed {s}" for s in mod.FINAL_SEEDS), "mean R_1"], rows), "",
            f"Difference of the mean one-step returns {w['diff']:+.1f}, 95 % Welch interval {interval}: {said[a['adopted']]}."]


def engineering(results: Path) -> list:
    """What the measurements in benchmarks/results/ showed, in sentences whose numbers are read there."""
    m = {k: md(v) for k, v in {**speed_macros(), **sampler_macros(), **iteration_macros(), **cg_macros()}.items()}
    return [
        f"- **A meta-iteration against physics** (`benchmarks/meta_iteration.py`): {m['biIter']} s per meta-iteration of the "
        f"final configuration against {m['biPhysics']} s of pure MuJoCo physics for the same 80k agent steps on the same "
        f"cores (ratio {m['biRatio']}); the meta-update took {m['biUpdate']} s (share {m['biShare']}) and sampling "
        f"{m['biSample']} s. With the exact double-backward curvature the iteration took {m['biBeforeIter']} s, with the "
        f"Fisher curvature {m['biFisherIter']} s.",
        f"- **Sampler** (`benchmarks/sampler.py`, 800 trajectories): physics {m['benchPhysics']} agent steps/s, the sampler "
        f"{m['benchSampler']} ({m['benchRatioPhysics']} of physics), gymnasium's `SyncVectorEnv` {m['benchSync']}, "
        f"`AsyncVectorEnv` with 2 workers {m['benchAsync']}. One `MjData` per thread instead of one per environment, "
        f"three alternated rounds: {m['spSamplerOld']}k to {m['spSamplerNew']}k steps/s (ratio {m['spSamplerRatio']}), "
        f"{m['spPhysNew']} of raw physics.",
        f"- **Curvature products** (`benchmarks/curvature.py`, a trained checkpoint): the Fisher matrix with the inner "
        f"step's Jacobian is within {m['cvJacErr']} of the exact KL Hessian product at {m['cvJacS']} s per product, "
        f"against {m['cvExactS']} s for the exact product; the plain Fisher matrix ({m['cvFisherS']} s) is off by "
        f"{m['cvFisherErr']}.",
        f"- **Conjugate gradient** (`benchmarks/cg_convergence.py`, {m['cgPolicies']} policies): after 10 iterations the "
        f"step's cosine to a 30-iteration solve is {m['cgCosTen']} and its first-order gain {m['cgGainTen']} of the "
        f"30-iteration one ({m['cgGainTwenty']} after 20).",
        f"- **Curvature from 5 of the 10 tasks** (`benchmarks/ab.py`): {m['spIterFull']} s to {m['spIterFive']} s per "
        f"meta-iteration (ratio {m['spIterRatio']}; update {m['spUpdFull']} s to {m['spUpdFive']} s); at the full budget on "
        f"seed 5 it learned worse (entry `hvp_tasks5`), so the final configuration keeps all 10.",
        f"- **Warm-starting CG** (`benchmarks/cg_warm_start.py`): consecutive solutions were nearly orthogonal (median "
        f"cosine {m['spPrevCos']}); after 10 iterations the warm start ended farther from a 30-iteration solve than a cold "
        f"start (cosine {m['spWarmCos']} against {m['spColdCos']}; gain per unit of trust-region radius {m['spWarmGain']} "
        f"against {m['spColdGain']}).",
        f"- **The line search** (`benchmarks/update_parts.py`): {m['spLsEvals']} evaluations per update, {m['spLsShare']} "
        f"of the update's time, against {m['spProductShare']} for the curvature products ({m['spEvalS']} s per "
        f"evaluation, {m['spProductS']} s per product)."]


def experiments_md(summary: dict, results: Path) -> str:
    results = Path(results)
    oracle, rule = divisor(results)
    v = summary.get("velocity") or {}
    oracle_test = v.get("oracle_return_test")
    files = sorted({e["file"] for e in REGISTRY.values()})
    started = [n for n in REGISTRY if finished_seeds(results, n)]
    out = ["# Experiments", "",
           "Generated by `scripts/summarize_results.py` from the experiment registry (`experiments/*.toml`) and the "
           "runs in `results/`; do not edit it by hand. The report, `HW14_Solution.pdf`, presents the results; this file "
           "is the research log behind it: every experiment with the question it asked, the rule written before it ran, "
           "its verdict and its numbers.", "",
           "## Reading the numbers", "",
           "- Direction family: a seed's return is its mean over 40 adaptation runs of 20 trajectories "
           "(evaluation seed = run seed + 1000). *Fraction* = a seed's mean return after one step / the oracle's return "
           f"({md(rule)}). *Fraction both* is the mean of the backward and forward fractions.",
           "- Goal velocity: R_k is a seed's mean return over the 100 stratified test goals after k steps; *share* = "
           "(R_k − R_0) / (R_oracle − R_0), R_oracle the mean over the goal-observing oracle's seeds of its own return on "
           "the same goals" + (f" ({oracle_test:.1f})" if oracle_test is not None else "") + "; *ten goals* are 0.1, 0.3, "
           "…, 1.9, each twice.",
           "- Minutes are wall time on 2 CPU cores.", "",
           f"## The registry: {len(REGISTRY)} entries in {len(files)} files, {len(started)} with finished seeds", ""]
    for f in files:
        out += [f"### `experiments/{f}`", ""]
        for name, e in REGISTRY.items():
            if e["file"] == f:
                out += entry_section(results, name, e, oracle, oracle_test)
    out += ["## Tables", "", "### What mattered (the report's table): fraction both after one step, without and with "
            "each change, mean over the seeds both sides ran", "", *lever_table(summary), "",
            "### Every direction-family run with an ablation label", "", *ablation_table(summary), "",
            "### Direction family, full budget, seeds 5 and 6, each variant against `final_screen`", "", *gate_table(summary), "",
            "### `curvature_pairs`: the Fisher curvature against the others, same seed (each pair: Fisher / other)", "",
            *curvature_table(summary), ""]
    vs = velocity_screen_table(v)
    if vs:
        out += ["### Goal velocity, screening against `velocity_screen` (round two judged the one-step share)", "", *vs, ""]
    r3 = round_three_table(results)
    if r3:
        out += ["### Goal velocity, round three: return after one and three steps against `velocity_screen`, paired by "
                "goal", "", *r3, ""]
    out += ["## Engineering measurements", "", *engineering(results), ""]
    return "\n".join(out)


def write_experiments(summary: dict, results: Path, path: Path = ROOT / "EXPERIMENTS.md"):
    Path(path).write_text(experiments_md(summary, results))


if __name__ == "__main__":
    summary = json.loads((ROOT / "results" / "summary.json").read_text())
    write_experiments(summary, ROOT / "results")
