"""The scripts' plumbing: flags fail at once naming themselves, and evaluate.py evaluates what it records."""
import json
import subprocess
import sys

import numpy as np
import pytest


@pytest.mark.parametrize("flag, value, message", [("--runs", "0", "--runs: expected an integer >= 1"),
                                                  ("--lrs", "nan", "--lrs: expected a finite number > 0"),
                                                  ("--lrs", "-0.1", "--lrs: expected a finite number > 0")])
def test_evaluate_rejects_bad_flags_naming_them(root, tmp_path, flag, value, message):
    out = tmp_path / "eval.json"
    r = subprocess.run([sys.executable, str(root / "scripts" / "evaluate.py"), "--random-init", flag, value,
                        "--out", str(out)], capture_output=True, text=True, cwd=root)
    assert r.returncode == 2 and message in r.stderr
    assert not out.exists()


def test_evaluate_records_the_seed_and_task_it_used(nb, root, tmp_path, monkeypatch):
    """--eval-seed 5: the JSON says 5, and its 'backward' returns are evaluate_adaptation's on the
    backward task (d = -1) with seed 5, its 'forward' ones on d = +1; seed 6 gives other returns."""
    sys.path.insert(0, str(root / "scripts"))
    import evaluate
    out = tmp_path / "eval.json"
    monkeypatch.setattr(sys, "argv", ["evaluate.py"])
    evaluate.main(["--random-init", "--seed", "2", "--eval-seed", "5", "--runs", "1", "--lrs", "0.1",
                   "--out", str(out)])
    got = json.loads(out.read_text())
    assert got["eval_seed"] == 5 and got["lrs"] == [0.1]
    cfg = nb.make_config("full", seed=2)
    policy = nb.make_policy(cfg)
    theta = nb.detached_params(policy)
    for name, d in (("backward", -1.0), ("forward", 1.0)):
        ref, _ = nb.evaluate_adaptation(policy, theta, cfg, d, n_runs=1, lrs=(0.1,), seed=5)
        np.testing.assert_allclose(got[name]["per_run"], ref, rtol=1e-6)
    other, _ = nb.evaluate_adaptation(policy, theta, cfg, -1.0, n_runs=1, lrs=(0.1,), seed=6)
    assert not np.allclose(got["backward"]["per_run"], other)
