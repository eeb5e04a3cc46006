"""The report's figures from results/ and the summary (learning curves, adaptation, direction)."""
import shutil
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figure_style import WIDTH_IN, save_figure  # noqa: E402
from seed_stats import t_interval  # noqa: E402
from summary_runs import FINAL, REGISTRY, load_runs  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Notebooks"))
from hw14_support import trailing_mean  # noqa: E402  (the notebook's own smoothing, so both curves agree)


SMOOTH = 10  # trailing window of the learning-curve mean, in meta-iterations


def fig_learning_curves(results: Path, figdir: Path):
    """Backward and forward tasks side by side against environment steps; one colour per seed, solid after the
    inner step, dashed before; trailing mean over SMOOTH iterations."""
    runs = load_runs(results, FINAL)
    if not runs:
        return
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH_IN, 2.5), sharey=True)
    for i, r in enumerate(runs):
        ms = r["metrics"]
        x = np.array([m["progress/total_env_steps"] for m in ms]) / 1e6
        for ax, d in zip(axes, ("backward", "forward")):
            for phase, ls in (("post", "-"), ("pre", "--")):
                y = trailing_mean(np.array([m.get(f"returns/{phase}_{d}", np.nan) for m in ms], dtype=float), SMOOTH)
                label = f"seed {r['seed']}" if (d, phase) == ("backward", "post") else None
                ax.plot(x, y, ls=ls, color=f"C{i}", lw=1.1, label=label)
    for ax, d in zip(axes, ("backward", "forward")):
        ax.set_title("HalfCheetahBackward" if d == "backward" else "forward task")
        ax.set_xlabel("environment steps (M)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("mean return of the meta-batch")
    handles, labels = axes[0].get_legend_handles_labels()  # below the plots: it never covers a curve
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    save_figure(fig, figdir, "learning_curves", png_dpi=110)


# the adaptation figure's methods (registry entries with a `plot` field): label, marker and x offset (so no
# curve hides another)
ADAPT_METHODS = {n: (e["label"], e["plot"]["marker"], e["plot"]["offset"]) for n, e in REGISTRY.items()
                 if "plot" in e and e["family"] == "direction"}


def fig_adaptation(summary, figdir: Path):
    """Return after 0-3 test-time steps: one thin line per seed (its mean over 40 runs) and the mean over
    seeds with its 95 % Student-t interval across seeds, for MAML and the two baselines."""
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH_IN, 2.6))
    for ax, direction in zip(axes, ("backward", "forward")):
        for i, (m, (label, marker, dx)) in enumerate(ADAPT_METHODS.items()):
            if m not in summary["methods"]:
                continue
            seeds = np.array(summary["methods"][m][direction]["seed_means"])    # (seeds, steps)
            x = np.arange(seeds.shape[1]) + dx
            for row in seeds:
                ax.plot(x, row, color=f"C{i}", lw=0.7, alpha=0.45)
            ci = np.array([t_interval(seeds[:, k]) for k in range(seeds.shape[1])])
            mean = seeds.mean(0)
            ax.errorbar(x, mean, yerr=[mean - ci[:, 0], ci[:, 1] - mean], color=f"C{i}", marker=marker,
                        capsize=3, lw=1.8, label=f"{label} ({len(seeds)} seeds)")
        oracle = (summary.get("headline") or {}).get("oracle_return", {})
        if oracle.get(direction):
            seeds_o = oracle.get(f"{direction}_per_seed")
            ax.axhline(oracle[direction], color="k", ls=":",
                       label=f"oracle ({len(seeds_o)} seeds, range shaded)" if seeds_o else "oracle")
            if seeds_o:
                ax.axhspan(min(seeds_o), max(seeds_o), color="k", alpha=0.08, lw=0)
        ax.set_xticks(range(4))
        ax.set_xlabel("policy-gradient steps at test time")
        ax.set_title("HalfCheetahBackward" if direction == "backward" else "forward task")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("mean return")
    handles, labels = axes[0].get_legend_handles_labels()  # below the plots: it never covers a line
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    fig.tight_layout(rect=(0, 0.17, 1, 1))
    save_figure(fig, figdir, "adaptation", png_dpi=110)


def fig_direction(run_dir: Path, figdir: Path):
    """The notebook's fixed-camera strobe of the median seed (copied) and its x(t) trace at text width."""
    if not (run_dir / "x_position.npz").exists():
        return
    shutil.copy(run_dir / "strobe.png", figdir / "strobe.png")
    x = np.load(run_dir / "x_position.npz")
    t = np.arange(len(x["before"])) * float(x["dt"])
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 1.6))
    ax.plot(t, x["before"], color="C0", ls="--", label="before adaptation")
    ax.plot(t, x["after"], color="C0", ls="-", label="after one step")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("x position (m)")
    ax.legend(frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))  # beside the axes, off the data
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, figdir, "x_position")
