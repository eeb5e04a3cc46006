"""Config validation, non-finite guard, checkpoints, resume after SIGKILL, determinism."""
import hw14_support as support  # the machinery beside the notebook (conftest puts Notebooks/ on sys.path)
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

BAD_VALUES = [
    ("inner_lr", 0.0), ("inner_lr", -0.1), ("inner_lr", float("nan")), ("inner_lr", float("inf")),
    ("horizon", 0), ("horizon", 2.5), ("meta_batch_size", 0), ("traj_per_task", -1),
    ("meta_iterations", 0), ("cg_iters", 0), ("gamma", 0.0), ("gamma", 1.5), ("gae_lambda", -0.1),
    ("gae_lambda", 1.01), ("max_kl", 0.0), ("max_kl", -1.0), ("ls_ratio", 1.0), ("ls_ratio", 0.0),
    ("hidden_sizes", ()), ("hidden_sizes", (64, 0)), ("hidden_sizes", (-3,)), ("inner_steps", -1),
    ("task_family", "sideways"), ("activation", "gelu"), ("num_threads", 0), ("inner_lr", "0.1"),
    ("horizon", "200"), ("first_order", "no"), ("balanced_tasks", 1), ("eval_inner_lrs", ()), ("eval_inner_lrs", (0.1, -1.0)),
    ("checkpoint_every", 0), ("keep_every", -1), ("hvp_tasks", 0), ("seed", -1), ("horizon", True), ("action_scale", 0.0),
    ("inner_objective", "dice"), ("curvature", "approx"), ("curvature_stride", 0), ("curvature_stride", 1.5),
]


@pytest.mark.parametrize("name, value", BAD_VALUES)
def test_bad_config_value_names_field_and_value(nb, name, value):
    with pytest.raises(support.ConfigError) as e:
        nb.make_config("smoke", **{name: value})
    msg = str(e.value)
    assert f"'{name}'" in msg and repr(value) in msg and "expected" in msg


def test_zero_inner_steps_is_allowed(nb):
    assert nb.make_config("smoke", inner_steps=0).inner_steps == 0


def test_unknown_field_and_size(nb):
    with pytest.raises(support.ConfigError, match="unknown config field.*'inner_lrr'"):
        nb.make_config("smoke", inner_lrr=0.1)
    with pytest.raises(support.ConfigError, match="unknown size 'huge'"):
        nb.make_config("huge")


def test_train_rejects_bad_config_before_writing(nb, tmp_path):
    cfg = nb.MAMLConfig(horizon=-5)
    with pytest.raises(support.ConfigError, match="horizon"):
        nb.train(cfg, tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()


def _small(nb, **kw):
    return nb.make_config("smoke", **{"horizon": 20, "meta_iterations": 4, "checkpoint_every": 1, **kw})


def _strip_time(metrics):
    return [{k: v for k, v in m.items() if not k.startswith("time/")} for m in metrics]


def test_same_seed_same_metrics(nb, tmp_path):
    cfg = _small(nb, meta_iterations=3)
    _, th1, m1 = nb.train(cfg, tmp_path / "a", progress=False)
    _, th2, m2 = nb.train(cfg, tmp_path / "b", progress=False)
    _, _, m3 = nb.train(_small(nb, meta_iterations=3, seed=1), tmp_path / "c", progress=False)
    assert _strip_time(m1) == _strip_time(m2)
    assert _strip_time(m1) != _strip_time(m3)
    for k in th1:
        assert torch.equal(th1[k], th2[k])


def test_checkpoint_roundtrip_and_clear_errors(nb, tmp_path):
    cfg = _small(nb, meta_iterations=1)
    _, theta, metrics = nb.train(cfg, tmp_path / "run", progress=False)
    ckpt = tmp_path / "run" / "checkpoint.pt"
    assert not (tmp_path / "run" / "checkpoint_iter1.pt").exists()
    state = support.load_checkpoint(ckpt)
    assert state["iteration"] == 1 and state["metrics"] == json.loads(json.dumps(metrics))
    policy, params, cfg2 = nb.load_policy(ckpt)
    assert cfg2 == cfg and all(torch.equal(params[k], theta[k]) for k in theta)

    with pytest.raises(support.CheckpointError, match="not found.*nope.pt"):
        support.load_checkpoint(tmp_path / "nope.pt")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(ckpt.read_bytes()[: ckpt.stat().st_size // 2])
    with pytest.raises(support.CheckpointError, match="truncated.pt is not a readable checkpoint"):
        support.load_checkpoint(truncated)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(os.urandom(1000))
    with pytest.raises(support.CheckpointError, match="garbage.pt"):
        support.load_checkpoint(garbage)
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {"w": torch.zeros(2)}}, foreign)
    with pytest.raises(support.CheckpointError, match="foreign.pt is not a hw14-maml-checkpoint-v1"):
        support.load_checkpoint(foreign)
    wrong_shape = tmp_path / "wrong.pt"
    support.save_checkpoint(wrong_shape, {"log_std": torch.zeros(3)}, 1, [], cfg)
    with pytest.raises(support.CheckpointError, match="wrong.pt: parameters"):
        nb.load_policy(wrong_shape)


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch PWNED_BY_CHECKPOINT",))


def test_checkpoint_loading_never_executes_code(nb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    evil = tmp_path / "evil.pt"
    torch.save({"format": "hw14-maml-checkpoint-v1", "x": _Evil()}, evil)
    with pytest.raises(support.CheckpointError, match="evil.pt"):
        support.load_checkpoint(evil)
    assert not (tmp_path / "PWNED_BY_CHECKPOINT").exists()


def test_nan_stops_training_and_keeps_last_checkpoint(nb, tmp_path, monkeypatch):
    cfg = _small(nb, meta_iterations=2)
    run = tmp_path / "run"
    nb.train(cfg, run, progress=False)
    cfg4 = _small(nb, meta_iterations=4)
    before = (run / "checkpoint.pt").read_bytes()
    real = nb.batch_advantages
    monkeypatch.setitem(nb.__dict__, "batch_advantages", lambda b, c: real(b, c) * float("nan"))
    with pytest.raises(support.NonFiniteError, match=r"non-finite .* at meta-iteration 2"):
        nb.train(cfg4, run, progress=False)
    assert (run / "checkpoint.pt").read_bytes() == before
    assert support.load_checkpoint(run / "checkpoint.pt")["iteration"] == 2


def test_resume_after_sigkill_reproduces_uninterrupted_run(nb, tmp_path, root):
    args = ["--size", "smoke", "--seed", "3", "--set", "horizon=30", "--set", "meta_iterations=8",
            "--set", "checkpoint_every=2"]
    script = str(root / "scripts" / "meta_train.py")
    full = tmp_path / "full"
    subprocess.run([sys.executable, script, "--out", str(full), *args], check=True, capture_output=True)
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, script, "--out", str(killed), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        m = killed / "metrics.jsonl"
        if m.exists() and len(m.read_text().splitlines()) >= 5:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    state = support.load_checkpoint(killed / "checkpoint.pt")
    assert 2 <= state["iteration"] < 8, "the kill should land mid-run"
    subprocess.run([sys.executable, script, "--out", str(killed), *args], check=True, capture_output=True)
    read = lambda d: [json.loads(l) for l in (d / "metrics.jsonl").read_text().splitlines()]
    assert len(read(killed)) == 8
    assert _strip_time(read(killed)) == _strip_time(read(full))
    a, b = torch.load(full / "checkpoint.pt"), torch.load(killed / "checkpoint.pt")
    for k in a["params"]:
        assert torch.equal(a["params"][k], b["params"][k])


def test_kept_checkpoints_hold_their_iteration(nb, tmp_path):
    nb.train(_small(nb, meta_iterations=4, keep_every=2), tmp_path / "run", progress=False)
    assert [support.load_checkpoint(tmp_path / "run" / f"checkpoint_iter{i}.pt")["iteration"] for i in (2, 4)] == [2, 4]
    assert not (tmp_path / "run" / "checkpoint_iter1.pt").exists()


def test_resume_refuses_another_experiment_and_names_what_differs(nb, tmp_path):
    nb.train(_small(nb, meta_iterations=1), tmp_path / "run", progress=False)
    with pytest.raises(support.CheckpointError, match=r"another experiment \(horizon: checkpoint 20, this config 13; "
                                                 r"inner_lr: checkpoint 0.1, this config 0.2\)"):
        nb.train(_small(nb, meta_iterations=2, inner_lr=0.2, horizon=13), tmp_path / "run", progress=False)


def test_every_config_field_is_experiment_or_execution_and_never_both(nb):
    fields = [f.name for f in dataclasses.fields(nb.MAMLConfig)]
    assert sorted(nb.EXPERIMENT_FIELDS + nb.EXECUTION_FIELDS) == sorted(fields)
    assert not set(nb.EXPERIMENT_FIELDS) & set(nb.EXECUTION_FIELDS)
    # what changes the learned parameters is an experiment field; the machine's thread count is not
    assert {"seed", "inner_lr", "max_kl", "meta_batch_size", "hidden_sizes"} <= set(nb.EXPERIMENT_FIELDS)
    assert {"num_threads", "record_video"} <= set(nb.EXECUTION_FIELDS)


def test_a_finished_run_loads_on_another_machine_and_stays_untouched(nb, tmp_path):
    """A run trained with 1 thread loads with 8 (another machine's default), and with other execution
    fields, without retraining; its checkpoint, config.json and metrics.jsonl are not rewritten."""
    run = tmp_path / "run"
    _, theta, _ = nb.train(_small(nb, meta_iterations=2, num_threads=1), run, progress=False)
    files = {f: (run / f).read_bytes() for f in ("checkpoint.pt", "config.json", "metrics.jsonl")}
    written = {f: (run / f).stat().st_mtime_ns for f in files}
    time.sleep(0.02)  # a rewrite, even of the same bytes, would carry a later modification time
    other = _small(nb, meta_iterations=2, num_threads=8, record_video=False, eval_batches=3, checkpoint_every=7)
    _, loaded, metrics = nb.train(other, run, progress=False)
    assert len(metrics) == 2 and all(torch.equal(theta[k], loaded[k]) for k in theta)
    assert {f: (run / f).read_bytes() for f in files} == files
    assert {f: (run / f).stat().st_mtime_ns for f in files} == written  # not even rewritten
    cfg = nb.config_from_checkpoint(support.load_checkpoint(run / "checkpoint.pt"))
    assert cfg.num_threads == (os.cpu_count() or 1) and nb.experiment_fields(cfg) == nb.experiment_fields(other)
    with pytest.raises(support.ConfigError, match="not execution fields"):
        nb.config_from_checkpoint(support.load_checkpoint(run / "checkpoint.pt"), inner_lr=0.3)


def test_scripts_report_bad_input_clearly(root, tmp_path):
    ev = subprocess.run([sys.executable, str(root / "scripts" / "evaluate.py"), "--checkpoint",
                         str(tmp_path / "missing.pt"), "--out", str(tmp_path / "e.json")],
                        capture_output=True, text=True)
    assert ev.returncode != 0 and "checkpoint not found" in ev.stderr and "missing.pt" in ev.stderr
    assert "Traceback" not in ev.stderr and not (tmp_path / "e.json").exists()
    tr = subprocess.run([sys.executable, str(root / "scripts" / "meta_train.py"), "--out", str(tmp_path / "r"),
                         "--size", "smoke", "--set", "gamma=2"], capture_output=True, text=True)
    assert tr.returncode != 0 and "config field 'gamma' = 2" in tr.stderr and "Traceback" not in tr.stderr


def test_a_promp_run_resumes_with_its_adam_state(nb, tmp_path):
    """ProMP's Adam state is checkpointed with theta: 2 + 2 iterations (stopped, then resumed) are the 4-iteration
    run bit for bit. A ProMP checkpoint without that state is refused, not silently resumed with a fresh Adam."""
    cfg = _small(nb, meta_iterations=4, outer="promp", promp_steps=2, checkpoint_every=2)
    _, want, want_m = nb.train(cfg, tmp_path / "straight", progress=False)
    adam = torch.load(tmp_path / "straight" / "checkpoint.pt")["outer_state"]
    assert int(adam["state"][0]["step"]) == 4 * cfg.promp_steps  # one Adam, carried through the 4 iterations
    nb.train(cfg, tmp_path / "resumed", progress=False, stop_after=2)
    assert "outer_state" in torch.load(tmp_path / "resumed" / "checkpoint.pt")
    _, got, got_m = nb.train(cfg, tmp_path / "resumed", progress=False)
    assert _strip_time(got_m) == _strip_time(want_m)
    for k in want:
        assert torch.equal(want[k], got[k])
    state = torch.load(tmp_path / "resumed" / "checkpoint.pt")
    del state["outer_state"]
    torch.save(state, tmp_path / "resumed" / "checkpoint.pt")
    with pytest.raises(support.CheckpointError, match="no Adam state"):
        nb.train(dataclasses.replace(cfg, meta_iterations=5), tmp_path / "resumed", progress=False)


def test_loading_a_finished_run_leaves_its_config_record_alone(nb, tmp_path):
    """train() on a finished run only loads it: config.json keeps what the run wrote (a field added to the
    config class later must not appear in an old run's record); a run that trains writes it."""
    cfg = _small(nb, meta_iterations=2)
    nb.train(cfg, tmp_path / "run", progress=False)
    record = tmp_path / "run" / "config.json"
    old = json.loads(record.read_text())
    del old["record_video"]  # as if written before the field existed
    record.write_text(json.dumps(old, indent=1))
    nb.train(cfg, tmp_path / "run", progress=False)
    assert json.loads(record.read_text()) == old
    nb.train(dataclasses.replace(cfg, meta_iterations=3), tmp_path / "run", progress=False)
    assert json.loads(record.read_text())["meta_iterations"] == 3 and "record_video" in json.loads(record.read_text())


MACHINE_ONLY = {"num_threads", "record_video", "checkpoint_every", "keep_every", "eval_batches", "eval_goals"}
"""Written here, not read from the notebook: the only fields that may differ between the machine that trained
a run and the one that resumes or evaluates it. Every other field changes what is learned or how it is measured."""
OTHER_CHOICE = {"direction": "backward", "relu": "tanh", "vpg": "lvc", "exact": "fisher", "jacobian": "exact"}


def _changed(value):
    """Another valid value of a config field."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 0.5 if value > 0 else 0.5
    if isinstance(value, tuple):
        return tuple(_changed(v) for v in value)
    return OTHER_CHOICE[value]


@pytest.mark.parametrize("outer", ["trpo", "promp"])
def test_changing_any_experiment_field_is_refused_on_resume_and_on_loading(nb, tmp_path, outer):
    """For every field but the machine's own, a changed value is refused when a run is resumed and when its
    checkpoint is loaded for evaluation: moving a field that changes what is learned into EXECUTION_FIELDS
    would let a run continue, or be evaluated, as another experiment without a word."""
    cfg = _small(nb, meta_iterations=1, outer=outer, promp_steps=1) if outer == "promp" else _small(nb, meta_iterations=1)
    run = tmp_path / "run"
    nb.train(cfg, run, progress=False)
    state = support.load_checkpoint(run / "checkpoint.pt")
    fields = [f.name for f in dataclasses.fields(cfg) if f.name not in MACHINE_ONLY | {"outer"}]
    assert len(fields) >= 30 + 5 * (outer == "promp")
    for name in fields:
        other = dataclasses.replace(cfg, **{name: _changed(getattr(cfg, name))})
        nb.checked(other)  # a valid config, refused only because it is another experiment
        if name != "meta_iterations":  # a longer run continues this one: the one field resuming may change
            with pytest.raises(support.CheckpointError, match=f"another experiment \\({name}: checkpoint"):
                nb.train(other, run, progress=False)
        with pytest.raises(support.CheckpointError, match=f"another experiment \\({name}: checkpoint"):
            nb.load_policy(run / "checkpoint.pt", other)
        with pytest.raises(support.ConfigError, match="not execution fields"):
            nb.config_from_checkpoint(state, **{name: getattr(other, name)})
    for name in MACHINE_ONLY:  # the machine's own fields load and resume
        value = {"num_threads": 3, "eval_goals": 6}.get(name, _changed(getattr(cfg, name)))
        assert nb.load_policy(run / "checkpoint.pt", dataclasses.replace(cfg, **{name: value}))[2] is not None
        assert getattr(nb.config_from_checkpoint(state, **{name: value}), name) == value


def test_configs_of_retired_variants_load_only_at_their_neutral_values(nb, root):
    """Meta-SGD's learn_step_sizes and the shrinking trust region's kl_decay_start are no longer in the code:
    a config that carries them switched off loads (the fields are dropped); one that switches them on is refused
    with the name of the commit whose code ran it. The committed runs' records carry both, switched off."""
    cfg = nb.make_config("smoke", learn_step_sizes=False, kl_decay_start=1.0)
    assert cfg == nb.make_config("smoke") and not hasattr(cfg, "learn_step_sizes")
    for name, value in (("learn_step_sizes", True), ("kl_decay_start", 0.8)):
        with pytest.raises(support.ConfigError, match=f"'{name}' = {value}.*retired.*{support.CODE_AT}"):
            nb.make_config("smoke", **{name: value})
    record = json.loads((root / "results" / "final" / "maml" / "seed3" / "config.json").read_text())
    assert record["learn_step_sizes"] is False and record["kl_decay_start"] == 1.0 and record["promp_lr"] == 1e-3
    assert nb.config_from_checkpoint({"config": record}).curvature == "jacobian"
    with pytest.raises(support.ConfigError, match="unknown config field"):
        nb.config_from_checkpoint({"config": {**record, "promp_lr": 0.5}})  # a TRPO run cannot carry ProMP's lr
