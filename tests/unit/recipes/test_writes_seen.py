"""The test that comes with the checker `writes-seen` (tests/unit/recipes/writes_seen.py): the whole harness picks it up.

Here the conftest registers the recipe for this module's tests; dropped into the harness with its
piece (test_recipes.py does exactly that in a copy of the tree), it runs as it is.
"""

from __future__ import annotations

from harness.core import history as h
from harness.core.history import make
from harness.files.tiers import load_tiers
from harness.scenario.load import parse_scenario
from harness.verdict.judgement import judge_run

TIER = load_tiers()["tier-1"]



def test_adding_a_checker() -> None:
    with_writes = parse_scenario({"name": "x", "summary": "s", "probes": ["business-write"]})
    without = parse_scenario({"name": "x", "summary": "s", "probes": ["business-read"]})
    events = make([("writer-1", "invoke", h.WRITE, 1.0, {"seq": 1}), ("writer-1", "ok", h.WRITE, 1.1, {"seq": 1})])
    judged = {v.checker: v for v in judge_run(with_writes, TIER, events).verdicts}
    assert (judged["writes-seen"].status, judged["writes-seen"].figure) == ("pass", "1 writes acknowledged")
    assert list(judged)[-1] == "writes-seen"  # its `order` puts it last in the reports
    assert "writes-seen" not in {v.checker for v in judge_run(without, TIER, events).verdicts}  # does not apply
