"""scripts/summarize_results.py: the headline statistics on a made-up results/ tree with known answers."""
import json
import math

import pytest
from conftest import load_script


@pytest.fixture(scope="module")
def summ():
    return load_script("summarize_results")


@pytest.fixture(scope="module")
def runs():
    return load_script("summary_runs")


@pytest.fixture(scope="module")
def tables():
    return load_script("summary_tables")


@pytest.fixture(scope="module")
def tex():
    return load_script("summary_tex")


@pytest.fixture(scope="module")
def stats():
    return load_script("seed_stats")


def _run(results, name, seed, backward, forward):
    """An eval.json whose 'per_run' rows are (return after 0, 1, 2, 3 steps) per adaptation run, in the
    folder the registry gives entry `name`."""
    d = load_script("summary_runs").run_path(results, name) / f"seed{seed}"
    d.mkdir(parents=True)
    ev = {"eval_seed": 1000 + seed, "lrs": [0.1, 0.05, 0.05],
          "backward": {"per_run": backward}, "forward": {"per_run": forward}}
    (d / "eval.json").write_text(json.dumps(ev))
    rows = [{"progress/total_env_steps": 100 * (i + 1), "time/wall": 60.0 * (i + 1), "progress/iteration": i + 1,
             "trpo/ls_step": ls} for i, ls in enumerate([-1, 2, 4, 0])]  # -1: the line search kept theta
    (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_t_interval_closed_form(stats):
    """mean +- t_{0.975, n-1} s / sqrt(n): for (1, 2, 3), s = 1 and t_{0.975, 2} = 4.303."""
    lo, hi = stats.t_interval([1.0, 2.0, 3.0])
    assert (lo, hi) == pytest.approx((2 - 4.303 / math.sqrt(3), 2 + 4.303 / math.sqrt(3)), abs=1e-9)
    lo, hi = stats.t_interval([0.2, 0.4, 0.3, 0.5, 0.6])  # n = 5: t_{0.975, 4} = 2.776
    s = math.sqrt(sum((x - 0.4) ** 2 for x in (0.2, 0.4, 0.3, 0.5, 0.6)) / 4)
    assert hi - 0.4 == pytest.approx(2.776 * s / math.sqrt(5), abs=1e-9)
    assert all(math.isnan(x) for x in stats.t_interval([0.5]))


def test_welch_interval_by_hand(stats):
    """a = 1..5 (mean 3, s^2 2.5), b = 0, 0, 1, 1, 3 (mean 1, s^2 1.5): s_a^2/5 = 0.5, s_b^2/5 = 0.3, standard
    error sqrt(0.8), df = 0.64 / (0.25/4 + 0.09/4) = 7.53, rounded down to 7: t_{0.975, 7} = 2.365."""
    w = stats.welch_interval([1, 2, 3, 4, 5], [0, 0, 1, 1, 3])
    assert w["diff"] == pytest.approx(2.0) and w["df"] == pytest.approx(0.64 / 0.085)
    assert (w["low"], w["high"]) == pytest.approx((2 - 2.365 * math.sqrt(0.8), 2 + 2.365 * math.sqrt(0.8)), abs=1e-9)
    # equal variances and sizes: df = 2 (n - 1) = 8, t = 2.306, the pooled two-sample interval
    w = stats.welch_interval([1.0, 2.0, 3.0, 4.0, 5.0], [11.0, 12.0, 13.0, 14.0, 15.0])
    assert w["df"] == pytest.approx(8.0) and w["high"] == pytest.approx(-10 + 2.306 * math.sqrt(1.0), abs=1e-9)
    assert math.isnan(stats.welch_interval([1.0], [1.0, 2.0])["low"])


def test_headline_divides_by_the_stronger_oracle_per_seed(runs, tables, stats, tmp_path):
    """Fractions are per seed (the seed's mean over its runs after 1 step / the stronger oracle's mean
    return over its seeds, per direction); before the 3-seed reference exists there is no seed spread to
    compare against, so no comparison figures."""
    r = tmp_path
    _run(r, "oracle_backward_scale1", 0, [[100, 0, 0, 0]], [[0, 0, 0, 0]])
    _run(r, "oracle_backward_scale1", 1, [[300, 0, 0, 0]], [[0, 0, 0, 0]])          # mean 200
    _run(r, "oracle_backward_relu_8M", 0, [[400, 0, 0, 0]], [[0, 0, 0, 0]])  # 400: the stronger backward oracle
    _run(r, "oracle_forward_scale1", 0, [[0, 0, 0, 0]], [[100, 0, 0, 0]])  # the only forward oracle
    _run(r, "maml", 0, [[0, 100, 0, 0], [0, 300, 0, 0]], [[0, 50, 0, 0], [0, 50, 0, 0]])  # 200 / 50
    _run(r, "maml", 3, [[0, 320, 0, 0]], [[0, 80, 0, 0]])
    h = runs.headline(r)
    assert h["seeds"] == [0, 3]
    assert h["oracle_return"]["backward"] == pytest.approx(400) and h["oracle_return"]["backward_source"] == "oracle_backward_relu_8M"
    assert h["oracle_return"]["forward"] == pytest.approx(100)
    assert h["oracle_seeds"] == {"backward": [0], "forward": [0]}  # the seeds of the chosen runs, not of the weaker
    assert h["oracle_text"] == {"backward": "400.0, one run: oracle_backward_relu_8M, seeds [0]",
                                "forward": f"100.0, one run: {h['oracle_return']['forward_source']}, seeds [0]"}
    assert h["backward"]["fraction_1step_per_seed"] == pytest.approx([0.5, 0.8])
    assert h["backward"]["fraction_1step"] == pytest.approx(0.65)
    assert h["direction_average"]["fraction_1step_per_seed"] == pytest.approx([(0.5 + 0.5) / 2, (0.8 + 0.8) / 2])
    assert h["backward"]["fraction_1step_ci95"] == pytest.approx(stats.t_interval([0.5, 0.8]))
    assert "against_weaker_oracles" not in h and "against_strongest_oracles" not in h
    assert h["median_seed"] == 0  # the lower median of two seeds
    assert h["line_search"]["rejected_steps_per_seed"] == [1, 1]
    assert h["line_search"]["median_backtracks_of_accepted_per_seed"] == [2.0, 2.0]
    assert h["env_steps_per_seed"] == [400, 400] and h["wall_minutes_per_seed"] == [4.0, 4.0]
    readme = tables.readme_table({"methods": {}, "headline": h, "paper_fraction_of_oracle": {"1_steps": 0.66}})
    assert "(400.0, one run: oracle_backward_relu_8M, seeds [0])" in readme  # which run, and on how many seeds


def test_the_designated_oracles_divide_once_every_seed_has_finished(runs, tables, stats, tmp_path):
    """The registry's reference oracles (`reference = true`) replace the stronger single run only when all
    their listed seeds are in; then every fraction divides by the mean of their seeds, and the headline
    gives each seed's return, a t interval across them, the rule it used, the same fractions against the
    reference's strongest and weakest seed, and the paper's ratio of averages."""
    r = tmp_path
    ref_b, ref_f = runs.REFERENCES["backward"], runs.REFERENCES["forward"]
    seeds = runs.REGISTRY[ref_b]["seeds"]
    assert len(seeds) == 3 and runs.REGISTRY[ref_f]["seeds"] == seeds
    _run(r, "oracle_backward_relu_8M", 0, [[800, 0, 0, 0]], [[0, 0, 0, 0]])  # the stronger single run
    _run(r, "oracle_forward_scale1", 0, [[0, 0, 0, 0]], [[500, 0, 0, 0]])
    _run(r, "maml", 0, [[0, 200, 0, 0]], [[0, 100, 0, 0]])
    _run(r, "maml", 1, [[0, 300, 0, 0]], [[0, 50, 0, 0]])
    for seed, b, f in zip(seeds[:2], (300, 500), (100, 200)):
        _run(r, ref_b, seed, [[b, 0, 0, 0], [b, 0, 0, 0]], [[0, 0, 0, 0]] * 2)
        _run(r, ref_f, seed, [[0, 0, 0, 0]], [[f, 0, 0, 0]])
    h = runs.headline(r)  # two of three seeds: not yet the reference
    assert h["oracle_return"]["backward"] == pytest.approx(800) and "not finished" in h["oracle_rule"]
    assert runs.reference(r) is None
    _run(r, ref_b, seeds[2], [[350, 0, 0, 0], [450, 0, 0, 0]], [[0, 0, 0, 0]] * 2)  # seed mean 400
    assert runs.reference(r) is None  # the forward reference still lacks a seed
    _run(r, ref_f, seeds[2], [[0, 0, 0, 0]], [[300, 0, 0, 0]])
    h = runs.headline(r)
    o = h["oracle_return"]
    assert o["backward"] == pytest.approx(400) and o["forward"] == pytest.approx(200)  # (300 + 500 + 400) / 3
    assert o["backward_per_seed"] == pytest.approx([300, 500, 400]) and o["backward_source"] == ref_b
    assert o["backward_ci95"] == pytest.approx(stats.t_interval([300, 500, 400]))
    assert h["oracle_rule"].startswith("reference") and h["oracle_seeds"] == {"backward": seeds, "forward": seeds}
    assert h["backward"]["fraction_1step_per_seed"] == pytest.approx([0.5, 0.75])
    assert h["direction_average"]["fraction_1step_per_seed"] == pytest.approx([(0.5 + 0.5) / 2, (0.75 + 0.25) / 2])
    strong, weak = h["against_strongest_oracles"], h["against_weaker_oracles"]
    assert (strong["oracle_return"]["backward"], strong["oracle_return"]["forward"]) == pytest.approx((500, 300))
    assert strong["backward"]["fraction_1step_per_seed"] == pytest.approx([0.4, 0.6])
    assert strong["direction_average"]["fraction_1step_per_seed"] == pytest.approx([(0.4 + 1 / 3) / 2, (0.6 + 1 / 6) / 2])
    assert (weak["oracle_return"]["backward"], weak["oracle_return"]["forward"]) == pytest.approx((300, 100))
    assert weak["backward"]["fraction_1step_per_seed"] == pytest.approx([2 / 3, 1.0])
    # the paper's metric: (R_back + R_fwd) / (O_back + O_fwd) per seed = 300 / 600 and 350 / 600
    assert h["ratio_of_averages_per_seed"] == pytest.approx([0.5, 350 / 600])
    assert h["ratio_of_averages"] == pytest.approx((0.5 + 350 / 600) / 2)
    assert runs.divisor(r)[0] == o
    readme = tables.readme_table({"methods": {}, "headline": h, "paper_fraction_of_oracle": {"1_steps": 0.66}})
    assert f"(400.0, mean of seeds {seeds}: 300.0, 500.0, 400.0)" in readme  # the reader sees each seed
    assert h["oracle_text"]["forward"] == f"200.0, mean of seeds {seeds}: 100.0, 200.0, 300.0"


def test_a_stronger_reference_neither_divides_early_nor_hides_the_single_runs(runs, tmp_path):
    """References stronger than every single run: with a seed missing the single runs still divide (a
    partial reference is no reference); once complete, the comparison rows are the reference's own seeds."""
    r = tmp_path
    ref_b, ref_f = runs.REFERENCES["backward"], runs.REFERENCES["forward"]
    seeds = runs.REGISTRY[ref_b]["seeds"]
    _run(r, "oracle_backward_relu_8M", 0, [[400, 0, 0, 0]], [[0, 0, 0, 0]])
    _run(r, "oracle_forward_scale1", 0, [[0, 0, 0, 0]], [[100, 0, 0, 0]])
    _run(r, "maml", 0, [[0, 200, 0, 0]], [[0, 50, 0, 0]])
    for seed in seeds[:2]:
        _run(r, ref_b, seed, [[900, 0, 0, 0]], [[0, 0, 0, 0]])
        _run(r, ref_f, seed, [[0, 0, 0, 0]], [[500, 0, 0, 0]])
    h = runs.headline(r)
    assert (h["oracle_return"]["backward"], h["oracle_return"]["forward"]) == pytest.approx((400, 100))
    _run(r, ref_b, seeds[2], [[900, 0, 0, 0]], [[0, 0, 0, 0]])
    _run(r, ref_f, seeds[2], [[0, 0, 0, 0]], [[500, 0, 0, 0]])
    h = runs.headline(r)
    assert (h["oracle_return"]["backward"], h["oracle_return"]["forward"]) == pytest.approx((900, 500))
    strong = h["against_strongest_oracles"]["oracle_return"]
    assert (strong["backward"], strong["backward_source"]) == (pytest.approx(900), ref_b)
    # the candidates listed beside the reference are the single runs only
    assert h["oracle_candidates"] == {"backward": {"oracle_backward_relu_8M": pytest.approx(400)},
                                      "forward": {"oracle_forward_scale1": pytest.approx(100)}}


def test_oracle_lambda_comparison_uses_the_same_seed(tex, tmp_path):
    """The lambda-0.95 oracle is compared with the lambda-1 run of its own seed, not the mean over seeds."""
    r = tmp_path
    _run(r, "oracle_backward_tanh_8M", 0, [[900, 0, 0, 0]], [[0, 0, 0, 0]])
    _run(r, "oracle_backward_tanh_8M", 1, [[500, 0, 0, 0], [700, 0, 0, 0]], [[0, 0, 0, 0]] * 2)  # seed 1: 600
    _run(r, "oracle_backward_tanh_lam0.95_8M", 1, [[650, 0, 0, 0]], [[0, 0, 0, 0]])
    m = tex.oracle_lambda_macros(r)
    assert (m["oLamBack"], m["oLamOneBack"]) == ("650.0", "600.0")
    assert "oLamFwd" not in m  # no forward runs: the macros keep their placeholder


def test_heldout_fractions_come_from_the_heldout_evaluations(runs, tmp_path):
    """headline['heldout'] divides each seed's eval_heldout.json return by the same oracles, and is left
    out while any seed lacks one."""
    r = tmp_path
    _run(r, "oracle_backward_scale1", 0, [[400, 0, 0, 0]], [[0, 0, 0, 0]])
    _run(r, "oracle_forward_scale1", 0, [[0, 0, 0, 0]], [[100, 0, 0, 0]])
    _run(r, "maml", 0, [[0, 200, 0, 0]], [[0, 50, 0, 0]])
    _run(r, "maml", 1, [[0, 240, 0, 0]], [[0, 60, 0, 0]])
    held = lambda seed, b, f: (runs.run_path(r, "maml") / f"seed{seed}" / "eval_heldout.json").write_text(json.dumps(
        {"eval_seed": 9000 + seed, "backward": {"per_run": b}, "forward": {"per_run": f}}))
    held(0, [[0, 100, 0, 0], [0, 300, 0, 0]], [[0, 90, 0, 0]])
    assert "heldout" not in runs.headline(r)
    held(1, [[0, 360, 0, 0]], [[0, 30, 0, 0]])
    h = runs.headline(r)
    assert h["backward"]["fraction_1step_per_seed"] == pytest.approx([0.5, 0.6])  # eval.json untouched
    assert h["heldout"]["eval_seeds"] == [9000, 9001]
    assert h["heldout"]["backward"]["fraction_1step_per_seed"] == pytest.approx([0.5, 0.9])
    assert h["heldout"]["direction_average"]["fraction_1step_per_seed"] == pytest.approx([(0.5 + 0.9) / 2, (0.9 + 0.3) / 2])


def test_adoption_rule_needs_both_means_above_the_final_runs(tables, tex):
    """A lever replaces the final choice only if the means of both fractions beat the headline's, over its seeds;
    the weakest seed and the per-seed sums are reported beside the verdict, not weighed by it."""
    head = {"seeds": [0, 1], "backward": {"fraction_1step": 0.70, "fraction_1step_per_seed": [0.75, 0.65],
                                          "fraction_1step_ci95": [0.6, 0.8]},
            "direction_average": {"fraction_1step": 0.70},
            "return_1step_per_seed": {"backward": [700.0, 600.0], "forward": [500.0, 400.4]}}
    row = lambda back, avg, seeds=(0, 1): {"name": "lever", "seeds": list(seeds), "wall_minutes_per_seed": [20, 30],
                                           "fraction_1step_backward_per_seed": back,
                                           "fraction_1step_direction_average_per_seed": avg,
                                           "return_1step_per_seed": {"backward": [650.0, 700.0], "forward": [300.0, 100.0]}}
    m = tables.adoption_macros({"headline": head, "ablations": [row([0.9, 0.6], [0.7, 0.8])]}, "lever", "lv")
    assert (m["lvSeeds"], m["lvBack"], m["lvAvg"], m["lvVerdict"], m["lvWall"]) == ("2", "0.750", "0.750", "adopted", "25")
    final_min = tex.fraction_macros("hFracBack", head["backward"])["hFracBackMin"]  # the final runs' own macro
    assert (m["lvMinBack"], final_min) == ("0.600", "0.650")  # the weakest seed, not the first or the mean
    assert (m["lvSums"], m["ruleFinalSums"]) == ("950, 800", "1200, 1000")  # backward + forward, per seed in order
    m = tables.adoption_macros({"headline": head, "ablations": [row([0.6, 0.9], [0.6, 0.7])]}, "lever", "lv")
    assert (m["lvAvg"], m["ruleFinalAvg"], m["lvVerdict"]) == ("0.650", "0.700", "not adopted")
    m = tables.adoption_macros({"headline": head, "ablations": [row([0.9], [0.9], seeds=[0])]}, "lever", "lv")
    assert m["lvVerdict"] == "undecided"  # one seed of two: ahead, but not yet decided
    assert tables.adoption_macros({"headline": head, "ablations": []}, "lever", "lv")["lvVerdict"] == "n/a"


def test_lever_rows_compare_on_the_seeds_both_sides_ran(tex):
    """A lever screened on seeds 0 and 1 against a base run on 0, 1 and 2: 'without' is the base's mean over
    seeds 0 and 1 only; a full-budget lever is compared with the final runs on its own seeds."""
    ab = [{"name": "lvc-scale10", "seeds": [0, 1, 2], "env_steps": 6_400_000,
           "fraction_1step_direction_average_per_seed": [0.1, 0.3, 0.9]},
          {"name": "lvc-scale10-k10", "seeds": [0, 1], "env_steps": 6_400_000,
           "fraction_1step_direction_average_per_seed": [0.4, 0.6]},
          {"name": "maml_inner_lr0.2", "seeds": [1, 3], "env_steps": 20_000_000,
           "fraction_1step_direction_average_per_seed": [0.5, 0.7]}]
    head = {"seeds": [0, 1, 2, 3], "direction_average": {"fraction_1step_per_seed": [0.9, 0.6, 0.9, 0.8]}}
    rows = tex.lever_rows({"ablations": ab, "headline": head})
    assert rows == ["10 tasks per meta-batch instead of 20 & 6.4 & 0, 1 & 0.20 & 0.50 \\\\",
                    "\\midrule",  # the two levers belong to different groups (adopted / against the final runs)
                    "inner step 0.2 instead of 0.1 & 20.0 & 1, 3 & 0.70 & 0.60 \\\\"]


def test_committed_summary_is_what_the_committed_runs_give(root, summ):
    """Summarising the committed results/ again reproduces the committed results/summary.json: the
    headline, the methods' returns, the ablation rows and the velocity numbers. So the registry's paths
    point at the runs the report stands on, and no number in the report is older than its runs."""
    committed = json.loads((root / "results" / "summary.json").read_text())
    fresh = json.loads(json.dumps(summ.summarize(root / "results")))  # tuples -> lists, as on disk
    for key in ("headline", "methods", "ablations", "curvature_comparison", "velocity"):
        assert fresh[key] == pytest.approx(committed[key]) if not isinstance(committed[key], (dict, list)) \
            else json.dumps(fresh[key], sort_keys=True) == json.dumps(committed[key], sort_keys=True), key


def test_tables_print_the_registry_labels(summ, tex, tmp_path):
    """A row of the ablation table carries its entry's ablation_label, and a row of the adaptation table
    its entry's label, read from experiments/direction.toml by a parser the summary does not share."""
    import tomllib
    reg = tomllib.loads((summ.Path(summ.__file__).parents[1] / "experiments" / "direction.toml").read_text())
    ab = {"name": "lvc-scale10", "seeds": [0, 1], "env_steps": 6_400_000, "fraction_1step_backward_per_seed": [0.5, 0.7],
          "return_1step_per_seed": {"backward": [1.0, 2.0], "forward": [3.0, 4.0]},
          "fraction_1step_direction_average_per_seed": [0.4, 0.6], "line_search": {}}
    summary = {"methods": {"pretrained": {"seeds": [0], "backward": {"mean": [1.0] * 4, "sem": [0.0] * 4},
                                          "forward": {"mean": [1.0] * 4, "sem": [0.0] * 4}}},
               "ablations": [ab], "headline": None}
    tex.tex_headline(summary, tmp_path, tmp_path)
    (row,) = (tmp_path / "ablations.tex").read_text().splitlines()[:1]
    assert row.startswith(reg["lvc-scale10"]["ablation_label"] + " & 0, 1 & 6.4 & 0.50, 0.70 & 0.60 & 4 & 0.50")
    tex.tex_tables(summary, tmp_path, tmp_path)
    assert (tmp_path / "adaptation_backward.tex").read_text().startswith(reg["pretrained"]["label"] + " & 0 & 1.0")


def test_speed_macros_read_the_benchmarks_by_hand(tmp_path):
    """Made-up benchmark JSON: the A/B medians and the update medians (2.0 and 1.0 s of rounds 1.5/2.5 and 0.5/1.5),
    the sampler A/B, the warm-start medians at the largest count and the line-search shares; a missing file
    leaves its macros at n/a."""
    speed = load_script("summary_speed")
    assert set(speed.speed_macros(tmp_path).values()) == {"n/a"}
    row = lambda u: {"phases_s": {"update": u}}
    (tmp_path / "ab_meta_iteration_hvp_tasks5.json").write_text(json.dumps(
        {"a": [row(1.5), row(2.5)], "b": [row(0.5), row(1.5)], "median_a": {"iteration_s": 4.0},
         "median_b": {"iteration_s": 3.0}, "ratio_b_over_a": {"iteration_s": 0.75}}))
    (tmp_path / "benchmark_cg_warm_start.json").write_text(json.dumps(
        {"cg_iters": [3, 10], "median": {"prev_cos": 0.07, "cold": {"3": {"cos": 0.1, "gain": 0.01}, "10": {"cos": 0.72, "gain": 0.082}},
                                         "warm": {"3": {"cos": 0.0, "gain": 0.0}, "10": {"cos": 0.49, "gain": 0.071}}}}))
    (tmp_path / "benchmark_update_parts.json").write_text(json.dumps(
        {"per_update": {"evaluation": 2.81}, "shares": {"evaluation": 0.12, "product": 0.7},
         "seconds_each": {"evaluation": 0.25, "product": 0.31}}))
    (tmp_path / "ab_sampler_mjbatch_per_thread.json").write_text(json.dumps(
        {"median_a": {"sampler_sps": 27000, "ratio_vs_physics": 0.657}, "median_b": {"sampler_sps": 28150, "ratio_vs_physics": 0.696},
         "ratio_b_over_a": {"sampler_sps": 1.0436}}))
    m = speed.speed_macros(tmp_path)
    assert (m["spSamplerOld"], m["spSamplerNew"], m["spSamplerRatio"], m["spPhysOld"], m["spPhysNew"]) == ("27.0", "28.1", "1.04", "0.66", "0.70")
    assert (m["spIterFull"], m["spIterFive"], m["spIterRatio"], m["spUpdFull"], m["spUpdFive"]) == ("4.0", "3.0", "0.75", "2.0", "1.0")
    assert (m["spPrevCos"], m["spColdCos"], m["spWarmCos"], m["spColdGain"], m["spWarmGain"]) == ("0.07", "0.72", "0.49", "0.082", "0.071")
    assert (m["spLsEvals"], m["spLsShare"], m["spProductShare"], m["spEvalS"]) == ("2.8", "0.12", "0.70", "0.25")


def test_gate_verdicts_apply_the_rules_written_before_the_screening_runs(tables):
    """direction_next.toml's rules, by hand. 'beat': a variant is out at the first seed where it does not
    beat final_screen (a tie is not a win), goes on only with every planned seed ahead. 'match'
    (hvp_tasks5): each seed at least the floor, within the tolerance of final_screen and faster."""
    beat, match = {"kind": "beat"}, {"kind": "match", "floor": 0.66, "tolerance": 0.03}
    base, wall = {5: 0.70, 6: 0.68}, {5: 17.0, 6: 17.0}
    v = tables.gate_verdict
    assert v(beat, {5: 0.71, 6: 0.69}, base, wall, wall, [5, 6]) == "goes on to seeds 0--4"
    assert v(beat, {5: 0.71, 6: 0.68}, base, wall, wall, [5, 6]) == "out: behind on seed 6"  # tie on 6
    assert v(beat, {5: 0.60}, base, wall, wall, [5, 6]) == "out: behind on seed 5"  # decided before seed 6
    assert v(beat, {5: 0.75}, base, wall, wall, [5, 6]) == "pending (ahead on seed 5)"
    fast = {5: 12.0, 6: 12.0}
    assert v(match, {5: 0.68, 6: 0.66}, base, fast, wall, [5, 6]) == "adopted"  # 0.66 >= 0.68 - 0.03
    assert v(match, {5: 0.68, 6: 0.64}, base, fast, wall, [5, 6]) == "not adopted: below 0.66 on seed 6"
    assert v(match, {5: 0.665, 6: 0.68}, base, fast, wall, [5, 6]) == \
        "not adopted: more than 0.03 behind on seed 5"  # 0.665 < 0.70 - 0.03
    assert v(match, {5: 0.70, 6: 0.68}, base, {5: 12.0, 6: 17.0}, wall, [5, 6]) == "not adopted: not faster on seed 6"
    assert v(match, {5: 0.70}, base, fast, wall, [5, 6]) == "pending (within the rule on seed 5)"


def test_screen_rows_pair_each_variant_with_final_screen_on_the_same_seed(tables):
    """One row per screened seed, the variant's numbers beside final_screen's of the same seed (not another
    seed's, not a mean), the verdict on the variant's last row; entries without a gate are not rows."""
    def row(name, seeds, avg, back, wall):
        return {"name": name, "seeds": seeds, "fraction_1step_direction_average_per_seed": avg,
                "fraction_1step_backward_per_seed": back, "wall_minutes_per_seed": wall}
    summary = {"ablations": [row("final_screen", [5, 6], [0.70, 0.60], [0.75, 0.55], [17.0, 18.0]),
                             row("k40", [6, 5], [0.65, 0.72], [0.64, 0.80], [15.0, 14.0])]}
    entries = {"final_screen": {"seeds": [5, 6], "label": "final"},
               "k40": {"seeds": [5, 6], "label": "K = 40", "gate": {"kind": "beat"}}}
    assert tables.screen_rows(summary, entries) == [
        "K = 40 & 5 & 0.720 & 0.700 & 0.800 & 0.750 & 14 & 17 &  \\\\",
        " & 6 & 0.650 & 0.600 & 0.640 & 0.550 & 15 & 18 & goes on to seeds 0--4 \\\\"]
    assert tables.screen_rows({"ablations": summary["ablations"][1:]}, entries) == []  # no base, no rows


def test_late_change_compares_the_last_window_with_the_window_lag_iterations_earlier(runs):
    """By hand: post-update returns rising by 1 per iteration on the backward task, flat at 10 forward; over 80
    iterations, the last 20 (60..79) minus those ending 50 earlier (10..29) is 50 backward, 25 averaged."""
    m = [{"returns/post_backward": float(i), "returns/post_forward": 10.0} for i in range(80)]
    assert runs.late_change([{"seed": 3, "metrics": m}]) == [pytest.approx(25.0)]
    with pytest.raises(ValueError, match="seed 3: 60 iterations"):
        runs.late_change([{"seed": 3, "metrics": m[:60]}])


def test_target_macros_name_the_seeds_below_and_the_gaps(tables):
    h = {"seeds": [0, 1, 2], "backward": {"fraction_1step_per_seed": [0.65, 0.70, 0.659], "fraction_1step": 0.67},
         "direction_average": {"fraction_1step": 0.83}, "late_change_per_seed": [-9.0, 4.0, 26.0]}
    m = tables.target_macros(h)
    assert (m["tgtBelow"], m["tgtGapBack"], m["tgtGapAvg"]) == ("seed 0, 2", "0.13", "-0.03")
    assert m["tgtLate"] == "+7 (per seed -9 to +26)"
    h["backward"]["fraction_1step_per_seed"] = [0.66, 0.70, 0.67]  # 0.66 itself meets the target
    assert tables.target_macros(h)["tgtBelow"] == "none"


def test_every_fraction_in_the_committed_summary_divides_by_the_headline_reference(root):
    """One reference for every number that divides by an oracle: the per-method table, the headline, the
    held-out evaluation and every ablation row, each recomputed here from its returns and the headline's
    oracle_return (a table dividing by another oracle than the headline names would fail here)."""
    s = json.loads((root / "results" / "summary.json").read_text())
    o = s["headline"]["oracle_return"]
    assert s["oracle_return_backward"] == o["backward"]
    for m, fr in s["fraction_of_oracle_backward"].items():
        for k, f in fr.items():
            assert f * o["backward"] == pytest.approx(s["methods"][m]["backward"]["mean"][int(k[0])]), (m, k)
    for part in [s["headline"], s["headline"]["heldout"]]:
        one = part["return_1step_per_seed"]
        assert [f * o["backward"] for f in part["backward"]["fraction_1step_per_seed"]] == pytest.approx(one["backward"])
        assert part["direction_average"]["fraction_1step_per_seed"] == pytest.approx(
            [(b / o["backward"] + f / o["forward"]) / 2 for b, f in zip(one["backward"], one["forward"])])
    for row in s["ablations"]:
        one = row["return_1step_per_seed"]
        assert [f * o["backward"] for f in row["fraction_1step_backward_per_seed"]] == pytest.approx(one["backward"]), row["name"]


def test_oracle_return_and_fraction_table_are_recomputed_from_the_raw_evaluations(root, summ):
    """summary.json's top-level oracle_return_backward and the per-method fraction_of_oracle_backward table,
    regenerated now and as committed, against numbers computed here from the raw eval.json files with readers of
    our own: the backward reference is the mean over its seeds of each seed's mean 0-step return (the entry
    with reference = true in experiments/*.toml, read with tomllib), and a method's fraction after k steps is
    its mean backward return over all adaptation runs of all seeds divided by that reference. A table computed
    against another divisor than the headline's (a single oracle run, another direction) goes red here."""
    import tomllib
    import numpy as np
    entries = {}
    for f in sorted((root / "experiments").glob("*.toml")):
        entries.update({n: e for n, e in tomllib.loads(f.read_text()).items() if isinstance(e, dict) and "out" in e})
    (ref,) = [e for e in entries.values() if e.get("reference") and e.get("direction") == "backward"]
    seed_eval = lambda e: [json.loads(p.read_text()) for p in
                           sorted((root / "results" / e["out"]).glob("seed*/eval.json"), key=lambda p: p.parent.name)]
    oracle = float(np.mean([np.mean(np.asarray(ev["backward"]["per_run"])[:, 0]) for ev in seed_eval(ref)]))
    fresh = json.loads(json.dumps(summ.summarize(root / "results")))
    committed = json.loads((root / "results" / "summary.json").read_text())
    for s in (fresh, committed):
        assert s["oracle_return_backward"] == pytest.approx(oracle, rel=1e-9)
        assert set(s["fraction_of_oracle_backward"]) == set(s["methods"])
        for m, fr in s["fraction_of_oracle_backward"].items():
            runs = np.concatenate([np.asarray(ev["backward"]["per_run"]) for ev in seed_eval(entries[m])])
            assert [fr[f"{k}_steps"] for k in range(4)] == pytest.approx(list(runs.mean(0)[:4] / oracle), rel=1e-9), m


def test_no_negative_zero_in_the_report_tables(tex, root):
    """A value that rounds to zero is printed without a sign: "-0.00" in a table reads as a loss."""
    assert [tex.f2(x) for x in (-0.004, -0.006, 0.0, -0.0, 0.126)] == ["0.00", "-0.01", "0.00", "0.00", "0.13"]
    for p in sorted((root / "report" / "generated").glob("*.tex")):
        assert "-0.00 " not in p.read_text() and "-0.00\\" not in p.read_text() and " -0.00" not in p.read_text(), p.name


def test_section_10_prints_each_methods_returns_and_the_oracle_without_a_step(capsys, root):
    """The notebook's section 10 lines: every method's own per-direction means, in step order, and the velocity
    oracle only at 0 steps (it is told the goal; its adapted returns are not a reference)."""
    import hw14_support as support
    methods = {"maml": {"seeds": [0, 1], "backward": {"mean": [1.0, 2.0, 3.0, 4.0]}, "forward": {"mean": [5, 6, 7, 8]}},
               "random": {"seeds": [0], "backward": {"mean": [-1, -2, -3, -4]}, "forward": {"mean": [9, 9, 9, 9]}}}
    support.print_direction_returns(methods)
    out = capsys.readouterr().out.splitlines()
    assert out == ["       MAML (2 seeds): mean return after 0..3 steps, backward [1.0, 2.0, 3.0, 4.0], forward [5.0, 6.0, 7.0, 8.0]",
                   "random init (1 seed): mean return after 0..3 steps, backward [-1.0, -2.0, -3.0, -4.0], forward [9.0, 9.0, 9.0, 9.0]"]
    summary = json.loads((root / "results" / "summary.json").read_text())
    support.print_velocity_summary(summary["velocity"])
    oracle = summary["velocity"]["methods"]["oracle"]
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith(oracle["label"])]
    assert lines == [f"{oracle['label']}: mean return without adaptation {support.fmt(oracle['test']['returns_mean'][0])} "
                     f"({len(oracle['seeds'])} seeds)"]
