"""The whole notebook, top to bottom, through papermill with the smoke size: the direction family
(evaluation, video, the fixed-camera strobe) and, by one papermill parameter, the goal-velocity family."""
import hw14_support as support  # the machinery beside the notebook (conftest puts Notebooks/ on sys.path)
import json

import nbformat
import numpy as np
import papermill as pm
import pytest


@pytest.mark.parametrize("family", ["direction", "velocity"])
def test_notebook_runs_top_to_bottom(root, tmp_path, family):
    out_nb = tmp_path / "out.ipynb"
    run_dir = tmp_path / "run"
    pm.execute_notebook(str(root / "Notebooks" / "HW14_MAML.ipynb"), str(out_nb),
                        parameters={"size": "smoke", "run_dir": str(run_dir), "overrides": {"task_family": family},
                                    "video_path": str(tmp_path / "video.mp4")},
                        cwd=str(root / "Notebooks"), kernel_name="python3", progress_bar=False)
    for name in ("metrics.jsonl", "checkpoint.pt", "evaluation.json", "learning_curves.png", "adaptation.png"):
        assert (run_dir / name).stat().st_size > 0, name
    ev = json.loads((run_dir / "evaluation.json").read_text())
    sets = ("backward", "forward") if family == "direction" else ("test", "extrapolation", "anchors")
    assert set(ev) == set(sets)
    assert len(ev[sets[0]]["mean"]) == 4 and ev[sets[0]]["n_runs"] == 4
    if family == "direction":
        assert (tmp_path / "video.mp4").stat().st_size > 1000
        assert (run_dir / "strobe.png").stat().st_size > 0
        x = np.load(run_dir / "x_position.npz")
        assert len(x["before"]) == len(x["after"]) == 41  # smoke horizon 40: x at t = 0, ..., 40
    else:
        assert not (tmp_path / "video.mp4").exists()
    nb = nbformat.read(out_nb, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not any(o.get("output_type") == "error" for o in outputs)
    noisy = [o["text"] for o in outputs if o.get("output_type") == "stream" and "warn" in o["text"].lower()]
    assert not noisy, noisy  # no warning reaches a reader


def test_sections_1_to_8_run_without_the_appendix(root, tmp_path):
    """The order a reader meets: the lib cells before the appendix define everything the main path calls,
    so a smoke run trains, loads and evaluates with them alone (as the run in section 9 does, which comes
    before the appendix); an alternative whose code is only in the appendix is refused by name."""
    import types
    nb = nbformat.read(root / "Notebooks" / "HW14_MAML.ipynb", as_version=4)
    cut = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("## Appendix"))
    core = types.ModuleType("hw14_core")
    import sys
    sys.modules["hw14_core"] = core
    for c in nb.cells[:cut]:
        if c.cell_type == "code" and "lib" in c.metadata.get("tags", []):
            exec(compile(c.source, "core", "exec"), core.__dict__)
    assert not any(c.cell_type == "code" and "lib" not in c.metadata.get("tags", []) and "def " in c.source
                   for c in nb.cells[cut:])  # the appendix holds lib code only
    # smoke, like full, takes section 6.2's curvature; the dataclass default, the paper's exact product, is A.1's
    cfg = core.make_config("smoke", meta_iterations=1, horizon=10, num_threads=1)
    _, theta, metrics = core.train(cfg, tmp_path / "run", progress=False)
    assert len(metrics) == 1 and core.evaluate_tasks(core.load_policy(tmp_path / "run" / "checkpoint.pt")[0],
                                                     theta, cfg, n_runs=2, lrs=(0.1,))["backward"]["n_runs"] == 2
    for field, value in (("outer", "promp"), ("curvature", "exact"), ("curvature", "fisher")):
        with pytest.raises(support.ConfigError, match=f"'{field}' = '{value}' is invalid.*appendix adds its alternatives"):
            core.make_config("smoke", **{field: value})
    with pytest.raises(support.ConfigError, match="'outer' = 'promp' is invalid"):  # train checks its config too
        core.train(core.dataclasses.replace(cfg, outer="promp"), tmp_path / "promp", progress=False)
    assert not (tmp_path / "promp").exists()  # refused before anything was written
