"""The test that comes with the action `vacuum-ledger` (tests/unit/recipes/vacuum_ledger.py): the whole harness picks it up.

Here the conftest registers the recipe for this module's tests; dropped into the harness with its
piece (test_recipes.py does exactly that in a copy of the tree), it runs as it is.
"""

from __future__ import annotations

from pathlib import Path

from harness.checkers import CheckContext, run_checkers
from harness.files.tiers import load_tiers
from tests.unit.fakes import FakeStack, run_steps

TIER = load_tiers()["tier-1"]



def test_adding_an_action(tmp_path: Path) -> None:
    stack = FakeStack()
    history = run_steps({"steps": [{"at": "0s", "action": "vacuum-ledger"}]}, stack, tmp_path)
    assert ("exec", "pg-primary", "psql -XAtc VACUUM (ANALYZE) chaos_ledger_entry") in stack.calls
    (runbook,) = run_checkers(history.events(), CheckContext(tier=TIER), ["runbook"])
    assert runbook.status == "pass"
    assert runbook.metrics["steps"][0]["vacuumed"] == "pg-primary"
    assert runbook.figure == "vacuum-ledger ok in 0.0 s"
