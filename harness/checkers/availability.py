"""Availability: the share of the measured time in which business writes succeeded.

Downtime is the total length of the outage windows seen by the business-write probe alone (the
same window algorithm as the outages checker, run on writes, with only an ok write proving
recovery). The measured time runs from the first write's invoke to the run end. The error budget
used is the downtime share over the tier's allowance, `(1 - availability) / (1 - strict target)`:
1.0 spends exactly the budget, above 1.0 is over it. Short drills magnify every second of downtime,
so read availability together with the measured time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.checkers.base import CheckContext, Verdict, end_of_run, ms, register
from harness.checkers.outages import outage_windows
from harness.history import WRITE, Event, pair
from harness.tiers import describe, judge


@register("availability")
def check_availability(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    target_text = describe("availability", ctx.tier.availability, higher_is_better=True)
    writes = [op for op in pair(events) if op.f == WRITE]
    run_end = end_of_run(events, ctx)
    first = min((op.start for op in writes), default=None)
    if first is None or run_end <= first:
        reason = "no business writes were measured" if first is None else "the run ended as the first write started"
        return Verdict("availability", "unknown", {"total_writes": len(writes)}, target_text, reason=reason)
    measured = run_end - first
    downtime = min(measured, sum(w.duration for w in outage_windows(writes, run_end, {WRITE})))
    availability = 1.0 - downtime / measured
    allowance = 1.0 - ctx.tier.availability.strict
    metrics: dict[str, Any] = {
        "availability": round(availability, 6),
        "availability_percent": round(availability * 100, 4),
        "measured_seconds": ms(measured),
        "downtime_seconds": ms(downtime),
        "error_budget_used": round((1.0 - availability) / allowance, 4) if allowance > 0 else None,
        "ok_writes": sum(1 for op in writes if op.kind == "ok"),
        "total_writes": len(writes),
    }
    status, margin = judge(ctx.tier.availability, availability, higher_is_better=True)
    reason = ""
    if status in ("warn", "fail"):
        bound = ctx.tier.availability.strict if status == "warn" else ctx.tier.availability.loose
        reason = (
            f"availability {round(availability * 100, 4):g}% over {measured:.0f} s is below the {ctx.tier.name} "
            f"{'target' if status == 'warn' else 'warn limit'} of {bound * 100:g}%"
        )
    return Verdict("availability", status, metrics, target_text, None if margin is None else round(margin, 6), reason)
