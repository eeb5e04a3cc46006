"""The course submission zip: the three deliverables plus the small files the notebook loads, and the
notebook runs top to bottom where the zip is unpacked, loading the committed run instead of retraining."""
import json
import os
import shutil
import subprocess
import zipfile

from machines import machine_env, run_notebook


def _pack(tree, number="401234567", name="JaneDoe"):
    env = {**os.environ, "SKIP_REPORT_BUILD": "1"}
    return subprocess.run(["bash", "scripts/pack_submission.sh", number, name], cwd=tree,
                          capture_output=True, text=True, env=env)


def test_pack_submission_ships_the_deliverables_and_what_the_notebook_loads(root, tmp_path):
    (tmp_path / "scripts").mkdir()
    shutil.copy(root / "scripts" / "pack_submission.sh", tmp_path / "scripts")
    shutil.copy(root / "scripts" / "submission_readme.md", tmp_path / "scripts")
    files = ["Notebooks/HW14_MAML.ipynb", "Notebooks/hw14_support.py", "HW14_Solution.pdf", "HW14_Solution.zip", "requirements.txt",
             "results/final/maml/seed2/checkpoint.pt",
             "results/final/maml/seed2/config.json", "results/final/maml/seed2/metrics.jsonl", "results/final/maml/seed0/metrics.jsonl"]
    for f in files:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_bytes(b"x")
    (tmp_path / "results" / "summary.json").write_text(json.dumps({"headline": {"median_seed": 2}}))
    (tmp_path / "results" / "final" / "maml" / "seed0" / "checkpoint.pt").write_bytes(b"not the median's")
    (tmp_path / "Notebooks" / "MUJOCO_LOG.TXT").write_text("a log a notebook run may leave")
    (tmp_path / "Notebooks" / "before_after_adaptation.mp4").write_bytes(b"video")
    r = _pack(tmp_path)
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(tmp_path / "DRL_HW14_401234567_JaneDoe.zip") as z:
        assert sorted(z.namelist()) == sorted(files + ["results/summary.json", "README.md"])
        assert z.read("README.md") == (root / "scripts" / "submission_readme.md").read_bytes()
    bad = subprocess.run(["bash", "scripts/pack_submission.sh", "4012", "jane doe"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "usage" in bad.stderr
    (tmp_path / "results" / "final" / "maml" / "seed2" / "checkpoint.pt").unlink()
    r = _pack(tmp_path)
    assert r.returncode != 0 and "checkpoint.pt" in r.stderr


def test_notebook_runs_where_the_zip_is_unpacked(root, tmp_path):
    """Pack the committed files, unpack them elsewhere, execute the notebook there on a machine that reports
    8 cores (not CI's 2): it loads the median seed's run (the checkpoint is left untouched, nothing
    retrains) and prints section 10's headline."""
    tree = tmp_path / "repo"
    for f in ["scripts/pack_submission.sh", "scripts/submission_readme.md", "Notebooks/HW14_MAML.ipynb", "Notebooks/hw14_support.py",
              "HW14_Solution.pdf", "HW14_Solution.zip", "results/summary.json", "requirements.txt"]:
        (tree / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / f, tree / f)
    shutil.copytree(root / "results" / "final" / "maml", tree / "results" / "final" / "maml",
                    ignore=shutil.ignore_patterns("*.png", "*.npz", "eval*.json", "checkpoint_iter*"))
    r = _pack(tree)
    assert r.returncode == 0, r.stderr
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(tree / "DRL_HW14_401234567_JaneDoe.zip") as z:
        z.extractall(unpacked)
    median = json.loads((root / "results" / "summary.json").read_text())["headline"]["median_seed"]
    ckpt = unpacked / "results" / "final" / "maml" / f"seed{median}" / "checkpoint.pt"
    before = ckpt.read_bytes()
    out = tmp_path / "out.ipynb"
    text = run_notebook(machine_env(tmp_path, cpus=8), unpacked / "Notebooks" / "HW14_MAML.ipynb", out,
                        unpacked / "Notebooks", {"video_path": str(tmp_path / "video.mp4")})
    assert ckpt.read_bytes() == before and "8 threads on this machine" in text
    assert "fraction of the oracle after one step" in text and "no headline" not in text
    assert (unpacked / "results" / "final" / "maml" / f"seed{median}" / "evaluation.json").exists()
