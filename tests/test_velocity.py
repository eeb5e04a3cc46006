"""The goal-velocity family: wrapper and batched env against gymnasium's HalfCheetah-v5 and the
reward formula by hand, task sampling, validation of the goal range, and the evaluation's goals."""
import hw14_support as support  # the machinery beside the notebook (conftest puts Notebooks/ on sys.path)
import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env


def test_velocity_reward_is_the_formula_on_gymnasiums_env(nb):
    ref = gym.make("HalfCheetah-v5", ctrl_cost_weight=0.05)
    env = nb.HalfCheetahVelocity(goal_velocity=1.3)
    o_ref, _ = ref.reset(seed=5)
    o, _ = env.reset(seed=5)
    np.testing.assert_array_equal(o, o_ref)
    rng = np.random.default_rng(1)
    for _ in range(60):
        a = rng.uniform(-1, 1, 6)
        o_ref, _, *_, info_ref = ref.step(a)
        o, r, term, _, info = env.step(a)
        np.testing.assert_array_equal(o, o_ref)
        assert r == pytest.approx(-abs(info_ref["x_velocity"] - 1.3) - 0.05 * np.sum(np.square(a)), abs=1e-9)
        assert info["goal_velocity"] == 1.3 and info["x_velocity"] == info_ref["x_velocity"]
        assert not term


@pytest.mark.parametrize("vx, goal, expected", [(2.0, 2.0, 0.0), (0.5, 2.0, -1.5), (3.0, 2.0, -1.0)])
def test_velocity_reward_peaks_at_the_goal(nb, vx, goal, expected):
    """Push the cheetah to speed vx and take one zero action: the reward is -|v - g| (v after the step)."""
    env = nb.HalfCheetahVelocity(goal_velocity=goal)
    env.reset(seed=0)
    u = env.unwrapped
    qvel = np.zeros_like(u.init_qvel)
    qvel[0] = vx
    u.set_state(u.init_qpos.copy(), qvel)
    _, r, _, _, info = env.step(np.zeros(6))
    assert r == pytest.approx(-abs(info["x_velocity"] - goal), abs=1e-12)
    assert r == pytest.approx(expected, abs=0.25)  # the speed barely changes over one 0.05 s step


@pytest.mark.filterwarnings("ignore:.*is different from the unwrapped version:UserWarning")
@pytest.mark.filterwarnings("ignore:.*observation space (minimum|maximum) value is (-)?infinity:UserWarning")
def test_velocity_passes_env_checker_and_is_registered(nb):
    check_env(nb.HalfCheetahVelocity(goal_velocity=0.7), skip_render_check=True)
    env = gym.make(nb.VELOCITY_ID, goal_velocity=1.7)
    assert env.spec.max_episode_steps == 200
    env.reset(seed=0)
    assert env.step(np.zeros(6))[4]["goal_velocity"] == 1.7
    with pytest.raises(ValueError, match="goal_velocity"):
        nb.HalfCheetahVelocity(goal_velocity=float("nan"))


@pytest.mark.parametrize("threads", [1, 2])
def test_batched_velocity_env_equals_independent_gymnasium_envs(nb, threads):
    goals = np.array([0.0, 0.4, 1.1, 1.9, 2.6])
    T = 200
    actions = np.random.default_rng(3).uniform(-1.2, 1.2, size=(T, len(goals), 6))
    envs = [nb.HalfCheetahVelocity(goal_velocity=g) for g in goals]
    ref_obs = np.stack([e.reset(seed=9 + i)[0] for i, e in enumerate(envs)])
    env = support.BatchedHalfCheetah(goals, T, 0.05, threads, kind="velocity", observe_task=True)
    obs, _ = env.reset(seed=9)
    np.testing.assert_array_equal(obs[:, :17], ref_obs)
    np.testing.assert_array_equal(obs[:, 17], goals)  # the oracle's extra input is its env's own goal
    for t in range(T):
        steps = [e.step(actions[t, i]) for i, e in enumerate(envs)]
        obs, r, _, trunc, info = env.step(actions[t])
        np.testing.assert_array_equal(obs[:, :17], np.stack([s[0] for s in steps]))
        np.testing.assert_array_equal(r, [s[1] for s in steps])
        np.testing.assert_array_equal(info["reward_velocity"], [s[4]["reward_velocity"] for s in steps])
    assert trunc.all()
    env.close()
    with pytest.raises(ValueError, match="goal velocities"):
        support.BatchedHalfCheetah(np.array([1.0, np.inf]), kind="velocity")


BAD_RANGES = [(2.0, 0.0), (1.0, 1.0), (-0.5, 1.0), (0.0, float("nan")), (0.0, float("inf")), (1.0,), "0-2"]


@pytest.mark.parametrize("bad", BAD_RANGES)
def test_bad_goal_range_fails_validation_before_any_simulation(nb, tmp_path, bad):
    with pytest.raises(support.ConfigError, match="'goal_velocity_range'.*0 <= low < high"):
        nb.make_config("smoke", task_family="velocity", goal_velocity_range=bad)
    cfg = nb.MAMLConfig(task_family="velocity", goal_velocity_range=bad)
    with pytest.raises(support.ConfigError, match="goal_velocity_range"):
        nb.train(cfg, tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()


def test_velocity_tasks_are_uniform_and_balanced_batches_stratified(nb):
    """i.i.d. goals are uniform on the range; balanced ones hold one goal per 1/K of the range, and each
    slot's goal is still uniform (its mean and quartiles over 4000 batches match U[low, high])."""
    rng = np.random.default_rng(0)
    K, low, high = 8, 0.5, 2.5
    cfg = nb.make_config("smoke", task_family="velocity", goal_velocity_range=(low, high))
    iid = np.stack([nb.sample_tasks(cfg, rng, K) for _ in range(4000)])
    assert iid.min() >= low and iid.max() < high
    np.testing.assert_allclose(np.quantile(iid, [0.25, 0.5, 0.75]), [1.0, 1.5, 2.0], atol=0.03)
    bal = np.stack([nb.sample_tasks(dataclass_replace(cfg, balanced_tasks=True), rng, K) for _ in range(4000)])
    bins = np.floor((bal - low) / (high - low) * K).astype(int)
    np.testing.assert_array_equal(np.sort(bins, axis=1), np.tile(np.arange(K), (4000, 1)))
    for slot in (0, K - 1):
        np.testing.assert_allclose(np.quantile(bal[:, slot], [0.25, 0.5, 0.75]), [1.0, 1.5, 2.0], atol=0.06)


def dataclass_replace(cfg, **kw):
    import dataclasses
    return dataclasses.replace(cfg, **kw)


def test_evaluation_adapts_each_run_to_its_own_goal(nb):
    """A policy that stands still (zero mean, std ~ 0) earns -sum_t |v_t - g| - 0 on goal g. The
    evaluation's 0-step returns, run by run, equal a plain loop over HalfCheetahVelocity envs with the
    run's goal and the evaluation's reset seeds: the goal labelled 'test' (resp. 'extrapolation',
    'anchors') is the one simulated, and each goal set comes from its own range."""
    cfg = nb.make_config("smoke", task_family="velocity", hidden_sizes=(4,), traj_per_task=2, horizon=25, eval_goals=6)
    policy = nb.make_policy(cfg)
    theta = {k: torch.zeros_like(v) for k, v in nb.detached_params(policy).items()}
    theta["log_std"] = torch.full_like(theta["log_std"], -30.0)
    out = nb.evaluate_velocities(policy, theta, cfg, n_runs=4, lrs=(), seed=77)
    _, _, reset_seed = nb.rng_streams(77, 10_000, "eval")
    sets = (("test", (0.0, 2.0), 6), ("extrapolation", nb.EXTRAPOLATION_RANGE, 4), ("anchors", (0.1, 1.95), 20))
    for name, (low, high), n in sets:
        goals = np.array(out[name]["goals"])
        assert np.all((goals >= low) & (goals < high)) and len(goals) == n == out[name]["n_runs"]
        for r, g in enumerate(goals):
            envs = [nb.HalfCheetahVelocity(goal_velocity=g) for _ in range(cfg.traj_per_task)]
            total = 0.0
            for i, e in enumerate(envs):
                e.reset(seed=reset_seed + r * cfg.traj_per_task + i)
                total += sum(e.step(np.zeros(6))[1] for _ in range(cfg.horizon))
            assert out[name]["per_run"][r][0] == pytest.approx(total / cfg.traj_per_task, rel=1e-5)
    np.testing.assert_allclose(out["anchors"]["goals"], np.repeat([0.1, 0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.5, 1.7, 1.9], 2))
    again = nb.evaluate_velocities(policy, theta, dataclass_replace(cfg, seed=4), n_runs=4, lrs=(), seed=78)
    assert again["test"]["goals"] == out["test"]["goals"]  # the same goals for every method and seed


def test_test_goals_are_two_per_stratum_and_uniform_over_draws(nb):
    """Two goals in each of n/2 equal strata, stratum-major; over many draws each goal is uniform in its
    stratum, so the set's mean is unbiased for U[low, high]; an odd count is refused."""
    g = nb.test_goals((0.0, 2.0), 100, seed=5)
    strata = np.floor(g / 0.04).astype(int)
    np.testing.assert_array_equal(strata, np.repeat(np.arange(50), 2))
    assert g[0] != g[1]  # two independent draws, not one goal twice
    draws = np.stack([nb.test_goals((1.0, 3.0), 4, seed=s) for s in range(4000)])
    np.testing.assert_allclose(np.quantile(draws[:, 2], [0.25, 0.5, 0.75]), [2.25, 2.5, 2.75], atol=0.02)
    assert draws.mean() == pytest.approx(2.0, abs=0.01)
    with pytest.raises(ValueError, match="even number"):
        nb.test_goals((0.0, 2.0), 41)


def test_stratified_sem_matches_the_spread_of_fresh_draws(nb):
    """The pair estimator against brute force: the empirical s.d. of the set's mean over 3000 fresh draws of
    the goals (and of a noise term standing for the trajectories) of a known return curve."""
    rng = np.random.default_rng(0)
    f = lambda g: -60 * np.abs(g - 1.3) + 30 * g ** 2          # a kinked return curve over goals
    means, sems = [], []
    for s in range(3000):
        g = nb.test_goals((0.0, 2.0), 20, seed=s)
        v = f(g) + rng.normal(0, 8, size=g.shape)
        means.append(v.mean())
        sems.append(support.stratified_sem(v))
    assert np.sqrt(np.mean(np.square(sems))) == pytest.approx(np.std(means), rel=0.06)
    assert support.stratified_sem([1.0, 3.0, 5.0, 5.0]) == pytest.approx(np.sqrt(4.0) / 4)  # sum d^2 = 4, S = 2


def test_oracle_checkpoint_sees_its_goal_and_evaluates(nb, tmp_path):
    """observe_task: the policy takes 18 inputs, the last one the goal; a checkpoint restores that
    policy, and evaluate_tasks picks the goal-velocity evaluation for it."""
    cfg = nb.make_config("smoke", task_family="velocity", observe_task=True, inner_steps=0, meta_iterations=1,
                         horizon=10, eval_batches=2)
    nb.train(cfg, tmp_path, progress=False)
    policy, theta, loaded = nb.load_policy(tmp_path / "checkpoint.pt")
    assert loaded.observe_task and policy.layers[0].in_features == 18
    out = nb.evaluate_tasks(policy, theta, loaded, lrs=(0.1,))
    assert set(out) == {"test", "extrapolation", "anchors"} and len(out["test"]["mean"]) == 2
    env = nb.make_env(loaded, np.array([1.25, 0.5]))
    obs, _ = env.reset(seed=0)
    np.testing.assert_array_equal(obs[:, -1], [1.25, 0.5])
    assert math.isfinite(out["extrapolation"]["mean"][1])
