"""Load: what Locust's users felt, before the fault, during recovery and after, and whether capacity came back.

Reads the `load` events (per endpoint and second a request *started*, possibly several lines a
second: request and failure counts, a latency histogram in ms) and the load profile's targets
(recorded with the `load` phase event). Windows:
`before` is from the end of the ramp-up (users / spawn rate + 2 s) to the first fault, `during`
from the fault until *every* journey was back from the last fault (web users, integrations,
reads, data: `harness.core.journeys`), `after` from then to the end; a run without a fault has
only `before`. Per window and endpoint: requests/s, error rate and p50/p95/p99, merged exactly
from the histograms.

- **capacity regained**: the first 10 s span after recovery whose successful requests/s is within
  `capacity_within` of `before`; `fail` if none, `warn` if later than `capacity_deadline`;
- **errors after recovery**: the `after` window's error rate at most the profile's bound
  (`slo.error_rate`, default 1 %), else `fail`: users still failing are not recovered. A user
  whose session the outage dropped finds out at their next request (`logged-out`: Odoo answers
  "session expired" and they log in again); up to one such failure per Locust user is left out
  of the rate (the `sessions` check judges logged-out users) and reported; any more count;
- **latency SLO**: p95 of every request outside the recovery window at most `slo_p95`, else `fail`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.checkers.base import CheckContext, ScenarioFacts, Status, Verdict, end_of_run, ms, register
from harness.core.analysis import recoveries_of
from harness.core.history import LOAD, PHASE, Event
from harness.core.journeys import DEFAULT_ERROR_RATE, LOGGED_OUT
from harness.core.stats import histogram_rank

SPAN = 10.0  # seconds of throughput that count as "back"


def percentile_of(hist: Counter[float], share: float) -> float | None:
    """Seconds at the given share (0-1) of a histogram in milliseconds, by nearest rank."""
    found = histogram_rank(hist, share * 100)
    return None if found is None else found / 1000


def _summary(rows: Sequence[dict[str, Any]], start: float, end: float) -> dict[str, Any]:
    seconds = max(end - start, 1e-9)
    hist: Counter[float] = Counter()
    per_endpoint: dict[str, dict[str, Any]] = {}
    for row in rows:
        bucket = {float(k): int(v) for k, v in row.get("hist", {}).items()}
        hist.update(bucket)
        entry = per_endpoint.setdefault(row["name"], {"requests": 0, "failures": 0, "hist": Counter()})
        entry["requests"] += int(row.get("count", 0))
        entry["failures"] += int(row.get("failures", 0))
        entry["hist"].update(bucket)
    requests = sum(e["requests"] for e in per_endpoint.values())
    failures = sum(e["failures"] for e in per_endpoint.values())

    def latencies(h: Counter[float]) -> dict[str, float | None]:
        return {f"p{q}": percentile_of(h, q / 100) for q in (50, 95, 99)}

    return {
        "start": ms(start),
        "end": ms(end),
        "requests": requests,
        "failures": failures,
        "requests_per_second": round(requests / seconds, 2),
        "ok_per_second": round((requests - failures) / seconds, 2),
        "error_rate": round(failures / requests, 4) if requests else None,
        **latencies(hist),
        "endpoints": {
            name: {
                "requests": e["requests"],
                "failures": e["failures"],
                "requests_per_second": round(e["requests"] / seconds, 2),
                "error_rate": round(e["failures"] / e["requests"], 4) if e["requests"] else None,
                **latencies(e["hist"]),
            }
            for name, e in sorted(per_endpoint.items())
        },
    }


def _within(rows: Iterable[dict[str, Any]], start: float, end: float) -> list[dict[str, Any]]:
    return [r for r in rows if start <= r["at"] < end]


def regained_at(rows: Sequence[dict[str, Any]], after: float, end: float, floor: float) -> float | None:
    """Start of the first SPAN-second span from `after` on with at least `floor` successful requests/s."""
    starts = sorted({r["at"] for r in rows if r["at"] >= after})
    for t in starts:
        if t + SPAN > end:
            return None
        span = _within(rows, t, t + SPAN)
        if sum(int(r["count"]) - int(r["failures"]) for r in span) / SPAN >= floor:
            return float(t)
    return None


def headline(metrics: Mapping[str, Any]) -> str:
    before, after, capacity = metrics.get("before"), metrics.get("after"), metrics.get("capacity")
    parts = []
    if isinstance(before, Mapping):
        parts.append(f"{before.get('ok_per_second')} ok req/s before")
    if isinstance(after, Mapping):
        rate = after.get("error_rate")
        parts.append(
            f"{rate * 100:.1f} % errors after recovery" if isinstance(rate, int | float) else "no request after"
        )
        logged_out = metrics.get("after_logged_out")
        if isinstance(logged_out, int) and logged_out:
            parts.append(f"{logged_out} of them a logged-out user's next request")
    if isinstance(capacity, Mapping):
        regained = capacity.get("regained_after_seconds")
        parts.append(f"capacity back in {regained:.0f} s" if isinstance(regained, int | float) else "capacity not back")
    return ", ".join(parts)


def applies(scenario: ScenarioFacts, events: Sequence[Event]) -> bool:
    return any(e.f == LOAD for e in events)


@register("load", order=140, applies=applies, headline=headline)
def check_load(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    rows = [e.value for e in events if e.f == LOAD and "at" in e.value]
    phase = next((e.value for e in events if e.f == PHASE and e.value.get("phase") == "load"), {})
    recorded = phase.get("error_rate_bound")
    bound = (
        float(recorded) if isinstance(recorded, int | float) and not isinstance(recorded, bool) else DEFAULT_ERROR_RATE
    )
    target = (
        f"capacity regained once every journey is back, with at most {bound:.1%} of requests failing after it; "
        "p95 latency within the SLO outside recovery"
    )
    if not rows:
        return Verdict("load", "unknown", {}, target, reason="Locust recorded no request")
    end = max(end_of_run(events, ctx), max(r["at"] for r in rows) + 1)
    start = min(r["at"] for r in rows) + float(phase.get("ramp_seconds", 0))
    found = recoveries_of(events, ctx.stable_for, end_of_run(events, ctx))
    metrics: dict[str, Any] = {"timeline": _timeline(rows)}
    problems: list[tuple[Status, str]] = []
    if not found.injections:
        metrics["before"] = _summary(_within(rows, start, end), start, end)
        outside = _within(rows, start, end)
    else:
        fault, back = found.injections[0].reference, found.all_back(found.injections[-1])
        metrics["before"] = _summary(_within(rows, start, fault), start, fault)
        metrics["during"] = _summary(_within(rows, fault, back or end), fault, back or end)
        if back is not None:
            metrics["after"] = _summary(_within(rows, back, end), back, end)
        outside = _within(rows, start, fault) + (_within(rows, back, end) if back is not None else [])
        baseline = metrics["before"]["ok_per_second"]
        within = float(phase.get("capacity_within", 0.1))
        deadline = float(phase.get("capacity_deadline", 60.0))
        floor = baseline * (1 - within)
        when = regained_at(rows, back, end, floor) if back is not None else None
        metrics["capacity"] = {
            "baseline_ok_per_second": baseline,
            "floor_ok_per_second": round(floor, 2),
            "regained_after_seconds": ms(when - back) if when is not None and back is not None else None,
            "deadline_seconds": deadline,
        }
        if back is not None:
            after = metrics["after"]
            logged_out = int(after["endpoints"].get(LOGGED_OUT, {}).get("failures", 0))
            users = phase.get("users")
            excused = min(logged_out, users) if isinstance(users, int) and not isinstance(users, bool) else 0
            rate = (after["failures"] - excused) / after["requests"] if after["requests"] else None
            metrics["after_logged_out"] = logged_out
            metrics["after_error_rate_judged"] = None if rate is None else round(rate, 4)
            metrics["after_error_rate_bound"] = bound
            if rate is not None and rate > bound:
                told = f" ({excused} logged-out users' first request left out)" if excused else ""
                problems.append(
                    (
                        "fail",
                        f"{rate:.1%} of requests failed after every journey was back{told} (bound {bound:.1%})",
                    )
                )
        if back is None:
            problems.append(("fail", "not every user journey came back, so capacity never did"))
        elif when is None:
            problems.append(("fail", f"throughput did not come back to {floor:.1f} ok requests/s"))
        elif when - back > deadline:
            problems.append(
                ("warn", f"throughput came back {when - back:.0f} s after recovery (deadline {deadline:g} s)")
            )
    slo = phase.get("slo_p95")
    hist: Counter[float] = Counter()
    for row in outside:
        hist.update({float(k): int(v) for k, v in row.get("hist", {}).items()})
    p95 = percentile_of(hist, 0.95)
    metrics["p95_outside_recovery_seconds"] = p95
    if slo is not None and p95 is not None and p95 > float(slo):
        problems.append(
            ("fail", f"p95 latency {p95 * 1000:.0f} ms outside recovery is above the SLO {float(slo) * 1000:.0f} ms")
        )
    if slo is not None:
        target = f"{target} (p95 <= {float(slo) * 1000:.0f} ms)"
    if not problems:
        return Verdict("load", "pass", metrics, target)
    status: Status = "fail" if any(s == "fail" for s, _ in problems) else "warn"
    return Verdict("load", status, metrics, target, reason="; ".join(text for _, text in problems))


def _timeline(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """All endpoints merged, one point per second: requests, failures, p95 (for the report's plot)."""
    seconds: dict[int, dict[str, Any]] = {}
    for row in rows:
        point = seconds.setdefault(int(row["at"]), {"requests": 0, "failures": 0, "hist": Counter()})
        point["requests"] += int(row.get("count", 0))
        point["failures"] += int(row.get("failures", 0))
        point["hist"].update({float(k): int(v) for k, v in row.get("hist", {}).items()})
    return [
        {"at": t, "requests": p["requests"], "failures": p["failures"], "p95": percentile_of(p["hist"], 0.95)}
        for t, p in sorted(seconds.items())
    ]
