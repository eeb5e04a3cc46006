"""Sampler throughput against raw MuJoCo physics and gymnasium's vector envs, on the same cores.

    python benchmarks/sampler.py [--repeats 3] [--tasks 40 --traj 20 --horizon 200] [--set field=value ...]

Agent steps per second (one agent step = 5 MuJoCo steps of HalfCheetah-v5) for a batch of
tasks x traj trajectories of `horizon` steps:
  (a) physics   mujoco.rollout (MuJoCo's C thread pool, one thread per core), random controls,
                open loop: no policy, no Python in the loop
  (a') replay   the same, but with the sampler's own controls from its own initial states: the very
                physics that (b) ran (checked: the replay reproduces (b)'s observations). How long
                MuJoCo takes depends on the motion (contacts), and the policy's actions are not
                uniform noise, so (b) / (a') is the sampler's own overhead and (b) / (a) is not
  (b) sampler   the notebook's sample_batch on BatchedHalfCheetah: policy inference, action
                sampling and trajectory storage included
  (c) gym sync  gymnasium SyncVectorEnv over HalfCheetah-v5, same policy, one forward per step
  (d) gym async gymnasium AsyncVectorEnv, one worker process per core, same policy; it runs the
                batch `cores` trajectories at a time, so it is timed on a slice and reported as a rate
Each figure is the median over --repeats runs. The last line is one JSON object.
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import gymnasium as gym
import mujoco
import numpy as np
import torch
from mujoco import rollout

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import nbdefs  # noqa: E402
from meta_train import parse_overrides  # noqa: E402


def physics_sps(model, n, horizon, frame_skip, threads):
    data = [mujoco.MjData(model) for _ in range(threads)]
    spec = mujoco.mjtState.mjSTATE_FULLPHYSICS.value
    state0 = np.empty(mujoco.mj_stateSize(model, spec))
    mujoco.mj_getState(model, data[0], state0, spec)
    init = np.tile(state0, (n, 1))
    ctrl = np.random.default_rng(0).uniform(-1, 1, (n, horizon * frame_skip, model.nu))
    with rollout.Rollout(nthread=threads) as r:
        t = time.perf_counter()
        r.rollout(model, data, init, ctrl)
        dt = time.perf_counter() - t
    return n * horizon / dt


def replay_sps(env, batch, action_scale, reset_seed, threads):
    """(a'): the controls of `batch` replayed open loop with mujoco.rollout from the states that
    env.reset(seed=reset_seed) gives. Returns (agent steps/s, largest |obs difference| at the last step).

    The controls are computed as sample_batch computes them (clip to the action scale and divide, in
    float32, then the env's float64 clip to [-1, 1]) and held for frame_skip MuJoCo steps, so the
    replay is the sampler's physics bit for bit."""
    T, n = batch.actions.shape[0], env.num_envs
    acts = batch.actions.reshape(T, n, -1).numpy()
    ctrl = np.clip((np.clip(acts, -action_scale, action_scale) / action_scale).astype(np.float64), -1.0, 1.0)
    control = np.repeat(ctrl.transpose(1, 0, 2), env.frame_skip, axis=1)    # (n, T * frame_skip, nu)
    env.reset(seed=reset_seed)
    init = env.sim.physics_state(mujoco.mjtState.mjSTATE_FULLPHYSICS.value)
    data = [mujoco.MjData(env.model) for _ in range(threads)]
    with rollout.Rollout(nthread=threads) as r:
        t = time.perf_counter()
        state, _ = r.rollout(env.model, data, init, control)
        dt = time.perf_counter() - t
    nq, nv = env.model.nq, env.model.nv
    last = state[:, (T - 1) * env.frame_skip - 1]                            # after T - 1 agent steps
    obs = np.concatenate([last[:, 2:1 + nq], last[:, 1 + nq:1 + nq + nv]], axis=1)  # [time | qpos | qvel ...]
    diff = float(np.abs(obs - batch.obs[T - 1].reshape(n, -1).numpy()).max())
    return n * T / dt, diff


def policy_actions(nb, policy, params, obs, g, scale):
    with torch.no_grad():
        d = nb.policy_dist(policy, params, torch.as_tensor(obs, dtype=torch.float32))
        a = d.base_dist.loc + d.base_dist.scale * torch.randn(d.base_dist.loc.shape, generator=g)
    return np.clip(a.numpy(), -scale, scale) / scale


def gym_sps(nb, policy, params, vec, n_traj, horizon, scale):
    g = torch.Generator().manual_seed(0)
    obs_buf = np.empty((horizon, vec.num_envs, 17), dtype=np.float32)
    t = time.perf_counter()
    obs, _ = vec.reset(seed=0)
    for s in range(horizon):
        obs_buf[s] = obs
        obs, *_ = vec.step(policy_actions(nb, policy, params, obs, g, scale))
    dt = time.perf_counter() - t
    return vec.num_envs * horizon / dt


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--tasks", type=int, default=40)
    p.add_argument("--traj", type=int, default=20)
    p.add_argument("--horizon", type=int, default=200)
    p.add_argument("--async-traj-per-worker", type=int, default=10,
                   help="episodes per worker timed for (d); the rate is what is reported")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a config field of size `full` (the policy's activation, action scale, ...)")
    args = p.parse_args()
    nb = nbdefs.load()
    cores = os.cpu_count() or 1
    try:
        cfg = nb.make_config("full", **{**parse_overrides(args.set), "meta_batch_size": args.tasks,
                                        "traj_per_task": args.traj, "horizon": args.horizon})
    except nb.support.ConfigError as e:
        raise SystemExit(f"error: {e}")
    nb.setup_torch(cfg)
    policy = nb.make_policy(cfg)
    params = nb.detached_params(policy)
    n = args.tasks * args.traj
    env = nb.support.BatchedHalfCheetah(np.ones(n), args.horizon, cfg.ctrl_cost_weight, cores)
    make = lambda: gym.make("HalfCheetah-v5", ctrl_cost_weight=cfg.ctrl_cost_weight, max_episode_steps=args.horizon)
    sync = gym.vector.SyncVectorEnv([make for _ in range(n)])
    asyn = gym.vector.AsyncVectorEnv([make for _ in range(cores)])
    rows = {k: [] for k in ("physics_sps", "replay_sps", "sampler_sps", "gym_sync_sps", "gym_async_sps")}
    replay_diff = 0.0
    for rep in range(args.repeats):
        rows["physics_sps"].append(physics_sps(env.model, n, args.horizon, env.frame_skip, cores))
        g = torch.Generator().manual_seed(rep)
        t = time.perf_counter()
        batch = nb.sample_batch(env, policy, params, args.tasks, args.horizon, cfg.action_scale, rep, g)
        rows["sampler_sps"].append(n * args.horizon / (time.perf_counter() - t))
        sps, diff = replay_sps(env, batch, cfg.action_scale, rep, cores)
        rows["replay_sps"].append(sps)
        replay_diff = max(replay_diff, diff)
        rows["gym_sync_sps"].append(gym_sps(nb, policy, params, sync, n, args.horizon, cfg.action_scale))
        rates = [gym_sps(nb, policy, params, asyn, cores, args.horizon, cfg.action_scale)
                 for _ in range(args.async_traj_per_worker)]
        rows["gym_async_sps"].append(cores * args.horizon * len(rates) / sum(cores * args.horizon / r for r in rates))
        print(f"repeat {rep + 1}/{args.repeats}: " + ", ".join(f"{k}={v[-1]:,.0f}" for k, v in rows.items()),
              file=sys.stderr, flush=True)
    env.close(), sync.close(), asyn.close()
    med = {k: statistics.median(v) for k, v in rows.items()}
    res = {**{k: round(v) for k, v in med.items()},
           "ratio_vs_physics": round(med["sampler_sps"] / med["physics_sps"], 3),
           "ratio_vs_replay": round(med["sampler_sps"] / med["replay_sps"], 3),
           "replay_max_obs_diff": replay_diff,
           "ratio_vs_gym_best": round(med["sampler_sps"] / max(med["gym_sync_sps"], med["gym_async_sps"]), 3),
           "batch": f"{args.tasks} tasks x {args.traj} traj x {args.horizon} steps", "cores": cores,
           "repeats": args.repeats, "overrides": parse_overrides(args.set), "torch": torch.__version__,
           "mujoco": mujoco.__version__,
           "gymnasium": gym.__version__}
    labels = {"physics_sps": "(a) raw physics, mujoco.rollout, all cores",
              "replay_sps": "(a') the sampler's own physics, replayed",
              "sampler_sps": "(b) BatchedHalfCheetah + policy (this project)",
              "gym_sync_sps": "(c) gymnasium SyncVectorEnv + policy",
              "gym_async_sps": f"(d) gymnasium AsyncVectorEnv, {cores} workers + policy"}
    print(f"\nagent steps/s, median of {args.repeats} ({res['batch']}, {cores} cores)")
    for k, label in labels.items():
        print(f"  {label:<52} {med[k]:>10,.0f}   x{med[k] / med['physics_sps']:.2f} of physics")
    print(f"  sampler / physics = {res['ratio_vs_physics']:.3f}; sampler / its own physics = "
          f"{res['ratio_vs_replay']:.3f} (replay off by {replay_diff:.1e} at most); "
          f"sampler / best gymnasium = {res['ratio_vs_gym_best']:.2f}")
    print(json.dumps(res))


if __name__ == "__main__":
    main()
