"""The machinery behind HW14_MAML.ipynb that is not the algorithm, in one module beside the notebook.

The notebook imports it in its first code cell (`import hw14_support as support`); the tests import it directly.
It holds, in this order:
  - the OpenGL backend for MuJoCo on a headless Linux (decided at import, before MuJoCo is imported);
  - config checking: `ConfigError`, the value rules of every field, and `build_config`, which also reads the
    configs that earlier code wrote (fields since retired, their neutral values, the commit that ran them);
  - the simulator: `BatchedHalfCheetah`, a vector env whose physics (`MjBatch`) steps every trajectory of a
    meta-batch on a thread pool, bit for bit HalfCheetah-v5 (tested against the notebook's one-cheetah wrappers);
  - training guards: `check_finite` (NaN/inf stops training, naming what and when), `Stopwatch`, and
    `one_torch_thread` for the sampler;
  - a run's files: the checkpoint format, atomic writes (temp file, fsync, os.replace), checked loading,
    and `RunFiles`, which writes config.json, metrics.jsonl and the checkpoints as training goes;
  - plots, rendering (video, the fixed-camera strobe) and the printing of results/summary.json.
Nothing here decides what is learned: the rewards' task parameters, the policy, the inner and outer loops
and the evaluation protocol are the notebook's.
"""
from __future__ import annotations

import contextlib
import ctypes.util
import dataclasses
import json
import math
import numbers
import os
import platform
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def headless_gl_backend(environ=os.environ, system: str | None = None) -> str | None:
    """The MUJOCO_GL value this machine needs, or None for MuJoCo's own platform default.

    A value the user set stands, whatever it is. Only Linux without a display needs a headless backend:
    EGL if its library is installed, else OSMesa. macOS and Windows keep the default (MuJoCo rejects
    'egl' and 'osmesa' there, at import). The platform is read with `platform.system()`, the call MuJoCo
    itself makes, so this decision and MuJoCo's check cannot disagree."""
    if "MUJOCO_GL" in environ:
        return environ["MUJOCO_GL"]
    if (system or platform.system()) != "Linux" or environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    for backend, library in (("egl", "EGL"), ("osmesa", "OSMesa")):
        if ctypes.util.find_library(library):
            return backend
    return None  # no headless library: the rendering cells say so and are skipped


if headless_gl_backend() is not None:  # MuJoCo reads MUJOCO_GL once, when it is imported
    os.environ["MUJOCO_GL"] = headless_gl_backend()

import gymnasium as gym  # noqa: E402  (after MUJOCO_GL)
import mujoco  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from gymnasium.utils import seeding  # noqa: E402
from gymnasium.vector import VectorEnv  # noqa: E402
from tqdm import tqdm  # noqa: E402  (the plain-text bar: no widget dependency in Jupyter)


# ---------------------------------------------------------------------------------------------------- config
class ConfigError(ValueError):
    """An invalid configuration value; the message names field, value and what is allowed."""


def _is_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _is_real(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)


POS_INT = (lambda v: _is_int(v) and v > 0, "an integer >= 1")
NONNEG_INT = (lambda v: _is_int(v) and v >= 0, "an integer >= 0")
POSITIVE = (lambda v: _is_real(v) and v > 0, "a finite number > 0")
NONNEGATIVE = (lambda v: _is_real(v) and v >= 0, "a finite number >= 0")
REAL = (_is_real, "a finite number")
UNIT = (lambda v: _is_real(v) and 0 < v <= 1, "a number in (0, 1]")
OPEN_UNIT = (lambda v: _is_real(v) and 0 < v < 1, "a number in (0, 1)")
BOOL = (lambda v: isinstance(v, bool), "True or False")
CHOICE = "one of a table's keys"  # filled per call from the tables the notebook passes to `validate_config`

RULES = {
    **dict.fromkeys(("horizon", "meta_batch_size", "traj_per_task", "meta_iterations", "cg_iters", "ls_steps",
                     "checkpoint_every", "eval_batches", "num_threads", "hvp_tasks", "curvature_stride"), POS_INT),
    **dict.fromkeys(("seed", "keep_every", "inner_steps"), NONNEG_INT),
    **dict.fromkeys(("inner_lr", "max_kl", "action_scale"), POSITIVE),
    **dict.fromkeys(("cg_damping", "ctrl_cost_weight", "baseline_reg"), NONNEGATIVE),
    **dict.fromkeys(("gamma", "gae_lambda"), UNIT),
    **dict.fromkeys(("first_order", "record_video", "balanced_tasks", "observe_task"), BOOL),
    **dict.fromkeys(("task_family", "activation", "inner_objective", "curvature", "outer"), CHOICE),
    "init_log_std": REAL, "ls_ratio": OPEN_UNIT,
    "eval_goals": (lambda v: _is_int(v) and v >= 2 and v % 2 == 0, "an even integer >= 2 (two goals per stratum)"),
    "eval_inner_lrs": (lambda v: isinstance(v, (tuple, list)) and len(v) > 0 and all(_is_real(x) and x > 0 for x in v),
                       "a non-empty sequence of finite numbers > 0"),
    "hidden_sizes": (lambda v: isinstance(v, (tuple, list)) and len(v) > 0 and all(_is_int(x) and x > 0 for x in v),
                     "a non-empty sequence of integers >= 1"),
    "goal_velocity_range": (lambda v: isinstance(v, (tuple, list)) and len(v) == 2 and all(_is_real(x) for x in v)
                            and 0 <= v[0] < v[1], "a pair (low, high) of finite numbers with 0 <= low < high"),
}
"""The allowed values of every field of the notebook's MAMLConfig. A config class that adds fields (the
notebook's appendix) gives their rules in a class attribute `RULES`; a field without a rule is an error."""


def validate_config(cfg, choices: dict):
    """Raise `ConfigError` for the first invalid field; return `cfg` unchanged otherwise.

    choices: {field: table} for the fields whose value names an entry of a table (task family, activation,
    inner objective, curvature product, outer step): the value must be one of the table's keys. The tables
    are the notebook's, so an alternative whose code is in its appendix is refused until the appendix has run."""
    rules = {**RULES, **getattr(type(cfg), "RULES", {})}
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if f.name not in rules:
            raise ConfigError(f"config field '{f.name}' has no validation rule: add one to hw14_support.RULES")
        if rules[f.name] is CHOICE:
            if value not in choices[f.name]:
                raise ConfigError(f"config field '{f.name}' = {value!r} is invalid: expected one of "
                                  f"{sorted(choices[f.name])} (the notebook's appendix adds its alternatives "
                                  "when its cells have run)")
            continue
        ok, allowed = rules[f.name]
        if not ok(value):
            raise ConfigError(f"config field '{f.name}' = {value!r} is invalid: expected {allowed}")
    return cfg


CODE_AT = "a4a5b002b3f2df0bc31f0424d67b67866f8411ea"
"""The last commit whose code could run the retired fields below (experiments/*.toml: `code_at`)."""

RETIRED_FIELDS = {"learn_step_sizes": False, "kl_decay_start": 1.0}
"""Fields of variants that never won and were removed from the code, with the value that meant 'off':
Meta-SGD's learned step sizes and the shrinking trust region."""

PLUGIN_DEFAULTS = {"promp_steps": 5, "promp_lr": 1e-3, "promp_clip": 0.3, "promp_kl_coef": 5e-4,
                   "promp_reset_adam": False}
"""Fields of the appendix's alternative outer step with their defaults, which every config earlier code wrote
carries (they sat in the main config class then). A config of another outer step drops them at these values."""


def build_config(classes: dict, values: dict, selector: str = "outer"):
    """An instance of classes[values[selector]] from `values` (not yet validated).

    Reads configs written by earlier code: a retired field at its neutral value, or an alternative's field at
    its default in a config that does not use it, is dropped; a retired field at any other value raises a
    ConfigError naming the field and the commit whose code ran it; any other unknown field raises too."""
    kind = values.get(selector, "trpo")
    if kind not in classes:
        raise ConfigError(f"config field '{selector}' = {kind!r} is invalid: expected one of {sorted(classes)} "
                          "(the notebook's appendix adds its alternatives when its cells have run)")
    cls = classes[kind]
    known = {f.name for f in dataclasses.fields(cls)}
    kept = {}
    for k, v in values.items():
        if k in known:
            kept[k] = v
        elif k in RETIRED_FIELDS:
            if v != RETIRED_FIELDS[k]:
                raise ConfigError(f"config field '{k}' = {v!r} belongs to a variant retired from the code; "
                                  f"its runs were made by commit {CODE_AT}: check that commit out to run or load them")
        elif not (k in PLUGIN_DEFAULTS and v == PLUGIN_DEFAULTS[k]):
            raise ConfigError(f"unknown config field(s) {[k]}: known fields are {sorted(known)}")
    for k in ("hidden_sizes", "eval_inner_lrs", "goal_velocity_range"):  # JSON / papermill give lists
        if isinstance(kept.get(k), list):
            kept[k] = tuple(kept[k])
    return cls(**kept)


def config_table(cfg, reference) -> str:
    """The fields of `cfg` that differ from `reference` (another config), as a two-column text table."""
    rows = [(f.name, getattr(cfg, f.name), getattr(reference, f.name, None)) for f in dataclasses.fields(cfg)]
    rows = [(n, a, b) for n, a, b in rows if a != b]
    w = max([len(n) for n, _, _ in rows] + [5])
    return "\n".join([f"{'field':<{w}}  {'this run':<14}  paper", *(f"{n:<{w}}  {str(a):<14}  {b}" for n, a, b in rows)])


def fmt(x: float, digits: int = 1) -> str:
    """x with `digits` decimals, never '-0.0': a value that rounds to zero prints as 0."""
    s = f"{x:.{digits}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


# ------------------------------------------------------------------------------------------------ simulator
EVEN_GOALS_KEY = "anchors"
"""evaluation.json's key for the ten evenly spaced goal velocities (the files already written use it)."""

TASK_REWARDS = {"direction": lambda d, v: d * v,              # r_d = d v_x (minus the control cost)
                "velocity": lambda g, v: -np.abs(v - g)}      # r_g = -|v_x - g|


@contextlib.contextmanager
def quiet_settotalmass():
    """Compile gymnasium's half_cheetah.xml without MuJoCo's one known deprecation warning.

    The XML uses the deprecated `settotalmass` attribute; MuJoCo still applies it (the model is
    unchanged) but prints a warning and appends it to MUJOCO_LOG.TXT in the working folder. Within
    this block that one message is dropped; any other MuJoCo warning becomes a Python warning. The
    previous handler is restored on exit.
    """
    previous = mujoco.get_mju_user_warning()

    def handler(msg):
        if "settotalmass" not in msg:
            warnings.warn(f"MuJoCo: {msg}", RuntimeWarning, stacklevel=2)

    mujoco.set_mju_user_warning(handler)
    try:
        yield
    finally:
        mujoco.set_mju_user_warning(previous)


def half_cheetah(ctrl_cost_weight: float = 0.05, **make_kwargs) -> gym.Env:
    """gymnasium's HalfCheetah-v5 (made quietly, see quiet_settotalmass): what every task's env wraps."""
    with quiet_settotalmass():
        return gym.make("HalfCheetah-v5", ctrl_cost_weight=ctrl_cost_weight, **make_kwargs)


def checked_action(action, action_space):
    """A float64 copy of `action` clipped to the action space; a NaN or inf is an error, never clipped."""
    a = np.asarray(action, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"non-finite action passed to the environment: {a}")
    return np.clip(a, action_space.low, action_space.high)


def checked_tasks(kind: str, tasks) -> np.ndarray:
    """A float64 copy of `tasks` (1-d) if they are valid task parameters of `kind`; ValueError otherwise."""
    if kind not in TASK_REWARDS:
        raise ValueError(f"kind must be one of {sorted(TASK_REWARDS)}, got {kind!r}")
    t = np.asarray(tasks, dtype=np.float64).copy()
    if kind == "direction" and (t.ndim != 1 or not np.all(np.isin(t, (1.0, -1.0)))):
        raise ValueError(f"directions must be a 1-d array of +1/-1, got {tasks!r}")
    if kind == "velocity" and (t.ndim != 1 or not np.all(np.isfinite(t))):
        raise ValueError(f"goal velocities must be a 1-d array of finite numbers, got {tasks!r}")
    return t


_INTEGRATION = mujoco.mjtState.mjSTATE_INTEGRATION.value


def state_offset(model, element: mujoco.mjtState) -> int:
    """Where `element` (one mjtState bit) starts in a vector of the mjSTATE_INTEGRATION state."""
    return sum(mujoco.mj_stateSize(model, 1 << b) for b in range(element.value.bit_length() - 1)
               if _INTEGRATION & (1 << b))


class MjBatch:
    """`n` independent HalfCheetah-v5 physics states, stepped on a thread pool with one `MjData` per thread.

    Each env lives in a row of `full`: (n, nstate) float64, MuJoCo's mjSTATE_INTEGRATION state (time,
    qpos, qvel, solver warm start, ctrl, applied forces). Loading that row into an MjData, stepping and
    reading it back is exactly stepping the env's own MjData: the integration state is everything mj_step
    reads, warm start included, so the batch equals Gymnasium's env bit for bit (test_env.py checks it).
    One MjData per thread instead of one per env keeps the working set in cache.
    state: (n, nq + nv) view of `full`, [qpos | qvel]; ctrl: (n, nu) view, the controls the next `step`
    applies. MuJoCo releases the GIL inside mj_step, so the threads step in parallel.
    """

    def __init__(self, model, n: int, frame_skip: int, num_threads: int = 1):
        self.model, self.n, self.frame_skip = model, int(n), int(frame_skip)
        self.num_threads = max(1, min(int(num_threads), self.n))
        self.datas = [mujoco.MjData(model) for _ in range(self.num_threads)]
        self.full = np.zeros((self.n, mujoco.mj_stateSize(model, _INTEGRATION)))
        q, c = state_offset(model, mujoco.mjtState.mjSTATE_QPOS), state_offset(model, mujoco.mjtState.mjSTATE_CTRL)
        self.state = self.full[:, q:q + model.nq + model.nv]
        self.ctrl = self.full[:, c:c + model.nu]
        bounds = np.linspace(0, self.n, self.num_threads + 1).astype(int)
        self._chunks = list(zip(bounds[:-1], bounds[1:]))
        self._pool = ThreadPoolExecutor(self.num_threads) if self.num_threads > 1 else None

    def set(self, i: int, qpos: np.ndarray, qvel: np.ndarray):
        """Reset env i to (qpos, qvel), as MujocoEnv.reset_model does (mj_resetData, then mj_forward)."""
        d = self.datas[0]
        mujoco.mj_resetData(self.model, d)
        d.qpos[:], d.qvel[:] = qpos, qvel
        mujoco.mj_forward(self.model, d)
        mujoco.mj_getState(self.model, d, self.full[i], _INTEGRATION)

    def physics_state(self, spec: int) -> np.ndarray:
        """(n, mj_stateSize(spec)): every env's state in the mjtState layout `spec` (e.g. for mujoco.rollout)."""
        d, out = mujoco.MjData(self.model), np.empty((self.n, mujoco.mj_stateSize(self.model, spec)))
        for i in range(self.n):
            mujoco.mj_setState(self.model, d, self.full[i], _INTEGRATION)
            mujoco.mj_getState(self.model, d, out[i], spec)
        return out

    def _step_chunk(self, k: int):
        (lo, hi), d = self._chunks[k], self.datas[k]
        m, n, full = self.model, self.frame_skip, self.full
        step, get, put = mujoco.mj_step, mujoco.mj_getState, mujoco.mj_setState
        for i in range(lo, hi):
            row = full[i]
            put(m, d, row, _INTEGRATION)
            step(m, d, n)
            get(m, d, row, _INTEGRATION)

    def step(self):
        """Advance every env by frame_skip MuJoCo steps with its row of `ctrl`."""
        if self._pool is None:
            self._step_chunk(0)
        else:
            for f in [self._pool.submit(self._step_chunk, k) for k in range(self.num_threads)]:
                f.result()

    def close(self):
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


class BatchedHalfCheetah(VectorEnv):
    """`num_envs` half-cheetahs, each with its own task, stepped together (a gymnasium VectorEnv over MjBatch).

    tasks: (num_envs,) task parameters of `kind` ('direction': +1/-1; 'velocity': finite goal
    velocities); rewards follow TASK_REWARDS[kind] minus the control cost. Observations (num_envs, 17)
    float64, or (num_envs, 18) with observe_task (the task parameter appended); rewards (num_envs,).
    Reset noise follows HalfCheetah-v5, env i seeded by seed + i as gymnasium's vector envs do.
    No autoreset: every `horizon` steps the caller resets (all trajectories have the same length).
    """

    metadata = {"autoreset_mode": None}

    def __init__(self, tasks, horizon: int = 200, ctrl_cost_weight: float = 0.05,
                 num_threads: int = 1, reset_noise_scale: float = 0.1, *, kind: str = "direction",
                 observe_task: bool = False):
        self.kind, self.observe_task = kind, bool(observe_task)
        self.tasks = checked_tasks(kind, tasks)
        self._proto = half_cheetah(ctrl_cost_weight).unwrapped
        self.model = self._proto.model
        self.frame_skip, self.dt = self._proto.frame_skip, self._proto.dt
        self.init_qpos, self.init_qvel = self._proto.init_qpos.copy(), self._proto.init_qvel.copy()
        self.num_envs, self.horizon = len(self.tasks), int(horizon)
        self.ctrl_cost_weight, self.reset_noise_scale = float(ctrl_cost_weight), float(reset_noise_scale)
        self.single_observation_space = self._proto.observation_space
        if self.observe_task:
            shape = (self.single_observation_space.shape[0] + 1,)
            self.single_observation_space = gym.spaces.Box(-np.inf, np.inf, shape, np.float64)
        self.single_action_space = self._proto.action_space
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, self.num_envs)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, self.num_envs)
        self.sim = MjBatch(self.model, self.num_envs, self.frame_skip, num_threads)
        self._qpos, self._qvel = self.sim.state[:, :self.model.nq], self.sim.state[:, self.model.nq:]
        self._rngs = [seeding.np_random(i)[0] for i in range(self.num_envs)]
        self.t = None

    def _obs(self):
        parts = [self._qpos[:, 1:], self._qvel] + ([self.tasks[:, None]] if self.observe_task else [])
        return np.concatenate(parts, axis=1)

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self._rngs = [seeding.np_random(int(seed) + i)[0] for i in range(self.num_envs)]
        s = self.reset_noise_scale
        for i, rng in enumerate(self._rngs):  # HalfCheetah-v5's reset_model, draw for draw
            qpos = self.init_qpos + rng.uniform(low=-s, high=s, size=self.model.nq)
            qvel = self.init_qvel + s * rng.standard_normal(self.model.nv)
            self.sim.set(i, qpos, qvel)
        self.t = 0
        return self._obs(), {"x_position": self._qpos[:, 0].copy()}

    def step(self, actions):
        if self.t is None:
            raise RuntimeError("call reset() before step()")
        if self.t >= self.horizon:
            raise RuntimeError(f"episode is over after horizon={self.horizon} steps; call reset()")
        a = np.asarray(actions, dtype=np.float64)
        if a.shape != self.action_space.shape:
            raise ValueError(f"actions must have shape {self.action_space.shape}, got {a.shape}")
        self.sim.ctrl[:] = checked_action(a, self.single_action_space)
        x_before = self._qpos[:, 0].copy()
        self.sim.step()
        self.t += 1
        x_velocity = (self._qpos[:, 0] - x_before) / self.dt
        ctrl_cost = self.ctrl_cost_weight * np.sum(np.square(self.sim.ctrl), axis=1)
        task_reward = TASK_REWARDS[self.kind](self.tasks, x_velocity)
        reward = task_reward - ctrl_cost
        terminated = np.zeros(self.num_envs, dtype=bool)
        truncated = np.full(self.num_envs, self.t >= self.horizon)
        info = {"x_position": self._qpos[:, 0].copy(), "x_velocity": x_velocity,
                "reward_forward": x_velocity.copy(), "reward_ctrl": -ctrl_cost,
                f"reward_{self.kind}": task_reward}
        return self._obs(), reward, terminated, truncated, info

    def close(self, **kwargs):
        self.sim.close()
        self._proto.close()


# ------------------------------------------------------------------------------------- the linear baseline
def baseline_features(obs: torch.Tensor) -> torch.Tensor:
    """Duan et al. (2016) features. obs (T, K, N, d) -> (T, K, N, 2d + 4)."""
    T = obs.shape[0]
    o = obs.clamp(-10, 10)
    tau = (torch.arange(T, dtype=obs.dtype) / 100.0).view(T, *([1] * (obs.dim() - 1))).expand(*obs.shape[:-1], 1)
    return torch.cat([o, o ** 2, tau, tau ** 2, tau ** 3, torch.ones_like(tau)], dim=-1)


def fit_linear_baseline(obs: torch.Tensor, returns: torch.Tensor, reg: float) -> torch.Tensor:
    """Per-task ridge fit. obs (T, K, N, d), returns (T, K, N) -> values (T, K, N)."""
    T, K, N, _ = obs.shape
    phi = baseline_features(obs.double())                    # (T, K, N, F)
    X = phi.permute(1, 0, 2, 3).reshape(K, T * N, -1)        # (K, TN, F)
    y = returns.double().permute(1, 0, 2).reshape(K, T * N, 1)
    F = X.shape[-1]
    eye = math.sqrt(reg) * torch.eye(F, dtype=X.dtype).expand(K, F, F)
    A = torch.cat([X, eye], dim=1)
    b = torch.cat([y, torch.zeros(K, F, 1, dtype=y.dtype)], dim=1)
    w = torch.linalg.lstsq(A, b).solution                    # (K, F, 1)
    return torch.einsum("tknf,kf->tkn", phi, w[..., 0]).to(obs.dtype)


# ------------------------------------------------------------------------------------------ training guards
class NonFiniteError(FloatingPointError):
    """A NaN or inf appeared in training; the message names the quantity and the iteration."""


def check_finite(name: str, x, iteration: int):
    """Raise NonFiniteError if x (a tensor, an array, a dict of tensors, or a NamedTuple of tensors such as a
    Batch: its observations) holds a NaN or inf; return x unchanged."""
    value = x.obs if hasattr(x, "obs") else x
    parts = value.items() if isinstance(value, dict) else [("", value)]
    for key, value in parts:
        t = torch.as_tensor(value)
        if not bool(torch.isfinite(t).all()):
            bad = int((~torch.isfinite(t)).sum())
            raise NonFiniteError(f"non-finite {name}{' ' + key if key else ''} at meta-iteration "
                                 f"{iteration} ({bad} of {t.numel()} entries)")
    return x


class Stopwatch:
    """`with sw("sample"): ...` adds the block's wall time to sw.seconds["sample"]."""

    def __init__(self):
        self.seconds = {}

    @contextlib.contextmanager
    def __call__(self, phase: str):
        t = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - t


@contextlib.contextmanager
def one_torch_thread():
    """torch on one intra-op thread inside the block, the previous count restored after it. The sampler's
    forward passes are small, and idle OpenMP workers spin and steal the cores MuJoCo is stepping on."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def iteration_metrics(cfg, it: int, r) -> dict:
    """The logged metrics of iteration `it` (0-based) from the notebook's IterationResult `r`: mean return per
    trajectory before and after adaptation (per direction on the direction family), the outer step's info
    under trpo/, the wall time per phase under time/."""
    K, N, T = cfg.meta_batch_size, cfg.traj_per_task, cfg.horizon
    nan = float("nan")
    m = {"progress/iteration": it + 1, "progress/env_steps": (2 if r.pre is not None else 1) * K * N * T,
         "returns/pre": float(r.pre.returns.mean()) if r.pre is not None else nan,
         "returns/post": float(r.post.returns.mean())}
    for name, d in (("backward", -1.0), ("forward", 1.0)) if cfg.task_family != "velocity" else ():
        mask = torch.as_tensor(r.tasks == d)
        if mask.any():
            m[f"returns/pre_{name}"] = float(r.pre.returns[mask].mean()) if r.pre is not None else nan
            m[f"returns/post_{name}"] = float(r.post.returns[mask].mean())
    m.update({f"trpo/{k}": v for k, v in r.update.items()})
    m.update({f"time/{k}": v for k, v in r.seconds.items()})
    return m


def log_line(m: dict) -> str:
    """One iteration's metrics as a line of text (training without a progress bar)."""
    return (f"it {m['progress/iteration']} pre {m['returns/pre']:.1f} post {m['returns/post']:.1f} "
            f"kl {m['trpo/kl']:.4f} | time " + " ".join(f"{k[5:]} {v:.1f}s" for k, v in m.items()
                                                       if k.startswith("time/") and k != "time/wall"))


# ---------------------------------------------------------------------------------------------- checkpoints
CHECKPOINT_FORMAT = "hw14-maml-checkpoint-v1"


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, truncated, corrupt, not one of ours, or of another experiment; names the file."""


def atomic_write(path: Path, write):
    """Write through `write(fileobj)` to a temp file in the same folder, fsync, os.replace: a crash at any
    moment leaves either the old file or the new one, whole."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def save_checkpoint(path, params: dict, iteration: int, metrics: list, cfg, outer_state: dict | None = None):
    """Atomically save everything needed to resume after `iteration` completed iterations: the parameters,
    the metrics, the config (every field, as JSON) and the outer step's own state (a dict that step owns;
    empty for TRPO, which keeps none)."""
    state = {"format": CHECKPOINT_FORMAT, "iteration": int(iteration),
             "params": {k: v.detach().clone() for k, v in params.items()},
             "metrics": json.dumps(metrics), "config": json.dumps(dataclasses.asdict(cfg)),
             "rng": "stateless: iteration i draws from SeedSequence([seed, i, stream])",
             "torch_rng_state": torch.get_rng_state(), "outer_state": outer_state or {}}
    atomic_write(Path(path), lambda f: torch.save(state, f))


def load_checkpoint(path) -> dict:
    """Load and check a checkpoint (weights_only=True: no code runs). Raises CheckpointError.
    `outer_state` is None when the file holds none (checkpoints written before it was always saved)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # any parse failure (zip, pickle, unicode, weights-only refusal) is the file's fault
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise CheckpointError(f"{path} is not a readable checkpoint (truncated, corrupt, or not a torch "
                              f"weights-only file): {type(e).__name__}: {first[:200]}") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not a {CHECKPOINT_FORMAT} file (format tag "
                              f"{state.get('format') if isinstance(state, dict) else type(state).__name__!r})")
    missing = {"iteration", "params", "metrics", "config"} - set(state)
    if missing:
        raise CheckpointError(f"{path} lacks entries {sorted(missing)}")
    state["metrics"] = json.loads(state["metrics"])
    state["config"] = json.loads(state["config"])
    state.setdefault("outer_state", None)
    return state


def config_differences(old: dict, new: dict, ignore=()) -> dict:
    """{field: (old value, new value)} over the fields of either dict that differ, except `ignore`."""
    return {k: (old.get(k), new.get(k)) for k in {**old, **new} if k not in ignore and old.get(k) != new.get(k)}


def refuse_other_experiment(path, old: dict, new: dict, ignore=()):
    """CheckpointError naming every field in which `new` differs from the run at `path` (both dicts of the
    notebook's experiment fields: what is learned and how it is measured)."""
    differ = config_differences(old, new, ignore)
    if differ:
        listed = "; ".join(f"{k}: checkpoint {a!r}, this config {b!r}" for k, (a, b) in differ.items())
        raise CheckpointError(f"{path} belongs to another experiment ({listed}); use another run_dir")


def write_metrics(path: Path, metrics: list):
    """Replace metrics.jsonl atomically with `metrics`, one JSON object per line."""
    atomic_write(path, lambda f: f.write("".join(json.dumps(m) + "\n" for m in metrics).encode()))


class RunFiles:
    """A training run's files in run_dir: config.json, metrics.jsonl (one JSON line per meta-iteration, appended
    when it ends) and the checkpoints (checkpoint.pt every cfg.checkpoint_every iterations and at the end, and
    checkpoint_iter{N}.pt every cfg.keep_every). Iterations `start` to `stop` remain to run; when none remain,
    the run's files are only read, so loading a finished run never rewrites its record."""

    def __init__(self, run_dir, cfg, metrics: list, start: int, stop: int):
        self.dir, self.cfg, self.metrics, self.start, self.stop = Path(run_dir), cfg, metrics, start, stop
        self.dir.mkdir(parents=True, exist_ok=True)
        if start < stop or not (self.dir / "config.json").exists():  # a finished run's record stays as it ran
            (self.dir / "config.json").write_text(json.dumps(dataclasses.asdict(cfg), indent=1))
        if start < stop:
            write_metrics(self.dir / "metrics.jsonl", metrics)  # drops lines written after the checkpoint
        self.steps = metrics[-1]["progress/total_env_steps"] if metrics else 0
        self.wall = metrics[-1]["time/wall"] if metrics else 0.0

    def iterations(self, progress: bool = True):
        """The iterations still to run, under a progress bar (without one, `record` prints a line each)."""
        self.progress, self.t0 = progress, time.perf_counter()
        self.bar = tqdm(range(self.start, self.stop), desc="meta-train", initial=self.start,
                        total=self.cfg.meta_iterations, disable=not progress)
        return self.bar

    def record(self, it: int, m: dict, params: dict, outer_state: dict | None):
        """Log iteration `it`'s metrics `m` with the running step count and wall time; checkpoint as configured."""
        self.steps += m["progress/env_steps"]
        m.update({"progress/total_env_steps": self.steps, "time/wall": self.wall + time.perf_counter() - self.t0})
        self.metrics.append(m)
        with open(self.dir / "metrics.jsonl", "a") as log:
            log.write(json.dumps(m) + "\n")
        self.bar.set_postfix(pre=f"{m['returns/pre']:.1f}", post=f"{m['returns/post']:.1f}")
        if not self.progress:
            print(log_line(m), flush=True)
        n, cfg = it + 1, self.cfg
        if n % cfg.checkpoint_every == 0 or n == cfg.meta_iterations:
            save_checkpoint(self.dir / "checkpoint.pt", params, n, self.metrics, cfg, outer_state)
        if cfg.keep_every and n % cfg.keep_every == 0:
            save_checkpoint(self.dir / f"checkpoint_iter{n}.pt", params, n, self.metrics, cfg, outer_state)


def load_params(policy, params: dict, path):
    """Load a checkpoint's `params` into `policy`; CheckpointError naming `path` if their shapes do not fit it."""
    got = {k: tuple(v.shape) for k, v in params.items()}
    if got != {k: tuple(v.shape) for k, v in policy.named_parameters()}:
        raise CheckpointError(f"{path}: parameters {got} do not fit a policy with hidden sizes "
                              f"{policy.layers[0].out_features, policy.layers[-1].in_features}")
    policy.load_state_dict(params)


# ------------------------------------------------------------------------------------------------- plots
SERIES = {"returns/post_backward": ("backward, after 1 step", "C0", "-"),
          "returns/pre_backward": ("backward, before adaptation", "C0", "--"),
          "returns/post_forward": ("forward, after 1 step", "C1", "-"),
          "returns/pre_forward": ("forward, before adaptation", "C1", "--"),
          "returns/post": ("all tasks, after 1 step", "C2", "-"),
          "returns/pre": ("all tasks, before adaptation", "C2", "--")}
"""One colour per direction and one line style per phase, the same in every plot."""
CURVES = {"direction": tuple(SERIES)[:4], "velocity": ("returns/post", "returns/pre")}  # per task kind
EVAL_LABELS = {"backward": "backward (HalfCheetahBackward)", "forward": "forward",
               "test": "test goals, U[0, 2]", "extrapolation": "goals beyond training, U[2, 3]"}
X_AXES = {"progress/iteration": ("meta-iteration", 1.0), "progress/total_env_steps": ("environment steps (M)", 1e6),
          "time/wall": ("wall time (min, 2 CPU cores)", 60.0)}


def trailing_mean(y, window: int) -> np.ndarray:
    """Mean of the last `window` finite values at each index (fewer at the start)."""
    y = np.asarray(y, dtype=float)
    out = np.full_like(y, np.nan)
    for i in range(len(y)):
        seg = y[max(0, i - window + 1): i + 1]
        seg = seg[np.isfinite(seg)]
        out[i] = seg.mean() if len(seg) else np.nan
    return out


def plot_learning_curves(metrics: list, ax, x: str = "progress/iteration", keys=CURVES["direction"],
                         smooth: int = 10, label: bool = True, alpha: float = 1.0):
    """Meta-batch returns against `x` (a key of X_AXES), trailing mean over `smooth` iterations."""
    name, scale = X_AXES[x]
    xs = np.array([m[x] for m in metrics], dtype=float) / scale
    for key in keys:
        ys = [m.get(key, float("nan")) for m in metrics]
        if np.isfinite(ys).any():
            text, colour, style = SERIES[key]
            ax.plot(xs, trailing_mean(ys, smooth), color=colour, ls=style, alpha=alpha, label=text if label else None)
    ax.set_xlabel(name)
    ax.set_ylabel(f"mean return (trailing {smooth}-iteration mean)")
    return ax


def plot_adaptation(summary: dict, ax, label: str, **kw):
    """Mean return ± s.e.m. after 0, 1, ... policy-gradient steps."""
    x = np.arange(len(summary["mean"]))
    ax.errorbar(x, summary["mean"], yerr=summary["sem"], marker="o", capsize=3, label=label, **kw)
    ax.set_xticks(x)
    ax.set_xlabel("policy-gradient steps at test time")
    ax.set_ylabel("mean return per trajectory")
    return ax


# --------------------------------------------------------------------------------------------- rendering
def rendering_available() -> tuple[bool, str]:
    """(True, backend) if MuJoCo can draw off-screen here, else (False, why), after drawing one tiny frame.

    Rendering needs an OpenGL context: EGL or OSMesa on a headless Linux, the platform's own on macOS and
    Windows or with a display. Where none can be made, MuJoCo raises (and GLFW warns) only when the first
    frame is drawn; this asks once, quietly, so that the cells that film the cheetah can say in one line
    that they are skipped, and everything else runs without rendering."""
    backend = os.environ.get("MUJOCO_GL") or f"MuJoCo's default on {platform.system()}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            env = half_cheetah(render_mode="rgb_array", width=16, height=16)
            try:
                env.reset(seed=0)
                env.render()
            finally:
                env.close()
        except Exception as e:  # no OpenGL context could be made: the reason, never a traceback
            why = " / ".join([str(w.message) for w in caught][:1] + [f"{type(e).__name__}: {e}"])
            return False, f"no OpenGL context with {backend} ({why[:160]})"
    return True, backend


def render_episode(make_env, act, horizon: int, seed: int = 0):
    """Frames (list of HxWx3 uint8), the return and the x positions (T + 1,) of one episode of `horizon` steps.

    make_env(**render_kwargs) -> the task's env (the notebook passes HalfCheetahBackward); act(obs (17,)
    float64) -> the action in the environment's units. Filmed with rgb_array rendering and the XML's camera
    that follows the cheetah's centre of mass."""
    env = make_env(render_mode="rgb_array", width=320, height=240, camera_name="track")
    obs, _ = env.reset(seed=seed)
    frames, total, xs = [env.render()], 0.0, [float(env.unwrapped.data.qpos[0])]
    for _ in range(horizon):
        obs, r, term, trunc, _ = env.step(act(obs))
        total += r
        frames.append(env.render())
        xs.append(float(env.unwrapped.data.qpos[0]))
        if term or trunc:
            break
    env.close()
    return frames, total, np.array(xs)


FIXED_CAMERA = {"distance": 6.0, "lookat": np.array([-5.0, 0.0, 0.3]), "elevation": -2.0, "azimuth": 90.0}
"""A side view that does not move, centred 5 m behind the start (x = 0 lies at the right of the image)."""


def strobe_image(make_env, act, times=(0, 1, 2, 3, 4, 5), seed: int = 0):
    """One episode of make_env(**render_kwargs) played by act(obs) -> action, seen by FIXED_CAMERA, with the cheetah
    drawn at each of `times` (seconds) over an empty scene, earlier exposures fainter. Returns the image
    (H x W x 3 uint8) and the x position at each time. The camera stays put, so the direction of travel
    shows: a backward runner's exposures march to the left."""
    env = make_env(render_mode="rgb_array", width=960, height=240, camera_id=-1, default_camera_config=FIXED_CAMERA)
    obs, _ = env.reset(seed=seed)
    u = env.unwrapped
    qpos, qvel = u.data.qpos.copy(), u.data.qvel.copy()
    u.set_state(qpos + np.eye(len(qpos))[0] * 1000.0, qvel)   # the cheetah far out of view: the empty scene
    background = env.render().astype(float)
    u.set_state(qpos, qvel)
    steps = sorted({int(round(t / u.dt)) for t in times})
    exposures, xs = [], []
    for t in range(steps[-1] + 1):
        if t in steps:
            exposures.append(env.render().astype(float))
            xs.append(float(u.data.qpos[0]))
        obs, *_ = env.step(act(obs))
    env.close()
    image = background.copy()
    for i, frame in enumerate(exposures):
        cheetah = (np.abs(frame - background).sum(-1) > 30)[..., None]   # pixels where the cheetah is
        alpha = 0.35 + 0.65 * i / max(1, len(exposures) - 1)
        image = np.where(cheetah, (1 - alpha) * image + alpha * frame, image)
    return image.astype(np.uint8), np.array(xs)


def stratified_sem(values) -> float:
    """Standard error of the mean of stratum-major pairs (the notebook's `test_goals`) over a fresh draw of the
    goals and their trajectories: with two units per stratum, Var(mean) = sum_i (v_i1 - v_i2)^2 / (4 S^2)."""
    v = np.asarray(values, dtype=float).reshape(-1, 2)
    return float(np.sqrt(((v[:, 0] - v[:, 1]) ** 2).sum()) / (2 * len(v)))


# ------------------------------------------------------------------------------------ printing the summary
def print_direction_summary(head: dict):
    """Section 10's table of the direction family from results/summary.json's `headline`."""
    back, avg = head["backward"], head["direction_average"]
    for d in ("backward", "forward"):  # what every fraction divides by
        print(f"oracle return, {d}: {head['oracle_text'][d]}")
    print(f"{'seed':>4} {'env steps':>10} {'minutes':>8} {'1-step backward':>16} {'fraction':>9} {'1-step forward':>15}")
    for i, s in enumerate(head["seeds"]):
        print(f"{s:>4} {head['env_steps_per_seed'][i] / 1e6:>9.1f}M {head['wall_minutes_per_seed'][i]:>8.1f} "
              f"{fmt(head['return_1step_per_seed']['backward'][i]):>16} {back['fraction_1step_per_seed'][i]:>9.3f} "
              f"{fmt(head['return_1step_per_seed']['forward'][i]):>15}")
    lo, hi = back["fraction_1step_ci95"]
    # Student-t intervals over the per-seed fractions: the seeds are the independent units
    print(f"backward fraction of the oracle after one step: mean {back['fraction_1step']:.2f}, "
          f"95% interval across seeds [{lo:.2f}, {hi:.2f}]")
    if avg:
        lo, hi = avg["fraction_1step_ci95"]
        print(f"averaged over both directions: mean {avg['fraction_1step']:.2f}, 95% interval across seeds [{lo:.2f}, {hi:.2f}]")
    if "heldout" in head:  # the same checkpoints, evaluated again on seeds nothing else used (seed + 9000)
        hb, ha = head["heldout"]["backward"], head["heldout"]["direction_average"]
        print("evaluated again on fresh seeds, backward per seed: " + " ".join(f"{x:.3f}" for x in hb["fraction_1step_per_seed"])
              + f"; mean {hb['fraction_1step']:.2f}, both directions {ha['fraction_1step']:.2f}")


def print_direction_returns(methods: dict, names={"maml": "MAML", "pretrained": "pretrained", "random": "random init"}):
    """Mean return after 0..3 steps on each direction, MAML beside the baselines adapted the same way; from
    results/summary.json's `methods` (means over seeds of each seed's mean over its evaluation runs)."""
    for m, label in names.items():
        if m in methods:
            e = methods[m]
            n = len(e["seeds"])
            print(f"{label:>11} ({n} seed{'s' if n > 1 else ''}): mean return after 0..3 steps, backward {fmt_list(e['backward']['mean'])}, "
                  f"forward {fmt_list(e['forward']['mean'])}")


def fmt_list(values) -> str:
    """[a, b, ...] with one decimal each, never -0.0."""
    return "[" + ", ".join(fmt(v) for v in values) + "]"


def print_velocity_summary(velocity: dict):
    """Section 10's table of the goal-velocity family from results/summary.json's `velocity`."""
    maml = velocity["methods"]["maml"]
    print(f"goal velocity, {velocity['n_test_goals']} unseen test goals stratified over [0, 2]; oracle return "
          f"{fmt(velocity['oracle_return_test'])} (mean of oracle seeds {velocity['oracle_seeds']})")
    print(f"{'seed':>4} {'0 steps':>8} {'1 step':>8} {'3 steps':>8} {'gap closed: 1':>14} {'2':>5} {'3':>5} "
          f"{'beyond [0, 2]: 0 -> 1 step':>27}")
    for i, s in enumerate(maml["seeds"]):
        r, g = maml["test"]["returns_per_seed"][i], maml["test"]["gap_closed_per_seed"][i]
        ex = maml["extrapolation"]["returns_per_seed"][i]  # beyond the range the oracle is no reference
        print(f"{s:>4} {fmt(r[0]):>8} {fmt(r[1]):>8} {fmt(r[3]):>8} {g[1]:>14.2f} {g[2]:>5.2f} {g[3]:>5.2f} "
              f"{fmt(ex[0]):>18} -> {fmt(ex[1]):>6}")
    lo, hi = velocity["gap_closed_1step_ci95"]
    print(f"gap closed after one step: mean {velocity['gap_closed_1step']:.2f} over {len(maml['seeds'])} seeds, "
          f"95% Student-t interval across seeds [{lo:.2f}, {hi:.2f}]; paper {velocity['paper_gap_closed'][1]:.2f}")
    # a fresh draw of the goals (and their trajectories) moves the five-seed mean by this standard error
    print(f"standard error of that mean over a fresh draw of the test goals: {velocity['gap_closed_1step_sem_goalset']:.3f}")
    if EVEN_GOALS_KEY in maml:
        print("on ten evenly spaced goals 0.1, 0.3, ..., 1.9 m/s, mean return after 0..3 steps",
              fmt_list(maml[EVEN_GOALS_KEY]["returns_mean"]))
    paper = velocity["paper_finn2017_fig5_velocity"]  # rllab's half-cheetah: returns only roughly comparable
    print("MAML's mean return after 0..3 steps", fmt_list(maml["test"]["returns_mean"]), "| paper", paper["maml"],
          f"| oracle {fmt(velocity['oracle_return_test'])}, paper's {paper['oracle']}")
    for m, e in velocity["methods"].items():
        seeds, label = f"({len(e['seeds'])} seed{'s' if len(e['seeds']) > 1 else ''})", e.get("label", m)
        if m == "oracle":  # told the goal, so it is the reference without a step; a step on it is not asked for
            print(f"{label}: mean return without adaptation {fmt(e['test']['returns_mean'][0])} {seeds}")
        elif m != "maml":
            print(f"{label}: mean return after 0..3 steps", fmt_list(e["test"]["returns_mean"]), seeds)
