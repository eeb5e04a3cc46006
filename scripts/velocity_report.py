"""The goal-velocity family in the report and README: the figure (report/figures/velocity.pdf), the macros and
tables of report/generated/velocity.tex, and the README's lines, all from the `velocity` object that
scripts/velocity_summary.py computes."""
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screen_by_return import FINAL, NEXT  # noqa: E402
from velocity_summary import ENTRIES, GOAL_SETS, METHODS, PAPER, SCREEN, SCREEN_BASE  # noqa: E402


def fig_velocity(v: dict, figdir: Path):
    """Mean return over the goals after 0-3 steps per method, one thin line per seed, both goal sets."""
    import matplotlib.pyplot as plt
    from figure_style import WIDTH_IN, save_figure
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH_IN, 2.6))
    for ax, (g, title) in zip(axes, GOAL_SETS.items()):
        for i, (m, label) in enumerate(METHODS.items()):
            if m not in v["methods"] or m == "oracle":
                continue
            r = np.array(v["methods"][m][g]["returns_per_seed"])
            x = np.arange(r.shape[1])
            for row in r:
                ax.plot(x, row, color=f"C{i}", lw=0.7, alpha=0.45)
            n = f"{len(r)} seed{'s' if len(r) > 1 else ''}"
            ax.plot(x, r.mean(0), color=f"C{i}", lw=2, marker="o", label=f"{tex_label(label)} ({n})")
        if g == "test":  # beyond the training range the oracle never saw its goals: no reference there
            per_seed = v[f"oracle_return_{g}_per_seed"]
            ax.axhspan(min(per_seed), max(per_seed), color="k", alpha=0.12, lw=0)
            ax.axhline(v[f"oracle_return_{g}"], color="k", ls=":",
                       label=f"oracle ({len(per_seed)} seed{'s' if len(per_seed) > 1 else ''}, range shaded)")
        ax.set_xticks(range(4))
        ax.set_xlabel("policy-gradient steps at test time")
        ax.set_title(title)
    axes[0].set_ylabel("mean return over the goals")
    handles, labels = axes[0].get_legend_handles_labels()  # below the plots: it never covers a line
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    fig.tight_layout(rect=(0, 0.2, 1, 1))
    save_figure(fig, figdir, "velocity", png_dpi=150)


def baseline_text(v: dict, method: str) -> str:
    """A baseline's mean return over the test goals after 0-3 steps and its number of seeds, for the text."""
    if method not in v["methods"]:
        return "not run yet"
    e = v["methods"][method]
    n = len(e["seeds"])
    return " / ".join(f"{x:.1f}" for x in e["test"]["returns_mean"]) + \
        f" after 0/1/2/3 steps ({n} seed{'s' if n > 1 else ''})"


def abs_verdict(ours: list, paper: list) -> str:
    """Where the mean returns after 1, 2 and 3 steps stand against the paper's, e.g. "above the paper's
    after two and three steps and below it after one step" (equal counts as above)."""
    words = {1: "one", 2: "two", 3: "three"}

    def steps(ks):
        names = [words[k] for k in ks]
        text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return text + (" step" if ks == [1] else " steps")
    above = [k for k in (1, 2, 3) if ours[k] >= paper[k]]
    below = [k for k in (1, 2, 3) if ours[k] < paper[k]]
    parts = [f"above the paper's after {steps(above)}"] if above else []
    if below:
        parts.append(f"below {'it' if above else 'the paper' + chr(39) + 's'} after {steps(below)}")
    return " and ".join(parts)


def tex_velocity(v: dict | None, gendir: Path):
    """report/generated/velocity.tex: \\ifvelocity (false until there are results), the macros of the
    text and the per-seed table."""
    head = ["\\newif\\ifvelocity", "\\velocitytrue" if v else "\\velocityfalse"]
    if not v:
        (gendir / "velocity.tex").write_text("\n".join(head) + "\n")
        return
    maml = v["methods"]["maml"]
    lo, hi = v["gap_closed_1step_ci95"]
    macros = {"velSeeds": len(maml["seeds"]), "velGapOne": f"{v['gap_closed_1step']:.2f}",
              "velGapOneLo": f"{lo:.2f}", "velGapOneHi": f"{hi:.2f}",
              "velGapOneMin": f"{min(v['gap_closed_1step_per_seed']):.2f}",
              "velGapTwo": f"{maml['test']['gap_closed_mean'][2]:.2f}",
              "velGapThree": f"{maml['test']['gap_closed_mean'][3]:.2f}",
              "velExtraRZero": f"{maml['extrapolation']['returns_mean'][0]:.1f}",
              "velExtraROne": f"{maml['extrapolation']['returns_mean'][1]:.1f}",
              "velExtraRThree": f"{maml['extrapolation']['returns_mean'][3]:.1f}",
              "velExtraOracle": f"{v['oracle_return_extrapolation']:.1f}",
              "velExtraOracleMin": f"{min(v['oracle_return_extrapolation_per_seed']):.1f}",
              "velExtraOracleMax": f"{max(v['oracle_return_extrapolation_per_seed']):.1f}",
              "velRandom": baseline_text(v, "random"), "velPretrained": baseline_text(v, "pretrained"),
              "velOracle": f"{v['oracle_return_test']:.1f}", "velOracleSeeds": len(v["oracle_seeds"]),
              "velOracleMin": f"{min(v['oracle_return_test_per_seed']):.1f}",
              "velOracleMax": f"{max(v['oracle_return_test_per_seed']):.1f}",
              "velPaperGapOne": f"{v['paper_gap_closed'][1]:.2f}",
              "velPaperGapTwo": f"{v['paper_gap_closed'][2]:.2f}",
              "velPaperGapThree": f"{v['paper_gap_closed'][3]:.2f}",
              "velSpeedRatio": f"{v['first_sampling_time_ratio']:.1f}" if v["first_sampling_time_ratio"] else "n/a",
              "velWall": f"{np.mean([m for m, _ in v['training']['maml']]):.0f}",
              "velVerdictOne": "above" if v["gap_closed_1step"] >= v["paper_gap_closed"][1] else "below",
              "velSeedsAbovePaper": str(sum(g >= v["paper_gap_closed"][1] for g in v["gap_closed_1step_per_seed"])),
              "velGapShort": f"{v['paper_gap_closed'][1] - v['gap_closed_1step']:.2f}",  # how far below the paper
              # absolute returns, ours and the paper's (another simulator: rllab's half-cheetah), and the oracles
              "velMamlReturns": " / ".join(f"{x:.1f}" for x in maml["test"]["returns_mean"]),
              "velPaperMamlReturns": " / ".join(f"{x:.1f}" for x in PAPER["maml"]),
              "velPaperOracle": f"{PAPER['oracle']:.1f}",
              # the depth of the gap: from MAML's pre-update return to the oracle's, ours and the paper's
              "velGapDepth": f"{v['oracle_return_test'] - maml['test']['returns_mean'][0]:.0f}",
              "velPaperGapDepth": f"{PAPER['oracle'] - PAPER['maml'][0]:.0f}",
              "velAbsVerdict": abs_verdict(maml["test"]["returns_mean"], PAPER["maml"])}
    sem = v.get("gap_closed_1step_sem_goalset")
    macros.update({"velNTest": str(v.get("n_test_goals", "n/a")),
                   "velNStrata": str(v.get("n_test_goals", 0) // 2),
                   "velFastShare": f"{100 * v['test_goals_fast_share']:.0f}" if v.get("test_goals_fast_share") is not None else "n/a",
                   "velGapOneSemGoals": f"{sem:.3f}" if sem is not None else "n/a",
                   "velPretrainedPre": f"{v['methods']['pretrained']['test']['returns_mean'][0]:.0f}" if "pretrained" in v["methods"] else "n/a",
                   "velPretrainedOne": f"{v['methods']['pretrained']['test']['returns_mean'][1]:.0f}" if "pretrained" in v["methods"] else "n/a",
                   "velMamlPre": f"{maml['test']['returns_mean'][0]:.0f}"})
    if "anchors" in maml:  # the ten evenly spaced goals 0.1, 0.3, ..., 1.9: per-seed rows and their mean
        a = np.array(maml["anchors"]["returns_per_seed"])
        rows = [f"{s} & " + " & ".join(f"{x:.1f}" for x in r) + r" \\" for s, r in zip(maml["seeds"], a)]
        rows += [r"\midrule", "mean & " + " & ".join(f"{x:.1f}" for x in a.mean(0)) + r" \\"]
        lines_anchor = ["\\newcommand{\\velAnchorRows}{%", *rows, "}"]
    else:
        lines_anchor = ["\\newcommand{\\velAnchorRows}{\\multicolumn{5}{c}{(not evaluated yet)} \\\\}"]
    srows = [f"{short_label(r['label'])} & {r['seed']} & {r['return_0step']:.1f} & {r['return_1step']:.1f} & "
             f"{r['return_3step']:.1f} & {r['gap_closed_1step']:.2f} & {r['gap_closed_3step']:.2f} \\\\"
             for r in v.get("screening", [])]
    lines_screen = ["\\newcommand{\\velScreenRows}{%", *(srows or ["\\multicolumn{7}{c}{(no screening run finished)} \\\\"]), "}"]
    lines_screen += ["\\newcommand{\\velMainRows}{%", *main_rows(v), "}"]
    macros.update(screen_macros(v.get("screening", [])))
    bg = v.get("by_goal")  # the first step on slow goals (below the split) and fast ones, means over seeds
    for name, tag in (("slow", "Slow"), ("fast", "Fast")):
        macros[f"vel{tag}Worse"] = f"{100 * bg[name]['share_worse_1step']:.0f}" if bg else "n/a"
        macros[f"vel{tag}Gain"] = f"{bg[name]['gain_1step']:.0f}" if bg else "n/a"
    macros["velGoalSplit"] = f"{bg['split']:.1f}" if bg else "n/a"
    macros["velProbeSaid"] = probe_said(v.get("step_size_probe") or [], macros["velGoalSplit"])
    macros.update(final_seed_macros(v.get("on_final_seeds")))
    lines = head + [f"\\newcommand{{\\{k}}}{{{val}}}" for k, val in macros.items()]
    rows = []
    for i, s in enumerate(maml["seeds"]):
        r, gap = maml["test"]["returns_per_seed"][i], maml["test"]["gap_closed_per_seed"][i]
        ex = maml["extrapolation"]["returns_per_seed"][i]
        minutes, steps = v["training"]["maml"][i]
        rows.append(f"{s} & {steps / 1e6:.0f}\\,M & {minutes:.1f} & {r[0]:.1f} & {r[1]:.1f} & {r[3]:.1f} & "
                    f"{gap[1]:.2f} & {gap[2]:.2f} & {gap[3]:.2f} & {ex[0]:.1f} & {ex[1]:.1f} \\\\")
    lines += ["\\newcommand{\\velPerSeedRows}{%", *rows, "}", *lines_anchor, *lines_screen]
    (gendir / "velocity.tex").write_text("\n".join(lines) + "\n")


def final_seed_macros(a: dict | None) -> dict:
    """The configuration chosen on seeds 5 and 6, run on the final seeds (scripts/screen_by_return.py's
    `adoption`): its mean one-step return over its seeds, the final entry's, their difference and its 95 % Welch
    interval across seeds (training-seed noise of both sets; each seed's goal noise is inside it)."""
    if not a:
        return {k: "n/a" for k in ("velNextInterval", "velNextN", "velNextROne", "velFinalROne", "velNextDiff", "velNextLo",
                                   "velNextHi")}
    fin, nxt, w = FINAL, NEXT, a["welch_R1"]
    where = "lies above zero" if w["low"] > 0 else "lies below zero" if w["high"] < 0 else "includes zero"
    return {"velNextInterval": where, "velNextN": str(len(a["seeds"][nxt])), "velNextROne": f"{a['mean_R1'][nxt]:.1f}",
            "velFinalROne": f"{a['mean_R1'][fin]:.1f}", "velNextDiff": f"{w['diff']:+.1f}",
            "velNextLo": f"{w['low']:.1f}", "velNextHi": f"{w['high']:.1f}"}


def tex_label(label: str) -> str:
    """A registry label with its Greek written for LaTeX and matplotlib's mathtext."""
    return label.replace("GAE lambda", "GAE $\\lambda$")


def short_label(label: str) -> str:
    """A screening entry's label as the report prints it: without the family prefix and the registry's notes in
    brackets on where a setting came from."""
    s = re.sub(r" \((the [^)]*|seeds [^)]*)\)", "", label.removeprefix("velocity: "))
    return tex_label(s).replace("K = ", "$K=$\\,")


def screen_macros(rows: list) -> dict:
    """velScreenN: the variants compared with velocity_screen on a seed they share; velScreenPassedN: those that
    passed round two's rule on every seed it names (experiments/velocity.toml: seeds 5 and 6), so a pass on seed 5
    alone does not count."""
    judged = [r for r in rows if "verdict" in r]
    entries = {r["entry"] for r in judged}
    passed = [e for e in entries if {r["seed"] for r in judged if r["entry"] == e and r["verdict"] == "passes"}
              >= set(SCREEN[e]["seeds"])]
    return {"velScreenN": str(len(entries)), "velScreenPassedN": str(len(passed))}


def main_rows(v: dict) -> list:
    """Rows of the report's goal-velocity table: per method, its seeds, the mean over seeds of the mean return over
    the test goals after 0-3 steps and (MAML, the baselines) the share of the gap closed after 1-3 steps; the oracle
    (its own return, no steps); then the paper's MAML and oracle (rllab's half-cheetah)."""
    rows = []
    for m, label in METHODS.items():
        e = v["methods"].get(m)
        if not e:
            continue
        seeds, label = ", ".join(map(str, e["seeds"])), tex_label(label)
        r, g = e["test"]["returns_mean"], e["test"]["gap_closed_mean"]
        if m == "oracle":
            rows.append(f"{label} & {seeds} & {r[0]:.1f} & & & & & & \\\\")
        else:
            rows.append(f"{label} & {seeds} & " + " & ".join(f"{x:.1f}" for x in r[:4]) + " & "
                        + " & ".join(f"{x:.2f}" for x in g[1:4]) + r" \\")
    pg = v["paper_gap_closed"]
    rows += [r"\midrule", "MAML, paper (rllab) & & " + " & ".join(f"{x:.1f}" for x in PAPER["maml"]) + " & "
             + " & ".join(f"{x:.2f}" for x in pg[1:4]) + r" \\",
             f"oracle, paper (rllab) & & {PAPER['oracle']:.1f} & & & & & & \\\\"]
    return rows


def probe_said(probe: list, split: str) -> str:
    """The sentence on one seed's checkpoint adapted with several first-step sizes (`step_size_probe`)."""
    if len({r["seed"] for r in probe}) != 1 or len(probe) < 2:
        return "n/a"
    join = lambda key: " / ".join(f"{r[key]:.0f}" for r in probe)
    return (f"on seed {probe[0]['seed']}'s checkpoint a first step of size " + " / ".join(f"{r['lr']:g}" for r in probe)
            + f" gives {join('return_1step')} over the test goals, {join('slow_return_1step')} on those below "
            f"{split}\\,m/s and {join('fast_return_1step')} on the others")


def readme_lines(v: dict | None) -> list:
    """The README's goal-velocity line: mean return over the test goals after 0-3 steps, the share of the gap to the
    oracle closed after one step with its interval, and the paper's share."""
    if not v:
        return []
    maml = v["methods"]["maml"]
    lo, hi = v["gap_closed_1step_ci95"]
    g = maml["test"]["gap_closed_mean"]
    return [f"- **Goal velocity**, {v.get('n_test_goals', 40)} test goals never trained on (stratified over [0, 2] m/s), "
            f"seeds {', '.join(map(str, maml['seeds']))}: mean return " + " / ".join(f"{x:.1f}" for x in maml["test"]["returns_mean"])
            + f" after 0 / 1 / 2 / 3 steps (an oracle told the goal: {v['oracle_return_test']:.1f}); share of the gap to the "
            f"oracle closed after one step {v['gap_closed_1step']:.2f} [{lo:.2f}, {hi:.2f}], after two and three steps "
            f"{g[2]:.2f} and {g[3]:.2f} (MAML paper: {v['paper_gap_closed'][1]:.2f} / {v['paper_gap_closed'][2]:.2f} / "
            f"{v['paper_gap_closed'][3]:.2f})."] + next_readme_line(v)


def next_readme_line(v: dict) -> list:
    """The README's line on the configuration chosen on seeds 5 and 6 and run on the final seeds, once it has a seed."""
    a = v.get("on_final_seeds")
    nxt = next((m for m, e in ENTRIES.items() if "candidate_for" in e and m in v["methods"]), None)
    if not a or nxt is None:
        return []
    m = final_seed_macros(a)
    e = v["methods"][nxt]
    return [f"- **{METHODS[nxt].replace('GAE lambda 1', 'GAE λ = 1')}** (chosen on seeds 5 and 6 by the return after adaptation), "
            f"seeds {', '.join(map(str, e['seeds']))}: mean return " + " / ".join(f"{x:.1f}" for x in e["test"]["returns_mean"])
            + f" after 0 / 1 / 2 / 3 steps; after one step {m['velNextROne']} against MAML's {m['velFinalROne']}, difference "
            f"{m['velNextDiff']}, 95 % Welch interval across seeds [{m['velNextLo']}, {m['velNextHi']}] ({m['velNextInterval']})."]
