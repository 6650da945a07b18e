"""The house's floors: every import in `harness/` points down (or sideways), never up, and the pure
core stands alone.

The rooms, from the ground floor up (a module may import its own room and any room below it):

| floor | rooms | what |
|---|---|---|
| 0 | `core` | history, registry, durations, clocks, journeys, figures: the measurement core |
| 1 | `files` | the user's files: the safe reader, tiers, typed params, the backup policy |
| 2 | `scenario.model` | a drill as data |
| 3 | `checkers` | pure verdicts over a history |
| 4 | `report` | rendering a run (pure) and writing its directory |
| 5 | `verdict` | judging a history, `check`, signatures |
| 6 | `edge` | the Docker engine, images, run state, TLS, Odoo's API |
| 7 | `stack` | the kinds of stack, behind `StackHandle` |
| 8 | `faults`, `actions`, `probes`, `conditions` | the plugins that act on a stack |
| 9 | `scenario.load`, `load` | loading a drill (names checked against the plugins), Locust |
| 10 | `programme` | the DR programme over the runs |
| 11 | `drill` | running drills: the runner, the executor, campaigns |
| 12 | `cli`, `pytest_plugin`, `__main__` | the ways in |

Imports made only for type checking count too: an arrow is an arrow.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

HARNESS = Path(__file__).resolve().parents[2] / "harness"

FLOORS: dict[str, int] = {
    "harness": 0,  # the package's own __init__ (a docstring)
    "harness.core": 0,
    "harness.files": 1,
    "harness.scenario": 2,
    "harness.scenario.model": 2,
    "harness.checkers": 3,
    "harness.report": 4,
    "harness.verdict": 5,
    "harness.edge": 6,
    "harness.stack": 7,
    "harness.faults": 8,
    "harness.actions": 8,
    "harness.probes": 8,
    "harness.conditions": 8,
    "harness.scenario.load": 9,
    "harness.load": 9,
    "harness.programme": 10,
    "harness.drill": 11,
    "harness.cli": 12,
    "harness.pytest_plugin": 12,
    "harness.__main__": 12,
}


def modules() -> dict[str, Path]:
    found = {}
    for path in HARNESS.rglob("*.py"):
        if "_data" in path.relative_to(HARNESS).parts:
            continue
        rel = path.relative_to(HARNESS.parent).with_suffix("")
        found[".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)] = path
    return found


def floor(module: str) -> int:
    """The floor of the longest room name that `module` is in."""
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        room = ".".join(parts[:i])
        if room in FLOORS and (i > 1 or len(parts) == 1):
            return FLOORS[room]
    raise AssertionError(f"{module} is in no room: give it one in FLOORS (and the README's map)")


def imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The harness modules `module` imports, anywhere in it (functions and TYPE_CHECKING blocks too)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")[: -node.level] if path.name != "__init__.py" else module.split(".")
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                out.add(candidate if candidate in known else base)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {m for m in out if m in known and m != module and not module.startswith(m + ".")}


def arrows_up() -> list[str]:
    known = modules()
    found = []
    for module, path in sorted(known.items()):
        for target in sorted(imports(module, path, known)):
            if floor(target) > floor(module):
                found.append(f"{module} (floor {floor(module)}) imports {target} (floor {floor(target)})")
    return found


def test_every_module_is_in_a_room() -> None:
    for module in modules():
        floor(module)


def test_no_import_runs_back_up() -> None:
    assert arrows_up() == []


def test_the_harness_root_holds_only_the_ways_in() -> None:
    loose = sorted(p.name for p in HARNESS.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "pytest_plugin.py"]


def test_an_arrow_up_is_caught(tmp_path: Path) -> None:
    """The layer test can fail: a checker that imported the stack would be named."""
    known = {"harness.checkers.x": tmp_path / "x.py", "harness.stack.topology": tmp_path / "t.py"}
    (tmp_path / "x.py").write_text("from harness.stack import topology\n")
    assert imports("harness.checkers.x", known["harness.checkers.x"], known) == {"harness.stack.topology"}
    assert floor("harness.stack.topology") > floor("harness.checkers.x")


def test_check_and_the_checkers_load_no_stack_and_no_docker() -> None:
    """What an auditor's `odoo-chaos check` runs, in a fresh interpreter: no Docker SDK, no stack module."""
    code = (
        "import json, sys\n"
        "import harness.verdict.recheck, harness.checkers\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'docker' or m.startswith(('docker.', 'harness.')))))\n"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
    assert [m for m in loaded if m == "docker" or m.startswith("docker.")] == []
    low = ("harness.core", "harness.files", "harness.scenario", "harness.checkers", "harness.report", "harness.verdict")
    assert [m for m in loaded if not m.startswith(low) and m != "harness"] == []
