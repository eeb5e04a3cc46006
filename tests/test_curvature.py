"""The curvature products of the TRPO meta-update against independent references.

References: the Hessian of torch.distributions' Gaussian KL (autograd.functional.hessian) for the
Fisher matrices F_k, and the Jacobian J_k of the inner step (autograd.functional.jacobian), so that
the exact KL Hessian must equal (1/K) sum_k J_k^T F_k J_k and the Fisher product (1/K) sum_k F_k.
"""
import pytest
import torch
from torch.distributions import Independent, Normal, kl_divergence

from helpers import fixed_problem


def _fisher_of_task(nb, problem, k, stride=1):
    """F_k: Hessian in theta'_k of the mean KL(pi_old || pi_theta'_k) over task k's states, at theta'_k."""
    p = {n: v[k] for n, v in problem.old_params.items()}
    obs = problem.obs[k, ::stride]
    shapes = {n: v for n, v in p.items()}
    x0 = nb.flat(p.values())

    def mean_kl(x):
        d = nb.policy_dist(problem.policy, nb.unflat(x, shapes), obs)
        old = Independent(Normal(d.base_dist.loc.detach() * 0 + problem.old_loc[k, ::stride],
                                 problem.old_scale[k, ::stride]), 1)
        return kl_divergence(old, d).mean()

    return torch.autograd.functional.hessian(mean_kl, x0)


def _jacobian_of_inner_step(nb, problem, theta, k):
    """J_k = d theta'_k / d theta (P x P)."""
    def f(x):
        return nb.flat(problem.adapted(nb.unflat(x, theta), create_graph=True)[n][k] for n in theta)
    return torch.autograd.functional.jacobian(f, nb.flat(theta.values()))


def _random_vector(theta, seed):
    n = sum(v.numel() for v in theta.values())
    return torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_fisher_product_equals_mean_of_gaussian_kl_hessians(nb):
    _, _, theta, problem, _ = fixed_problem(nb, hidden_sizes=(4, 4))
    K = problem.obs.shape[0]
    F = sum(_fisher_of_task(nb, problem, k) for k in range(K)) / K
    fvp = nb.fisher_vp(problem, stride=1, damping=0.0)
    for seed in range(3):
        v = _random_vector(theta, seed)
        torch.testing.assert_close(fvp(v), F @ v, rtol=1e-10, atol=1e-12)


def test_fisher_product_with_stride_uses_every_sth_state(nb):
    _, _, theta, problem, _ = fixed_problem(nb, T=9, hidden_sizes=(4, 4))
    K = problem.obs.shape[0]
    F3 = sum(_fisher_of_task(nb, problem, k, stride=3) for k in range(K)) / K
    v = _random_vector(theta, 0)
    torch.testing.assert_close(nb.fisher_vp(problem, stride=3, damping=0.0)(v), F3 @ v, rtol=1e-10, atol=1e-12)
    F1 = sum(_fisher_of_task(nb, problem, k) for k in range(K)) / K
    assert (F1 @ v - F3 @ v).norm() > 1e-3 * (F1 @ v).norm()  # the stride does change the product


def test_exact_hvp_is_gauss_newton_through_the_inner_step(nb):
    """H = (1/K) sum_k J_k^T F_k J_k: the KL Hessian through adaptation, with J_k by autograd."""
    _, _, theta, problem, _ = fixed_problem(nb, hidden_sizes=(4, 4))  # 128 parameters keep J_k cheap
    K = problem.obs.shape[0]
    Js = [_jacobian_of_inner_step(nb, problem, theta, k) for k in range(K)]
    H = sum(J.T @ _fisher_of_task(nb, problem, k) @ J for k, J in enumerate(Js)) / K
    th = {n: v.clone().requires_grad_(True) for n, v in theta.items()}
    hvp = nb.exact_kl_hvp(problem, th, damping=0.0)
    for seed in range(3):
        v = _random_vector(theta, seed)
        torch.testing.assert_close(hvp(v), H @ v, rtol=1e-8, atol=1e-10)
    # the Fisher form drops J_k (J ~ I): off by O(inner_lr) here, where inner_lr = 0.5 is large
    v = _random_vector(theta, 0)
    fv = nb.fisher_vp(problem, stride=1, damping=0.0)(v)
    assert (fv - hvp(v)).norm() > 1e-3 * hvp(v).norm()


def test_fisher_equals_exact_hessian_without_inner_step_and_tends_to_it_as_inner_lr_vanishes(nb):
    _, _, theta, problem, _ = fixed_problem(nb, inner_steps=0)
    th = {n: v.clone().requires_grad_(True) for n, v in theta.items()}
    v = _random_vector(theta, 1)
    torch.testing.assert_close(nb.fisher_vp(problem, 1, 0.0)(v), nb.exact_kl_hvp(problem, th, 0.0)(v),
                               rtol=1e-10, atol=1e-12)
    errors = []
    for lr in (1e-2, 1e-3):
        _, _, theta, problem, _ = fixed_problem(nb, inner_lr=lr)
        th = {n: x.clone().requires_grad_(True) for n, x in theta.items()}
        exact = nb.exact_kl_hvp(problem, th, 0.0)(v)
        errors.append(float((nb.fisher_vp(problem, 1, 0.0)(v) - exact).norm() / exact.norm()))
    assert errors[1] < 0.2 * errors[0] and errors[1] < 1e-2  # error O(inner_lr)


def test_damping_adds_beta_v(nb):
    _, _, theta, problem, _ = fixed_problem(nb)
    v = _random_vector(theta, 2)
    torch.testing.assert_close(nb.fisher_vp(problem, 1, 0.3)(v) - nb.fisher_vp(problem, 1, 0.0)(v), 0.3 * v)


@pytest.mark.parametrize("curvature", ["exact", "fisher"])
def test_natural_step_sits_on_the_trust_region_boundary(nb, curvature):
    """1/2 s^T (H + beta I) s = max_kl for the full step s, and H s is parallel to -g."""
    cfg, _, theta, problem, _ = fixed_problem(nb, curvature=curvature, cg_iters=200, cg_damping=1e-3,
                                              hidden_sizes=(4, 4))
    th = {n: v.clone().requires_grad_(True) for n, v in theta.items()}
    loss, _ = problem.loss_and_kl(th)
    g = nb.flat(torch.autograd.grad(loss, list(th.values())))
    H = nb.curvature_product(problem, th, cfg)
    s = nb.natural_step(g, H, cfg.max_kl, cfg.cg_iters)
    assert float(0.5 * s @ H(s)) == pytest.approx(cfg.max_kl, rel=1e-6)
    Hs = H(s)  # the natural-gradient direction: H s points along -g
    assert float(-(Hs @ g) / (Hs.norm() * g.norm())) > 0.999
