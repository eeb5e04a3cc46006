"""The curvature products of the TRPO meta-update against independent references.

References: the Hessian of torch.distributions' Gaussian KL (autograd.functional.hessian) for the
Fisher matrices F_k, and the Jacobian J_k of the inner step (autograd.functional.jacobian), so that
the exact KL Hessian must equal (1/K) sum_k J_k^T F_k J_k and the Fisher product (1/K) sum_k F_k.
"""
import pytest
import torch

from helpers import fisher_of_task, fixed_problem


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
    F = sum(fisher_of_task(nb, problem, k) for k in range(K)) / K
    fvp = nb.fisher_vp(problem, stride=1, damping=0.0)
    for seed in range(3):
        v = _random_vector(theta, seed)
        torch.testing.assert_close(fvp(v), F @ v, rtol=1e-10, atol=1e-12)


def test_fisher_product_with_stride_uses_every_sth_state(nb):
    _, _, theta, problem, _ = fixed_problem(nb, T=9, hidden_sizes=(4, 4))
    K = problem.obs.shape[0]
    F3 = sum(fisher_of_task(nb, problem, k, stride=3) for k in range(K)) / K
    v = _random_vector(theta, 0)
    torch.testing.assert_close(nb.fisher_vp(problem, stride=3, damping=0.0)(v), F3 @ v, rtol=1e-10, atol=1e-12)
    F1 = sum(fisher_of_task(nb, problem, k) for k in range(K)) / K
    assert (F1 @ v - F3 @ v).norm() > 1e-3 * (F1 @ v).norm()  # the stride does change the product


def test_exact_hvp_is_gauss_newton_through_the_inner_step(nb):
    """H = (1/K) sum_k J_k^T F_k J_k: the KL Hessian through adaptation, with J_k by autograd."""
    _, _, theta, problem, _ = fixed_problem(nb, hidden_sizes=(4, 4))  # 128 parameters keep J_k cheap
    K = problem.obs.shape[0]
    Js = [_jacobian_of_inner_step(nb, problem, theta, k) for k in range(K)]
    H = sum(J.T @ fisher_of_task(nb, problem, k) @ J for k, J in enumerate(Js)) / K
    th = {n: v.clone().requires_grad_(True) for n, v in theta.items()}
    hvp = nb.exact_kl_hvp(problem, th, damping=0.0)
    for seed in range(3):
        v = _random_vector(theta, seed)
        torch.testing.assert_close(hvp(v), H @ v, rtol=1e-8, atol=1e-10)
    # the Fisher form drops J_k (J ~ I): off by O(inner_lr) here, where inner_lr = 0.5 is large
    v = _random_vector(theta, 0)
    fv = nb.fisher_vp(problem, stride=1, damping=0.0)(v)
    assert (fv - hvp(v)).norm() > 1e-3 * hvp(v).norm()


@pytest.mark.parametrize("objective", ["vpg", "lvc"])
def test_jacobian_product_equals_the_exact_hessian_and_the_autograd_jacobians(nb, objective):
    """With every state, (1/K) sum_k J_k^T F_k J_k with J_k kept equals the exact KL Hessian, and
    equals that sum built from J_k by autograd.functional.jacobian (LVC: J_k carries its extra term)."""
    _, _, theta, problem, _ = fixed_problem(nb, hidden_sizes=(4, 4), inner_objective=objective)
    K = problem.obs.shape[0]
    Js = [_jacobian_of_inner_step(nb, problem, theta, k) for k in range(K)]
    H = sum(J.T @ fisher_of_task(nb, problem, k) @ J for k, J in enumerate(Js)) / K
    th = {n: v.clone().requires_grad_(True) for n, v in theta.items()}
    exact = nb.exact_kl_hvp(problem, th, damping=0.0)
    jvp = nb.jacobian_fisher_vp(problem, theta, stride=1, damping=0.0)
    for seed in range(3):
        v = _random_vector(theta, seed)
        torch.testing.assert_close(jvp(v), H @ v, rtol=1e-8, atol=1e-10)
        torch.testing.assert_close(jvp(v), exact(v), rtol=1e-8, atol=1e-10)
    torch.testing.assert_close(nb.jacobian_fisher_vp(problem, theta, 1, 0.3)(v) - jvp(v), 0.3 * v)


def test_jacobian_product_with_stride_subsamples_only_the_post_update_states(nb):
    """Stride s: F_k over every s-th post-update state; J_k still from the whole pre-update batch."""
    _, _, theta, problem, _ = fixed_problem(nb, T=9, hidden_sizes=(4, 4))
    K = problem.obs.shape[0]
    Js = [_jacobian_of_inner_step(nb, problem, theta, k) for k in range(K)]
    H = sum(J.T @ fisher_of_task(nb, problem, k, stride=3) @ J for k, J in enumerate(Js)) / K
    v = _random_vector(theta, 4)
    got = nb.jacobian_fisher_vp(problem, theta, stride=3, damping=0.0)(v)
    torch.testing.assert_close(got, H @ v, rtol=1e-8, atol=1e-10)
    full = nb.jacobian_fisher_vp(problem, theta, stride=1, damping=0.0)(v)
    assert (full - got).norm() > 1e-3 * full.norm()


def test_jacobian_product_is_the_fisher_one_for_first_order_and_rejects_two_inner_steps(nb):
    _, _, theta, problem, _ = fixed_problem(nb, first_order=True)
    v = _random_vector(theta, 5)
    torch.testing.assert_close(nb.jacobian_fisher_vp(problem, theta, 1, 0.0)(v), nb.fisher_vp(problem, 1, 0.0)(v))
    _, _, theta, problem, _ = fixed_problem(nb, inner_steps=2)
    with pytest.raises(ValueError, match="inner_steps <= 1"):
        nb.jacobian_fisher_vp(problem, theta, 1, 0.0)


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


@pytest.mark.parametrize("curvature", ["exact", "fisher", "jacobian"])
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


def test_curvature_product_is_the_configured_one(nb):
    """cfg.curvature picks the product CG uses (hvp_tasks = K here, so no task subset)."""
    v = None
    for curvature, direct in (("exact", lambda p, th, c: nb.exact_kl_hvp(p, th, c.cg_damping)),
                              ("fisher", lambda p, th, c: nb.fisher_vp(p, c.curvature_stride, c.cg_damping)),
                              ("jacobian", lambda p, th, c: nb.jacobian_fisher_vp(p, th, c.curvature_stride,
                                                                                  c.cg_damping))):
        cfg, _, theta, problem, _ = fixed_problem(nb, T=9, curvature=curvature, curvature_stride=3)
        th = {n: x.clone().requires_grad_(True) for n, x in theta.items()}
        v = _random_vector(theta, 6) if v is None else v
        torch.testing.assert_close(nb.curvature_product(problem, th, cfg)(v), direct(problem, th, cfg)(v))
    products = {c: nb.curvature_product(problem, th, nb.make_config("smoke", **{**dict(
        hidden_sizes=(8, 8), activation="tanh", inner_lr=0.5, hvp_tasks=2, curvature_stride=3), "curvature": c}))(v)
        for c in ("exact", "fisher", "jacobian")}
    assert (products["jacobian"] - products["fisher"]).norm() > 1e-3 * products["fisher"].norm()
    assert (products["jacobian"] - products["exact"]).norm() > 1e-6 * products["exact"].norm()  # stride 3
