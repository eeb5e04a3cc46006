"""Inner step, meta-gradient against finite differences, conjugate gradient and line search."""
import hw14_support as support  # the machinery beside the notebook (conftest puts Notebooks/ on sys.path)
import dataclasses
import math

import numpy as np
import pytest
import torch
from helpers import fixed_problem as _fixed_problem, vpg_step_by_hand


def test_inner_step_equals_theta_minus_alpha_grad(nb):
    cfg, policy, theta, _, (pre, adv) = _fixed_problem(nb)
    adapted = nb.adapt(policy, theta, pre, adv, lr=0.3, first_order=True)
    expected = vpg_step_by_hand(nb, policy, theta, pre, adv, 0.3)
    for n in theta:
        torch.testing.assert_close(adapted[n], expected[n])


def _meta_grad(nb, problem, theta):
    th = {k: v.clone().requires_grad_(True) for k, v in theta.items()}
    loss, _ = problem.loss_and_kl(th)
    return nb.flat(torch.autograd.grad(loss, list(th.values())))


def _fd_directional(nb, problem, theta, u, eps=1e-5):
    base = nb.flat(theta.values())
    f = lambda x: float(problem.loss_and_kl(nb.unflat(x, theta), create_graph=False)[0].detach())
    return (f(base + eps * u) - f(base - eps * u)) / (2 * eps)


def test_meta_gradient_matches_finite_differences(nb):
    _, _, theta, problem, _ = _fixed_problem(nb)
    g = _meta_grad(nb, problem, theta)
    assert g.norm() > 1e-3
    gen = torch.Generator().manual_seed(1)
    for _ in range(4):
        u = torch.randn(g.shape, generator=gen, dtype=g.dtype)
        u /= u.norm()
        fd = _fd_directional(nb, problem, theta, u)
        assert float(g @ u) == pytest.approx(fd, rel=1e-5, abs=1e-9)


def test_first_order_meta_gradient_misses_the_second_order_term(nb):
    _, _, theta, problem, _ = _fixed_problem(nb)
    _, _, _, fo_problem, _ = _fixed_problem(nb, first_order=True)
    g2, g1 = _meta_grad(nb, problem, theta), _meta_grad(nb, fo_problem, theta)
    gen = torch.Generator().manual_seed(2)
    u = torch.randn(g2.shape, generator=gen, dtype=g2.dtype)
    u /= u.norm()
    fd = _fd_directional(nb, problem, theta, u)
    assert float(g2 @ u) == pytest.approx(fd, rel=1e-5, abs=1e-9)
    assert abs(float(g1 @ u) - fd) > 1e-3 * abs(fd) + 1e-6
    assert (g2 - g1).norm() > 1e-2 * g2.norm()


def test_kl_is_zero_at_old_parameters_and_positive_elsewhere(nb):
    _, _, theta, problem, _ = _fixed_problem(nb)
    _, kl0 = problem.loss_and_kl(theta, create_graph=False)
    moved = {k: v + 0.05 for k, v in theta.items()}
    _, kl1 = problem.loss_and_kl(moved, create_graph=False)
    assert abs(float(kl0)) < 1e-12 and float(kl1) > 1e-6


def test_conjugate_gradient_solves_spd_system(nb):
    gen = torch.Generator().manual_seed(0)
    M = torch.randn(20, 20, generator=gen, dtype=torch.float64)
    A = M @ M.T + 0.5 * torch.eye(20, dtype=torch.float64)
    b = torch.randn(20, generator=gen, dtype=torch.float64)
    x = nb.conjugate_gradient(lambda v: A @ v, b, iters=60, tol=1e-20)
    torch.testing.assert_close(A @ x, b, atol=1e-8, rtol=1e-8)


def test_line_search_restores_parameters_when_no_step_qualifies(nb):
    params = {"w": torch.tensor([1.0, 2.0]), "b": torch.tensor([0.5])}
    before = {k: v.clone() for k, v in params.items()}
    tried = []

    def evaluate(cand):
        tried.append(float(cand["w"][0]))
        return 1.0, 0.0  # never better than loss_old = 0.5

    new, j, loss, kl = nb.line_search(params, torch.ones(3), evaluate, 0.5, 0.01, 5, 0.5)
    assert j is None and loss == 0.5
    assert len(tried) == 5 and tried[0] == 2.0 and tried[-1] == 1.0 + 0.5 ** 4
    for k in params:
        assert torch.equal(new[k], before[k]) and torch.equal(params[k], before[k])


def test_line_search_takes_first_step_within_kl_that_improves(nb):
    params = {"w": torch.zeros(2)}
    # loss improves for every step, KL too big for the first two
    evaluate = lambda cand: (-1.0, float(cand["w"].abs().sum()))
    new, j, loss, kl = nb.line_search(params, torch.tensor([1.0, 1.0]), evaluate, 0.0, 0.5, 10, 0.5)
    assert j == 2 and torch.allclose(new["w"], torch.tensor([0.25, 0.25]))


def test_trpo_step_improves_surrogate_within_trust_region(nb):
    cfg, _, theta, problem, _ = _fixed_problem(nb)
    new, info = nb.trpo_step(problem, theta, cfg)
    assert info["ls_step"] >= 0
    assert info["loss_after"] < info["loss_before"]
    assert 0 < info["kl"] <= cfg.max_kl * (1 + 1e-9)
    loss, kl = problem.loss_and_kl(new, create_graph=False)
    assert float(loss) == pytest.approx(info["loss_after"]) and float(kl) <= cfg.max_kl
    assert math.isfinite(info["grad_norm"])


def test_lvc_inner_step_equals_vpg_inner_step(nb):
    cfg, policy, theta, _, (pre, adv) = _fixed_problem(nb)
    for first_order in (True, False):
        th = {k: v.clone().requires_grad_(not first_order) for k, v in theta.items()}
        a = nb.adapt(policy, th, pre, adv, 0.3, first_order=first_order, objective="vpg")
        b = nb.adapt(policy, th, pre, adv, 0.3, first_order=first_order, objective="lvc")
        for k in a:
            torch.testing.assert_close(a[k], b[k], rtol=1e-12, atol=1e-12)


def test_lvc_meta_gradient_adds_the_sampling_term(nb):
    """g_lvc - g_vpg = alpha * sum_k mean_i A_i (s_i . g'_k) s_i, s_i = grad log pi(a_i|s_i) at theta."""
    cfg, policy, theta, vpg_problem, (pre, adv) = _fixed_problem(nb, inner_objective="vpg")
    _, _, _, lvc_problem, _ = _fixed_problem(nb, inner_objective="lvc")
    g_vpg, g_lvc = _meta_grad(nb, vpg_problem, theta), _meta_grad(nb, lvc_problem, theta)
    # g'_k: gradient of the outer loss in the adapted parameters (the same for both objectives)
    adapted = {k: v.detach().requires_grad_(True) for k, v in vpg_problem.adapted(theta, create_graph=False).items()}
    d = nb.policy_dist(policy, adapted, vpg_problem.obs)
    outer = -(torch.exp(d.log_prob(vpg_problem.act) - vpg_problem.old_logp) * vpg_problem.adv).mean()
    g_adapted = torch.autograd.grad(outer, list(adapted.values()))
    obs, act = nb.per_task_view(pre)
    T, K, N = pre.rewards.shape
    expected = torch.zeros_like(g_vpg)
    for k in range(K):
        gk = nb.flat(g[k] for g in g_adapted)
        a_k = adv[:, k].reshape(-1)
        for i in range(T * N):  # per-sample scores by a plain loop
            params = {n: v.clone().requires_grad_(True) for n, v in theta.items()}
            logp = nb.policy_dist(policy, params, obs[k, i]).log_prob(act[k, i])
            s_i = nb.flat(torch.autograd.grad(logp, list(params.values())))
            expected += cfg.inner_lr * a_k[i] * (s_i @ gk) * s_i / (T * N)
    assert expected.norm() > 1e-3 * g_vpg.norm()
    torch.testing.assert_close(g_lvc - g_vpg, expected, rtol=1e-8, atol=1e-10)


def _promp_inputs(nb, problem, theta):
    pre_obs = nb.per_task_view(problem.pre[0][0])[0]
    with torch.no_grad():
        old_pre = nb.policy_dist(problem.policy, theta, pre_obs)
    return old_pre, pre_obs


def test_promp_loss_at_old_parameters_has_the_trpo_surrogate_gradient(nb):
    cfg, _, theta, problem, _ = _fixed_problem(nb, inner_objective="lvc", outer="promp")
    old_pre, pre_obs = _promp_inputs(nb, problem, theta)
    th = {k: v.clone().requires_grad_(True) for k, v in theta.items()}
    loss, kl_pre = nb.promp_loss(problem, th, old_pre, pre_obs, cfg)
    assert float(kl_pre.detach()) == pytest.approx(0.0, abs=1e-12)
    assert float(loss.detach()) == pytest.approx(float(-problem.adv.mean()), abs=1e-12)
    g = nb.flat(torch.autograd.grad(loss, list(th.values())))
    torch.testing.assert_close(g, _meta_grad(nb, problem, theta), rtol=1e-9, atol=1e-12)


def test_promp_loss_clips_the_ratio_and_penalises_the_pre_update_kl(nb):
    """Against a hand computation: -mean(min(r A, clip(r) A)) + eta * KL, r from the adapted policies."""
    cfg, policy, theta, problem, _ = _fixed_problem(nb, inner_objective="lvc", outer="promp", promp_clip=0.1,
                                                    promp_kl_coef=0.7)
    old_pre, pre_obs = _promp_inputs(nb, problem, theta)
    moved = {k: (v + 0.08 * torch.randn(v.shape, generator=torch.Generator().manual_seed(3), dtype=v.dtype))
             .requires_grad_(True) for k, v in theta.items()}
    loss, kl_pre = nb.promp_loss(problem, moved, old_pre, pre_obs, cfg)
    d = nb.policy_dist(policy, problem.adapted(moved, create_graph=False), problem.obs)
    r = torch.exp(d.log_prob(problem.act) - problem.old_logp).detach().numpy().ravel()
    a = problem.adv.numpy().ravel()
    assert (abs(r - 1) > 0.1).any()  # some ratios leave the clip range
    surrogate = -np.mean([min(ri * ai, min(max(ri, 0.9), 1.1) * ai) for ri, ai in zip(r, a)])
    new_pre = nb.policy_dist(policy, {k: v.detach() for k, v in moved.items()}, pre_obs).base_dist
    kl = ((torch.log(new_pre.scale / old_pre.base_dist.scale)
           + (old_pre.base_dist.scale ** 2 + (old_pre.base_dist.loc - new_pre.loc) ** 2) / (2 * new_pre.scale ** 2)
           - 0.5).sum(-1).mean())
    assert float(kl_pre.detach()) == pytest.approx(float(kl), rel=1e-9)
    assert float(loss.detach()) == pytest.approx(surrogate + 0.7 * float(kl), rel=1e-9)


def test_promp_first_adam_step_moves_each_parameter_by_lr_against_its_gradient_sign(nb):
    """Adam's first step is lr * g / (|g| + eps): a step of lr against the sign of every gradient entry."""
    cfg, _, theta, problem, _ = _fixed_problem(nb, inner_objective="lvc", outer="promp", promp_steps=1,
                                               promp_lr=1e-3)
    new, info, adam = nb.meta_update(problem, theta, cfg, outer_state={})
    g = _meta_grad(nb, problem, theta)
    step = nb.flat(new.values()) - nb.flat(theta.values())
    big = g.abs() > 1e-5
    torch.testing.assert_close(step[big], -1e-3 * torch.sign(g[big]), rtol=1e-3, atol=1e-9)
    assert info["loss_before"] == pytest.approx(float(-problem.adv.mean()), abs=1e-12)


def _promp_grad(nb, problem, theta, cfg):
    """The gradient of the ProMP loss at theta, its KL penalty anchored at theta (as promp_step anchors it)."""
    old_pre, pre_obs = _promp_inputs(nb, problem, theta)
    th = {k: v.clone().requires_grad_(True) for k, v in theta.items()}
    loss, _ = nb.promp_loss(problem, th, old_pre, pre_obs, cfg)
    return nb.flat(torch.autograd.grad(loss, list(th.values())))


def test_promp_carries_adams_moments_across_meta_iterations(nb):
    """Two meta-updates of one Adam step each, the state of the first passed to the second, against Adam
    written out by hand: m_t = b1 m + (1 - b1) g, v_t = b2 v + (1 - b2) g^2, step lr * m_t / (1 - b1^t) /
    (sqrt(v_t / (1 - b2^t)) + eps) with t = 2 at the second update. With promp_reset_adam the second update is a
    fresh Adam's first step, lr * sign(g), and no state is returned."""
    cfg, _, theta0, problem, _ = _fixed_problem(nb, inner_objective="lvc", outer="promp", promp_steps=1,
                                                promp_lr=1e-3)
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
    theta1, _, adam = nb.meta_update(problem, theta0, cfg, outer_state={})
    theta2, _, adam2 = nb.meta_update(problem, theta1, cfg, outer_state=adam)
    g1, g2 = _promp_grad(nb, problem, theta0, cfg), _promp_grad(nb, problem, theta1, cfg)
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1 ** 2
    m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2 ** 2
    step = lr * (m2 / (1 - b1 ** 2)) / ((v2 / (1 - b2 ** 2)).sqrt() + eps)
    got = nb.flat(theta2.values()) - nb.flat(theta1.values())
    torch.testing.assert_close(got, -step, rtol=1e-4, atol=1e-9)
    assert not torch.allclose(step, lr * torch.sign(g2), rtol=0.05)  # the carried moments matter here
    assert int(adam2["state"][0]["step"]) == 2 and int(adam["state"][0]["step"]) == 1  # adam not modified
    fresh = dataclasses.replace(cfg, promp_reset_adam=True)
    theta2f, _, empty = nb.meta_update(problem, theta1, fresh, outer_state=adam)
    big = g2.abs() > 1e-5
    torch.testing.assert_close((nb.flat(theta2f.values()) - nb.flat(theta1.values()))[big], -lr * torch.sign(g2[big]),
                               rtol=1e-3, atol=1e-9)
    assert empty == {}  # with promp_reset_adam nothing is carried


def test_promp_adam_state_travels_through_training_and_the_checkpoint(nb, tmp_path, monkeypatch):
    """Through the code a training run calls (train -> meta_iteration -> meta_update -> promp_step): a spy on
    promp_loss records each Adam step's gradient at the parameters it sees; the checkpoints after iterations
    1 and 2 must hold theta moved by Adam written out by hand with the moments carried from iteration 1 to 2
    (t = 2 at the second step), and the last checkpoint Adam's state with step count 2 and those moments."""
    grads = []
    real = nb.promp_loss

    def spy(problem, theta, old_pre, pre_obs, cfg):
        loss, kl = real(problem, theta, old_pre, pre_obs, cfg)
        g = torch.autograd.grad(loss, list(theta.values()), retain_graph=True)
        grads.append((nb.flat([v.detach().clone() for v in theta.values()]), nb.flat(g)))
        return loss, kl
    monkeypatch.setitem(nb.__dict__, "promp_loss", spy)
    cfg = nb.make_config("smoke", outer="promp", promp_steps=1, promp_lr=1e-3, inner_objective="lvc",
                         meta_iterations=2, checkpoint_every=1, keep_every=1, horizon=15, num_threads=1)
    nb.train(cfg, tmp_path, progress=False)
    assert len(grads) == 2
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
    theta = [nb.flat(support.load_checkpoint(tmp_path / f"checkpoint_iter{i}.pt")["params"].values()) for i in (1, 2)]
    (t0, g1), (t1, g2) = grads
    torch.testing.assert_close(t1, theta[0])  # the second iteration starts where the first checkpoint stands
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1 ** 2
    torch.testing.assert_close(theta[0] - t0, -lr * (m1 / (1 - b1)) / ((v1 / (1 - b2)).sqrt() + eps), rtol=1e-3, atol=1e-7)
    m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2 ** 2
    torch.testing.assert_close(theta[1] - theta[0], -lr * (m2 / (1 - b1 ** 2)) / ((v2 / (1 - b2 ** 2)).sqrt() + eps),
                               rtol=1e-3, atol=1e-7)
    state = support.load_checkpoint(tmp_path / "checkpoint.pt")["outer_state"]["state"]
    assert all(int(s["step"]) == 2 for s in state.values())
    torch.testing.assert_close(torch.cat([state[i]["exp_avg"].reshape(-1) for i in sorted(state)]), m2, rtol=1e-4, atol=1e-9)
    torch.testing.assert_close(torch.cat([state[i]["exp_avg_sq"].reshape(-1) for i in sorted(state)]), v2, rtol=1e-4, atol=1e-12)
