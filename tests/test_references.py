"""Checks against references the code under test does not share (issue 27): config fields observed
through their effect (a torch.nn network built by hand, the reward formula), the meta-objective
recomputed by a plain loop over tasks, trajectories and time steps straight from a Batch, and the
summary's choice of the median seed."""
import json

import numpy as np
import pytest
import torch
from conftest import load_script
from torch import nn


@pytest.mark.parametrize("activation, module", [("tanh", nn.Tanh), ("relu", nn.ReLU)])
def test_policy_network_is_the_configured_mlp(nb, activation, module):
    """activation, hidden_sizes and init_log_std: the policy's mean equals an nn.Sequential of the named
    activation with the same weights, and its std is exp(init_log_std)."""
    cfg = nb.make_config("smoke", activation=activation, hidden_sizes=(7, 5), init_log_std=-0.7)
    policy = nb.make_policy(cfg)
    layers = [nn.Linear(17, 7), module(), nn.Linear(7, 5), module(), nn.Linear(5, 6)]
    ref = nn.Sequential(*layers)
    with torch.no_grad():
        for mine, theirs in zip(policy.layers, [layers[0], layers[2], layers[4]]):
            theirs.weight.copy_(mine.weight)
            theirs.bias.copy_(mine.bias)
    obs = 3 * torch.randn(11, 17)  # large inputs, so that relu and tanh differ
    d = nb.policy_dist(policy, nb.detached_params(policy), obs)
    torch.testing.assert_close(d.mean, ref(obs).detach())
    torch.testing.assert_close(d.base_dist.scale, torch.full((11, 6), float(np.exp(-0.7))))


def test_control_cost_weight_reaches_the_reward(nb):
    """ctrl_cost_weight: the batched env's reward is d * v_x - c |a|^2 with the config's c, by hand."""
    cfg = nb.make_config("smoke", ctrl_cost_weight=0.3)
    env = nb.make_env(cfg, np.array([1.0, -1.0]))
    env.reset(seed=2)
    a = np.array([[0.5, -0.5, 0.2, 0.0, 1.0, -1.0], [0.1] * 6])
    _, r, _, _, info = env.step(a)
    np.testing.assert_allclose(r, np.array([1.0, -1.0]) * info["x_velocity"] - 0.3 * np.sum(a ** 2, axis=1))
    env.close()


def _adapt_by_loop(nb, policy, theta, pre, pre_adv, k, lr, create_graph):
    """theta'_k: one VPG step on task k's loss, summed over its time steps and trajectories one by one."""
    T, _, N = pre.rewards.shape
    theta = {k: v if v.requires_grad else v.detach().requires_grad_(True) for k, v in theta.items()}
    terms = [nb.policy_dist(policy, theta, pre.obs[t, k, n]).log_prob(pre.actions[t, k, n]) * pre_adv[t, k, n]
             for t in range(T) for n in range(N)]
    grads = torch.autograd.grad(-torch.stack(terms).mean(), list(theta.values()), create_graph=create_graph)
    return {name: v - lr * gr for (name, v), gr in zip(theta.items(), grads)}


def _meta_objective_by_loop(nb, policy, theta, theta_old, pre, pre_adv, post, post_adv, lr):
    """-1/K sum_k mean_{t,n} pi_{theta'_k(theta)} / pi_{theta'_k(theta_old)} * A'(t,k,n) and the mean of
    KL(pi_{theta'_k(theta_old)} || pi_{theta'_k(theta)}), one task, time step and trajectory at a time,
    indexing the Batch's (T, K, N, ...) arrays directly."""
    T, K, N = pre.rewards.shape
    surrogate, kl = 0.0, 0.0
    for k in range(K):
        new = _adapt_by_loop(nb, policy, theta, pre, pre_adv, k, lr, create_graph=True)
        old = {n: v.detach() for n, v in _adapt_by_loop(nb, policy, theta_old, pre, pre_adv, k, lr, False).items()}
        task_s, task_kl = [], []
        for t in range(T):
            for n in range(N):
                new_d = nb.policy_dist(policy, new, post.obs[t, k, n])
                old_d = nb.policy_dist(policy, old, post.obs[t, k, n])
                ratio = torch.exp(new_d.log_prob(post.actions[t, k, n]) - old_d.log_prob(post.actions[t, k, n]))
                task_s.append(ratio * post_adv[t, k, n])
                task_kl.append(torch.distributions.kl_divergence(old_d, new_d))
        surrogate = surrogate - torch.stack(task_s).mean() / K
        kl = kl + torch.stack(task_kl).mean() / K
    return surrogate, kl


def test_meta_objective_equals_a_plain_loop_over_the_batch(nb):
    """K, N, T all different, so a permute or reshape in the wrong order cannot line up by chance. At a
    theta moved away from theta_old, the surrogate, its meta-gradient (second order, through the inner
    step) and the KL all match the loop."""
    T, K, N = 4, 3, 2
    cfg = nb.make_config("smoke", hidden_sizes=(5,), activation="tanh", inner_lr=0.3, hvp_tasks=K)
    policy = nb.make_policy(cfg).double()
    g = torch.Generator().manual_seed(3)

    def batch():
        return nb.Batch(torch.randn(T, K, N, 17, generator=g, dtype=torch.float64),
                        torch.randn(T, K, N, 6, generator=g, dtype=torch.float64),
                        torch.randn(T, K, N, generator=g, dtype=torch.float64),
                        torch.tensor([1.0, -1.0, 1.0], dtype=torch.float64))

    pre, post = batch(), batch()
    pre_adv = torch.randn(T, K, N, generator=g, dtype=torch.float64)
    post_adv = torch.randn(T, K, N, generator=g, dtype=torch.float64)
    theta_old = nb.detached_params(policy)
    problem = nb.MetaProblem(policy, cfg, [(pre, pre_adv)], post, post_adv, theta_old)
    step = {k: 0.05 * torch.randn(v.shape, generator=g, dtype=v.dtype) for k, v in theta_old.items()}
    moved = {k: (v + step[k]).requires_grad_(True) for k, v in theta_old.items()}
    loss, kl = problem.loss_and_kl(moved)
    grad = torch.autograd.grad(loss, list(moved.values()), retain_graph=True)
    moved_ref = {k: (v + step[k]).requires_grad_(True) for k, v in theta_old.items()}
    ref_loss, ref_kl = _meta_objective_by_loop(nb, policy, moved_ref, theta_old, pre, pre_adv, post, post_adv,
                                               cfg.inner_lr)
    ref_grad = torch.autograd.grad(ref_loss, list(moved_ref.values()))
    assert loss.item() == pytest.approx(ref_loss.item(), rel=1e-10)
    assert kl.item() == pytest.approx(ref_kl.item(), rel=1e-9) and kl.item() > 1e-4
    for a, b in zip(grad, ref_grad):
        torch.testing.assert_close(a, b, rtol=1e-8, atol=1e-10)


def _eval(results, seed, one_step_backward):
    d = load_script("summary_runs").run_path(results, "maml") / f"seed{seed}"
    d.mkdir(parents=True)
    ev = {"eval_seed": 1000 + seed, "lrs": [0.1], "backward": {"per_run": [[0, one_step_backward]]},
          "forward": {"per_run": [[0, 10.0]]}}
    (d / "eval.json").write_text(json.dumps(ev))
    (d / "metrics.jsonl").write_text(json.dumps({"progress/total_env_steps": 1, "time/wall": 60.0,
                                                 "progress/iteration": 1, "trpo/ls_step": 0}) + "\n")


def test_summary_median_seed_is_the_median_when_seeds_are_out_of_order(root, tmp_path):
    """Five seeds whose backward fractions are not in seed order (0.9, 0.5, 0.7, 0.6, 0.8): the median
    is 0.7, seed 2; with four (dropping seed 4's 0.8) the lower median 0.6 is seed 3."""
    summ = load_script("summary_runs")
    d = summ.run_path(tmp_path, "oracle_backward_relu_8M") / "seed0"
    d.mkdir(parents=True)
    (d / "eval.json").write_text(json.dumps({"eval_seed": 1000, "lrs": [0.1], "backward": {"per_run": [[100.0, 0]]},
                                             "forward": {"per_run": [[0, 0]]}}))
    for seed, r in zip(range(5), (90.0, 50.0, 70.0, 60.0, 80.0)):
        _eval(tmp_path, seed, r)
    assert summ.headline(tmp_path)["median_seed"] == 2
    import shutil
    shutil.rmtree(summ.run_path(tmp_path, "maml") / "seed4")
    assert summ.headline(tmp_path)["median_seed"] == 3
