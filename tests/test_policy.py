"""The Gaussian policy against torch.distributions and a plain nn.Linear reference."""
import torch
import torch.nn.functional as F


def _reference_mean(policy, obs):
    h = obs
    for j, layer in enumerate(policy.layers):
        h = F.linear(h, layer.weight, layer.bias)
        if j < len(policy.layers) - 1:
            h = torch.relu(h)
    return h


def test_log_prob_and_entropy_match_torch_normal(nb):
    cfg = nb.make_config("smoke")
    policy = nb.make_policy(cfg)
    with torch.no_grad():
        policy.log_std.copy_(torch.linspace(-1.0, 0.5, 6))
    obs = torch.randn(5, 17)
    act = torch.randn(5, 6)
    d = nb.policy_dist(policy, dict(policy.named_parameters()), obs)
    ref = torch.distributions.Normal(_reference_mean(policy, obs), torch.exp(policy.log_std))
    torch.testing.assert_close(d.log_prob(act), ref.log_prob(act).sum(-1))
    torch.testing.assert_close(d.entropy(), ref.entropy().sum(-1))
    torch.testing.assert_close(d.base_dist.scale[0], torch.exp(policy.log_std))


def test_functional_forward_equals_module_forward(nb):
    policy = nb.make_policy(nb.make_config("smoke"))
    obs = torch.randn(3, 4, 17)
    params = {k: v * 1.5 for k, v in policy.named_parameters()}
    d = nb.policy_dist(policy, params, obs)
    with torch.no_grad():
        for k, p in policy.named_parameters():
            p.mul_(1.5)
    torch.testing.assert_close(d.mean, policy(obs).mean)
    torch.testing.assert_close(d.mean, _reference_mean(policy, obs))


def test_per_task_parameters_equal_a_loop_over_tasks(nb):
    policy = nb.make_policy(nb.make_config("smoke"))
    K = 3
    params = {k: v.detach().unsqueeze(0).repeat(K, *([1] * v.dim())) + 0.1 * torch.randn(K, *v.shape)
              for k, v in policy.named_parameters()}
    obs = torch.randn(K, 7, 17)
    act = torch.randn(K, 7, 6)
    batched = nb.policy_dist(policy, params, obs).log_prob(act)
    for k in range(K):
        single = nb.policy_dist(policy, {n: v[k] for n, v in params.items()}, obs[k]).log_prob(act[k])
        torch.testing.assert_close(batched[k], single)


def test_policy_init_depends_on_seed_only(nb):
    a = nb.make_policy(nb.make_config("smoke", seed=1))
    torch.manual_seed(999)
    b = nb.make_policy(nb.make_config("smoke", seed=1))
    c = nb.make_policy(nb.make_config("smoke", seed=2))
    torch.testing.assert_close(a.layers[0].weight, b.layers[0].weight)
    assert not torch.equal(a.layers[0].weight, c.layers[0].weight)
