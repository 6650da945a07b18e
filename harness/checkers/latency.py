"""Latency of successful business writes before, during and after the fault.

Percentiles use the nearest-rank method: the p-th percentile of n sorted latencies is the value at
rank ceil(p / 100 * n) (1-based), so every reported figure is a latency that was actually measured.
The windows follow the completion time of each write: `before` the first injection started,
`during` until the integrations journey was back from the last injection (the recovery the RTO
checker computes, `harness.core.journeys`, shared, not copied), `after` it. Without an
injection every write is `before`; if the writes never came back, `during` runs to the end.
There is no latency SLO yet: the checker passes unless no write succeeded at all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from harness.checkers.base import CheckContext, Verdict, end_of_run, ms, register
from harness.core.analysis import ops_of, recoveries_of
from harness.core.figures import millis
from harness.core.history import WRITE, Event, Op
from harness.core.journeys import INTEGRATIONS
from harness.core.stats import nearest_rank

PERCENTILES = (50, 95, 99)


def summarise(latencies: Sequence[float]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for p in PERCENTILES:
        value = nearest_rank(latencies, p)
        figures[f"p{p}"] = None if value is None else ms(value)
    figures["count"] = len(latencies)
    return figures


def _ok_end(op: Op) -> float | None:
    return op.completion.time if op.completion is not None and op.completion.kind == "ok" else None


def headline(metrics: Mapping[str, Any]) -> str:
    def p99(phase: str) -> str:
        figures = metrics.get(phase)
        return millis(figures.get("p99") if isinstance(figures, Mapping) else None)

    return f"p99 {p99('before')} before, {p99('during')} during the fault"


@register("latency", order=80, headline=headline)
def check_latency(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    ops = ops_of(events)
    done = [(end, end - op.start) for op in ops if op.f == WRITE and (end := _ok_end(op)) is not None]
    found = recoveries_of(events, ctx.stable_for, end_of_run(events, ctx))
    start = found.injections[0].start if found.injections else math.inf
    recovered = math.inf
    if found.injections:
        last = found.injections[-1]
        back = [r.recovered_at for r in found.of(last) if r.journey == INTEGRATIONS]
        recovered = back[0] if back and back[0] is not None else math.inf
    before = [lat for end, lat in done if end < start]
    during = [lat for end, lat in done if start <= end <= recovered]
    after = [lat for end, lat in done if end > recovered]
    metrics = {"before": summarise(before), "during": summarise(during), "after": summarise(after)}
    target = "information only: no latency SLO"
    if not done:
        return Verdict("latency", "unknown", metrics, target, reason="no business write succeeded")
    return Verdict("latency", "pass", metrics, target)
