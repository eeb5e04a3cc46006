"""The whole notebook, top to bottom, through papermill with the smoke size."""
import json

import nbformat
import papermill as pm


def test_notebook_runs_top_to_bottom(root, tmp_path):
    out_nb = tmp_path / "out.ipynb"
    run_dir = tmp_path / "run"
    pm.execute_notebook(str(root / "Notebooks" / "HW14_MAML.ipynb"), str(out_nb),
                        parameters={"size": "smoke", "run_dir": str(run_dir),
                                    "video_path": str(tmp_path / "video.mp4")},
                        cwd=str(root / "Notebooks"), kernel_name="python3", progress_bar=False)
    for name in ("metrics.jsonl", "checkpoint.pt", "evaluation.json", "learning_curves.png",
                 "adaptation.png", "stills.png", "x_position.png"):
        assert (run_dir / name).stat().st_size > 0, name
    assert (tmp_path / "video.mp4").stat().st_size > 1000
    ev = json.loads((run_dir / "evaluation.json").read_text())
    assert len(ev["backward"]["mean"]) == 4 and ev["backward"]["n_runs"] == 4
    nb = nbformat.read(out_nb, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not any(o.get("output_type") == "error" for o in outputs)
    noisy = [o["text"] for o in outputs if o.get("output_type") == "stream" and "warn" in o["text"].lower()]
    assert not noisy, noisy  # no warning reaches a reader
