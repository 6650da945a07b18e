"""Recipe: a new checker is one module. `writes-seen` passes when the run acknowledged at least one write."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.checkers.base import CheckContext, ScenarioFacts, Verdict, register
from harness.core.history import WRITE, Event


def applies(scenario: ScenarioFacts, events: Sequence[Event]) -> bool:
    return "business-write" in scenario.probes  # no writes probed, nothing to judge: no verdict at all


def headline(metrics: Mapping[str, Any]) -> str:
    return f"{metrics.get('acknowledged', 0)} writes acknowledged"


@register("writes-seen", order=900, applies=applies, headline=headline)
def check_writes_seen(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    acknowledged = sum(1 for e in events if e.f == WRITE and e.kind == "ok" and e.process != "final-read")
    target = "at least one acknowledged write"
    if acknowledged == 0:
        return Verdict("writes-seen", "fail", {"acknowledged": 0}, target, reason="no write was acknowledged")
    return Verdict("writes-seen", "pass", {"acknowledged": acknowledged}, target)
