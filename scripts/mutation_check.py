"""Plant small bugs in the notebook's `lib` cells, one at a time, and report which ones the tests catch.

    python scripts/mutation_check.py [--only NAME ...] [--tests FILE ...] [--no-baseline] [--out FILE]

Each mutation (listed in scripts/mutants.py) replaces one exact snippet of a `lib` cell, or of `Notebooks/hw14_support.py` (the script stops with an error if a snippet
is no longer found, so the list cannot silently rot). The mutated notebook is written to a temporary
folder and the test suite runs against it (HW14_NOTEBOOK points `nbdefs` there; subprocesses inherit
it), stopping at the first failure. The notebook's papermill smoke run, the report compilation and
the benchmark smoke tests are left out: they check that things run, not what they compute.
A developer tool, not part of CI: from 10 s to 3 min per caught mutation (a mutant dies at its first red
test, and the slow files come late) and about 8 min per survivor on 2 cores.
SCRIPT_MUTATIONS plant bugs in the scripts themselves (in place, restored in a finally block).

Before any mutant, the suite runs once on the clean tree (a mutant "caught" by a test that fails anyway
would mean nothing); that takes about 8 minutes here. To check a few mutants quickly, `--tests` runs only
the named test files, or single tests (`test_robustness.py::test_name`), for the clean tree and for every
mutant, and `--no-baseline` skips the clean run (only after the same tests passed on the same tree). A
mutant caught that way is caught by the whole suite too; a survivor may still be caught by a test left
out. Only a full run (no --only, --tests or --no-baseline) writes tests/mutation_check.json.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutants import MUTATIONS, SCRIPT_MUTATIONS, SUPPORT  # noqa: E402  (the planted bugs, as data)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "Notebooks" / "HW14_MAML.ipynb"
DESELECT = "not notebook_runs and not report_latex and not benchmark_reports"
# the files in the order they run: fast tests against exact references first, so most mutants die early
ORDER = ["test_references.py", "test_screen_by_return.py", "test_velocity_summary.py", "test_summary.py", "test_registry.py", "test_scripts.py",
         "test_velocity.py", "test_learning_signal.py", "test_maml.py", "test_curvature.py", "test_policy.py", "test_env.py",
         "test_robustness.py", "test_submission.py", "test_portability.py"]


def mutate_script(path: Path, old: str, new: str) -> str:
    """Replace the one occurrence of `old` in a script; return the original text (to restore)."""
    text = path.read_text()
    if text.count(old) != 1:
        raise SystemExit(f"error: snippet must occur exactly once in {path.name}, found {text.count(old)}: {old!r}")
    path.write_text(text.replace(old, new))
    return text


def mutate(nb, old: str, new: str):
    hits = [c for c in nb.cells if c.cell_type == "code" and "lib" in c.metadata.get("tags", []) and old in c.source]
    if len(hits) != 1 or hits[0].source.count(old) != 1:
        raise SystemExit(f"error: snippet must occur exactly once in the lib cells, found in {len(hits)} cells: {old!r}")
    hits[0].source = hits[0].source.replace(old, new)


def write_tree(folder: Path, nb, support_text: str) -> Path:
    """The notebook and its support module side by side in `folder` (nbdefs puts the notebook's folder on
    sys.path, so the tests import this copy of hw14_support); returns the notebook's path."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / NOTEBOOK.name)
    (folder / SUPPORT).write_text(support_text)
    return folder / NOTEBOOK.name


def mutated(base, support_text: str, mutation) -> tuple:
    """(notebook, support text) with one mutation applied; its snippet must occur exactly once."""
    name, old, new, *where = mutation
    nb = nbformat.from_dict(json.loads(json.dumps(base)))
    if where:
        if support_text.count(old) != 1:
            raise SystemExit(f"error: snippet must occur exactly once in {SUPPORT}, found {support_text.count(old)}: {old!r}")
        return nb, support_text.replace(old, new)
    mutate(nb, old, new)
    return nb, support_text


def run_suite(path: Path, files=None) -> tuple[bool, str, float]:
    """(failed, the first failing test or pytest's last line, seconds): the suite, or its test `files`."""
    env = {**os.environ, "HW14_NOTEBOOK": str(path)}  # the notebook picks MUJOCO_GL for the machine
    t = time.perf_counter()
    files = files or ORDER + sorted(p.name for p in (ROOT / "tests").glob("test_*.py") if p.name not in ORDER)
    r = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                        *[str(ROOT / "tests" / f) for f in files], "-k", DESELECT],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    failed = [line.split(" ")[1] for line in r.stdout.splitlines() if line.startswith("FAILED ")]
    return r.returncode != 0, (failed[0] if failed else r.stdout.strip().splitlines()[-1]), time.perf_counter() - t


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", nargs="*", help="run only mutations whose name contains one of these words")
    p.add_argument("--out", help="where to write the score (default: tests/mutation_check.json for a full run; "
                   "a run with --only writes nothing unless asked, so the committed full score stays)")
    p.add_argument("--dry-run", action="store_true", help="only check that every snippet is found")
    p.add_argument("--tests", nargs="+", metavar="FILE", help="run only these files of tests/ (e.g. test_maml.py), "
                   "or single tests of them (test_maml.py::test_name)")
    p.add_argument("--no-baseline", action="store_true", help="skip the suite's run on the clean tree")
    args = p.parse_args()
    if args.tests:
        missing = [f for f in args.tests if not (ROOT / "tests" / f.split("::")[0]).is_file()]
        if missing:
            raise SystemExit(f"error: no such test files in tests/: {missing}")
    chosen = [m for m in MUTATIONS if not args.only or any(w in m[0] for w in args.only)]
    scripts = [m for m in SCRIPT_MUTATIONS if not args.only or any(w in m[0] for w in args.only)]
    base = nbformat.read(NOTEBOOK, as_version=4)
    support_text = (NOTEBOOK.parent / SUPPORT).read_text()
    for m in chosen:  # every snippet must still be found before anything runs
        mutated(base, support_text, m)
    for _, old, new, name in scripts:
        if (ROOT / "scripts" / name).read_text().count(old) != 1:
            raise SystemExit(f"error: snippet must occur exactly once in {name}: {old!r}")
    if args.dry_run:
        print(f"all {len(chosen) + len(scripts)} snippets found")
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        clean = write_tree(Path(tmp) / "clean", base, support_text)
        failed, why, _ = (False, "", 0.0) if args.no_baseline else run_suite(clean, args.tests)
        if failed:
            raise SystemExit(f"error: the suite fails on the unmutated notebook ({why})")
        for m in chosen:
            name = m[0]
            path = write_tree(Path(tmp) / "mutant", *mutated(base, support_text, m))
            killed, why, secs = run_suite(path, args.tests)
            rows.append({"mutation": name, "killed": killed, "by": why if killed else None, "seconds": round(secs, 1)})
            print(f"{'killed  ' if killed else 'SURVIVED'} {name:<45} {why if killed else ''} ({secs:.0f} s)", flush=True)
        for name, old, new, script in scripts:  # the scripts are mutated in place and always restored
            path = ROOT / "scripts" / script
            original = mutate_script(path, old, new)
            try:
                killed, why, secs = run_suite(clean, args.tests)
            finally:
                path.write_text(original)
            rows.append({"mutation": name, "killed": killed, "by": why if killed else None, "seconds": round(secs, 1)})
            print(f"{'killed  ' if killed else 'SURVIVED'} {name:<45} {why if killed else ''} ({secs:.0f} s)", flush=True)
    caught = sum(r["killed"] for r in rows)
    summary = {"caught": caught, "total": len(rows), "score": round(caught / max(1, len(rows)), 3),
               "survivors": [r["mutation"] for r in rows if not r["killed"]], "mutations": rows}
    partial = args.only or args.tests or args.no_baseline
    out = args.out or (None if partial else str(ROOT / "tests" / "mutation_check.json"))
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(summary, indent=1))
    print(f"\ncaught {caught} of {len(rows)} ({summary['score']:.0%}); survivors: {summary['survivors']}")
    print(json.dumps({k: summary[k] for k in ("caught", "total", "score", "survivors")}))


if __name__ == "__main__":
    main()
