"""Learned inner step sizes (Meta-SGD): theta'_k = theta - alpha * s * grad L_k, s meta-learned.

References: the inner gradient by a per-task autograd loop, finite differences of the surrogate,
the chain rule dL/ds = -alpha * sum_k dL/dtheta'_k * g_k, and the exact KL Hessian built from
autograd.functional.jacobian of the inner step in (theta, s).
"""
import numpy as np
import pytest
import torch

from helpers import fisher_of_task, fixed_problem

ALPHA = 0.5  # fixed_problem's inner_lr


def learned_problem(nb, **overrides):
    """fixed_problem with learned factors, moved off their initial 1 so that s enters every product."""
    cfg, policy, theta, problem, pre = fixed_problem(nb, learn_step_sizes=True, curvature="jacobian",
                                                     hidden_sizes=(4, 4), **overrides)
    g = torch.Generator().manual_seed(7)
    theta = {k: v * (0.5 + torch.rand(v.shape, generator=g, dtype=v.dtype)) if k.startswith(nb.SCALE_PREFIX) else v
             for k, v in theta.items()}
    problem = nb.MetaProblem(policy, cfg, problem.pre, problem.post, problem.post_adv, theta)
    return cfg, policy, theta, problem, pre


def grads_by_hand(nb, policy, params, batch, advantages):
    """grad L_k at shared params, one task at a time with its own autograd call: {name: (K, ...)}."""
    obs, act = nb.per_task_view(batch)
    a = advantages.permute(1, 0, 2).reshape(obs.shape[0], -1)
    out = {}
    for k in range(obs.shape[0]):
        p = {n: v.clone().requires_grad_(True) for n, v in params.items()}
        loss = -(nb.policy_dist(policy, p, obs[k]).log_prob(act[k]) * a[k]).mean()
        for n, gr in zip(p, torch.autograd.grad(loss, list(p.values()))):
            out.setdefault(n, []).append(gr)
    return {n: torch.stack(v) for n, v in out.items()}


def test_the_factors_are_one_per_weight_start_at_one_and_leave_the_network_as_it_was(nb):
    plain = nb.make_policy(nb.make_config("smoke", seed=4))
    learned = nb.make_policy(nb.make_config("smoke", seed=4, learn_step_sizes=True))
    theta, theta_l = nb.detached_params(plain), nb.detached_params(learned)
    assert nb.network_params(theta_l).keys() == theta.keys()
    for n, v in theta.items():
        torch.testing.assert_close(theta_l[n], v, rtol=0, atol=0)
        torch.testing.assert_close(theta_l[nb.scale_key(n)], torch.ones_like(v), rtol=0, atol=0)
    assert len(theta_l) == 2 * len(theta)
    obs = torch.randn(5, 17)
    torch.testing.assert_close(nb.policy_dist(learned, theta_l, obs).mean, nb.policy_dist(plain, theta, obs).mean)


def test_inner_step_with_factors_is_theta_minus_lr_s_grad(nb):
    _, policy, theta, _, (pre, adv) = learned_problem(nb)
    net = nb.network_params(theta)
    adapted = nb.adapt(policy, theta, pre, adv, nb.inner_step_sizes(theta, 0.3), first_order=True)
    g = grads_by_hand(nb, policy, net, pre, adv)
    assert adapted.keys() == net.keys()
    for n, v in net.items():
        torch.testing.assert_close(adapted[n], v - 0.3 * theta[nb.scale_key(n)] * g[n])
    with pytest.raises(ValueError, match="inner_step_sizes"):
        nb.adapt(policy, theta, pre, adv, 0.3, first_order=True)   # a plain number would drop s


def test_meta_gradient_in_the_factors_is_the_chain_rule_and_matches_finite_differences(nb):
    cfg, policy, theta, problem, (pre, adv) = learned_problem(nb)
    th = {k: v.clone().requires_grad_(True) for k, v in theta.items()}
    loss, _ = problem.loss_and_kl(th)
    grad = dict(zip(th, torch.autograd.grad(loss, list(th.values()))))
    # chain rule through theta'_k = theta - alpha s g_k: dL/ds = -alpha sum_k dL/dtheta'_k * g_k
    adapted = {k: v.detach().requires_grad_(True) for k, v in problem.adapted(theta, create_graph=False).items()}
    d = nb.policy_dist(policy, adapted, problem.obs)
    outer = -(torch.exp(d.log_prob(problem.act) - problem.old_logp) * problem.adv).mean()
    d_adapted = dict(zip(adapted, torch.autograd.grad(outer, list(adapted.values()))))
    g = grads_by_hand(nb, policy, nb.network_params(theta), pre, adv)
    for n in g:
        expected = -ALPHA * (d_adapted[n] * g[n]).sum(0)
        assert expected.abs().max() > 1e-6
        torch.testing.assert_close(grad[nb.scale_key(n)], expected, rtol=1e-8, atol=1e-12)
    # finite differences along random directions of (theta, s), and of s alone
    flat_g, base = nb.flat(grad.values()), nb.flat(theta.values())
    f = lambda x: float(problem.loss_and_kl(nb.unflat(x, theta), create_graph=False)[0])
    gen = torch.Generator().manual_seed(3)
    is_scale = nb.flat(torch.full_like(v, float(k.startswith(nb.SCALE_PREFIX))) for k, v in theta.items())
    for mask in (torch.ones_like(base), is_scale):
        u = torch.randn(base.shape, generator=gen, dtype=base.dtype) * mask
        u /= u.norm()
        fd = (f(base + 1e-5 * u) - f(base - 1e-5 * u)) / 2e-5
        assert float(flat_g @ u) == pytest.approx(fd, rel=1e-5, abs=1e-9)


def test_jacobian_product_with_factors_equals_the_exact_kl_hessian(nb):
    """(1/K) sum_k J_k^T F_k J_k with J_k = d theta'_k / d(theta, s) from autograd, the double-backward
    product and the notebook's closed-form product agree on (theta, s)."""
    _, _, theta, problem, _ = learned_problem(nb)
    names = list(nb.network_params(theta))
    K = problem.obs.shape[0]

    def adapted_k(x, k):
        out = problem.adapted(nb.unflat(x, theta), create_graph=True)
        return nb.flat(out[n][k] for n in names)
    x0 = nb.flat(theta.values())
    Js = [torch.autograd.functional.jacobian(lambda x: adapted_k(x, k), x0) for k in range(K)]
    assert Js[0].shape == (x0.numel() // 2, x0.numel())
    H = sum(J.T @ fisher_of_task(nb, problem, k) @ J for k, J in enumerate(Js)) / K
    th = {n: v.clone().requires_grad_(True) for n, v in theta.items()}
    exact = nb.exact_kl_hvp(problem, th, damping=0.0)
    fast = nb.jacobian_fisher_vp(problem, theta, stride=1, damping=0.0)
    for seed in range(3):
        v = torch.randn(x0.shape, generator=torch.Generator().manual_seed(seed), dtype=x0.dtype)
        torch.testing.assert_close(fast(v), H @ v, rtol=1e-8, atol=1e-10)
        torch.testing.assert_close(exact(v), H @ v, rtol=1e-8, atol=1e-10)
    assert (H[len(names):, :].abs().max()) > 1e-6 and not torch.allclose(Js[0][:, :x0.numel() // 2].T,
                                                                        Js[0][:, :x0.numel() // 2])


def test_trpo_step_moves_the_factors_within_the_trust_region(nb):
    cfg, _, theta, problem, _ = learned_problem(nb)
    new, info = nb.trpo_step(problem, theta, cfg, max_kl=1e-3)
    assert info["ls_step"] >= 0 and info["surrogate_improvement"] > 0 and info["kl"] <= 1e-3
    moved = [float((new[k] - v).abs().max()) for k, v in theta.items() if k.startswith(nb.SCALE_PREFIX)]
    assert max(moved) > 1e-6


def test_evaluation_scales_each_stated_step_size_by_the_factors(nb, tmp_path):
    """Factors of 2 everywhere with eval step 0.1 adapt exactly as the plain policy does with 0.2;
    and the factors survive a checkpoint."""
    cfg_l = nb.make_config("smoke", learn_step_sizes=True, num_threads=1, eval_batches=2)
    cfg_p = nb.make_config("smoke", num_threads=1, eval_batches=2)
    policy_l, policy_p = nb.make_policy(cfg_l), nb.make_policy(cfg_p)
    theta_p = nb.detached_params(policy_p)
    theta_l = {k: (2 * v if k.startswith(nb.SCALE_PREFIX) else v) for k, v in nb.detached_params(policy_l).items()}
    nb.save_checkpoint(tmp_path / "c.pt", theta_l, 1, [], cfg_l)
    _, loaded, cfg_loaded = nb.load_policy(tmp_path / "c.pt")
    assert cfg_loaded.learn_step_sizes and loaded.keys() == theta_l.keys()
    for k in theta_l:
        torch.testing.assert_close(loaded[k], theta_l[k], rtol=0, atol=0)
    r_l, p_l = nb.evaluate_adaptation(policy_l, loaded, cfg_l, lrs=(0.1,))
    r_p, p_p = nb.evaluate_adaptation(policy_p, theta_p, cfg_p, lrs=(0.2,))
    np.testing.assert_allclose(r_l, r_p, rtol=1e-4)
    for k in p_p:
        torch.testing.assert_close(p_l[k], p_p[k])


@pytest.mark.parametrize("bad", [dict(first_order=True), dict(inner_steps=0), dict(outer="promp"),
                                 dict(curvature="fisher")])
def test_learned_step_sizes_refuse_the_updates_that_cannot_learn_them(nb, bad):
    with pytest.raises(nb.ConfigError, match="learn_step_sizes"):
        nb.make_config("smoke", **{"learn_step_sizes": True, "curvature": "jacobian", **bad})
