"""The experiment registries: every entry names a valid config within the 20 M-step budget, the runner
turns an entry into the commands that train and evaluate exactly it, and results/ holds exactly what the
registry names: every run folder belongs to an entry, every finished entry has its files."""
import json
import sys

import pytest


@pytest.fixture(scope="module")
def reg(root):
    sys.path.insert(0, str(root / "scripts"))
    import run_registry
    return run_registry


def registry_module():
    import registry  # scripts/ is on the path once the reg fixture has run
    return registry


# the folder under results/ of each role
ROLE_FOLDER = {"final": "final", "oracle": "oracles", "baseline": "baselines", "ablation": "ablations",
               "screening": "screening", "archive": "archive"}


def _config(nb, entry, seed):
    sets = {k: tuple(v) if isinstance(v, list) else v for k, v in entry.get("set", {}).items()}
    return nb.make_config(entry.get("size", "full"), seed=seed, **sets)


def test_every_entry_is_a_valid_config_within_budget(nb, root, reg):
    files = sorted((root / "experiments").glob("*.toml"))
    assert files
    for f in files:
        for name, e in reg.load_registry(f).items():
            if "size" not in e:
                assert not e.get("set"), (f.name, name)  # overrides without a size would be ignored
                continue
            if "code_at" in e:  # a retired variant: its config names the commit whose code ran it
                with pytest.raises(nb.support.ConfigError, match=e["code_at"]):
                    _config(nb, e, e["seeds"][0])
                continue
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
    bad.write_text('[x]\nrole = "final"\nlabel = "x"\nseeds = [0]\nrule = "r"\n')
    with pytest.raises(SystemExit, match="lacks \\['out'\\]"):
        reg.load_registry(bad)
    bad.write_text('[x]\nrole = "favourite"\nlabel = "x"\nout = "x"\nseeds = [0]\nrule = "r"\n')
    with pytest.raises(SystemExit, match="role 'favourite'"):
        reg.load_registry(bad)
    bad.write_text('family = "velocity"\n[x]\nrole = "final"\nlabel = "x"\nout = "x"\nseeds = [0]\nrule = "r"\n')
    assert {k: reg.load_registry(bad)["x"][k] for k in ("status", "family", "name")} == \
        {"status": "finished", "family": "velocity", "name": "x"}  # the defaults the checks rely on
    bad.write_text('[x]\nrole = "final"\nlabel = "x"\nout = "x"\nseeds = [0]\nrule = "r"\nstatus = "done"\n')
    with pytest.raises(SystemExit, match="status 'done'"):
        reg.load_registry(bad)
    (tmp_path / "a.toml").write_text('[x]\nrole = "final"\nlabel = "x"\nout = "o"\nseeds = [0]\nrule = "r"\n')
    (tmp_path / "b.toml").write_text('[y]\nrole = "final"\nlabel = "y"\nout = "o"\nseeds = [0]\nrule = "r"\n')
    bad.unlink()
    with pytest.raises(SystemExit, match="share the folder 'o'"):
        reg.load_all(tmp_path)


def test_every_results_folder_belongs_to_a_registry_entry(root, reg):
    """results/ holds the role folders, logs/ and summary.json; each folder of seed runs is some entry's
    `out`, under the folder of that entry's role; every seed folder is one of the entry's seeds."""
    entries = reg.load_all()
    by_out = {e["out"]: e for e in entries.values()}
    results = root / "results"
    assert {p.name for p in results.iterdir()} <= {*ROLE_FOLDER.values(), "logs", "summary.json"}
    run_folders = {p.parent for p in results.rglob("seed*") if p.is_dir() and "logs" not in p.parts}
    assert run_folders
    for folder in run_folders:
        out = folder.relative_to(results).as_posix()
        assert out in by_out, f"results/{out} belongs to no registry entry"
        e = by_out[out]
        assert {int(p.name[4:]) for p in folder.glob("seed*")} <= set(e["seeds"]), out
    for e in entries.values():
        assert e["out"].split("/")[0] == ROLE_FOLDER[e["role"]], (e["name"], e["out"], e["role"])


def test_every_finished_entry_has_its_files(root, reg):
    """A finished entry has, for each of its seeds, eval.json (and its extra evaluations), and unless it
    only evaluates a random init, the config and the metrics of its training; a stopped one its metrics."""
    results = root / "results"
    for name, e in reg.load_all().items():
        for seed in e["seeds"]:
            run = results / e["out"] / f"seed{seed}"
            if e["status"] == "finished":
                need = ["eval.json", *(x["out"] for x in e.get("extra_evaluations", []))]
                need += [] if e.get("evaluate_only") else ["config.json", "metrics.jsonl"]
                missing = [f for f in need if not (run / f).exists()]
                assert not missing, f"{name} seed {seed} is marked finished but lacks {missing}"
                assert json.loads((run / "eval.json").read_text())  # not empty
        if e["status"] == "stopped":
            assert any((results / e["out"] / f"seed{s}" / "metrics.jsonl").exists() for s in e["seeds"]), name


def test_the_report_compositions_name_registry_entries(reg):
    """Each lever compares two entries of the registry; each curvature pair names two screening entries."""
    entries = reg.load_all()
    levers = registry_module().composition("levers")
    assert levers and all(lv["with"] in entries and lv["without"] in entries for lv in levers)
    pairs = registry_module().composition("curvature_pairs")
    assert pairs and all(a in entries and b in entries for a, b in pairs.values())


def test_runner_continues_skips_and_refuses(reg, tmp_path):
    """continue_from copies the source's checkpoint and metrics of the same seed, and never overwrites a
    checkpoint of the entry's own; extra evaluations run on seed + offset; an entry without a size that
    has no results is refused with its name, and a stopped entry runs only when named."""
    src = {"name": "a", "role": "oracle", "label": "a", "out": "oracles/a", "seeds": [0], "size": "full"}
    dst = {**src, "name": "b", "out": "oracles/b", "continue_from": "a"}
    with pytest.raises(SystemExit, match="continues a, which has no checkpoint"):
        reg.continue_from({"a": src, "b": dst}, dst, 0, tmp_path)
    (tmp_path / "oracles/a/seed0").mkdir(parents=True)
    (tmp_path / "oracles/a/seed0/checkpoint.pt").write_bytes(b"a's")
    (tmp_path / "oracles/a/seed0/metrics.jsonl").write_text("{}\n")
    reg.continue_from({"a": src, "b": dst}, dst, 0, tmp_path)
    assert (tmp_path / "oracles/b/seed0/checkpoint.pt").read_bytes() == b"a's"
    (tmp_path / "oracles/b/seed0/checkpoint.pt").write_bytes(b"b's own")
    reg.continue_from({"a": src, "b": dst}, dst, 0, tmp_path)
    assert (tmp_path / "oracles/b/seed0/checkpoint.pt").read_bytes() == b"b's own"
    cmds = reg.commands("m", {**src, "extra_evaluations": [{"out": "eval_heldout.json", "seed_offset": 9000}],
                              "evaluate": ["--runs", "20"]}, 3, tmp_path)
    assert len(cmds) == 3 and cmds[1][-2:] == ["--runs", "20"]
    assert cmds[2][cmds[2].index("--eval-seed") + 1] == "9003" and cmds[2][-1].endswith("seed3/eval_heldout.json")
    registry = tmp_path / "r.toml"
    registry.write_text('[halted]\nrole = "ablation"\nlabel = "h"\nout = "ablations/h"\nseeds = [0]\nrule = "r"\n'
                        'status = "stopped"\n'
                        '[old]\nrole = "archive"\nlabel = "o"\nout = "archive/old"\nseeds = [0]\nrule = "r"\n')
    with pytest.raises(SystemExit, match="old seed 0 has no eval.json and cannot be rerun"):
        reg.main([str(registry), "--results", str(tmp_path)])  # 'halted' (stopped) is not even tried
    with pytest.raises(SystemExit, match="halted seed 0 has no eval.json and cannot be rerun"):
        reg.main([str(registry), "--results", str(tmp_path), "--only", "halted"])


def test_runner_refuses_to_rerun_a_retired_variant(reg, tmp_path):
    """An entry with code_at ran on code since retired: the runner names the commit instead of running it, and
    a code_at that is not a commit id is refused when the registry is read."""
    commit = "a4a5b002b3f2df0bc31f0424d67b67866f8411ea"
    registry = tmp_path / "r.toml"
    registry.write_text(f'[gone]\nrole = "ablation"\nlabel = "g"\nout = "ablations/g"\nseeds = [0]\nrule = "r"\n'
                        f'size = "smoke"\nset = {{ learn_step_sizes = true }}\ncode_at = "{commit}"\n')
    with pytest.raises(SystemExit, match=f"gone seed 0 cannot be rerun here.*check out commit {commit}"):
        reg.main([str(registry), "--results", str(tmp_path)])
    assert not (tmp_path / "ablations").exists()
    registry.write_text(registry.read_text().replace(commit, "HEAD"))
    with pytest.raises(SystemExit, match="code_at 'HEAD' is not a 40-hex commit"):
        reg.load_registry(registry)


def test_reference_oracles_are_one_per_direction_and_oracles_only(reg, tmp_path):
    """`reference = true` names the oracle a direction's fractions divide by: the committed registry names
    one per direction; a second one for a direction, or a reference that is no oracle, is refused."""
    registry = registry_module()
    refs = registry.reference_oracles(registry.load_all())
    assert set(refs) == {"backward", "forward"}
    entry = ('[{n}]\nrole = "{role}"\nlabel = "x"\nout = "o/{n}"\nseeds = [0]\nrule = "r"\n'
             'direction = "backward"\nprotocol = "p"\nreference = true\n')
    (tmp_path / "a.toml").write_text(entry.format(n="a", role="oracle") + entry.format(n="b", role="oracle"))
    with pytest.raises(SystemExit, match="two backward reference oracles"):
        registry.reference_oracles(registry.load_all(tmp_path))
    (tmp_path / "a.toml").write_text(entry.format(n="a", role="baseline"))
    with pytest.raises(SystemExit, match="only an oracle with a direction"):
        registry.load_all(tmp_path)


def test_runner_names_a_missing_or_broken_registry_file_in_one_line(root, tmp_path):
    """What a typo in the command or in the TOML gets: one line naming the file and the problem, no traceback."""
    import subprocess
    broken = tmp_path / "broken.toml"
    broken.write_text('[x]\nrole = "final"\nlabel = "x\n')  # an unterminated string on line 3
    cases = [(tmp_path / "nope.toml", "registry file .*nope.toml not found"),
             (broken, r"broken.toml is not valid TOML: .*line 3"), (tmp_path, "is a folder")]
    for path, message in cases:
        r = subprocess.run([sys.executable, str(root / "scripts" / "run_registry.py"), str(path)],
                           capture_output=True, text=True)
        assert r.returncode == 1 and r.stdout == "", r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
        assert __import__("re").search(message, lines[0]), lines[0]


def test_reevaluate_runs_only_the_evaluations(reg, tmp_path, monkeypatch):
    """--reevaluate: the evaluation commands of each seed, never the training one; a seed without a checkpoint
    is refused by name; a random init (evaluate_only) is evaluated as it is."""
    calls = []
    monkeypatch.setattr(reg.subprocess, "call", lambda cmd, **kw: calls.append(cmd) or 0)
    reg_file = tmp_path / "r.toml"
    reg_file.write_text('family = "velocity"\n[m]\nrole = "final"\nlabel = "m"\nout = "final/m"\nseeds = [0, 1]\n'
                        'size = "full"\nrule = "r"\nextra_evaluations = [{ seed_offset = 9000, out = "eval_heldout.json" }]\n'
                        '[r]\nrole = "baseline"\nlabel = "r"\nout = "baselines/r"\nseeds = [3]\nsize = "full"\n'
                        'evaluate_only = true\nrule = "r"\n')
    results = tmp_path / "results"
    for s in (0, 1):
        (results / "final" / "m" / f"seed{s}").mkdir(parents=True)
        (results / "final" / "m" / f"seed{s}" / "checkpoint.pt").write_bytes(b"x")
        (results / "final" / "m" / f"seed{s}" / "eval.json").write_text("{}")
    reg.main([str(reg_file), "--reevaluate", "--results", str(results)])
    scripts = [c[1].rsplit("/", 1)[-1] for c in calls]
    assert scripts == ["evaluate.py"] * 5  # 2 seeds x (eval + held-out), the random init once
    assert [calls[i][calls[i].index("--eval-seed") + 1] for i in (1, 3)] == ["9000", "9001"] and "--random-init" in calls[4]
    (results / "final" / "m" / "seed1" / "checkpoint.pt").unlink()
    with pytest.raises(SystemExit, match="m seed 1 has no checkpoint"):
        reg.main([str(reg_file), "--reevaluate", "--results", str(results), "--only", "m"])
