"""Redundancy: how long the database ran without a streaming standby, and whether it came back.

From the replication probe (`lag` ops, once a second): a sample is redundant when it reached the
primary and the primary streamed to at least one standby. Redundancy is lost at the first sample
after the first fault that is not redundant; it is back at the first redundant sample after the
last non-redundant one. **Time back to full redundancy** = back - first fault's injection. Not
back by the end of the run is a `warn` (the stack runs on one database node), never a pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.checkers.base import CheckContext, ScenarioFacts, Verdict, ms, register
from harness.core.analysis import ops_of
from harness.core.history import INJECT, LAG, Event


def headline(metrics: Mapping[str, Any]) -> str:
    if metrics.get("redundancy_lost") is False:
        return "never lost a streaming standby"
    back = metrics.get("time_to_redundancy_seconds")
    return (
        f"streaming standby back {back:.1f} s after the fault"
        if isinstance(back, int | float)
        else "no standby by the end"
    )


def applies(scenario: ScenarioFacts, events: Sequence[Event]) -> bool:
    return "replication-lag" in scenario.probes


@register("redundancy", order=100, applies=applies, headline=headline)
def check_redundancy(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    ops = ops_of(events)
    target = "a streaming standby again after the fault"
    samples = [
        (op.end, op.kind == "ok" and int(op.completion.value.get("standbys") or 0) > 0)
        for op in ops
        if op.f == LAG and op.end is not None and op.completion is not None and op.kind in ("ok", "fail")
    ]
    if not samples:
        return Verdict("redundancy", "unknown", {}, target, reason="the replication probe took no sample")
    injections = [op.start for op in ops if op.f == INJECT]
    fault_at = min(injections) if injections else None
    after = [(t, good) for t, good in samples if fault_at is None or t >= fault_at]
    lost = [t for t, good in after if not good]
    if not lost:
        return Verdict("redundancy", "pass", {"redundancy_lost": False, "time_to_redundancy_seconds": 0.0}, target)
    last_bad = max(lost)
    back = next((t for t, good in after if good and t > last_bad), None)
    metrics = {
        "redundancy_lost": True,
        "lost_at": ms(min(lost)),
        "back_at": ms(back) if back is not None else None,
        "time_to_redundancy_seconds": ms(back - (fault_at or min(lost))) if back is not None else None,
        "samples_without_standby": len(lost),
    }
    if back is None:
        return Verdict("redundancy", "warn", metrics, target, reason="no streaming standby by the end of the run")
    return Verdict("redundancy", "pass", metrics, target)
