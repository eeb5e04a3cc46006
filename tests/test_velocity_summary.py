"""scripts/velocity_summary.py: the share of the gap closed on a made-up results/ tree with
known answers (in the folders the registry gives its entries), the goal sets kept apart, and the oracle's seeds named."""
import json
import math

import pytest
from conftest import load_script


def vs_module():
    return load_script("velocity_summary")


@pytest.fixture(scope="module")
def vs():
    return vs_module()


def _run(results, method, seed, test, extrapolation, minutes=20.0):
    """An eval.json whose goal sets have the given mean returns after 0, 1, 2, 3 steps (per_run: two
    goals whose mean is that row), and a metrics line with the wall time."""
    d = results / vs_module().ENTRIES[method]["out"] / f"seed{seed}"
    d.mkdir(parents=True)
    ev = {g: {"mean": row, "per_run": [[x - 1 for x in row], [x + 1 for x in row]]}
          for g, row in (("test", test), ("extrapolation", extrapolation))}
    (d / "eval.json").write_text(json.dumps(ev))
    (d / "metrics.jsonl").write_text(json.dumps({"time/wall": 60 * minutes, "progress/total_env_steps": 20_000_000}) + "\n")


def test_gap_closed_per_seed_against_the_oracle_mean(vs, tmp_path):
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
    vs.tex_velocity(v, tmp_path)
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


def test_no_summary_without_maml_and_oracle(vs, tmp_path):
    _run(tmp_path, "maml", 0, [-100.0] * 4, [-100.0] * 4)
    assert vs.velocity_summary(tmp_path) is None
    vs.tex_velocity(None, tmp_path)
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


def test_absolute_verdict_names_the_steps_on_each_side(vs):
    """Against the paper's -129.5 / -78.6 / -66.6 / -60.8: a run at -80 / -60 / -61 after 1 / 2 / 3 steps
    is below after one step (-80 < -78.6), above after two (-60 > -66.6) and below after three (-61 < -60.8)."""
    paper = [-129.5, -78.6, -66.6, -60.8]
    assert vs.abs_verdict([-130.0, -80.0, -60.0, -61.0], paper) == \
        "above the paper's after two steps and below it after one and three steps"
    assert vs.abs_verdict([-130.0, -78.6, -66.6, -60.8], paper) == "above the paper's after one, two and three steps"
    assert vs.abs_verdict([-130.0, -90.0, -90.0, -90.0], paper) == "below the paper's after one, two and three steps"


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
