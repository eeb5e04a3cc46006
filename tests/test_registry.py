"""The experiment registries: every entry names a valid config within the 20 M-step budget, and the
runner turns an entry into the commands that train and evaluate exactly it."""
import sys

import pytest


@pytest.fixture(scope="module")
def reg(root):
    sys.path.insert(0, str(root / "scripts"))
    import run_registry
    return run_registry


def _config(nb, entry, seed):
    sets = {k: tuple(v) if isinstance(v, list) else v for k, v in entry.get("set", {}).items()}
    return nb.make_config(entry.get("size", "full"), seed=seed, **sets)


def test_every_entry_is_a_valid_config_within_budget(nb, root, reg):
    files = sorted((root / "experiments").glob("*.toml"))
    assert files
    for f in files:
        for name, e in reg.load_registry(f).items():
            cfg = _config(nb, e, e["seeds"][0])
            steps = cfg.meta_iterations * (2 if cfg.inner_steps else 1) * cfg.meta_batch_size * cfg.traj_per_task * cfg.horizon
            assert steps <= 20_000_000, (f.name, name, steps)
            assert e["rule"].strip(), (f.name, name)


def test_commands_train_and_evaluate_the_entry(reg, tmp_path):
    e = {"role": "oracle", "label": "x", "out": "velocity/oracle", "seeds": [2], "size": "full",
         "set": {"task_family": "velocity", "observe_task": True}}
    train, evaluate = reg.commands("velocity_oracle", e, 2, tmp_path)
    assert train[train.index("--out") + 1] == str(tmp_path / "velocity/oracle/seed2")
    assert train[train.index("--seed") + 1] == "2"
    assert '--set=task_family="velocity"' in train and "--set=observe_task=true" in train
    assert evaluate[evaluate.index("--checkpoint") + 1] == str(tmp_path / "velocity/oracle/seed2/checkpoint.pt")
    (random,) = reg.commands("r", {**e, "evaluate_only": True}, 4, tmp_path)
    assert "--random-init" in random and random[random.index("--task-family") + 1] == "velocity"


def test_bad_registry_entries_are_refused(reg, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[x]\nrole = "final"\nlabel = "x"\nseeds = [0]\n')
    with pytest.raises(SystemExit, match="lacks \\['out'\\]"):
        reg.load_registry(bad)
    bad.write_text('[x]\nrole = "favourite"\nlabel = "x"\nout = "x"\nseeds = [0]\n')
    with pytest.raises(SystemExit, match="role 'favourite'"):
        reg.load_registry(bad)
