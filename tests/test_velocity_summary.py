"""scripts/velocity_summary.py: the share of the gap closed on a made-up results/ tree with
known answers (in the folders the registry gives its entries), the goal sets kept apart, and the oracle's seeds named."""
import json
import math

import numpy as np
import pytest
from conftest import load_script


def vs_module():
    return load_script("velocity_summary")


@pytest.fixture(scope="module")
def vs():
    return vs_module()


@pytest.fixture(scope="module")
def vr():
    """scripts/velocity_report.py: the velocity figure, macros and README lines."""
    return load_script("velocity_report")


def _run(results, method, seed, test, extrapolation, minutes=20.0):
    """An eval.json whose goal sets have the given mean returns after 0, 1, 2, 3 steps (per_run: two
    goals whose mean is that row), and a metrics line with the wall time."""
    d = results / vs_module().ENTRIES[method]["out"] / f"seed{seed}"
    d.mkdir(parents=True)
    ev = {g: {"mean": row, "per_run": [[x - 1 for x in row], [x + 1 for x in row]]}
          for g, row in (("test", test), ("extrapolation", extrapolation))}
    (d / "eval.json").write_text(json.dumps(ev))
    (d / "metrics.jsonl").write_text(json.dumps({"time/wall": 60 * minutes, "progress/total_env_steps": 20_000_000}) + "\n")


def test_gap_closed_per_seed_against_the_oracle_mean(vs, vr, tmp_path):
    """Oracle seeds at -50 and -70 on the test goals: R_oracle = -60. A MAML seed going -160 -> -80
    closes (−80 + 160) / (−60 + 160) = 0.8 of the gap in one step; one going -110 -> -85 closes 0.5."""
    _run(tmp_path, "oracle", 0, [-50.0, -90.0, -80.0, -70.0], [-90.0] * 4)  # its own return is the 0-step one
    _run(tmp_path, "oracle", 2, [-70.0, -60.0, -65.0, -75.0], [-110.0] * 4)
    _run(tmp_path, "maml", 0, [-160.0, -80.0, -70.0, -65.0], [-300.0, -200.0, -150.0, -120.0])
    _run(tmp_path, "maml", 1, [-110.0, -85.0, -72.5, -60.0], [-250.0, -250.0, -250.0, -250.0])
    _run(tmp_path, "random", 0, [-250.0, -250.0, -245.0, -240.0], [-400.0] * 4)
    v = vs.velocity_summary(tmp_path)
    assert v["oracle_seeds"] == [0, 2]
    assert v["oracle_return_test"] == pytest.approx(-60.0)
    assert v["oracle_return_extrapolation"] == pytest.approx(-100.0)
    assert v["gap_closed_1step_per_seed"] == pytest.approx([0.8, 0.5])
    assert v["gap_closed_1step"] == pytest.approx(0.65)
    half = 12.706 * math.sqrt(((0.8 - 0.65) ** 2 + (0.5 - 0.65) ** 2) / 1) / math.sqrt(2)
    assert v["gap_closed_1step_ci95"] == pytest.approx([0.65 - half, 0.65 + half])
    maml = v["methods"]["maml"]
    assert maml["test"]["gap_closed_per_seed"][0] == pytest.approx([0.0, 0.8, 0.9, 0.95])
    assert maml["test"]["gap_closed_per_seed"][1] == pytest.approx([0.0, 0.5, 0.75, 1.0])
    # the extrapolation goals have their own oracle return: seed 0 closes (300 - 200) / (300 - 100) = 0.5
    assert maml["extrapolation"]["gap_closed_per_seed"][0][1] == pytest.approx(0.5)
    assert maml["extrapolation"]["gap_closed_per_seed"][1][1] == pytest.approx(0.0)
    assert v["methods"]["random"]["test"]["gap_closed_per_seed"][0][3] == pytest.approx(10 / 190)
    assert "pretrained" not in v["methods"]
    assert v["training"]["maml"] == [(20.0, 20_000_000), (20.0, 20_000_000)]
    vr.tex_velocity(v, tmp_path)
    tex = (tmp_path / "velocity.tex").read_text()
    assert "\\newcommand{\\velVerdictOne}{below}" in tex and "\\newcommand{\\velSeedsAbovePaper}{1}" in tex
    assert "\\newcommand{\\velGapOne}{0.65}" in tex and "\\velocitytrue" in tex
    # mean over the two seeds after 0..3 steps: (-160 - 110) / 2 = -135, -82.5, -71.25, -62.5; the paper's as given
    assert "\\newcommand{\\velMamlReturns}{-135.0 / -82.5 / -71.2 / -62.5}" in tex
    assert "\\newcommand{\\velPaperMamlReturns}{-129.5 / -78.6 / -66.6 / -60.8}" in tex
    assert "\\newcommand{\\velPaperOracle}{-54.5}" in tex
    # the gap's depth: oracle -60 minus MAML's mean pre-update -135 = 75; the paper's -54.5 + 129.5 = 75
    assert "\\newcommand{\\velGapDepth}{75}" in tex and "\\newcommand{\\velPaperGapDepth}{75}" in tex
    assert "\\newcommand{\\velRandom}{-250.0 / -250.0 / -245.0 / -240.0 after 0/1/2/3 steps (1 seed)}" in tex
    assert "\\newcommand{\\velPretrained}{not run yet}" in tex
    assert "\\newcommand{\\velExtraOracleMin}{-110.0}" in tex and "\\newcommand{\\velExtraOracleMax}{-90.0}" in tex
    assert v["paper_gap_closed"][1] == pytest.approx((-78.6 + 129.5) / (-54.5 + 129.5))  # 0.68, the anchor's


def test_no_summary_without_maml_and_oracle(vs, vr, tmp_path):
    _run(tmp_path, "maml", 0, [-100.0] * 4, [-100.0] * 4)
    assert vs.velocity_summary(tmp_path) is None
    vr.tex_velocity(None, tmp_path)
    assert "\\velocityfalse" in (tmp_path / "velocity.tex").read_text()


def test_first_sampling_ratio_pairs_the_same_seed(vs, tmp_path):
    """Seed 1 sampled its first iteration in 4.5 s on the velocity family and 1.5 s on the direction family:
    ratio 3; seed 0 has no direction run and is left out."""
    vel, direction = vs.ENTRIES["maml"]["out"], vs.REGISTRY["maml"]["out"]
    for family, seed, secs in ((vel, 0, 9.0), (vel, 1, 4.5), (direction, 1, 1.5), (direction, 2, 1.0)):
        d = tmp_path / family / f"seed{seed}"
        d.mkdir(parents=True)
        (d / "metrics.jsonl").write_text(json.dumps({"time/sample": secs}) + "\n" + json.dumps({"time/sample": 99.0}) + "\n")
    assert vs.first_sampling_ratio(tmp_path, [0, 1]) == pytest.approx(3.0)
    assert vs.first_sampling_ratio(tmp_path, [0]) is None


def test_absolute_verdict_names_the_steps_on_each_side(vs, vr):
    """Against the paper's -129.5 / -78.6 / -66.6 / -60.8: a run at -80 / -60 / -61 after 1 / 2 / 3 steps
    is below after one step (-80 < -78.6), above after two (-60 > -66.6) and below after three (-61 < -60.8)."""
    paper = [-129.5, -78.6, -66.6, -60.8]
    assert vr.abs_verdict([-130.0, -80.0, -60.0, -61.0], paper) == \
        "above the paper's after two steps and below it after one and three steps"
    assert vr.abs_verdict([-130.0, -78.6, -66.6, -60.8], paper) == "above the paper's after one, two and three steps"
    assert vr.abs_verdict([-130.0, -90.0, -90.0, -90.0], paper) == "below the paper's after one, two and three steps"


def test_by_goal_splits_the_first_step_at_the_goal_speed(vs, tmp_path):
    """Two MAML seeds with four goals each (0.2, 0.8 slow; 1.0, the split itself, and 1.9 fast). Seed 0: slow
    changes -10 and +30 (mean +10, half worse), fast +50 and +70; seed 1: slow -20 and -40 (all worse), fast 0 (not
    worse) and -10 (mean -5, half worse). Means over seeds: slow gain (10 - 30) / 2 = -10, share worse 0.75; fast
    gain (60 - 5) / 2 = 27.5, share 0.25."""
    for seed, rows in ((0, [[-50, -60], [-60, -30], [-200, -150], [-300, -230]]),
                       (1, [[-40, -60], [-50, -90], [-100, -100], [-120, -130]])):
        d = tmp_path / vs.ENTRIES["maml"]["out"] / f"seed{seed}"
        d.mkdir(parents=True)
        (d / "eval.json").write_text(json.dumps({"test": {"goals": [0.2, 0.8, 1.0, 1.9], "per_run": rows}}))
    b = vs.by_goal(tmp_path)
    assert b["split"] == 1.0
    assert b["slow"]["gain_1step_per_seed"] == pytest.approx([10.0, -30.0])
    assert b["slow"]["share_worse_1step_per_seed"] == pytest.approx([0.5, 1.0])
    assert b["fast"]["gain_1step_per_seed"] == pytest.approx([60.0, -5.0])
    assert b["fast"]["share_worse_1step_per_seed"] == pytest.approx([0.0, 0.5])
    assert (b["slow"]["gain_1step"], b["slow"]["share_worse_1step"]) == pytest.approx((-10.0, 0.75))
    assert (b["fast"]["gain_1step"], b["fast"]["share_worse_1step"]) == pytest.approx((27.5, 0.25))


def test_goal_set_sem_matches_the_spread_of_fresh_goal_draws(vs, nb):
    """Brute force as the reference: 2000 fresh stratified draws of 20 goals for 3 seeds and 2 oracles from
    known per-goal return curves plus trajectory noise; the s.d. over draws of the 3-seed mean one-step share
    against the root-mean-square of goal_set_sem's estimate from each single draw."""
    rng = np.random.default_rng(1)
    curves0 = [lambda g, a=a: -100 - a * g for a in (20.0, 30.0, 40.0)]      # before adaptation, per seed
    curves1 = [lambda g, a=a: -60 - a * (g - 1) ** 2 for a in (10.0, 25.0, 40.0)]  # after one step
    oracle = lambda g: -20 - 5 * g
    shares, sems = [], []
    for s in range(2000):
        g = nb.test_goals((0.0, 2.0), 20, seed=10_000 + s)
        noisy = lambda f: f(g) + rng.normal(0, 6, size=g.shape)
        maml = [(g, np.stack([noisy(c0), noisy(c1)], 1)) for c0, c1 in zip(curves0, curves1)]
        orc = [(g, noisy(oracle)[:, None]) for _ in range(2)]
        o = np.mean([r[:, 0] for _, r in orc], axis=0)
        shares.append(np.mean([(r[:, 1] - r[:, 0]).mean() / (o - r[:, 0]).mean() for _, r in maml]))
        sems.append(vs.goal_set_sem(maml, orc, nb))
    assert np.sqrt(np.mean(np.square(sems))) == pytest.approx(np.std(shares), rel=0.08)
    iid = np.random.default_rng(0).uniform(0, 2, 20)  # not stratified pairs: no estimate
    assert vs.goal_set_sem([(iid, np.zeros((20, 2)))], [(iid, np.zeros((20, 1)))], nb) is None


def test_screening_rows_carry_the_rule_against_the_base_on_the_same_seed(vs, tmp_path):
    """velocity.toml's round-two rule: a variant passes on seed 5 only if its one-step share is ahead of
    velocity_screen's by at least 0.03 and its one-step return on the ten evenly spaced goals is not lower; seed 6
    and the combined entry are round three's (judged by return, scripts/screen_by_return.py), so no verdict here."""
    def run(entry, seed, test, anchors):
        d = tmp_path / vs.SCREEN[entry]["out"] / f"seed{seed}"
        d.mkdir(parents=True)
        (d / "eval.json").write_text(json.dumps({"test": {"mean": test}, "anchors": {"mean": anchors}}))
    v = {"oracle_return_test": -20.0}
    run("velocity_screen", 5, [-120.0, -70.0, -60.0, -50.0], [-130.0, -75.0, -60.0, -50.0])   # share 0.50
    run("velocity_k20_kl001", 5, [-120.0, -67.0, -60.0, -50.0], [-130.0, -75.0, -60.0, -50.0])  # 0.53: passes
    run("velocity_k40", 5, [-120.0, -67.1, -60.0, -50.0], [-130.0, -75.0, -60.0, -50.0])  # 0.529: fails
    run("velocity_k20_kl001", 6, [-120.0, -40.0, -60.0, -50.0], [-130.0, -90.0, -60.0, -50.0])  # no base on 6
    rows = {(r["entry"], r["seed"]): r for r in vs.screening(tmp_path, v)}
    assert rows[("velocity_screen", 5)]["gap_closed_1step"] == pytest.approx(0.5)
    assert rows[("velocity_screen", 5)]["gap_closed_3step"] == pytest.approx(0.7)  # (-50 + 120) / (-20 + 120)
    assert rows[("velocity_screen", 5)]["return_0step"] == pytest.approx(-120.0)
    assert "verdict" not in rows[("velocity_screen", 5)]
    assert rows[("velocity_k20_kl001", 5)]["verdict"] == "passes"
    assert rows[("velocity_k40", 5)]["verdict"] == "fails"
    assert "verdict" not in rows[("velocity_k20_kl001", 6)]
    run("velocity_screen", 6, [-120.0, -70.0, -60.0, -50.0], [-130.0, -75.0, -60.0, -50.0])
    run("velocity_lr005_lam1", 5, [-100.0, -40.0, -30.0, -25.0], [-100.0, -40.0, -30.0, -25.0])
    rows = {(r["entry"], r["seed"]): r for r in vs.screening(tmp_path, v)}
    assert "verdict" not in rows[("velocity_k20_kl001", 6)]  # seed 6 runs are judged by round three's rule
    assert "verdict" not in rows[("velocity_lr005_lam1", 5)]  # the combined entry is round three's only
    assert rows[("velocity_lr005_lam1", 5)]["return_3step"] == pytest.approx(-25.0)


def test_step_size_probe_reads_the_base_checkpoints_first_steps(vs, vr, tmp_path):
    """velocity_screen's seed with eval_first_step_lr*.json beside its eval.json: one row per step size (sorted),
    the one-step return over all test goals, over those below the split and over the others."""
    d = tmp_path / vs.SCREEN["velocity_screen"]["out"] / "seed5"
    d.mkdir(parents=True)
    goals = [0.2, 0.7, 1.2, 1.9]

    def write(name, lr, one_step):
        runs = [[-100.0, x] for x in one_step]
        (d / name).write_text(json.dumps({"lrs": [lr], "test": {"goals": goals, "per_run": runs}}))
    write("eval.json", 0.1, [-10.0, -30.0, -50.0, -90.0])
    write("eval_first_step_lr0.2.json", 0.2, [-20.0, -20.0, -100.0, -100.0])
    write("eval_first_step_lr0.05.json", 0.05, [-5.0, -15.0, -80.0, -120.0])
    d = tmp_path / vs.SCREEN["velocity_screen"]["out"] / "seed6"  # a seed with its eval.json and no probe
    d.mkdir(parents=True)
    write("eval.json", 0.1, [-1.0, -1.0, -1.0, -1.0])
    rows = vs.step_size_probe(tmp_path, split=1.0)
    assert [(r["seed"], r["lr"]) for r in rows] == [(5, 0.05), (5, 0.1), (5, 0.2)]
    assert [r["return_1step"] for r in rows] == pytest.approx([-55.0, -45.0, -60.0])
    assert [r["slow_return_1step"] for r in rows] == pytest.approx([-10.0, -20.0, -20.0])
    assert [r["fast_return_1step"] for r in rows] == pytest.approx([-100.0, -70.0, -100.0])
    said = ("on seed 5's checkpoint a first step of size 0.05 / 0.1 / 0.2 gives -55 / -45 / -60 over the test goals, "
            "-10 / -20 / -20 on those below 1.0\\,m/s and -100 / -70 / -100 on the others")
    assert vr.probe_said(rows, "1.0") == said


def test_screen_macros_count_a_variant_only_once_it_passed_on_every_screening_seed(vr):
    """velocity.toml: a variant goes on only if it passes on seed 5 and then on seed 6; the counts come from the rows."""
    base = lambda seed: {"entry": "velocity_screen", "label": "velocity: base", "seed": seed,
                         "gap_closed_1step": 0.5, "anchors_return_1step": -60.0}
    row = lambda entry, seed, verdict: {"entry": entry, "label": "velocity: " + entry, "seed": seed, "verdict": verdict,
                                        "gap_closed_1step": 0.6, "anchors_return_1step": -55.0}
    rows = [base(5), row("velocity_k40", 5, "passes"), row("velocity_k20_kl001", 5, "fails")]
    m = vr.screen_macros(rows)
    assert (m["velScreenN"], m["velScreenPassedN"]) == ("2", "0")  # k40 passed seed 5 only
    m = vr.screen_macros(rows + [base(6), row("velocity_k40", 6, "passes")])
    assert (m["velScreenN"], m["velScreenPassedN"]) == ("2", "1")
    assert vr.screen_macros([base(5)]) == {"velScreenN": "0", "velScreenPassedN": "0"}


def test_a_candidate_on_the_final_seeds_is_not_a_screening_row(vs):
    """velocity_maml_next runs the chosen configuration on seeds 0-4 (candidate_for = velocity_maml): it is judged
    by the adoption rule, not listed among the configurations compared on the screening seeds."""
    e = lambda **kw: {"family": "velocity", "role": "screening", "seeds": [5, 6], **kw}
    reg = {"velocity_screen": e(), "velocity_lr005": e(), "velocity_maml_next": e(candidate_for="velocity_maml"),
           "final_screen": {**e(), "family": "direction"}}
    assert list(vs.screen_entries(reg)) == ["velocity_screen", "velocity_lr005"]


def test_final_seed_macros_name_the_chosen_configuration_first():
    """The report's sentence on the configuration run on the final seeds: its mean one-step return, the final
    entry's, and the Welch interval of their difference, each from its own side of screen_by_return.adoption."""
    vr = load_script("velocity_report")
    a = {"seeds": {"velocity_maml_next": [0, 1, 2], "velocity_maml": [0, 1, 2, 3, 4]},
         "mean_R1": {"velocity_maml": -74.14, "velocity_maml_next": -66.86},
         "welch_R1": {"diff": 7.28, "low": -7.21, "high": 21.54, "df": 3.0}, "adopted": None}
    m = vr.final_seed_macros(a)
    assert m == {"velNextInterval": "includes zero", "velNextN": "3", "velNextROne": "-66.9", "velFinalROne": "-74.1", "velNextDiff": "+7.3",
                 "velNextLo": "-7.2", "velNextHi": "21.5"}
    assert set(vr.final_seed_macros(None).values()) == {"n/a"}
    for low, high, where in ((0.4, 9.0, "lies above zero"), (-9.0, -0.4, "lies below zero")):
        a["welch_R1"].update(low=low, high=high)
        assert vr.final_seed_macros(a)["velNextInterval"] == where


def test_readme_line_of_the_configuration_on_the_final_seeds(root):
    """The README's line for the configuration run on the final seeds: its seeds and mean returns as the summary has
    them, and the interval of the adoption comparison; no line when no such run has finished."""
    vr = load_script("velocity_report")
    v = json.loads((root / "results" / "summary.json").read_text())["velocity"]
    nxt = next(m for m, e in vr.ENTRIES.items() if "candidate_for" in e)
    if nxt not in v["methods"]:
        assert vr.next_readme_line(v) == []
        return
    (line,) = vr.next_readme_line(v)
    e, w = v["methods"][nxt], v["on_final_seeds"]["welch_R1"]
    assert f"seeds {', '.join(map(str, e['seeds']))}:" in line
    assert " / ".join(f"{x:.1f}" for x in e["test"]["returns_mean"]) in line
    assert f"[{w['low']:.1f}, {w['high']:.1f}]" in line
    assert vr.next_readme_line({**v, "methods": {k: x for k, x in v["methods"].items() if k != nxt}}) == []
