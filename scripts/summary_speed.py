"""Every report macro read from the benchmarks' JSON (benchmarks/results/): the only module that reads it.
Each function returns {macro name: text}, with 'n/a' for a benchmark that has not run, so the report
builds from partial results."""
import json
import statistics
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
NAMES = ("spIterFull", "spIterFive", "spIterRatio", "spUpdFull", "spUpdFive", "spPrevCos",
         "spColdCos", "spWarmCos", "spColdGain", "spWarmGain", "spLsEvals", "spLsShare", "spProductShare",
         "spEvalS", "spProductS", "spSamplerOld", "spSamplerNew", "spSamplerRatio", "spPhysOld", "spPhysNew")


def load(bench: Path, name: str):
    f = bench / name
    return json.loads(f.read_text()) if f.exists() else None


def speed_macros(bench: Path = BENCHMARKS) -> dict:
    """Every macro of NAMES, 'n/a' where its benchmark has not run:
    spIter*/spUpd*   seconds per meta-iteration and per update, final configuration against curvature from 5 of
                     10 tasks, medians of the A/B rounds (benchmarks/ab.py), and the ratio of the iterations;
    spPrevCos etc.   CG warm start (benchmarks/cg_warm_start.py): cosine of consecutive solutions, and cosine to
                     the 30-iteration solve and first-order gain after 10 iterations, cold and warm (medians);
    spSampler*/spPhys*  the sampler with one MjData per thread (b) against one per env (a), idle A/B medians:
                     thousands of steps/s, their ratio, and the sampler's share of raw physics;
    spLs*, spEvalS   the line search (benchmarks/update_parts.py): evaluations per update, its share of the update,
                     the curvature products' share, seconds per evaluation and per product."""
    m = {n: "n/a" for n in NAMES}
    ab = load(bench, "ab_meta_iteration_hvp_tasks5.json")
    if ab:
        upd = {k: statistics.median(r["phases_s"]["update"] for r in ab[k]) for k in ("a", "b")}
        m.update(spIterFull=f"{ab['median_a']['iteration_s']:.1f}", spIterFive=f"{ab['median_b']['iteration_s']:.1f}",
                 spIterRatio=f"{ab['ratio_b_over_a']['iteration_s']:.2f}", spUpdFull=f"{upd['a']:.1f}",
                 spUpdFive=f"{upd['b']:.1f}")
    warm = load(bench, "benchmark_cg_warm_start.json")
    if warm:
        med, n = warm["median"], str(max(warm["cg_iters"]))
        m.update(spPrevCos=f"{med['prev_cos']:.2f}", spColdCos=f"{med['cold'][n]['cos']:.2f}",
                 spWarmCos=f"{med['warm'][n]['cos']:.2f}", spColdGain=f"{med['cold'][n]['gain']:.3f}",
                 spWarmGain=f"{med['warm'][n]['gain']:.3f}")
    mjb = load(bench, "ab_sampler_mjbatch_per_thread.json")
    if mjb:
        a, b = mjb["median_a"], mjb["median_b"]
        m.update(spSamplerOld=f"{a['sampler_sps'] / 1000:.1f}", spSamplerNew=f"{b['sampler_sps'] / 1000:.1f}",
                 spSamplerRatio=f"{mjb['ratio_b_over_a']['sampler_sps']:.2f}",
                 spPhysOld=f"{a['ratio_vs_physics']:.2f}", spPhysNew=f"{b['ratio_vs_physics']:.2f}")
    parts = load(bench, "benchmark_update_parts.json")
    if parts:
        m.update(spLsEvals=f"{parts['per_update']['evaluation']:.1f}", spLsShare=f"{parts['shares']['evaluation']:.2f}",
                 spProductShare=f"{parts['shares']['product']:.2f}",
                 spEvalS=f"{parts['seconds_each']['evaluation']:.2f}", spProductS=f"{parts['seconds_each']['product']:.2f}")
    return m


def sampler_macros(bench: Path = BENCHMARKS) -> dict:
    """benchPhysics etc.: steps/s of raw physics, of the sampler and of gymnasium's sync and async vector
    envs (benchmarks/sampler.py), and the sampler's share of raw physics."""
    m = {n: "n/a" for n in ("benchPhysics", "benchSampler", "benchSync", "benchAsync", "benchRatioPhysics")}
    b = load(bench, "benchmark_sampler.json")
    if b:
        for key, name in (("physics_sps", "benchPhysics"), ("sampler_sps", "benchSampler"),
                          ("gym_sync_sps", "benchSync"), ("gym_async_sps", "benchAsync")):
            m[name] = f"{b[key]:,}".replace(",", "{,}")
        m["benchRatioPhysics"] = f"{b['ratio_vs_physics']:.2f}"
    return m


def iteration_macros(bench: Path = BENCHMARKS) -> dict:
    """bi*: seconds per meta-iteration and its phases, against raw physics, now and before (benchmark_meta_iteration);
    biFisher*: the same with the Fisher curvature; cv*: the curvature products' error and cost (benchmark_curvature)."""
    m = {n: "n/a" for n in ("biIter", "biPhysics", "biRatio", "biShare", "biBeforeIter", "biBeforeRatio",
                            "biBeforeShare", "biBeforeUpdate", "biUpdate", "biSample", "biCpu")}
    b = load(bench, "benchmark_meta_iteration.json")
    if b:
        bb = b.get("before") or {}
        m.update({"biIter": f"{b['iteration_s']:.2f}", "biPhysics": f"{b['physics_s']:.2f}",
                  "biRatio": f"{b['ratio']:.2f}", "biShare": f"{b['update_share']:.2f}",
                  "biUpdate": f"{b['phases_s']['update']:.2f}", "biSample": f"{b['phases_s']['sample']:.2f}",
                  "biCpu": b.get("cpu", "unknown")})
        if bb:
            m.update({"biBeforeIter": f"{bb['iteration']:.2f}", "biBeforeUpdate": f"{bb['update']:.2f}",
                      "biBeforeRatio": f"{b['before_ratio']:.2f}",
                      "biBeforeShare": f"{bb['update'] / bb['iteration']:.2f}"})
    m.update({n: "n/a" for n in ("cvFisherErr", "cvFisherRatio", "cvJacErr", "cvJacS", "cvExactS", "cvFisherS")})
    curv = load(bench, "benchmark_curvature.json")
    if curv:
        c = curv["products"]
        fs = [k for k in c if k.startswith("fisher_s") and k != "fisher_s1"]
        js = [k for k in c if k.startswith("jacobian_s") and k != "jacobian_s1"]
        span = lambda xs, scale=1, fmt="{:.0f}": "--".join(fmt.format(scale * x) for x in (min(xs), max(xs)))
        if fs and js:
            f, j = c[fs[0]], c[js[0]]
            m.update({"cvFisherErr": span(f["rel_err"], 100) + "\\%", "cvFisherRatio": span(f["vHv_ratio"], fmt="{:.2f}"),
                      "cvJacErr": span(j["rel_err"], 100, "{:.1f}") + "\\%", "cvJacS": f"{j['product_s']:.2f}",
                      "cvExactS": f"{c['exact']['product_s']:.2f}", "cvFisherS": f"{f['product_s']:.3f}"})
    m.update({n: "n/a" for n in ("biFisherIter", "biFisherRatio", "biFisherShare", "biFisherUpdate")})
    b = load(bench, "benchmark_meta_iteration_fisher.json")
    if b:
        m.update({"biFisherIter": f"{b['iteration_s']:.2f}", "biFisherRatio": f"{b['ratio']:.2f}",
                  "biFisherShare": f"{b['update_share']:.2f}", "biFisherUpdate": f"{b['phases_s']['update']:.2f}"})
    return m


def cg_macros(bench: Path = BENCHMARKS) -> dict:
    """CG after 10 iterations against a 30-iteration solve (benchmarks/cg_convergence.py): the range of
    the cosines and of the gain ratios gain(n) / gain(30) over the probed policies."""
    out = {n: "n/a" for n in ("cgCosTen", "cgGainTen", "cgGainTwenty", "cgPolicies")}
    d = load(bench, "benchmark_cg_convergence.json")
    if d:
        pol = d["policies"].values()
        span = lambda xs: f"{min(xs):.2f}--{max(xs):.2f}"
        out.update({"cgCosTen": span([p["10"]["cos"] for p in pol]),
                    "cgGainTen": span([p["10"]["gain"] / p["30"]["gain"] for p in pol]),
                    "cgGainTwenty": span([p["20"]["gain"] / p["30"]["gain"] for p in pol]),
                    "cgPolicies": str(len(pol))})
    return out
