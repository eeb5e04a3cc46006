"""The learning signal against independent references: hand-written loops, numpy least squares,
closed-form Gaussian KLs, gymnasium's own env, and the checkpoint file's bytes."""
import hw14_support as support  # the machinery beside the notebook (conftest puts Notebooks/ on sys.path)
import math

import gymnasium as gym
import numpy as np
import pytest
import torch

from helpers import fixed_problem, vpg_step_by_hand


def _gae_by_hand(rewards, values, gamma, lam):
    """Plain loops over (T, K, N) numpy arrays: delta_t = r_t + gamma b_{t+1} - b_t, b_T = 0."""
    T = rewards.shape[0]
    adv = np.zeros_like(rewards)
    for idx in np.ndindex(rewards.shape[1:]):
        acc = 0.0
        for t in reversed(range(T)):
            nxt = values[(t + 1, *idx)] if t + 1 < T else 0.0
            delta = rewards[(t, *idx)] + gamma * nxt - values[(t, *idx)]
            acc = delta + gamma * lam * acc
            adv[(t, *idx)] = acc
    return adv


def _normalise_by_hand(adv):
    out = np.empty_like(adv)
    for k in range(adv.shape[1]):
        x = adv[:, k]
        out[:, k] = (x - x.mean()) / (x.std(ddof=1) + 1e-8)
    return out


@pytest.mark.parametrize("gamma,lam", [(0.9, 0.8), (0.97, 0.5), (1.0, 1.0)])
def test_gae_matches_a_hand_written_loop(nb, gamma, lam):
    g = torch.Generator().manual_seed(0)
    r = torch.randn(7, 3, 4, generator=g, dtype=torch.float64)
    v = torch.randn(7, 3, 4, generator=g, dtype=torch.float64)
    raw = nb.gae_advantages(r, v, gamma, lam, normalize=False)
    np.testing.assert_allclose(raw.numpy(), _gae_by_hand(r.numpy(), v.numpy(), gamma, lam), rtol=1e-12, atol=1e-12)
    norm = nb.gae_advantages(r, v, gamma, lam, normalize=True)
    np.testing.assert_allclose(norm.numpy(), _normalise_by_hand(raw.numpy()), rtol=1e-10, atol=1e-12)


def test_discounted_cumsum_matches_a_loop(nb):
    x = torch.randn(9, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    ref = np.array([[sum(0.8 ** (u - t) * float(x[u, j]) for u in range(t, 9)) for j in range(2)] for t in range(9)])
    np.testing.assert_allclose(nb.discounted_cumsum(x, 0.8).numpy(), ref, rtol=1e-12)


def test_baseline_recovers_an_exactly_linear_value_function(nb):
    """Returns that are a linear function of the features are fitted exactly (reg -> 0), per task."""
    g = torch.Generator().manual_seed(2)
    obs = torch.randn(30, 2, 5, 17, generator=g, dtype=torch.float64)
    phi = support.baseline_features(obs)
    w = torch.randn(2, phi.shape[-1], generator=g, dtype=torch.float64)       # one weight vector per task
    returns = torch.einsum("tknf,kf->tkn", phi, w)
    fitted = support.fit_linear_baseline(obs, returns, reg=1e-12)
    torch.testing.assert_close(fitted, returns, rtol=1e-6, atol=1e-6)


def test_batch_advantages_against_numpy_reference(nb):
    """Discounted returns by loop, ridge fit by numpy lstsq on the Duan features, GAE and
    normalisation by loop: the whole pipeline at gamma = 0.9, lambda = 0.7."""
    cfg = nb.make_config("smoke", gamma=0.9, gae_lambda=0.7, baseline_reg=1e-3)
    g = torch.Generator().manual_seed(3)
    T, K, N = 12, 2, 3
    batch = nb.Batch(torch.randn(T, K, N, 17, generator=g), torch.randn(T, K, N, 6, generator=g),
                     torch.randn(T, K, N, generator=g), torch.tensor([1.0, -1.0]))
    r = batch.rewards.double().numpy()
    ret = np.zeros_like(r)
    for t in reversed(range(T)):
        ret[t] = r[t] + (cfg.gamma * ret[t + 1] if t + 1 < T else 0.0)
    o = np.clip(batch.obs.double().numpy(), -10, 10)
    tau = (np.arange(T) / 100.0)[:, None, None, None] * np.ones((T, K, N, 1))
    phi = np.concatenate([o, o ** 2, tau, tau ** 2, tau ** 3, np.ones_like(tau)], axis=-1)
    values = np.zeros_like(r)
    for k in range(K):
        X = phi[:, k].reshape(T * N, -1)
        A = np.vstack([X, math.sqrt(cfg.baseline_reg) * np.eye(X.shape[1])])
        b = np.concatenate([ret[:, k].reshape(-1), np.zeros(X.shape[1])])
        wk = np.linalg.lstsq(A, b, rcond=None)[0]
        values[:, k] = (X @ wk).reshape(T, N)
    expected = _normalise_by_hand(_gae_by_hand(r, values, cfg.gamma, cfg.gae_lambda))
    np.testing.assert_allclose(nb.batch_advantages(batch, cfg).numpy(), expected, rtol=1e-4, atol=1e-4)


def _gaussian_kl_by_hand(mu0, s0, mu1, s1):
    """KL(N(mu0, s0^2) || N(mu1, s1^2)) summed over the last axis."""
    return (np.log(s1 / s0) + (s0 ** 2 + (mu0 - mu1) ** 2) / (2 * s1 ** 2) - 0.5).sum(-1)


def test_meta_kl_is_kl_of_old_from_new_in_closed_form(nb):
    """D_KL(pi_old || pi_new): moving only the log-std tells the two argument orders apart."""
    _, policy, theta, problem, _ = fixed_problem(nb)
    moved = {k: v.clone() for k, v in theta.items()}
    moved["log_std"] = moved["log_std"] + torch.linspace(-0.6, 0.9, 6, dtype=torch.float64)
    moved["layers.2.bias"] = moved["layers.2.bias"] + 0.3
    _, kl = problem.loss_and_kl(moved, create_graph=False)
    new = nb.policy_dist(policy, problem.adapted(moved, create_graph=False), problem.obs).base_dist
    ref = _gaussian_kl_by_hand(problem.old_loc.numpy(), problem.old_scale.numpy(),
                               new.loc.detach().numpy(), new.scale.detach().numpy()).mean()
    reverse = _gaussian_kl_by_hand(new.loc.detach().numpy(), new.scale.detach().numpy(),
                                   problem.old_loc.numpy(), problem.old_scale.numpy()).mean()
    assert abs(ref - reverse) > 1e-2 * ref
    assert float(kl) == pytest.approx(ref, rel=1e-10)


def test_surrogate_loss_is_ratio_times_advantage(nb):
    _, policy, theta, problem, _ = fixed_problem(nb)
    moved = {k: v + 0.05 for k, v in theta.items()}
    loss, _ = problem.loss_and_kl(moved, create_graph=False)
    new = nb.policy_dist(policy, problem.adapted(moved, create_graph=False), problem.obs)
    ratio = torch.exp(new.log_prob(problem.act) - problem.old_logp)
    assert float(loss) == pytest.approx(float(-(ratio * problem.adv).mean()), rel=1e-12)
    loss0, _ = problem.loss_and_kl(theta, create_graph=False)
    assert float(loss0) == pytest.approx(float(-problem.adv.mean()), abs=1e-12)  # ratio 1 at theta_old


def test_trpo_step_accepted_at_full_length_sits_on_the_boundary(nb):
    """A tiny trust region makes the quadratic model exact enough that the full step is accepted:
    then 1/2 s^T H s = max_kl for the step trpo_step actually took."""
    cfg, _, theta, problem, _ = fixed_problem(nb, max_kl=1e-7, cg_damping=1e-3, curvature="exact")
    new, info = nb.trpo_step(problem, theta, cfg)
    assert info["ls_step"] == 0
    th = {k: v.clone().requires_grad_(True) for k, v in theta.items()}
    H = nb.curvature_product(problem, th, cfg)
    s = nb.flat(new.values()) - nb.flat(theta.values())
    assert float(0.5 * s @ H(s)) == pytest.approx(cfg.max_kl, rel=1e-6)
    assert info["kl"] == pytest.approx(cfg.max_kl, rel=0.2)  # the true KL agrees to second order


def test_sampler_stores_unclipped_actions_and_env_gets_clipped_scaled_ones(nb):
    """Replay with gymnasium's own envs: the stored action is mu + sigma * eps from the generator;
    the env received clip(a, -s, s) / s; rewards are d * v_x - c |clip(a)/s|^2."""
    cfg = nb.make_config("smoke", hidden_sizes=(8,), init_log_std=1.5, action_scale=2.0)
    policy = nb.make_policy(cfg)
    theta = nb.detached_params(policy)
    K, N, T, seed = 2, 2, 6, 5
    directions = np.repeat([1.0, -1.0], N)
    env = support.BatchedHalfCheetah(directions, T, 0.05, 1)
    batch = nb.sample_batch(env, policy, theta, K, T, cfg.action_scale, seed, torch.Generator().manual_seed(9))
    env.close()
    s = cfg.action_scale
    assert batch.actions.abs().max() > s  # a large std puts stored actions outside the clip range
    refs = [gym.make("HalfCheetah-v5", ctrl_cost_weight=0.05) for _ in range(K * N)]
    obs = np.stack([e.reset(seed=seed + i)[0] for i, e in enumerate(refs)])
    g = torch.Generator().manual_seed(9)
    for t in range(T):
        np.testing.assert_allclose(batch.obs[t].reshape(K * N, -1).numpy(), obs, rtol=1e-5, atol=1e-5)
        with torch.no_grad():
            d = nb.policy_dist(policy, theta, torch.as_tensor(obs, dtype=torch.float32).view(K, N, -1))
            a = (d.base_dist.loc + d.base_dist.scale * torch.randn(d.base_dist.loc.shape, generator=g))
        torch.testing.assert_close(batch.actions[t], a)
        sent = np.clip(a.reshape(K * N, -1).numpy().astype(np.float64), -s, s) / s
        steps = [e.step(sent[i]) for i, e in enumerate(refs)]
        obs = np.stack([st[0] for st in steps])
        rew = [directions[i] * st[4]["x_velocity"] - 0.05 * np.sum(sent[i] ** 2) for i, st in enumerate(steps)]
        np.testing.assert_allclose(batch.rewards[t].reshape(-1).numpy(), rew, rtol=1e-5, atol=1e-4)


def test_failed_checkpoint_write_leaves_the_old_file_byte_identical(nb, tmp_path, monkeypatch):
    cfg = nb.make_config("smoke")
    policy = nb.make_policy(cfg)
    path = tmp_path / "checkpoint.pt"
    support.save_checkpoint(path, nb.detached_params(policy), 2, [{"a": 1}], cfg)
    before = path.read_bytes()

    def half_write(state, f):
        f.write(b"PK\x03\x04 partial bytes of a zip")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(nb.torch, "save", half_write)
    moved = {k: v + 1 for k, v in nb.detached_params(policy).items()}
    with pytest.raises(OSError, match="disk full"):
        support.save_checkpoint(path, moved, 3, [{"a": 2}], cfg)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt"]  # no temporary file left
    monkeypatch.undo()
    assert support.load_checkpoint(path)["iteration"] == 2


def test_evaluation_steps_use_their_own_step_sizes(nb):
    """evaluate_adaptation's j-th step is a VPG step of size lrs[j] on the j-th fresh batch, checked
    step by step against a per-run loop (each step from the evaluation's own previous parameters,
    since chaotic dynamics turn float rounding into different trajectories)."""
    cfg = nb.make_config("smoke", hidden_sizes=(8,))
    policy = nb.make_policy(cfg)
    theta = nb.detached_params(policy)
    lrs = (0.3, 0.07)
    _, p1 = nb.evaluate_adaptation(policy, theta, cfg, -1.0, n_runs=2, lrs=lrs[:1], seed=4)
    _, p2 = nb.evaluate_adaptation(policy, theta, cfg, -1.0, n_runs=2, lrs=lrs, seed=4)
    env = support.BatchedHalfCheetah(np.full(2 * cfg.traj_per_task, -1.0), cfg.horizon, cfg.ctrl_cost_weight, 1)
    for j, (before, after) in enumerate(((theta, p1), (p1, p2))):
        _, g, s = nb.rng_streams(4, 10_000 + j, "eval")
        batch = nb.sample_batch(env, policy, before, 2, cfg.horizon, cfg.action_scale, s, g)
        expected = vpg_step_by_hand(nb, policy, before, batch, nb.batch_advantages(batch, cfg), lrs[j])
        for n in theta:
            torch.testing.assert_close(after[n], expected[n], rtol=1e-5, atol=1e-6)
    env.close()


def test_every_iteration_and_stream_draws_its_own_numbers(nb):
    draws = {(it, s): nb.rng_streams(3, it, s)[0].random() for it in (0, 1, 2) for s in nb.STREAMS}
    assert len(set(draws.values())) == len(draws)
    assert nb.rng_streams(3, 1, "tasks")[0].random() == draws[(1, "tasks")]  # and reproducibly so


def test_meta_iteration_replayed_step_by_step(nb):
    """The loop body against a replay from the notebook's parts: the pre-update batch is sampled
    with theta, the post-update batch with theta'_k = theta - alpha grad L_k, each from its own
    stream, the metrics split the returns by direction, and the update is trpo_step's."""
    cfg = nb.make_config("smoke", seed=2, meta_batch_size=4, traj_per_task=2, horizon=15, num_threads=1,
                         meta_iterations=10)
    policy = nb.make_policy(cfg)
    theta = nb.detached_params(policy)
    K, N, T = cfg.meta_batch_size, cfg.traj_per_task, cfg.horizon
    env = support.BatchedHalfCheetah(np.ones(K * N), T, cfg.ctrl_cost_weight, 1)
    new, r = nb.meta_iteration(cfg, policy, theta, 5, env, lambda name, x: x)
    directions = nb.sample_tasks(cfg, nb.rng_streams(cfg.seed, 5, "tasks")[0], K)
    np.testing.assert_array_equal(r.tasks, directions)
    np.testing.assert_array_equal(env.tasks, np.repeat(directions, N))
    pre = nb.sample_batch(env, policy, theta, K, T, cfg.action_scale, *nb.stream_seeds(cfg, 5, "pre"))
    torch.testing.assert_close(r.pre.actions, pre.actions, rtol=0, atol=0)
    # theta'_k against the step by hand, then the post batch against a replay with the loop's own theta'_k:
    # the two steps differ by float rounding (~1e-8), which 15 chaotic steps grow to ~3e-4 in the rewards,
    # by an amount that depends on torch's thread count; so the replay uses the loop's parameters, exactly
    adapted = r.problem.old_params
    by_hand = vpg_step_by_hand(nb, policy, theta, pre, nb.batch_advantages(pre, cfg), cfg.inner_lr)
    for n in theta:
        torch.testing.assert_close(adapted[n], by_hand[n], rtol=1e-5, atol=1e-6)
    post = nb.sample_batch(env, policy, adapted, K, T, cfg.action_scale, *nb.stream_seeds(cfg, 5, "post"))
    torch.testing.assert_close(r.post.rewards, post.rewards, rtol=0, atol=0)
    problem = nb.MetaProblem(policy, cfg, [(r.pre, nb.batch_advantages(r.pre, cfg))], r.post,
                             nb.batch_advantages(r.post, cfg), theta)  # the loop's own batches
    expected, _ = nb.trpo_step(problem, theta, cfg)
    for n in theta:
        torch.testing.assert_close(new[n], expected[n], rtol=1e-4, atol=1e-5)
    m = support.iteration_metrics(cfg, 5, r)
    assert m["trpo/max_kl"] == cfg.max_kl
    back = directions == -1.0
    assert m["returns/post_backward"] == pytest.approx(float(post.returns[torch.as_tensor(back)].mean()), rel=1e-4)
    assert m["returns/pre_forward"] == pytest.approx(float(pre.returns[torch.as_tensor(~back)].mean()), rel=1e-4)
    assert m["progress/env_steps"] == 2 * K * N * T
    env.close()


@pytest.mark.parametrize("K", [4, 7, 10])
def test_balanced_tasks_stratify_without_bias(nb, K):
    """balanced_tasks: every meta-batch holds floor(K/2) or ceil(K/2) of each direction, and each slot
    is still forward or backward with probability 1/2 (counted over 4000 batches: a fixed order or a
    skewed remainder would show); i.i.d. draws instead give one-direction batches at their rate 2^(1-K)."""
    rng = np.random.default_rng(0)
    bal = nb.make_config("smoke", balanced_tasks=True)
    draws = np.stack([nb.sample_tasks(bal, rng, K) for _ in range(4000)])
    counts = (draws == 1.0).sum(axis=1)
    assert set(np.unique(draws)) == {1.0, -1.0}
    assert counts.min() >= K // 2 and counts.max() <= (K + 1) // 2
    np.testing.assert_allclose((draws == 1.0).mean(axis=0), 0.5, atol=0.035)
    iid = np.stack([nb.sample_tasks(nb.make_config("smoke"), rng, 4) for _ in range(4000)])
    one_sided = np.mean(np.abs(iid.sum(axis=1)) == 4)
    assert one_sided == pytest.approx(1 / 8, abs=0.02)
    single = nb.make_config("smoke", task_family="backward", balanced_tasks=True)
    np.testing.assert_array_equal(nb.sample_tasks(single, rng, K), -np.ones(K))
