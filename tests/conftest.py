"""Shared fixtures: the notebook's own definitions, loaded from Notebooks/HW14_MAML.ipynb."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MUJOCO_GL", "egl")

import nbdefs  # noqa: E402


@pytest.fixture(scope="session")
def nb():
    return nbdefs.load()


@pytest.fixture(scope="session")
def root():
    return ROOT
