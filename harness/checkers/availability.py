"""Availability per user journey: the share of the observed time in which each journey worked.

Downtime of a journey is the total length of its outage windows (the outages checker's window
algorithm, run on that journey's probe alone: business writes for integrations, session checks
for web users, business reads for reads). The observed time runs from the start of the probes to
the final read. The seed asks to "distinguish between platform availability and end-to-end business
service availability": each journey is reported, and the worst one is judged and named.

A drill that injects a fault is one incident, not a month: judging a 60 s run's availability
against 99.99 % would fail any drill with a two-second blip. So when the history holds an injected
fault, the verdict compares this incident's downtime with the tier's monthly downtime budget
(`(1 - target) x 30 days`: 259 s strict and 1296 s loose for Tier 1), and the headline reads
"7.3 s of 259 s". Runs without an injected fault (baseline, soak) are judged on availability itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.checkers.base import CheckContext, Verdict, end_of_run, ms, register
from harness.checkers.outages import outage_windows
from harness.core.analysis import ops_of
from harness.core.figures import card, downtime_text
from harness.core.history import INJECT, Event, Op
from harness.core.journeys import JOURNEY_OF_F, journey_map, journey_rank, observation
from harness.files.tiers import Target, describe, judge

MONTH = 30 * 86400.0


def budget_of(target: Target) -> Target:
    """The tier's monthly downtime budget in seconds (strict, loose)."""
    return Target(strict=(1.0 - target.strict) * MONTH, loose=(1.0 - target.loose) * MONTH)


def journey_downtime(
    ops: Sequence[Op], start: float, end: float, journeys: dict[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Per journey (`journeys`: op -> journey, the shipped probes' by default): availability, downtime
    and operations over [start, end]."""
    measured = max(end - start, 1e-9)
    out: dict[str, dict[str, Any]] = {}
    for f, journey in (JOURNEY_OF_F if journeys is None else journeys).items():
        mine = [op for op in ops if op.f == f and op.process not in ("fault", "runner", "final-read")]
        if not mine:
            continue
        windows = outage_windows(mine, end, {f})
        down = min(measured, sum(max(0.0, min(w.end, end) - max(w.start, start)) for w in windows))
        out[journey] = {
            "availability": round(1.0 - down / measured, 6),
            "downtime_seconds": ms(down),
            "operations": len(mine),
            "ok_operations": sum(1 for op in mine if op.kind == "ok"),
        }
    return dict(sorted(out.items(), key=lambda item: journey_rank(item[0])))


@register(
    "availability",
    order=70,
    headline=downtime_text,
    card=card(
        "availability",
        "availability_journey:json",
        "downtime_seconds",
        "monthly_budget_seconds",
        "error_budget_used",
    ),
)
def check_availability(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    target_text = describe("availability", ctx.tier.availability, higher_is_better=True)
    ops = ops_of(events)
    start, end = observation(events, end_of_run(events, ctx))
    by_journey = journey_downtime(ops, start, end, journey_map(events))
    if not by_journey or end <= start:
        reason = "no user journey was probed" if not by_journey else "the run ended as the probes started"
        return Verdict("availability", "unknown", {"availability_by_journey": by_journey}, target_text, reason=reason)
    worst_name, worst = min(by_journey.items(), key=lambda item: item[1]["availability"])
    availability = float(worst["availability"])
    downtime = float(worst["downtime_seconds"])
    measured = end - start
    allowance = 1.0 - ctx.tier.availability.strict
    budget = budget_of(ctx.tier.availability)
    metrics: dict[str, Any] = {
        "availability": availability,
        "availability_percent": round(availability * 100, 4),
        "availability_journey": worst_name,
        "availability_by_journey": by_journey,
        "measured_seconds": ms(measured),
        "downtime_seconds": ms(downtime),
        "error_budget_used": round((1.0 - availability) / allowance, 4) if allowance > 0 else None,
        "monthly_budget_seconds": ms(budget.strict),
        "monthly_error_budget_used": round(downtime / budget.strict, 6) if budget.strict > 0 else None,
        "incident": any(op.f == INJECT for op in ops),
    }
    if metrics["incident"]:
        return _judge_incident(ctx, metrics, downtime, worst_name)
    status, margin = judge(ctx.tier.availability, availability, higher_is_better=True)
    reason = ""
    if status in ("warn", "fail"):
        bound = ctx.tier.availability.strict if status == "warn" else ctx.tier.availability.loose
        reason = (
            f"{worst_name}: availability {round(availability * 100, 4):g}% over {measured:.0f} s is below the "
            f"{ctx.tier.name} {'target' if status == 'warn' else 'warn limit'} of {bound * 100:g}%"
        )
    margin = None if margin is None else round(margin, 6)
    return Verdict("availability", status, metrics, target_text, margin, reason, unit="fraction")


def _judge_incident(ctx: CheckContext, metrics: dict[str, Any], downtime: float, journey: str) -> Verdict:
    """A fault drill: this incident's downtime against the tier's monthly downtime budget."""
    budget = budget_of(ctx.tier.availability)
    target_text = (
        f"downtime of this incident <= {budget.strict:.0f} s (warn <= {budget.loose:.0f} s): "
        f"the {ctx.tier.name} monthly downtime budget at {ctx.tier.availability.strict * 100:g}%"
    )
    status, margin = judge(budget, downtime, higher_is_better=False)
    reason = ""
    if status in ("warn", "fail"):
        reason = f"this incident's {downtime:.1f} s of {journey} downtime exceeds the {ctx.tier.name} monthly budget"
    return Verdict("availability", status, metrics, target_text, None if margin is None else ms(margin), reason)
