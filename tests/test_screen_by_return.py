"""scripts/screen_by_return.py: configurations compared by return after adaptation, paired by goal, on a
made-up results/ tree whose differences and standard errors are computed here by hand."""
import json
import math

import numpy as np
import pytest
from conftest import load_script


@pytest.fixture(scope="module")
def sbr():
    return load_script("screen_by_return")


def _eval(d, goals, per_run):
    d.mkdir(parents=True)
    # as the evaluation writes it: `mean` is the mean over the goals' rows of per_run
    (d / "eval.json").write_text(json.dumps({"test": {"goals": goals, "per_run": per_run,
                                                      "mean": np.mean(per_run, axis=0).tolist()}}))


REG = {"velocity_screen": {"out": "base", "seeds": [5, 6]},
       "velocity_lr005": {"out": "a", "seeds": [5, 6]},
       "velocity_lam1": {"out": "b", "seeds": [5, 6]},
       "velocity_lr005_lam1": {"out": "c", "seeds": [5, 6]}}


def test_paired_difference_by_hand(sbr):
    """Differences 1, 2, 3, 6: mean 3, sd sqrt(((-2)^2 + 1 + 0 + 9) / 3) = sqrt(14/3), se = that / 2."""
    mean, se = sbr.paired_difference([11, 12, 13, 16], [10, 10, 10, 10])
    assert mean == pytest.approx(3.0)
    assert se == pytest.approx(math.sqrt(14 / 3) / 2)
    # pairing matters: a common goal effect cancels (unpaired, the spread of the goals would swamp it)
    goals_effect = np.array([-200.0, -100.0, -50.0, -10.0])
    mean, se = sbr.paired_difference(goals_effect + [11, 12, 13, 16], goals_effect + 10)
    assert (mean, se) == pytest.approx((3.0, math.sqrt(14 / 3) / 2))
    with pytest.raises(ValueError, match="at least 2 goals"):
        sbr.paired_difference([1.0], [0.0])


def test_rows_and_going_on(sbr, tmp_path):
    goals = [0.1, 0.2, 0.3, 0.4]
    base = [[-100, -60, -50, -40]] * 4
    _eval(tmp_path / "base/seed5", goals, base)
    _eval(tmp_path / "base/seed6", goals, base)
    # candidate a: +10 +- small on both steps and seeds -> ahead everywhere
    a = [[-90, -50 + e, -45, -30 + e] for e in (0.5, -0.5, 0.5, -0.5)]
    _eval(tmp_path / "a/seed5", goals, a)
    _eval(tmp_path / "a/seed6", goals, a)
    # candidate b: ahead after one step but not after three (difference 1, se 0.5 / 2 * ... -> not > 2 se)
    b = [[-90, -50, -45, -40 + e] for e in (2.0, -2.0, 2.0, 0.0)]
    _eval(tmp_path / "b/seed5", goals, b)
    # candidate c: ahead on seed 5, behind on seed 6 -> out; without its seed 6 -> undecided
    _eval(tmp_path / "c/seed5", goals, a)
    _eval(tmp_path / "c/seed6", goals, b)
    rs = sbr.rows(tmp_path, REG)
    assert [(r["name"], r["seed"]) for r in rs] == [("velocity_lr005", 5), ("velocity_lr005", 6), ("velocity_lam1", 5),
                                                    ("velocity_lr005_lam1", 5), ("velocity_lr005_lam1", 6)]
    r = rs[0]
    assert (r["R1"], r["R1_base"], r["diff1"]) == pytest.approx((-50.0, -60.0, 10.0))
    assert r["se1"] == pytest.approx(np.std([0.5, -0.5, 0.5, -0.5], ddof=1) / 2)
    assert (r["diff3"], r["ahead1"], r["ahead3"]) == (pytest.approx(10.0), True, True)
    rb = rs[2]
    # b after three steps: differences 2, -2, 2, 0 -> mean 0.5, se = sd / 2 = sqrt(11/3) / 2 ~ 0.96: not ahead
    assert rb["diff3"] == pytest.approx(0.5) and rb["se3"] == pytest.approx(math.sqrt(11 / 3) / 2)
    assert rb["ahead1"] is True and rb["ahead3"] is False
    assert sbr.goes_on(rs, "velocity_lr005") is True
    assert sbr.goes_on(rs, "velocity_lam1") is False  # out on seed 5 already
    assert sbr.goes_on(rs, "velocity_lr005_lam1") is False  # ahead on seed 5 only
    assert sbr.goes_on(rs[:-1], "velocity_lr005_lam1") is None  # seed 6 missing


def test_threshold_is_two_standard_errors(sbr, tmp_path):
    """A difference of 1.9 se is not ahead, 2.1 se is."""
    goals = [0.1, 0.2, 0.3, 0.4]
    d = np.array([1.0, -1.0, 1.0, -1.0])  # sd = sqrt(4/3), se = sqrt(4/3) / 2
    se = math.sqrt(4 / 3) / 2
    for k, ahead in ((1.9, False), (2.1, True)):
        base = tmp_path / f"b{k}"
        cand = tmp_path / f"c{k}"
        _eval(base, goals, [[0, 0, 0, 0]] * 4)
        _eval(cand, goals, [[0, x, 0, x] for x in d + k * se])
        r = sbr.compare(cand, base)
        assert r["ahead1"] is ahead and r["ahead3"] is ahead


def test_different_goals_refuse_to_pair(sbr, tmp_path):
    _eval(tmp_path / "x", [0.1, 0.2], [[0, 0, 0, 0]] * 2)
    _eval(tmp_path / "y", [0.1, 0.3], [[0, 0, 0, 0]] * 2)
    with pytest.raises(ValueError, match="different goals"):
        sbr.compare(tmp_path / "x", tmp_path / "y")


def test_committed_rows_are_what_the_files_give(sbr):
    """The comparison on the committed runs: each row recomputed here from the two eval.json files."""
    for r in sbr.rows():
        reg = load_script("registry").load_all()
        c = json.loads((sbr.ROOT / "results" / reg[r["name"]]["out"] / f"seed{r['seed']}" / "eval.json").read_text())
        b = json.loads((sbr.ROOT / "results" / reg["velocity_screen"]["out"] / f"seed{r['seed']}" / "eval.json").read_text())
        for k in (1, 3):
            d = np.array(c["test"]["per_run"])[:, k] - np.array(b["test"]["per_run"])[:, k]
            assert r[f"diff{k}"] == pytest.approx(d.mean())
            assert r[f"se{k}"] == pytest.approx(d.std(ddof=1) / np.sqrt(len(d)))


def test_best_is_the_highest_mean_one_step_return_of_those_going_on(sbr, tmp_path):
    """Both a and b go on: a is better on seed 5 (-50 against -52) but b on the mean over seeds 5 and 6
    (-51 against -53); c has the best R_1 of all but is out (behind after three steps): b runs on seeds 0-4."""
    goals = [0.1, 0.2, 0.3, 0.4]
    jitter = (0.5, -0.5, 0.5, -0.5)
    base = [[-100, -60, -50, -40]] * 4
    run = lambda r1, r3: [[-90, r1 + e, -45, r3 + e] for e in jitter]
    for seed in (5, 6):
        _eval(tmp_path / f"base/seed{seed}", goals, base)
    _eval(tmp_path / "a/seed5", goals, run(-50, -30))
    _eval(tmp_path / "a/seed6", goals, run(-56, -30))
    _eval(tmp_path / "b/seed5", goals, run(-52, -30))
    _eval(tmp_path / "b/seed6", goals, run(-50, -30))
    _eval(tmp_path / "c/seed5", goals, run(-20, -40))
    _eval(tmp_path / "c/seed6", goals, run(-20, -40))
    rs = sbr.rows(tmp_path, REG)
    assert [sbr.goes_on(rs, n) for n in sbr.CANDIDATES] == [True, True, False]
    assert sbr.best(rs) == "velocity_lam1"
    assert sbr.best([r for r in rs if r["name"] == "velocity_lr005_lam1"]) is None  # none goes on
    undecided = [r for r in rs if not (r["name"] == "velocity_lam1" and r["seed"] == 6)]
    assert sbr.goes_on(undecided, "velocity_lam1") is None and sbr.best(undecided) is None  # wait for its seed 6


def test_adoption_is_a_welch_interval_over_seeds_0_to_4(sbr, tmp_path):
    """One-step means per seed -60, -58, -62, -55, -65 (candidate) against -78, -72, -63, -79, -79: the seeds are
    independent, so the interval is Welch's (seed_stats, tested by hand there) on those ten numbers; above zero:
    adopted. Without the candidate's seed 4 undecided; a candidate no better than the final one is not adopted."""
    goals = [0.5, 1.5]
    reg = {**REG, "velocity_maml_next": {"out": "next", "seeds": [0, 1, 2, 3, 4]},
           "velocity_maml": {"out": "final", "seeds": [0, 1, 2, 3, 4]}}
    cand, final = [-60, -58, -62, -55, -65], [-78, -72, -63, -79, -79]
    for s, (c, f) in enumerate(zip(cand, final)):
        _eval(tmp_path / f"next/seed{s}", goals, [[-100, c - 1, -40, -30], [-100, c + 1, -40, -34]])
        _eval(tmp_path / f"final/seed{s}", goals, [[-100, f + 2, -40, -50], [-100, f - 2, -40, -50]])
    a = sbr.adoption(tmp_path, reg)
    assert a["per_seed"]["velocity_maml_next"][3] == pytest.approx([-55.0, -32.0])  # R_1 and R_3 of seed 3
    assert a["mean_R1"] == pytest.approx({"velocity_maml_next": -60.0, "velocity_maml": -74.2})
    assert a["welch_R1"] == pytest.approx(load_script("seed_stats").welch_interval(cand, final))
    assert a["welch_R1"]["low"] > 0 and a["adopted"] is True
    (tmp_path / "next/seed4/eval.json").unlink()
    assert sbr.adoption(tmp_path, reg)["adopted"] is None
    worse = tmp_path / "worse"
    for s, f in enumerate(final):
        _eval(worse / f"next/seed{s}", goals, [[-100, f + 3, -40, -30]] * 2)
        _eval(worse / f"final/seed{s}", goals, [[-100, f, -40, -30]] * 2)
    assert sbr.adoption(worse, reg)["adopted"] is False  # +3 on every seed is within the seeds' spread
    assert sbr.adoption(tmp_path, REG) is None  # no candidate entry yet
