"""Numbers as people read them, shared by the HTML and Markdown reports.

Every formatter takes whatever a metric holds (a number, None, something unexpected) and returns
text; a missing or malformed value reads as an em dash, never as an exception. `key_figure` is the
one figure a check is about (the RTO for `rto`, lost/acknowledged for `rpo`...), for tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.report.model import (
    AVAILABILITY,
    LATENCY,
    OUTAGES,
    RPO,
    RTO,
    SESSIONS,
    VerdictLike,
    count,
    number,
)

DASH = "\u2014"
PHASES: tuple[str, ...] = ("before", "during", "after")


def seconds(value: Any, digits: int = 2) -> str:
    n = number(value)
    return DASH if n is None else f"{n:.{digits}f} s"


def millis(value: Any) -> str:
    n = number(value)
    return DASH if n is None else f"{n * 1000:.0f} ms"


def percent(fraction: Any, digits: int = 3) -> str:
    n = number(fraction)
    return DASH if n is None else f"{n * 100:.{digits}f} %"


def integer(value: Any) -> str:
    n = count(value)
    return DASH if n is None else str(n)


def margin(value: Any) -> str:
    n = number(value)
    return DASH if n is None else f"{n:+.2f}"


def rto_text(metrics: Mapping[str, Any]) -> str:
    rto = number(metrics.get("rto_seconds"))
    if rto is None:
        return DASH
    resolution = number(metrics.get("rto_resolution_seconds"))
    return f"{rto:.2f} s" if resolution is None else f"{rto:.2f} s \u00b1 {resolution:.2f} s"


def seq_list(value: Any, limit: int = 10) -> str:
    if not isinstance(value, list | tuple) or not value:
        return ""
    shown = ", ".join(str(v) for v in value[:limit])
    return shown + (f", \u2026 (+{len(value) - limit})" if len(value) > limit else "")


def key_figure(verdict: VerdictLike) -> str:
    """The figure the check judges, as text ("" when the checker is not one the report knows)."""
    metrics = verdict.metrics if isinstance(verdict.metrics, Mapping) else {}
    if not metrics:
        return DASH
    checker = verdict.checker
    if checker == RTO:
        return f"RTO {rto_text(metrics)}"
    if checker == RPO:
        return (
            f"RPO {seconds(metrics.get('rpo_seconds'))}, lost {integer(metrics.get('lost_writes'))}"
            f" of {integer(metrics.get('acknowledged_writes'))} acknowledged"
        )
    if checker == OUTAGES:
        outages = metrics.get("outages")
        windows = [o for o in outages if isinstance(o, Mapping)] if isinstance(outages, list | tuple) else []
        total = sum(number(o.get("duration_seconds")) or 0.0 for o in windows)
        return f"{len(windows)} outage(s), {total:.2f} s in total"
    if checker == AVAILABILITY:
        return f"availability {percent(metrics.get('availability'))}"
    if checker == LATENCY:
        during = metrics.get("during")
        p99 = during.get("p99") if isinstance(during, Mapping) else None
        return f"p99 during fault {millis(p99)}"
    if checker == SESSIONS:
        return f"{integer(metrics.get('sessions_lost'))} of {integer(metrics.get('sessions'))} sessions lost"
    return ""
