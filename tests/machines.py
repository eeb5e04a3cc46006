"""Play another machine in a subprocess: another core count, or macOS or Windows.

`machine_env(tmp, cpus=8, system="Darwin")` returns an environment whose Python processes (papermill
and the Jupyter kernel it starts, which inherits the environment) import a `sitecustomize.py` that
- makes `os.cpu_count()` (and `os.process_cpu_count()`, `os.sched_getaffinity()`) report `cpus`;
- makes `platform.system()` report `system` to the callers that decide by it for us: MuJoCo (its
  import-time check of MUJOCO_GL and its choice of OpenGL context) and the notebook's own code. Other
  callers (torch, which loads its libraries by platform at import) still see the real platform, so the
  process keeps working on this Linux box while everything the notebook and MuJoCo decide is the other
  machine's decision.
It also drops MUJOCO_GL and DISPLAY, as on a grader's fresh, headless machine.
"""
import os
import subprocess
import sys
from pathlib import Path

SITECUSTOMIZE = '''
import os, platform, sys
_cpus = os.environ.get("HW14_FAKE_CPUS")
if _cpus:
    _n = int(_cpus)
    os.cpu_count = lambda: _n
    if hasattr(os, "process_cpu_count"):
        os.process_cpu_count = lambda: _n
    if hasattr(os, "sched_getaffinity"):
        os.sched_getaffinity = lambda pid=0: set(range(_n))
_system = os.environ.get("HW14_FAKE_SYSTEM")
if _system:
    _real = platform.system
    def _system_for_caller():
        name = sys._getframe(1).f_globals.get("__name__", "")
        deciders = ("mujoco", "hw14_maml", "hw14_support", "__main__")  # __main__: the kernel's cells
        return _system if name.split(".")[0] in deciders else _real()
    platform.system = _system_for_caller
'''


def machine_env(tmp: Path, cpus: int | None = None, system: str | None = None) -> dict:
    """os.environ for a subprocess that believes it has `cpus` cores and runs on `system`."""
    site = Path(tmp) / "fake_machine"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = {k: v for k, v in os.environ.items() if k not in ("MUJOCO_GL", "DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])])
    if cpus is not None:
        env["HW14_FAKE_CPUS"] = str(cpus)
    if system is not None:
        env["HW14_FAKE_SYSTEM"] = system
    return env


def probe(env: dict, code: str) -> str:
    """stdout of `python -c code` under env (to check that the fake took)."""
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout


def run_notebook(env: dict, notebook: Path, out: Path, cwd: Path, parameters: dict, timeout: int = 1500):
    """papermill in a subprocess under env; returns the executed notebook's text outputs (and fails with
    papermill's own message if a cell raised)."""
    import json
    import nbformat
    args = [sys.executable, "-m", "papermill", str(notebook), str(out), "--cwd", str(cwd), "-k", "python3",
            "--no-progress-bar", "-y", json.dumps(parameters)]  # JSON is YAML
    r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr[-3000:]
    cells = nbformat.read(out, as_version=4).cells
    outputs = [o for c in cells for o in c.get("outputs", [])]
    assert not any(o.get("output_type") == "error" for o in outputs)
    return "".join(o.get("text", "") for o in outputs)
