"""Macros for the report's paragraph on making a seed cheaper, read from the benchmarks' JSON."""
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
