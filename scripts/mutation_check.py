"""Plant small bugs in the notebook's `lib` cells, one at a time, and report which ones the tests catch.

    python scripts/mutation_check.py [--only NAME ...] [--tests FILE ...] [--no-baseline] [--out FILE]

Each mutation replaces one exact snippet of a `lib` cell, or of `Notebooks/hw14_support.py` (the script stops with an error if a snippet
is no longer found, so the list cannot silently rot). The mutated notebook is written to a temporary
folder and the test suite runs against it (HW14_NOTEBOOK points `nbdefs` there; subprocesses inherit
it), stopping at the first failure. The notebook's papermill smoke run, the report compilation and
the benchmark smoke tests are left out: they check that things run, not what they compute.
A developer tool, not part of CI: from 10 s to 3 min per caught mutation (a mutant dies at its first red
test, and the slow files come late) and about 8 min per survivor on 2 cores.
SCRIPT_MUTATIONS plant bugs in the scripts themselves (in place, restored in a finally block).

Before any mutant, the suite runs once on the clean tree (a mutant "caught" by a test that fails anyway
would mean nothing); that takes about 8 minutes here. To check a few mutants quickly, `--tests` runs only
the named test files, or single tests (`test_robustness.py::test_name`), for the clean tree and for every
mutant, and `--no-baseline` skips the clean run (only after the same tests passed on the same tree). A
mutant caught that way is caught by the whole suite too; a survivor may still be caught by a test left
out. Only a full run (no --only, --tests or --no-baseline) writes tests/mutation_check.json.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "Notebooks" / "HW14_MAML.ipynb"
DESELECT = "not notebook_runs and not report_latex and not benchmark_reports"
# the files in the order they run: fast tests against exact references first, so most mutants die early
ORDER = ["test_references.py", "test_screen_by_return.py", "test_velocity_summary.py", "test_summary.py", "test_registry.py", "test_scripts.py",
         "test_velocity.py", "test_learning_signal.py", "test_maml.py", "test_curvature.py", "test_policy.py", "test_env.py",
         "test_robustness.py", "test_submission.py", "test_portability.py"]

SUPPORT = "hw14_support.py"
# (name, exact snippet, replacement[, SUPPORT]): in one lib cell of the notebook, or in the module beside it
MUTATIONS = [
    ("resume: the machine's thread count compared again",
     "support.refuse_other_experiment(ckpt, experiment_fields(config_from_checkpoint(state)), experiment_fields(cfg),",
     'support.refuse_other_experiment(ckpt, {**experiment_fields(config_from_checkpoint(state)), "num_threads": '
     'state["config"]["num_threads"]}, {**experiment_fields(cfg), "num_threads": cfg.num_threads},'),
    ("fields: inner_lr moved to the execution fields",
     '"keep_every", "eval_batches", "eval_goals")', '"keep_every", "eval_batches", "eval_goals", "inner_lr")'),
    ("fields: gae_lambda moved to the execution fields",
     '"keep_every", "eval_batches", "eval_goals")', '"keep_every", "eval_batches", "eval_goals", "gae_lambda")'),
    ("config_from_checkpoint: the training machine's thread count kept",
     'recorded = {k: v for k, v in state["config"].items() if k != "num_threads"}',
     'recorded = dict(state["config"])'),
    ("MUJOCO_GL: egl forced again",
     'if headless_gl_backend() is not None:  # MuJoCo reads MUJOCO_GL once, when it is imported\n'
     '    os.environ["MUJOCO_GL"] = headless_gl_backend()',
     'os.environ.setdefault("MUJOCO_GL", "egl")', SUPPORT),
    ("MUJOCO_GL: a headless backend off Linux too",
     'if (system or platform.system()) != "Linux" or environ.get("DISPLAY")',
     'if (system or platform.system()) not in ("Linux", "Darwin", "Windows") or environ.get("DISPLAY")', SUPPORT),
    ("train loop: the outer step's state not carried to the next iteration", "outer_state = result.outer_state",
     "outer_state = {}"),
    ("train: a finished run's metrics rewritten", "if start < stop:\n            write_metrics(",
     "if True:\n            write_metrics(", SUPPORT),
    ("train: a finished run's config record rewritten",
     'if start < stop or not (self.dir / "config.json").exists():', "if True:", SUPPORT),
    ("train: keep_every ignored", "if cfg.keep_every and n % cfg.keep_every == 0:", "if False:", SUPPORT),
    ("train: metrics.jsonl not appended", 'log.write(json.dumps(m) + "\\n")', "pass", SUPPORT),
    ("sampler: torch's thread count not restored", "        torch.set_num_threads(threads)\n", "        pass\n", SUPPORT),
    ("promp: Adam restarted at every meta-iteration", "if adam_state and not cfg.promp_reset_adam:",
     "if False:"),
    ("checkpoint: the outer step's state not saved", '"outer_state": outer_state or {}}', '"outer_state": {}}', SUPPORT),
    ("gae: gamma dropped from delta", "deltas = rewards + gamma * next_values - values", "deltas = rewards + next_values - values"),
    ("gae: lambda dropped", "adv = discounted_cumsum(deltas, gamma * lam)", "adv = discounted_cumsum(deltas, gamma)"),
    ("gae: bootstrap b_T = b_{T-1}", "torch.cat([values[1:], torch.zeros_like(values[:1])], dim=0)", "torch.cat([values[1:], values[-1:]], dim=0)"),
    ("cumsum: no discount", "acc = x[t] + discount * acc", "acc = x[t] + acc"),
    ("normalise: biased std", "std = adv.std(dim=(0, 2), keepdim=True)", "std = adv.std(dim=(0, 2), keepdim=True, correction=0)"),
    ("normalise: no centring", "adv = (adv - mean) / (std + 1e-8)", "adv = adv / (std + 1e-8)"),
    ("normalise: over tasks, not trajectories", "mean = adv.mean(dim=(0, 2), keepdim=True)", "mean = adv.mean(dim=(0, 1), keepdim=True)"),
    ("baseline: fitted to rewards", "values = support.fit_linear_baseline(batch.obs, returns, cfg.baseline_reg)", "values = support.fit_linear_baseline(batch.obs, batch.rewards, cfg.baseline_reg)"),
    ("baseline: ridge not square-rooted", "eye = math.sqrt(reg) * torch.eye(F", "eye = reg * torch.eye(F", SUPPORT),
    ("baseline: feature tau^3 -> tau^2", "tau, tau ** 2, tau ** 3,", "tau, tau ** 2, tau ** 2,", SUPPORT),
    ("inner loss: sign", "return -(INNER_WEIGHTS[objective](logp) * adv).mean(dim=1)", "return (INNER_WEIGHTS[objective](logp) * adv).mean(dim=1)"),
    ("inner step: ascent", "return {k: v - lr * g for (k, v), g in zip(per_task.items(), grads)}", "return {k: v + lr * g for (k, v), g in zip(per_task.items(), grads)}"),
    ("inner step: no create_graph", "create_graph=not first_order)", "create_graph=False)"),
    ("lvc: same as vpg", '"lvc": lambda logp: torch.exp(logp - logp.detach())}', '"lvc": lambda logp: logp}'),
    ("policy: std = exp(2 log_std)", "std = torch.exp(self.log_std)", "std = torch.exp(2 * self.log_std)"),
    ("kl: reversed", "kl = torch.distributions.kl_divergence(old, d).mean()", "kl = torch.distributions.kl_divergence(d, old).mean()"),
    ("surrogate: log-ratio", "ratio = torch.exp(d.log_prob(self.act) - self.old_logp)", "ratio = 1 + d.log_prob(self.act) - self.old_logp"),
    ("trust region: no factor 2", "return x * torch.sqrt(2 * max_kl / xHx)", "return x * torch.sqrt(max_kl / xHx)"),
    ("natural step: uphill", "x = conjugate_gradient(Hvp, -g, cg_iters)", "x = conjugate_gradient(Hvp, g, cg_iters)"),
    ("line search: kl bound doubled", "loss < loss_old and kl <= max_kl", "loss < loss_old and kl <= 2 * max_kl"),
    ("line search: linear shrink", "cand = unflat(theta_old + (ratio ** j) * full_step, params)", "cand = unflat(theta_old + (ratio * (j + 1)) * full_step, params)"),
    ("cg: residual sign", "r = r - alpha * Ap", "r = r + alpha * Ap"),
    ("fisher: log-std curvature 1", "2 * u[k].expand_as(p[k]) / K", "u[k].expand_as(p[k]) / K"),
    ("fisher: 1/sigma instead of 1/sigma^2", "weight = torch.exp(-2 * p[\"log_std\"]).unsqueeze(1) / (K * S)", "weight = torch.exp(-p[\"log_std\"]).unsqueeze(1) / (K * S)"),
    ("fisher: not averaged over tasks", "weight = torch.exp(-2 * p[\"log_std\"]).unsqueeze(1) / (K * S)", "weight = torch.exp(-2 * p[\"log_std\"]).unsqueeze(1) / S"),
    ("damping dropped", "out = fk(unflat(v, shapes))\n        return flat(out[k].sum(0) for k in shapes) + damping * v", "out = fk(unflat(v, shapes))\n        return flat(out[k].sum(0) for k in shapes)"),
    ("jacobian: J = I + alpha H", "return {k: u[k] - alpha * h for k, h in zip(leaves, hu)}", "return {k: u[k] + alpha * h for k, h in zip(leaves, hu)}"),
    ("jacobian: J applied on one side only", "out = J(fk(J({k: vs[k].expand(K, *vs[k].shape) for k in theta})))", "out = fk(J({k: vs[k].expand(K, *vs[k].shape) for k in theta}))"),
    ("jacobian: plain inner Hessian under LVC", "leaves, batch, adv, problem.cfg.inner_objective, create_graph=True)", 'leaves, batch, adv, "vpg", create_graph=True)'),
    ("curvature: 'jacobian' runs the Fisher form", "lambda problem, theta, cfg: jacobian_fisher_vp(problem, theta, cfg.curvature_stride, cfg.cg_damping)}", "lambda problem, theta, cfg: fisher_vp(problem, cfg.curvature_stride, cfg.cg_damping)}"),
    ("sampler: stores clipped actions", "act_buf[t] = a.reshape(B, act_dim).numpy()", "act_buf[t] = a.reshape(B, act_dim).clamp(-action_scale, action_scale).numpy()"),
    ("sampler: env gets unscaled actions", "np.clip(act_buf[t], -action_scale, action_scale) / action_scale", "np.clip(act_buf[t], -1, 1)"),
    ("balanced tasks: slots not shuffled", "return rng.permutation(np.concatenate([np.repeat(family, reps), rng.permutation(family)[:rest]]))", "return np.concatenate([np.repeat(family, reps), rng.permutation(family)[:rest]])"),
    ("balanced tasks: remainder always forward", "rng.permutation(family)[:rest]]", "family[:rest]]"),
    ("env: control cost rewarded", "reward = task_reward - ctrl_cost", "reward = task_reward + ctrl_cost", SUPPORT),
    ("env: velocity over physics step", "x_velocity = (self._qpos[:, 0] - x_before) / self.dt", "x_velocity = (self._qpos[:, 0] - x_before) / self.model.opt.timestep", SUPPORT),
    ("checkpoint: written in place", 'tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")', "tmp = path", SUPPORT),
    ("evaluation: first step size for all", "batch_advantages(batch, cfg), lrs[j], first_order=True)", "batch_advantages(batch, cfg), lrs[0], first_order=True)"),
    ("evaluation: the same batch every step", 'npr, g, s = rng_streams(seed, 10_000 + j, "eval")', 'npr, g, s = rng_streams(seed, 10_000, "eval")'),
    ("seeding: iteration ignored", "ss = np.random.SeedSequence([seed, iteration, STREAMS[stream]])", "ss = np.random.SeedSequence([seed, STREAMS[stream]])"),
    ("loop: post batch with theta", 'post = check("observations", sample_batch(env, policy, params, K, T, s, *stream_seeds(cfg, it, "post")))', 'post = check("observations", sample_batch(env, policy, theta, K, T, s, *stream_seeds(cfg, it, "post")))'),
    ("loop: post batch on the pre stream", 'sample_batch(env, policy, params, K, T, s, *stream_seeds(cfg, it, "post"))', 'sample_batch(env, policy, params, K, T, s, *stream_seeds(cfg, it, "pre"))'),
    ("metrics: directions swapped", "mask = torch.as_tensor(r.tasks == d)", "mask = torch.as_tensor(r.tasks != d)", SUPPORT),
    ("promp: max instead of min", "surrogate = -torch.min(ratio * problem.adv, clipped * problem.adv).mean()", "surrogate = -torch.max(ratio * problem.adv, clipped * problem.adv).mean()"),
    ("promp: clip range doubled", "clipped = torch.clamp(ratio, 1 - cfg.promp_clip, 1 + cfg.promp_clip)", "clipped = torch.clamp(ratio, 1 - 2 * cfg.promp_clip, 1 + 2 * cfg.promp_clip)"),
    ("promp: kl rewarded", "return surrogate + cfg.promp_kl_coef * kl_pre, kl_pre", "return surrogate - cfg.promp_kl_coef * kl_pre, kl_pre"),
    ("guard: non-finite passes", "if not bool(torch.isfinite(t).all()):", "if False:", SUPPORT),
    ("velocity: reward peaks at -g", "\"velocity\": lambda g, v: -np.abs(v - g)}", "\"velocity\": lambda g, v: -np.abs(v + g)}", SUPPORT),
    ("velocity: wrapper reward ignores the goal", "\"reward_velocity\": -abs(info[\"x_velocity\"] - self.goal_velocity)}", "\"reward_velocity\": -abs(info[\"x_velocity\"])}", SUPPORT),
    ("velocity: the oracle is not told its goal", "([self.tasks[:, None]] if self.observe_task else [])", "([0 * self.tasks[:, None]] if self.observe_task else [])", SUPPORT),
    ("velocity: goal sets swapped", '"test": test_goals(cfg.goal_velocity_range, cfg.eval_goals',
     '"test": test_goals(EXTRAPOLATION_RANGE, cfg.eval_goals'),
    ("velocity: test goals i.i.d., not stratified", "u = np.random.default_rng(seed).uniform(size=(n // 2, 2))",
     "u = np.random.default_rng(seed).uniform(size=(n // 2, 2)) * (n // 2) - np.arange(n // 2)[:, None]"),
    ("velocity: both goals of a stratum the same", "u = np.random.default_rng(seed).uniform(size=(n // 2, 2))",
     "u = np.repeat(np.random.default_rng(seed).uniform(size=(n // 2, 1)), 2, axis=1)"),
    ("velocity: stratified s.e.m. without the factor 2", "return float(np.sqrt(((v[:, 0] - v[:, 1]) ** 2).sum()) / (2 * len(v)))",
     "return float(np.sqrt(((v[:, 0] - v[:, 1]) ** 2).sum()) / len(v))", SUPPORT),
    ("velocity: the ten evenly spaced goals once each", "support.EVEN_GOALS_KEY: np.repeat(EVEN_GOALS, 2)}", "support.EVEN_GOALS_KEY: np.asarray(EVEN_GOALS)}"),
    ("velocity: balanced goals not stratified", "u = (rng.permutation(n) + rng.uniform(size=n)) / n if cfg.balanced_tasks", "u = rng.uniform(size=n) if cfg.balanced_tasks"),
    ("velocity: negative goal range accepted", "and 0 <= v[0] < v[1]", "and v[0] < v[1]", SUPPORT),
    ("layout: post-update advantages n-major", "self.adv = post_adv.permute(1, 0, 2).reshape(", "self.adv = post_adv.permute(1, 2, 0).reshape("),
    ("layout: inner advantages n-major", "adv = advantages.permute(1, 0, 2).reshape(obs.shape[0], -1)", "adv = advantages.permute(1, 2, 0).reshape(obs.shape[0], -1)"),
    ("config: activation ignored", "h = ACTIVATION_FNS[self.activation](h)", "h = torch.relu(h)"),
    ("config: control-cost weight ignored", "ctrl_cost = self.ctrl_cost_weight * np.sum(", "ctrl_cost = 0.05 * np.sum(", SUPPORT),
    ("labels: evaluation directions swapped", "r, _ = evaluate_adaptation(policy, theta, cfg, d, n_runs", "r, _ = evaluate_adaptation(policy, theta, cfg, -d, n_runs"),
    ("physics batch: warm start not carried", "            put(m, d, row, _INTEGRATION)",
     "            put(m, d, row, _INTEGRATION & ~mujoco.mjtState.mjSTATE_WARMSTART.value)", SUPPORT),
    ("physics batch: ctrl view at the warm start", "state_offset(model, mujoco.mjtState.mjSTATE_CTRL)",
     "state_offset(model, mujoco.mjtState.mjSTATE_WARMSTART)", SUPPORT),
]

# mutants of the scripts that turn runs into the report's numbers: (name, snippet, replacement, file)
SCRIPT_MUTATIONS = [
    ("evaluate.py: records one seed, evaluates another", "n_runs=args.runs, lrs=args.lrs, seed=eval_seed))",
     "n_runs=args.runs, lrs=args.lrs, seed=None))", "evaluate.py"),
    ("evaluate.py: --runs 0 accepted", "    if value < 1:\n        raise argparse.ArgumentTypeError(f\"expected an integer >= 1",
     "    if value < 0:\n        raise argparse.ArgumentTypeError(f\"expected an integer >= 1", "evaluate.py"),
    ("summary: median by seed order, not by fraction", "h[\"median_seed\"] = h[\"seeds\"][int(order[(len(order) - 1) // 2])]",
     "h[\"median_seed\"] = h[\"seeds\"][(len(order) - 1) // 2]", "summary_runs.py"),
    ("stats: t quantile off by one degree of freedom", "half = T975[min(len(v), len(T975) + 1) - 2]",
     "half = T975[min(len(v), len(T975) + 1) - 1]", "seed_stats.py"),
    ("summary: reference oracle used before all its seeds finished",
     "if [r[\"seed\"] for r in runs] != sorted(REGISTRY[name][\"seeds\"]):",
     "if not runs:", "summary_runs.py"),
    ("summary: reference oracle from its best seed, not the mean",
     "out.update({d: float(np.mean(per_seed)),", "out.update({d: float(np.max(per_seed)),", "summary_runs.py"),
    ("velocity: gap measured against the oracle alone", "return ((r - r[0]) / (oracle - r[0])).tolist()",
     "return ((r - r[0]) / abs(oracle)).tolist()", "velocity_summary.py"),
    ("velocity: oracle from its last step, not its own return", "float(np.mean([r[g][0] for r in runs[\"oracle\"].values()]))",
     "float(np.mean([r[g][-1] for r in runs[\"oracle\"].values()]))", "velocity_summary.py"),
    ("summary: lever compared on other seeds", "seeds = [s for s in v[\"seeds\"] if s in other]",
     "seeds = list(other)", "summary_tex.py"),
    ("registry: held-out evaluation on the run's own seed", 'str(seed + x["seed_offset"])', "str(seed)", "run_registry.py"),
    ("registry: continuing overwrites the run's own checkpoint", 'if (dst / "checkpoint.pt").exists():\n        return',
     "if False:\n        return", "run_registry.py"),
    ("registry: entries default to running", 'status = e.get("status", "finished")', 'status = e.get("status", "running")',
     "registry.py"),
    ("registry: two entries may share a folder", 'if e["out"] in outs:', "if False:", "registry.py"),
    ("registry: a stopped entry runs unasked", 'else e["status"] != "stopped")', "else True)", "run_registry.py"),
    ("summary: run folder by name, not the registry's out", 'return results / REGISTRY[name]["out"]',
     "return results / name", "summary_runs.py"),
    ("summary: ablation rows labelled by the entry's label", "labels = ablation_rows(REGISTRY)",
     'labels = {n: REGISTRY[n]["label"] for n in ablation_rows(REGISTRY)}', "summary_tex.py"),
    ("velocity: goal at the split counted as slow", 'for name, k in (("slow", goals < split), ("fast", goals >= split)):',
     'for name, k in (("slow", goals <= split), ("fast", goals >= split)):', "velocity_summary.py"),
    ("velocity: the probe's fast goals read before the step", '"fast_return_1step": float(r[goals >= split, 1].mean())',
     '"fast_return_1step": float(r[goals >= split, 0].mean())', "velocity_summary.py"),
    ("velocity: a pass on seed 5 alone counted as adopted", '>= set(SCREEN[e]["seeds"])]', '>= set()]',
     "velocity_report.py"),
    ("velocity: an unchanged return counted as worse", "append(float((change < 0).mean()))",
     "append(float((change <= 0).mean()))", "velocity_summary.py"),
    ("summary: oracle candidates include the velocity family", 'if e.get("direction") and e["family"] == "direction"}',
     'if e.get("direction") or e["role"] == "oracle"}', "registry.py"),
    ("summary: the forward oracle's text lists the backward seeds' returns", 'per_seed = oracle.get(f"{d}_per_seed")',
     'per_seed = oracle.get("backward_per_seed")', "summary_runs.py"),
    ("summary: the reference counted among the single oracle runs",
     "for src in srcs if src not in REFERENCES.values()}", "for src in srcs}", "summary_runs.py"),
    ("screening: a tie with final_screen counts as a win", 'if gate["kind"] == "beat" and not mine[s] > base[s]:',
     'if gate["kind"] == "beat" and not mine[s] >= base[s]:', "summary_tables.py"),
    ("screening: hvp_tasks5's tolerance ignored", "if mine[s] < base[s] - gate[\"tolerance\"]:",
     "if mine[s] < base[s] - 1.0:", "summary_tables.py"),
    ("screening: the variant beside final_screen's first seed", "{b_avg[s]:.3f}", "{b_avg[seeds[0]]:.3f}",
     "summary_tables.py"),
    ("summary: late change against the run's first iterations", "both[-window - lag:-lag].mean()",
     "both[:window].mean()", "summary_runs.py"),
    ("targets: a seed at exactly 0.66 counted as below", 'if f < TARGETS["seed"]]', 'if f <= TARGETS["seed"]]',
     "summary_tables.py"),
    ("lever table: no rule between the groups", 'if rows and lv.get("group") != group:', "if False:",
     "summary_tex.py"),
    ("summary: the fraction table divides by the stronger single oracle run, not the headline's reference",
     'oracle = divisor(results)[0]["backward"]', 'oracle = __import__("summary_runs").oracles(results)["backward"]',
     "summarize_results.py"),
    ("EXPERIMENTS.md: entries with finished seeds counted by their status", "started = [n for n in REGISTRY if finished_seeds(results, n)]",
     'started = [n for n in REGISTRY if REGISTRY[n]["status"] == "finished"]', "summary_experiments.py"),
    ("return comparison: the paired standard error with the biased standard deviation",
     "d.std(ddof=1) / math.sqrt(len(d))", "d.std() / math.sqrt(len(d))", "screen_by_return.py"),
    ("return comparison: a candidate goes on after one seed",
     "return True if all(s in mine for s in seeds) else None", "return True if any(s in mine for s in seeds) else None",
     "screen_by_return.py"),
]


def mutate_script(path: Path, old: str, new: str) -> str:
    """Replace the one occurrence of `old` in a script; return the original text (to restore)."""
    text = path.read_text()
    if text.count(old) != 1:
        raise SystemExit(f"error: snippet must occur exactly once in {path.name}, found {text.count(old)}: {old!r}")
    path.write_text(text.replace(old, new))
    return text


def mutate(nb, old: str, new: str):
    hits = [c for c in nb.cells if c.cell_type == "code" and "lib" in c.metadata.get("tags", []) and old in c.source]
    if len(hits) != 1 or hits[0].source.count(old) != 1:
        raise SystemExit(f"error: snippet must occur exactly once in the lib cells, found in {len(hits)} cells: {old!r}")
    hits[0].source = hits[0].source.replace(old, new)


def write_tree(folder: Path, nb, support_text: str) -> Path:
    """The notebook and its support module side by side in `folder` (nbdefs puts the notebook's folder on
    sys.path, so the tests import this copy of hw14_support); returns the notebook's path."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / NOTEBOOK.name)
    (folder / SUPPORT).write_text(support_text)
    return folder / NOTEBOOK.name


def mutated(base, support_text: str, mutation) -> tuple:
    """(notebook, support text) with one mutation applied; its snippet must occur exactly once."""
    name, old, new, *where = mutation
    nb = nbformat.from_dict(json.loads(json.dumps(base)))
    if where:
        if support_text.count(old) != 1:
            raise SystemExit(f"error: snippet must occur exactly once in {SUPPORT}, found {support_text.count(old)}: {old!r}")
        return nb, support_text.replace(old, new)
    mutate(nb, old, new)
    return nb, support_text


def run_suite(path: Path, files=None) -> tuple[bool, str, float]:
    """(failed, the first failing test or pytest's last line, seconds): the suite, or its test `files`."""
    env = {**os.environ, "HW14_NOTEBOOK": str(path)}  # the notebook picks MUJOCO_GL for the machine
    t = time.perf_counter()
    files = files or ORDER + sorted(p.name for p in (ROOT / "tests").glob("test_*.py") if p.name not in ORDER)
    r = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                        *[str(ROOT / "tests" / f) for f in files], "-k", DESELECT],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    failed = [line.split(" ")[1] for line in r.stdout.splitlines() if line.startswith("FAILED ")]
    return r.returncode != 0, (failed[0] if failed else r.stdout.strip().splitlines()[-1]), time.perf_counter() - t


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", nargs="*", help="run only mutations whose name contains one of these words")
    p.add_argument("--out", help="where to write the score (default: tests/mutation_check.json for a full run; "
                   "a run with --only writes nothing unless asked, so the committed full score stays)")
    p.add_argument("--dry-run", action="store_true", help="only check that every snippet is found")
    p.add_argument("--tests", nargs="+", metavar="FILE", help="run only these files of tests/ (e.g. test_maml.py), "
                   "or single tests of them (test_maml.py::test_name)")
    p.add_argument("--no-baseline", action="store_true", help="skip the suite's run on the clean tree")
    args = p.parse_args()
    if args.tests:
        missing = [f for f in args.tests if not (ROOT / "tests" / f.split("::")[0]).is_file()]
        if missing:
            raise SystemExit(f"error: no such test files in tests/: {missing}")
    chosen = [m for m in MUTATIONS if not args.only or any(w in m[0] for w in args.only)]
    scripts = [m for m in SCRIPT_MUTATIONS if not args.only or any(w in m[0] for w in args.only)]
    base = nbformat.read(NOTEBOOK, as_version=4)
    support_text = (NOTEBOOK.parent / SUPPORT).read_text()
    for m in chosen:  # every snippet must still be found before anything runs
        mutated(base, support_text, m)
    for _, old, new, name in scripts:
        if (ROOT / "scripts" / name).read_text().count(old) != 1:
            raise SystemExit(f"error: snippet must occur exactly once in {name}: {old!r}")
    if args.dry_run:
        print(f"all {len(chosen) + len(scripts)} snippets found")
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        clean = write_tree(Path(tmp) / "clean", base, support_text)
        failed, why, _ = (False, "", 0.0) if args.no_baseline else run_suite(clean, args.tests)
        if failed:
            raise SystemExit(f"error: the suite fails on the unmutated notebook ({why})")
        for m in chosen:
            name = m[0]
            path = write_tree(Path(tmp) / "mutant", *mutated(base, support_text, m))
            killed, why, secs = run_suite(path, args.tests)
            rows.append({"mutation": name, "killed": killed, "by": why if killed else None, "seconds": round(secs, 1)})
            print(f"{'killed  ' if killed else 'SURVIVED'} {name:<45} {why if killed else ''} ({secs:.0f} s)", flush=True)
        for name, old, new, script in scripts:  # the scripts are mutated in place and always restored
            path = ROOT / "scripts" / script
            original = mutate_script(path, old, new)
            try:
                killed, why, secs = run_suite(clean, args.tests)
            finally:
                path.write_text(original)
            rows.append({"mutation": name, "killed": killed, "by": why if killed else None, "seconds": round(secs, 1)})
            print(f"{'killed  ' if killed else 'SURVIVED'} {name:<45} {why if killed else ''} ({secs:.0f} s)", flush=True)
    caught = sum(r["killed"] for r in rows)
    summary = {"caught": caught, "total": len(rows), "score": round(caught / max(1, len(rows)), 3),
               "survivors": [r["mutation"] for r in rows if not r["killed"]], "mutations": rows}
    partial = args.only or args.tests or args.no_baseline
    out = args.out or (None if partial else str(ROOT / "tests" / "mutation_check.json"))
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(summary, indent=1))
    print(f"\ncaught {caught} of {len(rows)} ({summary['score']:.0%}); survivors: {summary['survivors']}")
    print(json.dumps({k: summary[k] for k in ("caught", "total", "score", "survivors")}))


if __name__ == "__main__":
    main()
