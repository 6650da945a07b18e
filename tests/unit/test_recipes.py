"""A new fault, action, probe or checker is one module and one test: counted, in a copy of the tree.

The recipes of docs/contributing.md live in tests/unit/recipes/ (`fill_disk.py` a fault,
`vacuum_ledger.py` an action, `tcp_ping.py` a probe, `writes_seen.py` a checker), each beside the
test that comes with it. Their tests run in the main suite with the piece registered by that
folder's conftest. Here each piece is done the way a contributor does it: the harness and its
tests are copied, the module is dropped into its plugin package and its test into tests/unit/,
nothing else is touched, and the pieces' tests plus every test that pins the registries' names
(the hostile corpus, `validate`, the scenario grammar, the checkers, the layers) must pass there.
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

from tests.unit.tree import ROOT, copy_tree, imports_its_own_harness, pytest_in

RECIPES = ROOT / "tests" / "unit" / "recipes"
PIECES = {  # recipe module -> the plugin package a contributor puts it in
    "fill_disk": "harness/faults",
    "vacuum_ledger": "harness/actions",
    "tcp_ping": "harness/probes",
    "writes_seen": "harness/checkers",
}
PINNING = [  # the tests that pin what the registries hold or print
    "tests/hostile/test_corpus.py",
    "tests/hostile/test_validate.py",
    "tests/unit/test_scenario.py",
    "tests/unit/test_checkers.py",
    "tests/unit/test_layers.py",
]
def _changed_files(before: Path, after: Path) -> list[str]:
    """Every file added to, removed from or changed in `after` compared to `before` (relative paths)."""
    changed: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        changed.extend(prefix + name for name in cmp.left_only + cmp.right_only + cmp.diff_files)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(before, after, ignore=["__pycache__"]), "")
    return sorted(changed)


def _failures(output: str) -> str:
    """The failures' own lines (what went wrong where), not the long tail of PASSED lines."""
    return "\n".join(line for line in output.splitlines() if not line.startswith("PASSED "))[-6000:]


def test_a_new_fault_action_probe_or_checker_is_one_module_and_one_test(tmp_path: Path) -> None:
    shipped, tree = tmp_path / "shipped", tmp_path / "tree"
    copy_tree(shipped)
    shutil.copytree(shipped, tree)
    for piece, package in PIECES.items():
        shutil.copy2(RECIPES / f"{piece}.py", tree / package / f"{piece}.py")
        shutil.copy2(RECIPES / f"test_{piece}.py", tree / "tests" / "unit" / f"test_{piece}.py")

    expected = sorted(
        [f"{package}/{piece}.py" for piece, package in PIECES.items()]
        + [f"tests/unit/test_{piece}.py" for piece in PIECES]
    )
    assert _changed_files(shipped, tree) == expected  # two files per piece, nothing else touched

    tests = [f"tests/unit/test_{piece}.py" for piece in PIECES] + PINNING
    assert imports_its_own_harness(tree)  # the copy's harness, not ours
    done = pytest_in(tree, "-n", "2", "-rA", *tests)
    assert done.returncode == 0, _failures(done.stdout) + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout, done.stdout[-2000:]
    ran = {line.split("::")[0].removeprefix("PASSED ") for line in done.stdout.splitlines() if line.startswith("PASSED ")}
    assert {f"tests/unit/test_{piece}.py" for piece in PIECES} <= ran  # each piece's own test ran there and passed
