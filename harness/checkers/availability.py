"""Availability: the share of the measured time in which business writes succeeded.

Downtime is the total length of the outage windows seen by the business-write probe alone (the
same window algorithm as the outages checker, run on writes, with only an ok write proving
recovery). The measured time runs from the first write's invoke to the run end. The error budget
used is the downtime share over the tier's allowance, `(1 - availability) / (1 - strict target)`:
1.0 spends exactly the budget, above 1.0 is over it.

A drill that injects a fault is one incident, not a month: judging a 30 s run's availability
against 99.99 % would fail any drill with a two-second blip. So when the history holds an injected
fault, the verdict compares this incident's downtime with the tier's monthly error budget
(`(1 - target) x 30 days`: 259 s strict and 1296 s loose for Tier 1), and
`monthly_error_budget_used` says what share of the month's budget the incident spent. Runs
without an injected fault (baseline, soak) are judged on availability itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.checkers.base import CheckContext, Verdict, end_of_run, ms, register
from harness.checkers.outages import outage_windows
from harness.history import INJECT, WRITE, Event, pair
from harness.tiers import Target, describe, judge

MONTH = 30 * 86400.0


@register("availability")
def check_availability(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    target_text = describe("availability", ctx.tier.availability, higher_is_better=True)
    ops = pair(events)
    writes = [op for op in ops if op.f == WRITE]
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
    metrics["monthly_error_budget_used"] = round(downtime / (allowance * MONTH), 6) if allowance > 0 else None
    if any(op.f == INJECT for op in ops):
        return _judge_incident(ctx, metrics, downtime)
    status, margin = judge(ctx.tier.availability, availability, higher_is_better=True)
    reason = ""
    if status in ("warn", "fail"):
        bound = ctx.tier.availability.strict if status == "warn" else ctx.tier.availability.loose
        reason = (
            f"availability {round(availability * 100, 4):g}% over {measured:.0f} s is below the {ctx.tier.name} "
            f"{'target' if status == 'warn' else 'warn limit'} of {bound * 100:g}%"
        )
    return Verdict("availability", status, metrics, target_text, None if margin is None else round(margin, 6), reason)


def _judge_incident(ctx: CheckContext, metrics: dict[str, Any], downtime: float) -> Verdict:
    """A fault drill: this incident's downtime against the tier's monthly downtime budget."""
    budget = Target(
        strict=(1.0 - ctx.tier.availability.strict) * MONTH, loose=(1.0 - ctx.tier.availability.loose) * MONTH
    )
    target_text = (
        f"downtime of this incident <= {budget.strict:.0f} s (warn <= {budget.loose:.0f} s): "
        f"the {ctx.tier.name} monthly error budget"
    )
    status, margin = judge(budget, downtime, higher_is_better=False)
    reason = ""
    if status in ("warn", "fail"):
        reason = f"this incident's {downtime:.1f} s of downtime exceeds the {ctx.tier.name} monthly budget"
    return Verdict("availability", status, metrics, target_text, None if margin is None else ms(margin), reason)
