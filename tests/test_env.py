"""The environment: HalfCheetahBackward against gymnasium's own HalfCheetah-v5, and the batched env."""
import hw14_support as support  # the machinery beside the notebook (conftest puts Notebooks/ on sys.path)
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env


def test_backward_reward_matches_gymnasium(nb):
    ref = gym.make("HalfCheetah-v5", ctrl_cost_weight=0.05)
    env = nb.HalfCheetahBackward()
    o_ref, _ = ref.reset(seed=11)
    o, _ = env.reset(seed=11)
    np.testing.assert_array_equal(o, o_ref)
    rng = np.random.default_rng(0)
    for _ in range(50):
        a = rng.uniform(-1, 1, 6)
        o_ref, r_ref, *_, info_ref = ref.step(a)
        o, r, term, trunc, info = env.step(a)
        np.testing.assert_array_equal(o, o_ref)
        expected = -info_ref["x_velocity"] - 0.05 * np.sum(np.square(a))
        assert r == pytest.approx(expected, abs=1e-9)
        assert r == pytest.approx(-info_ref["x_velocity"] + info_ref["reward_ctrl"], abs=1e-9)
        assert info["x_velocity"] == info_ref["x_velocity"]          # gymnasium's entries are kept
        assert info["reward_ctrl"] == info_ref["reward_ctrl"]
        assert info["reward_direction"] == -info_ref["x_velocity"]
        assert not term


# the checker is run on the wrapper on purpose (the wrapper is what it checks), and HalfCheetah-v5's own
# observation space is unbounded; both warnings are expected, anything else still shows
@pytest.mark.filterwarnings("ignore:.*is different from the unwrapped version:UserWarning")
@pytest.mark.filterwarnings("ignore:.*observation space (minimum|maximum) value is (-)?infinity:UserWarning")
def test_backward_passes_env_checker(nb):
    check_env(nb.HalfCheetahBackward(), skip_render_check=True)


def test_registered_id_makes_backward_env(nb):
    env = gym.make(nb.BACKWARD_ID)
    assert isinstance(env.unwrapped, gym.envs.mujoco.half_cheetah_v5.HalfCheetahEnv)
    assert env.spec.max_episode_steps == 200
    env.reset(seed=0)
    _, _, _, _, info = env.step(np.zeros(6))
    assert info["direction"] == -1.0


@pytest.mark.parametrize("vx, sign", [(-3.0, 1), (3.0, -1)])
def test_pushing_backward_is_rewarded(nb, vx, sign):
    env = nb.HalfCheetahBackward()
    env.reset(seed=0)
    u = env.unwrapped
    qvel = u.init_qvel.copy()
    qvel[0] = vx
    u.set_state(u.init_qpos.copy(), qvel)
    _, r, *_ = env.step(np.zeros(6))
    assert np.sign(r) == sign and abs(r) > 0.5


def test_nan_action_is_an_error_and_out_of_range_is_clipped(nb):
    env = nb.HalfCheetahBackward()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="non-finite action"):
        env.step(np.array([np.nan, 0, 0, 0, 0, 0]))
    a1 = nb.HalfCheetahBackward()
    a2 = nb.HalfCheetahBackward()
    a1.reset(seed=3), a2.reset(seed=3)
    o1, r1, *_ = a1.step(np.array([5.0, -7, 0.5, 2, -2, 0]))
    o2, r2, *_ = a2.step(np.array([1.0, -1, 0.5, 1, -1, 0]))
    np.testing.assert_array_equal(o1, o2)
    assert r1 == r2


def _reference_rollout(nb, directions, seed, actions):
    """Independent gymnasium envs, env i seeded with seed + i, as gymnasium's vector envs do."""
    envs = [nb.HalfCheetahDirection(direction=d) for d in directions]
    obs = np.stack([e.reset(seed=seed + i)[0] for i, e in enumerate(envs)])
    out = {"obs": [obs], "reward": [], "x_velocity": []}
    for a in actions:
        steps = [e.step(a[i]) for i, e in enumerate(envs)]
        out["obs"].append(np.stack([s[0] for s in steps]))
        out["reward"].append(np.array([s[1] for s in steps]))
        out["x_velocity"].append(np.array([s[4]["x_velocity"] for s in steps]))
    return {k: np.stack(v) for k, v in out.items()}


@pytest.mark.parametrize("threads", [1, 2])
def test_batched_env_equals_independent_gymnasium_envs(nb, threads):
    directions = np.array([1.0, -1.0, -1.0, 1.0, -1.0])
    T = 200
    rng = np.random.default_rng(42)
    actions = rng.uniform(-1.2, 1.2, size=(T, len(directions), 6))  # some outside [-1, 1]
    ref = _reference_rollout(nb, directions, 7, actions)
    env = support.BatchedHalfCheetah(directions, horizon=T, num_threads=threads)
    obs, _ = env.reset(seed=7)
    got = {"obs": [obs], "reward": [], "x_velocity": []}
    for t in range(T):
        obs, r, term, trunc, info = env.step(actions[t])
        got["obs"].append(obs)
        got["reward"].append(r)
        got["x_velocity"].append(info["x_velocity"])
        assert not term.any() and trunc.all() == (t == T - 1)
    env.close()
    for k in ref:
        np.testing.assert_allclose(np.stack(got[k]), ref[k], rtol=0, atol=1e-6, err_msg=k)
    assert np.abs(ref["obs"][-1]).max() > 1.0  # the trajectories really moved


@pytest.mark.parametrize("per_task", [False, True])
def test_sampler_equals_a_plain_loop_over_gymnasium_envs(nb, per_task):
    """sample_batch (2 physics threads) against a hand-written loop over independent HalfCheetah-v5
    envs: one noise draw of the whole batch per step, one forward pass, clip and scale by hand."""
    import torch
    K, N, T, scale = 4, 2, 60, 10.0
    cfg = nb.make_config("smoke", num_threads=2, action_scale=scale)
    policy = nb.make_policy(cfg)
    params = nb.detached_params(policy)
    if per_task:  # a different policy per task, so that a task sliced wrongly shows
        g = torch.Generator().manual_seed(1)
        params = {k: v + 0.3 * torch.randn((K, *v.shape), generator=g) for k, v in params.items()}
    directions = np.repeat([1.0, -1.0, -1.0, 1.0], N)
    batch = nb.sample_batch(support.BatchedHalfCheetah(directions, T, cfg.ctrl_cost_weight, 2), policy, params,
                            K, T, scale, 21, torch.Generator().manual_seed(4))
    envs = [nb.HalfCheetahDirection(direction=d, ctrl_cost_weight=cfg.ctrl_cost_weight) for d in directions]
    obs = np.stack([e.reset(seed=21 + i)[0] for i, e in enumerate(envs)])
    g = torch.Generator().manual_seed(4)
    for t in range(T):
        o = torch.as_tensor(obs, dtype=torch.float32).view(K, N, 17)
        np.testing.assert_array_equal(batch.obs[t].numpy(), o.numpy())
        with torch.no_grad():
            d = torch.func.functional_call(policy, params, (o,))
            a = d.base_dist.loc + d.base_dist.scale * torch.randn((K, N, 6), generator=g)
        np.testing.assert_array_equal(batch.actions[t].numpy(), a.numpy())
        steps = [e.step(np.clip(a.view(K * N, 6)[i].numpy(), -scale, scale) / scale) for i, e in enumerate(envs)]
        obs = np.stack([s[0] for s in steps])
        np.testing.assert_allclose(batch.rewards[t].numpy().ravel(), [s[1] for s in steps], rtol=1e-6, atol=1e-6)
    assert batch.returns.abs().max() > 1.0  # the cheetahs moved


def test_sampler_runs_torch_on_one_thread_and_restores_the_count(nb, monkeypatch):
    """sample_batch's forward passes run on one torch thread; afterwards torch has the count it had before,
    also when sampling fails (training sets the count for the whole run, see setup_torch)."""
    import torch
    cfg = nb.make_config("smoke", hidden_sizes=(8,))
    policy = nb.make_policy(cfg)
    env = support.BatchedHalfCheetah(np.ones(2), 3, cfg.ctrl_cost_weight, 1)
    seen = []
    monkeypatch.setattr(nb, "policy_dist", lambda *a, f=nb.policy_dist: (seen.append(torch.get_num_threads()), f(*a))[1])
    torch.set_num_threads(2)
    nb.sample_batch(env, policy, nb.detached_params(policy), 2, 3, 1.0, 0, torch.Generator().manual_seed(0))
    assert seen == [1, 1, 1] and torch.get_num_threads() == 2
    with pytest.raises(ValueError):
        nb.sample_batch(env, policy, nb.detached_params(policy), 2, 3, np.nan, 0, torch.Generator().manual_seed(0))
    assert torch.get_num_threads() == 2
    env.close()


def test_batched_reset_noise_is_gymnasiums_and_reproducible(nb):
    env = support.BatchedHalfCheetah(np.ones(4), horizon=5)
    o1, _ = env.reset(seed=123)
    o2, _ = env.reset(seed=123)
    o3, _ = env.reset(seed=124)
    np.testing.assert_array_equal(o1, o2)
    assert not np.allclose(o1, o3)
    ref = gym.make("HalfCheetah-v5")
    for i in range(4):
        np.testing.assert_array_equal(o1[i], ref.reset(seed=123 + i)[0])
    noise = o1[:, :8] - env.init_qpos[1:]
    assert np.abs(noise).max() <= 0.1


def test_batched_env_rejects_bad_input(nb):
    with pytest.raises(ValueError, match="directions"):
        support.BatchedHalfCheetah(np.array([1.0, 0.5]))
    env = support.BatchedHalfCheetah(np.ones(2), horizon=1)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.zeros((2, 6)))
    env.reset(seed=0)
    with pytest.raises(ValueError, match="non-finite action"):
        env.step(np.full((2, 6), np.nan))
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros((3, 6)))
    env.step(np.zeros((2, 6)))
    with pytest.raises(RuntimeError, match="horizon"):
        env.step(np.zeros((2, 6)))


def test_physics_batch_views_sit_where_mujoco_puts_them(nb):
    """MjBatch.state and .ctrl are views into each env's integration-state row; MuJoCo's own mj_getState of
    qpos|qvel and of ctrl (through physics_state) must give the same numbers after a few random steps."""
    import mujoco
    env = support.BatchedHalfCheetah(np.ones(3), horizon=20, num_threads=2)
    env.reset(seed=4)
    rng = np.random.default_rng(0)
    for _ in range(5):
        env.step(rng.uniform(-1, 1, (3, 6)))
    S = mujoco.mjtState
    np.testing.assert_array_equal(env.sim.physics_state(S.mjSTATE_QPOS.value | S.mjSTATE_QVEL.value), env.sim.state)
    np.testing.assert_array_equal(env.sim.physics_state(S.mjSTATE_CTRL.value), env.sim.ctrl)
    assert np.abs(env.sim.state).max() > 0 and np.abs(env.sim.ctrl).max() > 0
    env.close()
