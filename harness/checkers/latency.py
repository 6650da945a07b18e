"""Latency of successful business writes before, during and after the fault.

Percentiles use the nearest-rank method: the p-th percentile of n sorted latencies is the value at
rank ceil(p / 100 * n) (1-based), so every reported figure is a latency that was actually measured.
The windows follow the completion time of each write: `before` the injection started, `during`
until the recovery time the RTO checker computes (`find_recovery`, shared, not copied), `after` it.
Without an injection every write is `before`; if the service never recovered, `during` runs to the
end. There is no latency SLO yet: the checker passes unless no write succeeded at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from harness.checkers.base import CheckContext, Verdict, ms, register
from harness.checkers.rto import find_recovery, ok_end
from harness.history import WRITE, Event, pair

PERCENTILES = (50, 95, 99)


def nearest_rank(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def summarise(latencies: Sequence[float]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for p in PERCENTILES:
        value = nearest_rank(latencies, p)
        figures[f"p{p}"] = None if value is None else ms(value)
    figures["count"] = len(latencies)
    return figures


@register("latency")
def check_latency(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    ops = pair(events)
    done = [(end, end - op.start) for op in ops if op.f == WRITE and (end := ok_end(op)) is not None]
    recovery = find_recovery(ops)
    start = math.inf if recovery is None else recovery.inject_start
    recovered = math.inf if recovery is None or recovery.recovered_at is None else recovery.recovered_at
    before = [lat for end, lat in done if end < start]
    during = [lat for end, lat in done if start <= end <= recovered]
    after = [lat for end, lat in done if end > recovered]
    metrics = {"before": summarise(before), "during": summarise(during), "after": summarise(after)}
    target = "information only: no latency SLO"
    if not done:
        return Verdict("latency", "unknown", metrics, target, reason="no business write succeeded")
    return Verdict("latency", "pass", metrics, target)
