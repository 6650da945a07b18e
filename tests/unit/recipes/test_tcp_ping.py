"""The test that comes with the probe `tcp-ping` (tests/unit/recipes/tcp_ping.py): the whole harness picks it up.

Here the conftest registers the recipe for this module's tests; dropped into the harness with its
piece (test_recipes.py does exactly that in a copy of the tree), it runs as it is.
"""

from __future__ import annotations

import pytest

from harness.checkers import CheckContext, run_checkers
from harness.core import history as h
from harness.core.history import make
from harness.files.tiers import load_tiers
from harness.probes import journeys_of
from harness.scenario.load import parse_scenario

TIER = load_tiers()["tier-1"]



def test_adding_a_probe() -> None:
    plan = parse_scenario({"name": "x", "summary": "s", "probes": ["tcp-ping", "business-write"]})
    assert plan.probes == ("tcp-ping", "business-write")
    journeys = journeys_of(plan.probes)
    assert journeys == {"ping": "tcp clients", "write": "integrations"}
    # what the runner records, then 15 s of pings: down from 3 s to 6 s after odoo-1 is paused at 2 s
    rows: list[tuple[str, h.Kind, str, float, dict[str, object]]] = [
        ("runner", "ok", h.PHASE, 0.0, {"phase": "probes", "probes": list(plan.probes), "journeys": journeys}),
        ("fault", "invoke", h.INJECT, 2.0, {"fault": "pause", "target": "odoo-1", "takes_effect": "end"}),
        ("fault", "ok", h.INJECT, 2.01, {"fault": "pause", "target": "odoo-1"}),
        ("runner", "ok", h.PHASE, 15.0, {"phase": "probes-stopped"}),
    ]
    for i in range(60):
        t = 0.25 * i
        rows.append(("tcp-ping", "invoke", "ping", t, {}))
        rows.append(("tcp-ping", "fail" if 3.0 <= t < 6.0 else "ok", "ping", t + 0.01, {}))
    events = make(sorted(rows, key=lambda row: row[3]))
    rto, outages, availability = run_checkers(events, CheckContext(tier=TIER), ["rto", "outages", "availability"])
    assert rto.metrics["rto_journey"] == "tcp clients"
    assert rto.metrics["rto_by_journey"]["tcp clients"]["rto_seconds"] == pytest.approx(3.99, abs=0.13)
    (window,) = outages.metrics["outages"]
    assert window["duration_seconds"] == pytest.approx(3.0, abs=0.25) and window["failed_probes"] == ["tcp-ping"]
    assert availability.metrics["availability_journey"] == "tcp clients"
