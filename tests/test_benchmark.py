"""The benchmark script runs and reports its JSON line (no timing is asserted here)."""
import hw14_support as support  # the machinery beside the notebook (conftest puts Notebooks/ on sys.path)
import json
import subprocess
import sys

import pytest
import torch


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
    support.save_checkpoint(tmp_path / "checkpoint.pt", nb.detached_params(policy), 0, [], cfg)
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
    support.save_checkpoint(tmp_path / "checkpoint.pt", nb.detached_params(nb.make_policy(cfg)), 0, [], cfg)
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


def test_cg_warm_start_solves_from_any_start(nb, root):
    """warm_cg on an SPD system against torch.linalg.solve: from a far start it converges in dim iterations, and
    started at the solution it stays there (a residual with the wrong sign, b + H x0, fails both)."""
    sys.path.insert(0, str(root / "benchmarks"))
    from cg_warm_start import warm_cg
    gen = torch.Generator().manual_seed(1)
    M = torch.randn(12, 12, generator=gen, dtype=torch.float64)
    A = M @ M.T + 0.5 * torch.eye(12, dtype=torch.float64)
    b, x0 = torch.randn(12, generator=gen, dtype=torch.float64), 5 * torch.randn(12, generator=gen, dtype=torch.float64)
    exact = torch.linalg.solve(A, b)
    torch.testing.assert_close(warm_cg(nb, lambda v: A @ v, b, x0, 40), exact, atol=1e-8, rtol=1e-8)
    torch.testing.assert_close(warm_cg(nb, lambda v: A @ v, b, exact, 3), exact, atol=1e-10, rtol=1e-10)


def test_cg_warm_start_benchmark_reports_json(nb, root, tmp_path):
    """On a tiny untrained checkpoint: both starts at every count, cosines in [-1, 1]; --steps 1 refused."""
    cfg = nb.make_config("smoke", meta_batch_size=2, hvp_tasks=2, traj_per_task=2, horizon=10, curvature="jacobian")
    support.save_checkpoint(tmp_path / "checkpoint.pt", nb.detached_params(nb.make_policy(cfg)), 0, [], cfg)
    script = str(root / "benchmarks" / "cg_warm_start.py")
    r = subprocess.run([sys.executable, script, "--checkpoint", str(tmp_path / "checkpoint.pt"), "--steps", "3"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert len(res["per_iteration"]) == 2 and res["iterations"] == [1000, 1002]
    for row in res["per_iteration"]:
        assert -1 <= row["prev_cos"] <= 1
        for start in ("cold", "warm"):
            assert set(row[start]) == {str(n) for n in res["cg_iters"]}
            assert all(-1.0001 <= v["cos"] <= 1.0001 for v in row[start].values())
    bad = subprocess.run([sys.executable, script, "--checkpoint", str(tmp_path / "checkpoint.pt"), "--steps", "1"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "--steps" in bad.stderr


def test_update_parts_benchmark_counts_line_search_evaluations(nb, root, tmp_path):
    """Made-up metrics with accepted steps 0 and 2 and one failed search: (1 + 3 + ls_steps) / 3 evaluations per
    update, by hand; shares of the composed update sum to 1; a --metrics glob matching nothing is refused."""
    cfg = nb.make_config("smoke", meta_batch_size=2, hvp_tasks=2, traj_per_task=2, horizon=10, curvature="jacobian")
    support.save_checkpoint(tmp_path / "checkpoint.pt", nb.detached_params(nb.make_policy(cfg)), 0, [], cfg)
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps({"trpo/ls_step": j}) + "\n" for j in (0, 2, -1)))
    script = [sys.executable, str(root / "benchmarks" / "update_parts.py"), "--checkpoint", str(tmp_path / "checkpoint.pt"),
              "--repeats", "1"]
    r = subprocess.run([*script, "--metrics", str(tmp_path / "metrics.jsonl")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["per_update"]["evaluation"] == pytest.approx((1 + 3 + cfg.ls_steps) / 3, abs=1e-3)
    assert res["per_update"]["product"] == cfg.cg_iters + 1 and res["ls_step_counts"] == {"-1": 1, "0": 1, "2": 1}
    assert sum(res["shares"].values()) == pytest.approx(1.0, abs=0.003)
    bad = subprocess.run([*script, "--metrics", str(tmp_path / "none*.jsonl")], capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "--metrics" in bad.stderr
