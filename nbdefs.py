"""Load the notebook's own definitions (its cells tagged `lib`) as a module.

The notebook `Notebooks/HW14_MAML.ipynb` is the single source of the implementation; tests and
scripts import it through this loader instead of keeping a copy. Its machinery module,
`hw14_support.py`, sits beside it; importing this loader puts that folder on `sys.path`, so
`import hw14_support` finds the copy beside the notebook that is loaded:

    from nbdefs import load
    nb = load()
    cfg = nb.make_config("smoke")
"""
from __future__ import annotations

import sys
import types
from pathlib import Path

import nbformat

import os

# HW14_NOTEBOOK points the loader at another copy of the notebook (scripts/mutation_check.py uses it)
NOTEBOOK = Path(os.environ.get("HW14_NOTEBOOK") or Path(__file__).resolve().parent / "Notebooks" / "HW14_MAML.ipynb")
_CACHE: dict[Path, types.ModuleType] = {}
if str(NOTEBOOK.resolve().parent) not in sys.path:
    sys.path.insert(0, str(NOTEBOOK.resolve().parent))


def load(path: str | Path = NOTEBOOK, tag: str = "lib") -> types.ModuleType:
    """Execute the code cells tagged `tag`, in order, in a fresh module; cached per path."""
    path = Path(path).resolve()
    if path in _CACHE:
        return _CACHE[path]
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and tag in c.metadata.get("tags", [])]
    if not cells:
        raise ValueError(f"{path} has no code cells tagged {tag!r}")
    module = types.ModuleType("hw14_maml")
    module.__file__ = str(path)
    sys.modules["hw14_maml"] = module  # dataclasses and pickling look classes up by module name
    for i, cell in enumerate(cells):
        code = compile(cell.source, f"{path.name}[lib cell {i}]", "exec")
        exec(code, module.__dict__)
    _CACHE[path] = module
    return module
