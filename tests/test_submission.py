"""The course submission zip holds exactly the three deliverables."""
import os
import shutil
import subprocess
import zipfile


def test_pack_submission_ships_exactly_the_deliverables(root, tmp_path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "Notebooks").mkdir()
    shutil.copy(root / "scripts" / "pack_submission.sh", tmp_path / "scripts")
    for f in ("Notebooks/HW14_MAML.ipynb", "HW14_Solution.pdf", "HW14_Solution.zip"):
        (tmp_path / f).write_bytes(b"x")
    (tmp_path / "Notebooks" / "MUJOCO_LOG.TXT").write_text("a log a notebook run may leave")
    (tmp_path / "Notebooks" / "before_after_adaptation.mp4").write_bytes(b"video")
    env = {**os.environ, "SKIP_REPORT_BUILD": "1"}
    r = subprocess.run(["bash", "scripts/pack_submission.sh", "401234567", "JaneDoe"], cwd=tmp_path,
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(tmp_path / "DRL_HW14_401234567_JaneDoe.zip") as z:
        assert sorted(z.namelist()) == ["HW14_Solution.pdf", "HW14_Solution.zip", "Notebooks/HW14_MAML.ipynb"]
    bad = subprocess.run(["bash", "scripts/pack_submission.sh", "4012", "jane doe"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "usage" in bad.stderr
