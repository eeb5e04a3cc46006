"""Turn results/ into results/summary.json, the report's figures and its generated LaTeX.

    python scripts/summarize_results.py [--results results] [--report report]

Reads the runs the experiment registry (experiments/*.toml, scripts/registry.py) names: each entry's
results/<out>/seed*/ (eval.json, metrics.jsonl, config.json), and the benchmarks' JSON in benchmarks/results/.
Writes results/summary.json, report/figures/*.pdf|png, report/generated/*.tex, EXPERIMENTS.md and the README's results. Every number and
figure in the report comes from here; nothing is typed in by hand.
"""
import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("SOURCE_DATE_EPOCH", "0")  # PDF figures without a creation time: same runs, same bytes
sys.path.insert(0, str(Path(__file__).resolve().parent))
# the parts, one job each (tests import each from the module that defines it)
from summary_experiments import write_experiments  # noqa: E402
from summary_figures import fig_adaptation, fig_direction, fig_learning_curves  # noqa: E402
from summary_runs import (FINAL, METHODS, PAPER, ablations, curvature_comparison, divisor, headline,  # noqa: E402
                          load_runs, pooled, run_path)
from summary_tables import readme_table, tex_hparams, update_readme  # noqa: E402
from summary_tex import tex_headline, tex_tables  # noqa: E402
from velocity_report import fig_velocity, tex_velocity  # noqa: E402
from velocity_summary import velocity_summary  # noqa: E402


def summarize(results: Path):
    out = {"paper_finn2017_fig5_direction": PAPER, "methods": {}}
    for m in METHODS:
        runs = load_runs(results, m)
        if not runs:
            continue
        entry = {"seeds": [r["seed"] for r in runs], "eval_lrs": runs[0]["eval"]["lrs"],
                 "eval_seeds": [r["eval"]["eval_seed"] for r in runs]}
        for direction in ("backward", "forward"):
            entry[direction] = pooled(runs, direction)
        if "metrics" in runs[0]:
            entry["train"] = {"iterations": [r["metrics"][-1]["progress/iteration"] for r in runs],
                              "env_steps": [r["metrics"][-1]["progress/total_env_steps"] for r in runs],
                              "wall_time_s": [round(r["metrics"][-1]["time/wall"], 1) for r in runs]}
        out["methods"][m] = entry
    oracle = divisor(results)[0]["backward"]
    if oracle:
        out["oracle_return_backward"] = oracle
        out["fraction_of_oracle_backward"] = {
            m: {f"{k}_steps": e["backward"]["mean"][k] / oracle for k in range(len(e["backward"]["mean"]))}
            for m, e in out["methods"].items()}
        out["paper_fraction_of_oracle"] = {f"{k}_steps": PAPER["maml"][k] / PAPER["oracle"] for k in range(4)}
    out["headline"] = headline(results)
    out["ablations"] = ablations(results)
    out["curvature_comparison"] = curvature_comparison(results)
    out["velocity"] = velocity_summary(results)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", default="results")
    p.add_argument("--report", default="report")
    p.add_argument("--experiments", default="EXPERIMENTS.md", help="the research log to write ('' to skip)")
    p.add_argument("--readme", default="README.md", help="README whose results section is rewritten ('' to skip)")
    args = p.parse_args()
    results, report = Path(args.results), Path(args.report)
    figdir, gendir = report / "figures", report / "generated"
    figdir.mkdir(parents=True, exist_ok=True)
    gendir.mkdir(parents=True, exist_ok=True)
    summary = summarize(results)
    (results / "summary.json").write_text(json.dumps(summary, indent=1))
    fig_learning_curves(results, figdir)
    fig_adaptation(summary, figdir)
    tex_tables(summary, gendir, results)
    tex_hparams(results, gendir)
    tex_headline(summary, gendir, results)
    if summary["velocity"]:
        fig_velocity(summary["velocity"], figdir)
    tex_velocity(summary["velocity"], gendir)
    if args.experiments:
        write_experiments(summary, results, Path(args.experiments))
    if args.readme:
        update_readme(Path(args.readme), readme_table(summary))
    median = (summary.get("headline") or {}).get("median_seed")
    if median is not None:  # the notebook's run of the median seed wrote the strobe and the x(t) data
        fig_direction(run_path(results, FINAL) / f"seed{median}", figdir)
    print(json.dumps({m: {d: [round(x, 1) for x in e[d]["mean"]] for d in ("backward", "forward")}
                      for m, e in summary["methods"].items()}))
    if "fraction_of_oracle_backward" in summary:
        print("fraction of oracle (backward):", {m: {k: round(v, 2) for k, v in f.items()}
                                                 for m, f in summary["fraction_of_oracle_backward"].items()})


if __name__ == "__main__":
    main()
