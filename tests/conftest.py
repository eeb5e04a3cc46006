"""Shared fixtures: the notebook's own definitions, loaded from Notebooks/HW14_MAML.ipynb."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbdefs  # noqa: E402

# the notebook's first cell picks MUJOCO_GL for this machine (headless_gl_backend); load it before any test
# module imports mujoco, so that the whole session, and the subprocesses it starts, render the same way
nbdefs.load()


def pytest_configure(config):
    # torch's forward-mode AD (torch.func.jvp in the curvature products) loads its decompositions with
    # torch.jit.script, which torch 2.13 deprecates inside torch itself: not a call of ours to mend
    config.addinivalue_line("filterwarnings", "ignore:`torch.jit.script` is deprecated:DeprecationWarning")


@pytest.fixture(autouse=True)
def _torch_threads():
    """Every test starts with torch's thread count of the session's start: `train` sets it for the run
    (setup_torch), and a test that trains must not hand its count to the tests after it (float reductions,
    and so any replay compared with a tolerance, depend on it)."""
    import torch
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def nb():
    return nbdefs.load()


@pytest.fixture(scope="session")
def root():
    return ROOT


def load_script(name: str):
    """A script of scripts/ as a fresh module (executed from its file, so a mutated copy is what runs)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
