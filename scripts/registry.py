"""The experiment registry: every run behind the report, as data (experiments/*.toml).

Each top-level table of a registry file is one experiment; a file's plain `family = "..."` key is the
default family of its entries. Two reserved keys compose the report rather than name runs:
`[[levers]]` (the discussion's compact table) and `[curvature_pairs]`. An entry's optional `code_at` names
the commit whose code ran it, for variants since retired from the code: the runner refuses to rerun it. The runner
(scripts/run_registry.py) and the summary (scripts/summary_*.py) read runs, roles, labels and paths from
here, so adding an experiment is one entry.
"""
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"
ROLES = ("final", "oracle", "baseline", "ablation", "screening", "archive")
STATUSES = ("finished", "running", "stopped", "planned")
RESERVED = ("family", "levers", "curvature_pairs")


def load_registry(path) -> dict:
    """One registry file's entries by name, each checked for the fields the runner and summary need.
    Every entry gets `name`, `family` (its own, else the file's) and `status` (default "finished")."""
    try:
        data = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise SystemExit(f"error: registry file {path} not found") from None
    except IsADirectoryError:
        raise SystemExit(f"error: registry file {path} is a folder, not a TOML file") from None
    except tomllib.TOMLDecodeError as e:
        raise SystemExit(f"error: {path} is not valid TOML: {e}") from None
    except UnicodeDecodeError as e:
        raise SystemExit(f"error: {path} is not UTF-8 text ({e.reason} at byte {e.start})") from None
    entries = {}
    for name, e in data.items():
        if name in RESERVED:
            continue
        if not isinstance(e, dict):
            raise SystemExit(f"error: {path}: top-level key {name!r} is not an entry table")
        missing = {"role", "label", "out", "seeds", "rule"} - set(e)
        if missing:
            raise SystemExit(f"error: registry entry {name!r} in {path} lacks {sorted(missing)}")
        if e["role"] not in ROLES:
            raise SystemExit(f"error: registry entry {name!r}: role {e['role']!r} is not one of {list(ROLES)}")
        status = e.get("status", "finished")
        if status not in STATUSES:
            raise SystemExit(f"error: registry entry {name!r}: status {status!r} is not one of {list(STATUSES)}")
        if e.get("direction") not in (None, "backward", "forward"):
            raise SystemExit(f"error: registry entry {name!r}: direction {e['direction']!r} is not backward or forward")
        if e.get("reference") and not (e["role"] == "oracle" and e.get("direction")):
            raise SystemExit(f"error: registry entry {name!r}: only an oracle with a direction can be the reference")
        if "code_at" in e and not (isinstance(e["code_at"], str) and len(e["code_at"]) == 40
                                   and all(c in "0123456789abcdef" for c in e["code_at"])):
            raise SystemExit(f"error: registry entry {name!r}: code_at {e['code_at']!r} is not a 40-hex commit")
        entries[name] = {**e, "name": name, "family": e.get("family", data.get("family", "direction")),
                         "status": status}
    return entries


def load_all(folder: Path = EXPERIMENTS) -> dict:
    """Every entry of every registry file in `folder`, by name; names and output folders are unique."""
    entries, outs = {}, {}
    for f in sorted(Path(folder).glob("*.toml")):
        for name, e in load_registry(f).items():
            if name in entries:
                raise SystemExit(f"error: registry entry {name!r} is defined twice ({f.name} and another file)")
            if e["out"] in outs:
                raise SystemExit(f"error: entries {outs[e['out']]!r} and {name!r} share the folder {e['out']!r}")
            entries[name], outs[e["out"]] = {**e, "file": f.name}, name
    return entries


def composition(key: str, folder: Path = EXPERIMENTS):
    """A reserved key (levers, curvature_pairs) merged over the registry files that define it."""
    found = [tomllib.loads(f.read_text()).get(key) for f in sorted(Path(folder).glob("*.toml"))]
    found = [x for x in found if x]
    if key == "levers":
        return [lever for x in found for lever in x]
    return {k: tuple(v) for x in found for k, v in x.items()}


def with_role(entries: dict, *roles, family: str = "direction") -> dict:
    return {n: e for n, e in entries.items() if e["role"] in roles and e["family"] == family}


def oracle_protocols(entries: dict) -> dict:
    """{name: (direction, protocol)} of the direction family's oracle runs, in registry order: the
    candidates for each direction's reference return (archived ones included)."""
    return {n: (e["direction"], e["protocol"]) for n, e in entries.items()
            if e.get("direction") and e["family"] == "direction"}


def reference_oracles(entries: dict) -> dict:
    """{direction: name} of the oracle each direction's fractions divide by (`reference = true`): chosen by a
    rule written before it ran, never by its result, so at most one per direction."""
    refs = {}
    for n, e in entries.items():
        if e.get("reference") and e["family"] == "direction":
            if e["direction"] in refs:
                raise SystemExit(f"error: the registry names two {e['direction']} reference oracles: "
                                 f"{refs[e['direction']]!r} and {n!r}")
            refs[e["direction"]] = n
    return refs


def table_methods(entries: dict) -> dict:
    """{name: label} of the rows of the adaptation tables: final, baselines and oracles, in registry order."""
    return {n: e["label"] for n, e in with_role(entries, "final", "baseline", "oracle").items()}


def table_rows(entries: dict) -> dict:
    """{name: label} of the report's and README's adaptation tables: the table methods less the direction
    oracle protocols that are not the reference (the earlier ones are named in one line of text instead)."""
    return {n: label for n, label in table_methods(entries).items()
            if not (entries[n]["role"] == "oracle" and entries[n]["family"] == "direction" and not entries[n].get("reference"))}


def ablation_rows(entries: dict) -> dict:
    """{name: LaTeX label} of the ablation table's rows, in registry order."""
    return {n: e["ablation_label"] for n, e in entries.items() if "ablation_label" in e}


def tagged(entries: dict, macro: str) -> str:
    """The name of the entry whose `macro` field is `macro` (the report macros it feeds)."""
    names = [n for n, e in entries.items() if e.get("macro") == macro]
    if len(names) != 1:
        raise SystemExit(f"error: the registry has {len(names)} entries with macro = {macro!r}, expected one")
    return names[0]


def final_entry(entries: dict, family: str = "direction") -> str:
    (name,) = with_role(entries, "final", family=family)
    return name
