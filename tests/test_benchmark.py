"""The benchmark script runs and reports its JSON line (no timing is asserted here)."""
import json
import subprocess
import sys

import pytest


def test_sampler_benchmark_reports_json(root):
    r = subprocess.run([sys.executable, str(root / "benchmarks" / "sampler.py"), "--tasks", "2", "--traj", "2",
                        "--horizon", "10", "--repeats", "1", "--async-traj-per-worker", "1"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    for k in ("physics_sps", "replay_sps", "sampler_sps", "gym_sync_sps", "gym_async_sps"):
        assert res[k] > 0
    # (a') replays the sampler's own controls from its own initial states: the same physics, so its last
    # observations equal the sampler's up to their float32 storage
    assert res["replay_max_obs_diff"] < 1e-4
    # the script rounds the rates to whole steps and the ratio (of the unrounded rates) to 3 decimals, so the
    # ratio recomputed here from the printed rates may differ in its last digit: an exact == was flaky
    assert res["ratio_vs_physics"] == pytest.approx(res["sampler_sps"] / res["physics_sps"], rel=2e-3, abs=6e-4)


def test_meta_iteration_benchmark_reports_json(root):
    r = subprocess.run([sys.executable, str(root / "benchmarks" / "meta_iteration.py"), "--iterations", "1",
                        "--warmup", "0", "--set", "meta_batch_size=2", "--set", "traj_per_task=2",
                        "--set", "horizon=10"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["agent_steps_per_iteration"] == 2 * 2 * 2 * 10
    assert res["ratio"] == pytest.approx(res["iteration_s"] / res["physics_s"], rel=0.01)
    assert res["update_share"] == pytest.approx(res["phases_s"]["update"] / res["iteration_s"], abs=0.002)
    assert set(res["before"]) == {"sample", "advantages", "adapt", "update", "iteration"}


def test_curvature_benchmark_reports_json(nb, root, tmp_path):
    """On a tiny untrained checkpoint: every product reported, and the exact one agrees with itself."""
    cfg = nb.make_config("smoke", meta_batch_size=2, hvp_tasks=2, traj_per_task=2, horizon=10, curvature="fisher")
    policy = nb.make_policy(cfg)
    nb.save_checkpoint(tmp_path / "checkpoint.pt", nb.detached_params(policy), 0, [], cfg)
    r = subprocess.run([sys.executable, str(root / "benchmarks" / "curvature.py"), "--checkpoint",
                        str(tmp_path / "checkpoint.pt"), "--stride", "3"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert set(res["products"]) == {"fisher_s3", "fisher_s1", "jacobian_s3", "jacobian_s1", "exact"}
    assert res["tasks"] == 2 and res["states_per_task"] == 2 * 10
    assert max(res["products"]["exact"]["rel_err"]) == 0.0
    assert max(res["products"]["jacobian_s1"]["rel_err"]) < 1e-4  # the same Hessian, float32 rounding


def test_cg_convergence_benchmark_reports_json(nb, root, tmp_path):
    """On tiny problems: every CG count reported, and the longest solve is its own reference."""
    cfg = nb.make_config("smoke", meta_batch_size=2, hvp_tasks=2, traj_per_task=2, horizon=10, curvature="jacobian")
    nb.save_checkpoint(tmp_path / "checkpoint.pt", nb.detached_params(nb.make_policy(cfg)), 0, [], cfg)
    r = subprocess.run([sys.executable, str(root / "benchmarks" / "cg_convergence.py"), "--checkpoint",
                        str(tmp_path / "checkpoint.pt"), "--init-size", "smoke"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert len(res["policies"]) == 2
    for rows in res["policies"].values():
        assert set(rows) == {str(n) for n in res["cg_iters"]}
        assert rows["30"]["cos"] == pytest.approx(1.0, abs=1e-3) and rows["30"]["gain"] > 0


def test_ab_alternates_and_reports_medians_and_ratio(root):
    """Two made-up benchmarks that print a counter of their own runs: A and B alternate (A's runs are its
    1st and 2nd, B's too), medians and the ratio B / A come from the JSON lines."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        def cmd(name, value):
            return (f"-c 'import json, pathlib; p = pathlib.Path(\"{d}/{name}\"); n = len(p.read_text()) if p.exists() else 0; "
                    f"p.write_text(\"x\" * (n + 1)); print(json.dumps({{\"v\": {value} + n, \"order\": n}}))'")
        r = subprocess.run([sys.executable, str(root / "benchmarks" / "ab.py"), "--rounds", "2", "--keys", "v",
                            "--a", cmd("a", 2), "--b", cmd("b", 10)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        res = json.loads(r.stdout.strip().splitlines()[-1])
    assert [x["v"] for x in res["a"]] == [2, 3] and [x["v"] for x in res["b"]] == [10, 11]
    assert res["median_a"]["v"] == 2.5 and res["ratio_b_over_a"]["v"] == pytest.approx(10.5 / 2.5)
    assert "round 1 a" in r.stderr.splitlines()[0] and "round 1 b" in r.stderr.splitlines()[1]


def test_sampler_benchmark_passes_overrides_to_the_config(root):
    r = subprocess.run([sys.executable, str(root / "benchmarks" / "sampler.py"), "--tasks", "2", "--traj", "1",
                        "--horizon", "5", "--repeats", "1", "--async-traj-per-worker", "1",
                        "--set", "activation=relu", "--set", "action_scale=1"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads(r.stdout.strip().splitlines()[-1])["overrides"] == {"activation": "relu", "action_scale": 1}
    bad = subprocess.run([sys.executable, str(root / "benchmarks" / "sampler.py"), "--set", "activation=swish"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and bad.stderr.startswith("error:") and "activation" in bad.stderr
