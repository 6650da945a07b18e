"""Numbers and sentences as people read them, shared by the HTML and Markdown reports.

Every formatter takes whatever a metric holds (a number, None, something unexpected) and returns
text; a missing or malformed value reads as an em dash, never as an exception. `key_figure` is the
one figure a check is about (the RTO and the journey that set it for `rto`, lost/acknowledged for
`rpo`, the method and seconds of each runbook step...), so no "Measured" cell is empty when the
check measured something. `margin` writes a margin in its target's unit ("+12.3 s", "+0.01 pp");
`target_sentences` turns a tier's targets into sentences; `headline` is what the first lines of a
report say: which journey set the RTO and whether any acknowledged write was lost.
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
    RunSummary,
    VerdictLike,
    count,
    number,
)

DASH = "\u2014"
PHASES: tuple[str, ...] = ("before", "during", "after")

GLOSSARY: tuple[tuple[str, str], ...] = (
    ("pass", "the figure met the strict target"),
    (
        "warn",
        "within the loose band between the strict and the loose target, or a finding to look at "
        "(an acknowledged write lost in a drill that can lose data, an outage nothing explains)",
    ),
    (
        "fail",
        "beyond the loose target, or a rule broken: data lost with no fault that can lose it, a split "
        "brain, a journey still down past its target, recovery by the harness where self-healing was expected",
    ),
    ("unknown", "the harness could not measure it (a probe fell silent, the run was too short or aborted): not a pass"),
    (
        "indeterminate",
        "a write whose outcome the client never learned (a timeout, a connection lost mid-commit); "
        "reported apart, never counted as lost",
    ),
    (
        "margin",
        "target minus measured, in the target's unit (seconds for RTO, RPO and downtime, percentage "
        "points for availability); positive is headroom",
    ),
)


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


def margin(value: Any, unit: str = "s") -> str:
    """A margin in its target's unit: seconds, or percentage points for a fraction."""
    n = number(value)
    if n is None:
        return DASH
    if unit == "fraction":
        return f"{n * 100:+.3f} pp"
    return f"{n:+.1f} s" if abs(n) >= 10 else f"{n:+.2f} s"


def duration_words(value: Any) -> str:
    """Seconds as a person says them: 90 s, 15 min, 4 h, 1 d."""
    n = number(value)
    if n is None:
        return DASH
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if n >= size and (n / size).is_integer():
            return f"{n / size:g} {unit}"
    return f"{n:g} s"


def target_sentences(targets: Mapping[str, Any]) -> list[str]:
    """A tier's targets as sentences ("RTO at most 15 min (a warning up to 1 h)")."""
    out: list[str] = []
    for key, label in (("rto", "RTO"), ("rpo", "RPO")):
        target = targets.get(key)
        if isinstance(target, Mapping):
            strict, loose = target.get("strict"), target.get("loose")
            extra = f" (a warning up to {duration_words(loose)})" if number(loose) != number(strict) else ""
            out.append(f"{label} at most {duration_words(strict)}{extra}.")
    target = targets.get("availability")
    if isinstance(target, Mapping):
        strict, loose = number(target.get("strict")), number(target.get("loose"))
        if strict is not None:
            extra = f" (a warning down to {loose * 100:g} %)" if loose is not None and loose != strict else ""
            budget = (1 - strict) * 30 * 86400
            out.append(f"Availability at least {strict * 100:g} %{extra}: a monthly downtime budget of {budget:.0f} s.")
    return out


def rto_text(metrics: Mapping[str, Any]) -> str:
    rto = number(metrics.get("rto_seconds"))
    bound = number(metrics.get("rto_seconds_at_least"))
    if rto is None and bound is None:
        return DASH
    if rto is None and bound is not None:
        return f"at least {bound:.2f} s (not back)"
    assert rto is not None
    resolution = number(metrics.get("rto_resolution_seconds"))
    return f"{rto:.2f} s" if resolution is None else f"{rto:.2f} s \u00b1 {resolution:.2f} s"


def seq_list(value: Any, limit: int = 10) -> str:
    if not isinstance(value, list | tuple) or not value:
        return ""
    shown = ", ".join(str(v) for v in value[:limit])
    return shown + (f", \u2026 (+{len(value) - limit})" if len(value) > limit else "")


def by_journey_text(metrics: Mapping[str, Any]) -> str:
    """`web users 40.50 s; integrations 7.20 s` from the rto check's `rto_by_journey`."""
    by = metrics.get("rto_by_journey")
    if not isinstance(by, Mapping):
        return ""
    parts = []
    for journey, figures in by.items():
        if not isinstance(figures, Mapping):
            continue
        rto, bound = number(figures.get("rto_seconds")), number(figures.get("rto_seconds_at_least"))
        text = f"{rto:.2f} s" if rto is not None else f"at least {bound:.2f} s" if bound is not None else DASH
        parts.append(f"{journey} {text}")
    return "; ".join(parts)


def downtime_text(metrics: Mapping[str, Any]) -> str:
    """Availability as users and budgets read it: `7.3 s of 259 s (web users)`."""
    down = number(metrics.get("downtime_seconds"))
    journey = metrics.get("availability_journey")
    who = f" ({journey})" if isinstance(journey, str) else ""
    if down is None:
        return DASH
    if metrics.get("incident"):
        budget = number(metrics.get("monthly_budget_seconds"))
        return f"{down:.1f} s of {budget:.0f} s monthly budget{who}" if budget is not None else f"{down:.1f} s{who}"
    measured = number(metrics.get("measured_seconds"))
    share = percent(metrics.get("availability"))
    return f"{share}: {down:.1f} s down of {measured:.0f} s{who}" if measured is not None else f"{share}{who}"


def _runbook_text(metrics: Mapping[str, Any]) -> str:
    steps = metrics.get("steps")
    if not isinstance(steps, list | tuple):
        return DASH
    parts = []
    for step in steps:
        if not isinstance(step, Mapping):
            continue
        took = number(step.get("seconds"))
        method = f" by {step['method']}" if isinstance(step.get("method"), str) else ""
        outcome = step.get("outcome")
        parts.append(f"{step.get('step')}{method} {outcome}" + (f" in {took:.1f} s" if took is not None else ""))
    return "; ".join(parts) or DASH


def key_figure(verdict: VerdictLike) -> str:
    """The figure the check judges, as text (an em dash when the check measured nothing)."""
    metrics = verdict.metrics if isinstance(verdict.metrics, Mapping) else {}
    if not metrics:
        return DASH
    checker = verdict.checker
    if checker == RTO:
        if not metrics.get("injected"):
            return "no fault injected"
        journey = metrics.get("rto_journey")
        by = metrics.get("recovered_by_detail")
        text = f"RTO {rto_text(metrics)}" + (f", set by {journey}" if isinstance(journey, str) else "")
        return text + (f" (brought back by {by})" if isinstance(by, str) and by else "")
    if checker == RPO:
        censored = " at least" if metrics.get("rpo_censored") else ""
        text = (
            f"RPO{censored} {seconds(metrics.get('rpo_seconds'))}, lost {integer(metrics.get('lost_writes'))}"
            f" of {integer(metrics.get('acknowledged_writes'))} acknowledged"
        )
        diverged = count(metrics.get("diverged_writes"))
        return text + (f", {diverged} diverged" if diverged else "")
    if checker == OUTAGES:
        outages = metrics.get("outages")
        windows = [o for o in outages if isinstance(o, Mapping)] if isinstance(outages, list | tuple) else []
        total = sum(number(o.get("duration_seconds")) or 0.0 for o in windows)
        unexplained = count(metrics.get("unexplained_outages")) or 0
        return f"{len(windows)} outage(s), {total:.2f} s in total, {unexplained} unexplained"
    if checker == AVAILABILITY:
        return downtime_text(metrics)
    if checker == LATENCY:
        during = metrics.get("during")
        p99 = during.get("p99") if isinstance(during, Mapping) else None
        before = metrics.get("before")
        p99_before = before.get("p99") if isinstance(before, Mapping) else None
        return f"p99 {millis(p99_before)} before, {millis(p99)} during the fault"
    if checker == SESSIONS:
        return f"{integer(metrics.get('sessions_lost'))} of {integer(metrics.get('sessions'))} sessions lost"
    if checker == "liveness":
        gaps = metrics.get("gaps")
        errors = metrics.get("probe_errors")
        silent = len(gaps) if isinstance(gaps, list) else 0
        broken = len(errors) if isinstance(errors, list) else 0
        return f"{integer(metrics.get('lanes'))} probe lanes, {silent} fell silent, {broken} broke"
    if checker == "redundancy":
        if metrics.get("redundancy_lost") is False:
            return "never lost a streaming standby"
        back = number(metrics.get("time_to_redundancy_seconds"))
        return f"streaming standby back {back:.1f} s after the fault" if back is not None else "no standby by the end"
    if checker == "runbook":
        return _runbook_text(metrics)
    if checker == "steady-state":
        results = metrics.get("results")
        rows = [r for r in results if isinstance(r, Mapping)] if isinstance(results, list) else []
        held = sum(1 for r in rows if r.get("held"))
        return f"{held} of {len(rows)} conditions held"
    if checker == "guardrails":
        return (
            "not halted"
            if not metrics.get("halted")
            else f"halted by {metrics.get('by')} at {seconds(metrics.get('at'))}"
        )
    if checker == "load":
        after = metrics.get("after")
        capacity = metrics.get("capacity")
        before = metrics.get("before")
        parts = []
        if isinstance(before, Mapping):
            parts.append(f"{before.get('ok_per_second')} ok req/s before")
        if isinstance(after, Mapping):
            parts.append(f"{percent(after.get('error_rate'), 1)} errors after recovery")
        if isinstance(capacity, Mapping):
            regained = number(capacity.get("regained_after_seconds"))
            parts.append(f"capacity back in {regained:.0f} s" if regained is not None else "capacity not back")
        return ", ".join(parts) or DASH
    if checker == "pitr":
        bound = number(metrics.get("landing_error_bound_s"))
        lost = integer(metrics.get("acked_writes_lost_before_the_statement"))
        return (f"landed within {bound:.3f} s of the target; " if bound is not None else "") + f"{lost} writes lost"
    if checker == "restore":
        restores = metrics.get("restores")
        rows = [r for r in restores if isinstance(r, Mapping)] if isinstance(restores, list) else []
        return (
            "; ".join(
                f"{r.get('action')} {r.get('outcome')} in {seconds(r.get('seconds'), 1)} "
                f"(copy {seconds(r.get('copy_seconds'), 1)}, replay {seconds(r.get('replay_seconds'), 1)})"
                for r in rows
            )
            or DASH
        )
    if checker == "corruption":
        found = integer(metrics.get("offline_check_found"))
        detection = number(metrics.get("detection_seconds"))
        recovery = metrics.get("recovery")
        return (
            f"pg_checksums found {found} damaged file(s)"
            + (f"; first hit {detection:.2f} s after" if detection is not None else "; never hit")
            + (f"; recovered by {recovery}" if isinstance(recovery, str) else "")
        )
    return DASH


def headline(summary: RunSummary) -> list[str]:
    """The first lines of a report: which journey set the RTO, and whether any acknowledged write was lost."""
    m = summary.metric
    lines: list[str] = []
    if summary.aborted_reason:
        return [f"The run aborted: {summary.aborted_reason}. Nothing was judged."]
    rto = summary.find(RTO)
    if rto is not None and isinstance(rto.metrics, Mapping):
        metrics = rto.metrics
        if not metrics.get("injected"):
            lines.append("No fault was injected: there was nothing to recover from.")
        else:
            journey = metrics.get("rto_journey")
            by = metrics.get("recovered_by_detail")
            others = by_journey_text(metrics)
            lines.append(
                f"RTO {rto_text(metrics)}"
                + (f", set by {journey}" if isinstance(journey, str) else "")
                + (f", brought back by {by}" if isinstance(by, str) and by else "")
                + (f". Per journey: {others}." if others else ".")
            )
    lost, acked = count(m(RPO, "lost_writes")), count(m(RPO, "acknowledged_writes"))
    if lost is None:
        lines.append("Lost writes: not counted (no final read).")
    elif lost == 0:
        lines.append(f"No acknowledged write was lost (0 of {acked}).")
    else:
        lines.append(f"{lost} of {acked} acknowledged writes were LOST (RPO {seconds(m(RPO, 'rpo_seconds'))}).")
    return lines
