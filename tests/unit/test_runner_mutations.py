"""The runner's order tests catch the runner losing a phase: each mutation below, applied to a copy of the
tree, must make tests/unit/test_runner_order.py fail, and the unchanged copy must pass it.

The three mutations are the ones that once survived the whole pure suite: the heal that always runs at
the end, the final read, and the abort when the steady state does not hold. Each names the line it
changes; a line that no longer appears exactly once fails here, so the mutation is kept true to the code.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.tree import ROOT, copy_tree, env_for, imports_its_own_harness

RUNNER = "harness/drill/runner.py"
ORDER = "tests/unit/test_runner_order.py"
MUTATIONS = {  # name -> (line as shipped, line as mutated, a test that must catch it)
    "no heal at the end": (
        "        executor.heal_all()  # heal always, whatever happened above\n",
        "        pass\n",
        "test_a_fault_nobody_healed_is_healed_at_the_end_before_the_settle",
    ),
    "no final read": (
        "    drill.final_read(ctx)\n",
        "    pass\n",
        "test_the_final_read_comes_after_every_probe_stopped",
    ),
    "no steady-state abort": (
        "        if broken:\n",
        "        if False:\n",
        "test_a_steady_state_that_does_not_hold_aborts_before_any_fault_and_still_heals_nothing_left",
    ),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_each_mutated_line_is_in_the_runner_once(name: str) -> None:
    shipped, _, _ = MUTATIONS[name]
    assert (ROOT / RUNNER).read_text().count(shipped) == 1, f"mutation {name!r}: update its line to the runner's"


def _start(tree: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", ORDER],
        cwd=tree,
        env=env_for(tree),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _failed(output: str) -> set[str]:
    return set(re.findall(rf"^FAILED {re.escape(ORDER)}::(\w+)", output, flags=re.MULTILINE))


def test_every_mutation_of_the_runner_fails_its_order_tests(tmp_path: Path) -> None:
    control = tmp_path / "control"
    copy_tree(control)
    assert imports_its_own_harness(control)
    trees = {"control": control}
    for name, (shipped, mutated, _) in MUTATIONS.items():
        tree = tmp_path / re.sub(r"\W+", "-", name)
        shutil.copytree(control, tree)
        runner = tree / RUNNER
        runner.write_text(runner.read_text().replace(shipped, mutated))
        trees[name] = tree
    running = {name: _start(tree) for name, tree in trees.items()}  # side by side: mostly waiting on drills
    outputs = {name: process.communicate(timeout=600)[0] for name, process in running.items()}
    codes = {name: process.returncode for name, process in running.items()}

    assert codes["control"] == 0, outputs["control"][-3000:]  # unchanged, the order tests pass
    for name, (_, _, catcher) in MUTATIONS.items():
        assert codes[name] == 1, f"mutation {name!r} survived (exit {codes[name]}):\n{outputs[name][-3000:]}"
        print(f"{name}: caught by {sorted(_failed(outputs[name]))}")
        assert catcher in _failed(outputs[name]), (name, sorted(_failed(outputs[name])))
