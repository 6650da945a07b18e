"""The test that comes with the fault `fill-disk` (tests/unit/recipes/fill_disk.py): the whole harness picks it up.

Here the conftest registers the recipe for this module's tests; dropped into the harness with its
piece (test_recipes.py does exactly that in a copy of the tree), it runs as it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.core import history as h
from harness.scenario.load import InvalidScenario, parse_scenario
from tests.unit.fakes import FakeStack, run_steps


def test_adding_a_fault(tmp_path: Path) -> None:
    stack = FakeStack()
    step = {"at": "0s", "fault": "fill-disk", "target": "zone-b", "for": "0.1s", "params": {"size_mb": 50}}
    history = run_steps({"steps": [step]}, stack, tmp_path)
    execs = [command for what, _, command in stack.calls if what == "exec"]
    zone = len(stack.layout.members("zone-b"))  # every service of the zone, as the stack lays it out
    assert (
        zone >= 2 and execs == ["fallocate -l 50M /tmp/odoo-chaos-fill"] * zone + ["rm -f /tmp/odoo-chaos-fill"] * zone
    )
    inject = next(e for e in history.events() if e.f == h.INJECT and e.kind == "invoke")
    assert (inject.value["fault"], inject.value["size_mb"], inject.value["takes_effect"]) == ("fill-disk", 50, "end")
    with pytest.raises(InvalidScenario) as error:
        parse_scenario({"name": "x", "summary": "s", "steps": [{**step, "params": {"size_mb": 0}}]}, "f.yaml")
    assert str(error.value) == "f.yaml: field steps.0.params.size_mb: must be >= 1, not 0"
