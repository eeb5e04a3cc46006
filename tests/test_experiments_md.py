"""EXPERIMENTS.md, the research log: it lists every registry entry, regenerating it from results/ gives the
committed text, and the numbers that reach it or the report only through generated text (counts of entries
and seeds, the rows of small tables) are recomputed here from the raw files with readers of our own."""
import json
import re
import tomllib

import numpy as np
import pytest
from conftest import load_script


@pytest.fixture(scope="module")
def fresh(root):
    """(summary, EXPERIMENTS.md text) computed now from the committed results/."""
    summ = load_script("summarize_results")
    summary = json.loads(json.dumps(summ.summarize(root / "results")))
    return summary, load_script("summary_experiments").experiments_md(summary, root / "results")


def registry(root) -> dict:
    """Every entry of experiments/*.toml by name, read with tomllib alone (not scripts/registry.py)."""
    out = {}
    for f in sorted((root / "experiments").glob("*.toml")):
        data = tomllib.loads(f.read_text())
        for name, e in data.items():
            if isinstance(e, dict) and "out" in e:
                out[name] = {**e, "file": f.name, "family": e.get("family", data.get("family", "direction"))}
    return out


def finished(root, e) -> list:
    return sorted(int(p.parent.name[4:]) for p in (root / "results" / e["out"]).glob("seed*/eval.json"))


def test_it_lists_every_registry_entry_once(root):
    text = (root / "EXPERIMENTS.md").read_text()
    headings = re.findall(r"^#### `([^`]+)`", text, flags=re.M)
    assert sorted(headings) == sorted(registry(root)), "EXPERIMENTS.md misses or repeats an entry"


def test_it_is_what_the_committed_runs_give(root, fresh):
    """Regenerating EXPERIMENTS.md from experiments/*.toml and results/ gives the committed file."""
    assert fresh[1] == (root / "EXPERIMENTS.md").read_text(), \
        "EXPERIMENTS.md is stale: run .venv/bin/python scripts/summarize_results.py"


def test_its_counts_and_seed_lists_are_recomputed_from_the_folders(root, fresh):
    """The registry line (entries, files, entries with finished seeds) and each entry's list of finished seeds."""
    reg, text = registry(root), fresh[1]
    started = [n for n, e in reg.items() if finished(root, e)]
    files = {e["file"] for e in reg.values()}
    assert f"## The registry: {len(reg)} entries in {len(files)} files, {len(started)} with finished seeds" in text
    for name, e in reg.items():
        section = text.split(f"#### `{name}`", 1)[1].split("\n#### ", 1)[0]
        seeds = ", ".join(map(str, finished(root, e))) or "none"
        assert f"finished: {seeds};" in section, name


def velocity_means(root, e):
    """Per finished seed: the mean return over the test goals after each step, from eval.json's per-goal rows."""
    return {s: np.asarray(json.loads((root / "results" / e["out"] / f"seed{s}" / "eval.json").read_text())
                          ["test"]["per_run"]).mean(0) for s in finished(root, e)}


def test_the_report_goal_velocity_rows_are_recomputed_from_the_evaluations(root, fresh, tmp_path):
    """Table 'goal velocity' of the report: per method its seeds and the mean over seeds of the test-goal returns;
    the configurations table: one row per finished screening seed with R_0, R_1, R_3."""
    vr = load_script("velocity_report")
    v, reg = fresh[0]["velocity"], registry(root)
    rows = [r for r in vr.main_rows(v) if r[0] != "\\" and "paper" not in r]
    # the final entry, a configuration run on its seeds (candidate_for), then baselines and oracle
    fam = [(n, e) for n, e in reg.items() if e["family"] == "velocity" and finished(root, e)]
    methods = ([(n, e) for n, e in fam if e["role"] == "final"] + [(n, e) for n, e in fam if "candidate_for" in e]
               + [(n, e) for n, e in fam if e["role"] in ("baseline", "oracle")])
    assert len(rows) == len(methods)
    for row, (name, e) in zip(rows, methods):
        cells = [c.strip() for c in row.removesuffix("\\\\").split("&")]
        assert cells[0] == e["label"].replace("GAE lambda", "GAE $\\lambda$") and cells[1] == ", ".join(map(str, finished(root, e))), name
        mean = np.mean(list(velocity_means(root, e).values()), axis=0)
        n = 1 if e["role"] == "oracle" else 4
        assert [float(c) for c in cells[2:2 + n]] == pytest.approx(np.round(mean[:n], 1), abs=0.051), name
    # the chosen configuration on the final seeds (candidate_for) is judged apart, by the adoption rule
    screen = [(n, e) for n, e in reg.items() if e["family"] == "velocity" and e["role"] == "screening"
              and "candidate_for" not in e]
    expected = [(n, s, m) for n, e in screen for s, m in velocity_means(root, e).items()]
    vr.tex_velocity(v, tmp_path)
    lines = (tmp_path / "velocity.tex").read_text().split("\\newcommand{\\velScreenRows}{%\n", 1)[1]
    got = [l for l in lines.split("\n}", 1)[0].splitlines()]
    assert len(got) == len(expected)
    for line, (name, seed, m) in zip(got, expected):
        cells = [c.strip() for c in line.removesuffix("\\\\").split("&")]
        assert int(cells[1]) == seed and [float(c) for c in cells[2:5]] == pytest.approx(
            np.round([m[0], m[1], m[3]], 1), abs=0.051), (name, seed)
