"""The report's generated LaTeX: adaptation tables, ablation rows, levers and the headline macros."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry import ablation_rows, composition, table_rows, tagged  # noqa: E402
from summary_runs import FINAL, METHODS, ORACLES, PAPER, REGISTRY, load_runs, own_return  # noqa: E402
from summary_speed import cg_macros, iteration_macros, sampler_macros, speed_macros  # noqa: E402
from summary_tables import adoption_macros, screen_rows, step_size_macros, target_macros  # noqa: E402



def f2(x: float) -> str:
    """x with two decimals, without the sign of a value that rounds to zero ("-0.00" reads as a loss)."""
    out = f"{x:.2f}"
    return out[1:] if out == "-0.00" else out

def fmt(mean, sem=None):
    return f"{mean:.1f}" if sem is None else f"{mean:.1f} $\\pm$ {sem:.1f}"


def tex_tables(summary, gendir: Path, results: Path):
    for direction in ("backward", "forward"):
        rows = []
        for m, label in table_rows(REGISTRY).items():
            if m not in summary["methods"] or (m in ORACLES and ORACLES[m][0] != direction):
                continue  # an oracle appears only in the table of the direction it was trained on
            e = summary["methods"][m][direction]
            seeds = ",".join(map(str, summary["methods"][m]["seeds"]))
            label = label.replace("(v1: 8 M steps, scale 1)", "(action scale 1, 8\\,M steps)")
            rows.append(f"{label} & {seeds} & " + " & ".join(fmt(a, b) for a, b in zip(e["mean"], e["sem"])) + r" \\")
        (gendir / f"adaptation_{direction}.tex").write_text("\n".join(rows) + "\n\\bottomrule\n")
    frac = summary.get("fraction_of_oracle_backward", {})
    rows = []
    for m, label in METHODS.items():
        if m in frac and not m.startswith("oracle"):
            f = frac[m]
            rows.append(f"{label} & " + " & ".join(f2(f[f'{k}_steps']) for k in range(4)) + r" \\")
    pf = summary.get("paper_fraction_of_oracle")
    if pf:
        rows.append(r"MAML, paper (rllab) & " + " & ".join(f"{pf[f'{k}_steps']:.2f}" for k in range(4)) + r" \\")
    if not frac:
        rows = [r"\multicolumn{5}{c}{(no oracle run in results/ yet)} \\"] + rows
    (gendir / "fraction_of_oracle.tex").write_text("\n".join(rows) + "\n\\bottomrule\n")
    values = sampler_macros()  # numbers used in the text
    p = PAPER
    (gendir / "paper_table.tex").write_text(
        "MAML & " + " & ".join(fmt(a, b) for a, b in zip(p["maml"], p["maml_sem"])) + r" \\" + "\n"
        + "pretrained & " + " & ".join(fmt(a) for a in p["pretrained"]) + r" \\" + "\n"
        + "random init & " + " & ".join(fmt(a) for a in p["random"]) + r" \\" + "\n"
        + f"oracle & \\multicolumn{{4}}{{c}}{{{p['oracle']:.1f}}}" + r" \\" + "\n\\bottomrule\n")
    (gendir / "numbers.tex").write_text("".join(f"\\newcommand{{\\{n}}}{{{v}}}\n" for n, v in values.items()))


def oracle_lambda_macros(results: Path) -> dict:
    """The oracle with MAML's GAE lambda 0.95 against lambda 1, same protocol, seed and budget (8 M)."""
    out = {}
    for macro in ("oLamBack", "oLamFwd"):
        entry = REGISTRY[tagged(REGISTRY, macro)]
        d, tag = entry["direction"], macro[len("oLam"):]
        lam = load_runs(results, entry["name"])
        one = [r for r in load_runs(results, entry["lambda_one"]) if lam and r["seed"] == lam[0]["seed"]]
        if lam and one:
            out[f"oLam{tag}"], out[f"oLamOne{tag}"] = f"{own_return(lam[0], d):.1f}", f"{own_return(one[0], d):.1f}"
    return out


def fraction_macros(name: str, f: dict) -> dict:
    """\\name (mean over seeds), \\nameCI (its 95% interval) and \\nameMin (worst seed, 3 places: the target is >= 0.66)."""
    return {name: f"{f['fraction_1step']:.2f}", f"{name}CI": "[{:.2f}, {:.2f}]".format(*f["fraction_1step_ci95"]),
            f"{name}Min": f"{min(f['fraction_1step_per_seed']):.3f}"}


# the levers the discussion's compact table compares (experiments/*.toml, [[levers]]): the text, the entry
# without the lever (the final entry stands for the final runs on the same seeds) and the entry with it
LEVERS = composition("levers")


def lever_rows(summary) -> list:
    """Rows of the discussion's compact table: the fraction of the oracle after one step averaged over both
    directions, mean over the screened seeds, without and with each lever (final runs on the same seeds).
    A `\\midrule` separates levers of different `group`s (adopted at 6.4 M steps, against the final runs, against
    final_screen), so the table's caption can refer to its rules."""
    by_name, h, rows = {a["name"]: a for a in summary["ablations"]}, summary.get("headline"), []
    group = None
    for lv in LEVERS:
        lever, variant = lv["text"], lv["with"]
        base = None if lv["without"] == FINAL else lv["without"]
        if variant not in by_name or (base is not None and base not in by_name) or (base is None and not h):
            continue
        v = by_name[variant]
        if base is None:
            other = dict(zip(h["seeds"], h["direction_average"]["fraction_1step_per_seed"]))
        else:
            other = dict(zip(by_name[base]["seeds"], by_name[base]["fraction_1step_direction_average_per_seed"]))
        mine = dict(zip(v["seeds"], v["fraction_1step_direction_average_per_seed"]))
        seeds = [s for s in v["seeds"] if s in other]       # the seeds both sides ran
        without, with_ = np.mean([other[s] for s in seeds]), np.mean([mine[s] for s in seeds])
        if rows and lv.get("group") != group:
            rows.append(r"\midrule")
        group = lv.get("group")
        lever = lever.replace("($s=10$)", "(action scale 10)")  # the report's s is a state
        rows.append(f"{lever} & {v['env_steps'] / 1e6:.1f} & {', '.join(map(str, seeds))} & "
                    f"{without:.2f} & {with_:.2f} \\\\")
    return rows


def tex_headline(summary, gendir: Path, results: Path):
    """per_seed.tex, ablations.tex and headline.tex (macros); placeholders when runs are missing."""
    h = summary.get("headline")
    macros = {n: "n/a" for n in ("hSeeds", "hNumSeeds", "hEnvSteps", "hWall", "hFracBack", "hFracBackCI",
                                 "hFracBackMin", "hFracAvg", "hFracAvgCI", "hFracAvgMin", "hOracleBack",
                                 "hOracleFwd", "hOneBackMean", "hOneFwdMean", "hMedianSeed", "hOracleBackAlt",
                                 "hOracleFwdAlt", "hFracBackAlt", "hFracAvgAlt", "hOracleBackSrc", "hOracleFwdSrc",
                                 "hLsRejected", "hLsIters", "hLsMedian", "hLsRejectedIid", "hLsMedianIid",
                                 "oLamBack", "oLamOneBack", "oLamFwd", "oLamOneFwd", "hHeldBack", "hHeldBackCI",
                                 "hHeldBackMin", "hHeldBackPerSeed", "hHeldAvg", "hHeldAvgCI", "hHeldAvgMin",
                                 "hOracleBackStrong", "hOracleFwdStrong", "hOracleBackStrongSrc",
                                 "hOracleFwdStrongSrc", "hFracBackStrong", "hFracAvgStrong", "hRatioAvg",
                                 *(f"hOracle{t}{x}" for t in ("Back", "Fwd")
                                   for x in ("Seeds", "PerSeed", "Min", "Max", "Lo", "Hi")))}
    macros.update(oracle_lambda_macros(results))
    macros.update(target_macros(h))
    for tag in ("Pretrained", "Random", "Maml"):  # k = 0..3, mean over seeds
        m = tagged(REGISTRY, tag)
        for d in ("backward", "forward"):
            e = summary["methods"].get(m, {}).get(d)
            macros[f"base{tag}{d.capitalize()}"] = " / ".join(f"{x:.1f}" for x in e["mean"]) if e else "n/a"
    rows = []
    if h:
        fb, fa = h["backward"], h["direction_average"]
        for i, seed in enumerate(h["seeds"]):
            rows.append(f"{seed} & {h['return_1step_per_seed']['backward'][i]:.1f} & {fb['fraction_1step_per_seed'][i]:.3f} & "
                        f"{h['return_1step_per_seed']['forward'][i]:.1f} & "
                        + (f"{fa['fraction_1step_per_seed'][i]:.3f}" if fa else "--") + r" \\")
        one = h["return_1step_per_seed"]
        rows += [r"\midrule", f"mean & {np.mean(one['backward']):.1f} & {fb['fraction_1step']:.3f} & "
                 f"{np.mean(one['forward']):.1f} & " + (f"{fa['fraction_1step']:.3f}" if fa else "--") + r" \\",
                 "95\\,\\% interval & & " + "[{:.3f}, {:.3f}]".format(*fb["fraction_1step_ci95"]) + " & & "
                 + ("[{:.3f}, {:.3f}]".format(*fa["fraction_1step_ci95"]) if fa else "--") + r" \\"]
        macros.update({"hSeeds": ", ".join(map(str, h["seeds"])), "hNumSeeds": str(len(h["seeds"])),
                       "hEnvSteps": f"{np.mean(h['env_steps_per_seed']) / 1e6:.0f}",
                       "hWall": f"{np.mean(h['wall_minutes_per_seed']):.1f}",
                       **fraction_macros("hFracBack", fb),
                       "hOracleBack": f"{h['oracle_return']['backward']:.1f}", "hMedianSeed": str(h["median_seed"]),
                       "hOneBackMean": f"{np.mean(h['return_1step_per_seed']['backward']):.1f}",
                       "hOneFwdMean": f"{np.mean(h['return_1step_per_seed']['forward']):.1f}"})
        lsr = h["line_search"]
        macros.update({"hLsRejected": ", ".join(map(str, lsr["rejected_steps_per_seed"])),
                       "hLsIters": str(lsr["iterations_per_seed"][0]),
                       "hLsMedian": ", ".join(f"{x:g}" for x in lsr["median_backtracks_of_accepted_per_seed"])})
        if h["oracle_return"]["forward"]:
            macros["hOracleFwd"] = f"{h['oracle_return']['forward']:.1f}"
        src = {name: proto.replace(" M steps", "\\,M steps").replace("lambda", "$\\lambda$")
               for name, (_, proto) in ORACLES.items()}
        macros.update({"hOracleBackSrc": src.get(h["oracle_return"]["backward_source"], "?"),
                       "hOracleFwdSrc": src.get(h["oracle_return"]["forward_source"], "?")})
        for d, tag in (("backward", "Back"), ("forward", "Fwd")):
            per_seed = h["oracle_return"].get(f"{d}_per_seed")
            if per_seed:  # the designated oracle: its seeds and their spread
                macros.update({f"hOracle{tag}Seeds": ", ".join(map(str, h["oracle_return"][f"{d}_seeds"])),
                               f"hOracle{tag}PerSeed": ", ".join(f"{x:.1f}" for x in per_seed),
                               f"hOracle{tag}Min": f"{min(per_seed):.1f}", f"hOracle{tag}Max": f"{max(per_seed):.1f}",
                               f"hOracle{tag}Lo": f"{h['oracle_return'][f'{d}_ci95'][0]:.1f}",
                               f"hOracle{tag}Hi": f"{h['oracle_return'][f'{d}_ci95'][1]:.1f}"})
        strong = h.get("against_strongest_oracles")
        if strong:
            macros.update({"hOracleBackStrong": f"{strong['oracle_return']['backward']:.1f}",
                           "hOracleFwdStrong": f"{strong['oracle_return']['forward']:.1f}",
                           "hOracleBackStrongSrc": src.get(strong["oracle_return"]["backward_source"], "?"),
                           "hOracleFwdStrongSrc": src.get(strong["oracle_return"]["forward_source"], "?"),
                           "hFracBackStrong": f"{strong['backward']['fraction_1step']:.2f}",
                           "hFracAvgStrong": f"{strong['direction_average']['fraction_1step']:.2f}"})
        alt = h.get("against_weaker_oracles")
        if alt:
            macros.update({"hOracleBackAlt": f"{alt['oracle_return']['backward']:.1f}",
                           "hOracleFwdAlt": f"{alt['oracle_return']['forward']:.1f}",
                           "hFracBackAlt": f"{alt['backward']['fraction_1step']:.2f}",
                           "hFracAvgAlt": f"{alt['direction_average']['fraction_1step']:.2f}"})
        if h.get("ratio_of_averages") is not None:  # the paper's metric: a ratio of averages over both directions
            macros["hRatioAvg"] = f"{h['ratio_of_averages']:.2f}"
        held = h.get("heldout")
        if held:
            hb, ha = held["backward"], held["direction_average"]
            macros.update({**fraction_macros("hHeldBack", hb), **fraction_macros("hHeldAvg", ha),
                           "hHeldBackPerSeed": ", ".join(f"{x:.3f}" for x in hb["fraction_1step_per_seed"])})
        if fa:
            macros.update(fraction_macros("hFracAvg", fa))
    (gendir / "changes.tex").write_text("\n".join(lever_rows(summary)) + "\n")
    (gendir / "screen.tex").write_text("\n".join(screen_rows(summary, REGISTRY)
                                                 or [r"\multicolumn{9}{c}{(no screening run finished yet)} \\"]) + "\n")
    (gendir / "per_seed.tex").write_text("\n".join(rows or [r"\multicolumn{5}{c}{(no MAML run yet)} \\"])
                                         + "\n\\bottomrule\n")
    cmp = summary.get("curvature_comparison") or {"pairs": []}
    for other, tag in (("exact", "Exact"), ("jacobian", "Jac")):
        for n in ("Iters", "FisherPost", "Post", "FisherRej", "Rej", "FisherMed", "Med", "FisherUpd", "Upd", "Seeds"):
            macros[f"cmp{tag}{n}"] = "n/a"
        pairs = [p for p in cmp["pairs"] if p["other"] == other]
        if not pairs:
            continue
        join = lambda f: "/".join(f(p) for p in pairs)  # one figure per seed, in seed order
        both = lambda c: f"{(c['post_backward_mean'] + c['post_forward_mean']) / 2:.0f}"
        macros.update({f"cmp{tag}Seeds": join(lambda p: str(p["seed"])), f"cmp{tag}Iters": join(lambda p: str(p["iterations"])),
                       f"cmp{tag}FisherPost": join(lambda p: both(p["fisher"])), f"cmp{tag}Post": join(lambda p: both(p[other])),
                       f"cmp{tag}FisherRej": join(lambda p: str(p["fisher"]["rejected_steps"])),
                       f"cmp{tag}Rej": join(lambda p: str(p[other]["rejected_steps"])),
                       f"cmp{tag}FisherMed": join(lambda p: f"{p['fisher']['median_backtracks']:g}"),
                       f"cmp{tag}Med": join(lambda p: f"{p[other]['median_backtracks']:g}"),
                       f"cmp{tag}FisherUpd": join(lambda p: f"{p['fisher']['update_s']:.2f}"),
                       f"cmp{tag}Upd": join(lambda p: f"{p[other]['update_s']:.2f}")})
    for tag in ("Iid", "Fisher"):
        name = tagged(REGISTRY, tag)
        rows = [a for a in summary.get("ablations", []) if a["name"] == name]
        macros.setdefault(f"hLsRejected{tag}", "n/a"), macros.setdefault(f"hLsMedian{tag}", "n/a")
        if rows:
            ls = rows[0]["line_search"]
            macros.update({f"hLsRejected{tag}": ", ".join(map(str, ls["rejected_steps_per_seed"])),
                           f"hLsMedian{tag}": ", ".join(f"{x:g}" for x in ls["median_backtracks_of_accepted_per_seed"])})
    arows = []
    labels = ablation_rows(REGISTRY)
    for a in summary.get("ablations", []):  # in registry order
        f = a["fraction_1step_backward_per_seed"]
        seeds = a["seeds"]
        seeds = f"{seeds[0]}--{seeds[-1]}" if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)) \
            else ", ".join(map(str, seeds))
        arows.append(f"{labels[a['name']]} & {seeds} & "
                     f"{a['env_steps'] / 1e6:.1f} & {', '.join(f2(x) for x in f)} & {f2(np.mean(f))} & "
                     f"{np.mean(a['return_1step_per_seed']['forward']):.0f} & "
                     + (f2(np.mean(avg)) if (avg := a.get("fraction_1step_direction_average_per_seed")) else "--")
                     + r" \\")
    (gendir / "ablations.tex").write_text("\n".join(arows or [r"\multicolumn{7}{c}{(no screening run yet)} \\"])
                                          + "\n\\bottomrule\n")
    macros.update(iteration_macros())
    macros.update(step_size_macros(results), **cg_macros(), **speed_macros())
    for prefix in ("cgTwenty", "wide"):
        macros.update(adoption_macros(summary, tagged(REGISTRY, prefix), prefix))
    (gendir / "headline.tex").write_text("".join(f"\\newcommand{{\\{n}}}{{{v}}}\n" for n, v in macros.items()))
