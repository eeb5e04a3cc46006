"""Small fixed problems shared by the tests (float64, random trajectories and advantages)."""
import torch
from torch.distributions import Independent, Normal, kl_divergence


def fixed_problem(nb, first_order=False, K=2, N=3, T=6, seed=0, **overrides):
    """A tiny float64 problem with fixed random trajectories and advantages."""
    values = dict(hidden_sizes=(8, 8), activation="tanh", inner_lr=0.5, first_order=first_order, hvp_tasks=K)
    cfg = nb.make_config("smoke", **{**values, **overrides})
    policy = nb.make_policy(cfg).double()
    g = torch.Generator().manual_seed(seed)

    def batch():
        return nb.Batch(torch.randn(T, K, N, 17, generator=g, dtype=torch.float64),
                        torch.randn(T, K, N, 6, generator=g, dtype=torch.float64),
                        torch.randn(T, K, N, generator=g, dtype=torch.float64),
                        torch.tensor([(-1.0) ** k for k in range(K)], dtype=torch.float64))

    pre, post = batch(), batch()
    pre_adv = torch.randn(T, K, N, generator=g, dtype=torch.float64)
    post_adv = torch.randn(T, K, N, generator=g, dtype=torch.float64)
    theta = nb.detached_params(policy)
    pre_list = [(pre, pre_adv)] * cfg.inner_steps
    problem = nb.MetaProblem(policy, cfg, pre_list, post, post_adv, theta)
    return cfg, policy, theta, problem, (pre, pre_adv)


def vpg_step_by_hand(nb, policy, params, batch, advantages, lr):
    """theta_k - lr * grad L_k by hand, one task (or run) k at a time, with its own autograd call:
    an independent reference for the notebook's batched inner step (params shared or with a leading
    task axis)."""
    obs, act = nb.per_task_view(batch)
    K = obs.shape[0]
    a = advantages.permute(1, 0, 2).reshape(K, -1)
    shared_dims = {n: v.dim() for n, v in policy.named_parameters()}
    new = {}
    for k in range(K):
        p = {n: (v[k] if v.dim() > shared_dims[n] else v).clone().requires_grad_(True) for n, v in params.items()}
        loss = -(nb.policy_dist(policy, p, obs[k]).log_prob(act[k]) * a[k]).mean()
        for (n, v), gr in zip(p.items(), torch.autograd.grad(loss, list(p.values()))):
            new.setdefault(n, []).append(v.detach() - lr * gr)
    return {n: torch.stack(v) for n, v in new.items()}


def fisher_of_task(nb, problem, k, stride=1):
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
