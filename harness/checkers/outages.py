"""Outage windows: the stretches of time the probes saw the service down, and whether a fault explains them.

A window starts at the invoke of a probe operation that did not succeed (fail, info, or never
completed). It ends where recovery most likely came before the completion of the first ok
operation that can prove recovery, invoked after that start: a write or a read (by default) for a
failed write or read, a session check for a failed session check (a Redis outage breaks web
sessions while writes succeed: one window for the whole session outage, not one per failed
check). "Most likely" is the middle between the last failure seen and that completion less the
usual latency, as the RTO reads it. If no proof came, the window stays open until the run end.
Overlapping windows are merged. Short windows (under two probe periods) are still listed, flagged
`short`: they may be a single slow probe rather than an outage, and hiding them would be dishonest.
`outage_windows` is shared with the availability checker, which runs it per journey.

A window is *explained* when it overlaps an injected fault and its recovery (from the injection
to the moment every journey was back, or the end of its scope if one never came back), a runbook
action or a heal (each until `stable_for` after it ended): the drill did that on purpose, and the
RTO and availability checkers judge it. Explained windows are information (pass). A window with
nothing near it means the stack broke on its own: `warn`, with its time and probes.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.checkers.base import CheckContext, Verdict, WallClock, end_of_run, ms, register
from harness.core.analysis import ops_of, recoveries_of
from harness.core.figures import card, count, number
from harness.core.history import READ, SESSION, WRITE, Event, Op
from harness.core.journeys import interventions, journey_map

RECOVERY_FS = frozenset({WRITE, READ})


@dataclass(frozen=True, slots=True)
class Window:
    start: float
    end: float
    open: bool  # still down when the run ended
    failed_probes: tuple[str, ...]  # sorted probe lanes with a non-ok op in the window
    failed_ops: int
    failed_ends: tuple[float, ...] = ()  # when the window's failed operations completed
    sessions_only: bool = False  # only session checks failed in it (a session check proves its recovery)

    @property
    def duration(self) -> float:
        return self.end - self.start


def outage_windows(ops: Sequence[Op], run_end: float, recovery_fs: Collection[str] = RECOVERY_FS) -> list[Window]:
    """Merged outage windows of `ops` (already filtered to the operations that count)."""
    ops = [op for op in ops if op.start <= run_end]
    business = _proofs(ops, recovery_fs)
    sessions = _proofs(ops, {SESSION})

    proposals: list[tuple[float, float, bool, Op]] = []
    for op in ops:
        if op.kind == "ok":
            continue
        proof_starts, earliest_end_from = sessions if op.f == SESSION else business
        i = bisect.bisect_right(proof_starts, op.start)
        end = earliest_end_from[i] if i < len(proof_starts) else run_end
        proposals.append((op.start, min(end, run_end), i == len(proof_starts) or end > run_end, op))
    proposals.sort(key=lambda p: p[0])

    windows: list[Window] = []
    group: list[Op] = []
    start = end = 0.0
    is_open = False
    for p_start, p_end, p_open, op in proposals:
        if group and p_start <= end:
            if p_end > end or (p_end == end and p_open):
                end, is_open = p_end, p_open
            group.append(op)
            continue
        if group:
            windows.append(_window(start, end, is_open, group))
        start, end, is_open, group = p_start, p_end, p_open, [op]
    if group:
        windows.append(_window(start, end, is_open, group))
    business_latency = _median_latency(ops, recovery_fs)
    session_latency = _median_latency(ops, {SESSION})
    return [_settle_end(window, session_latency if window.sessions_only else business_latency) for window in windows]


def _median_latency(ops: Sequence[Op], fs: Collection[str]) -> float:
    done = sorted(op.latency for op in ops if op.f in fs and op.kind == "ok" and op.latency is not None)
    return done[len(done) // 2] if done else 0.0


def _settle_end(window: Window, latency: float) -> Window:
    """The window ends where the recovery most likely was: between the last failure the probes saw and the
    proving success (minus its usual latency: it was often queued while the service was down)."""
    if window.open:
        return window
    latest = max(window.start, window.end - latency)
    seen = [t for t in window.failed_ends if t <= latest]
    end = latest if not seen else max(window.start, (max(seen) + latest) / 2)
    return Window(
        window.start, end, False, window.failed_probes, window.failed_ops, window.failed_ends, window.sessions_only
    )


def _proofs(ops: Sequence[Op], fs: Collection[str]) -> tuple[list[float], list[float]]:
    """Invoke times of the ok ops of kinds `fs`, sorted, and the earliest completion from each on."""
    proofs = sorted(
        (op.start, op.completion.time)
        for op in ops
        if op.f in fs and op.completion is not None and op.completion.kind == "ok"
    )
    earliest_end_from: list[float] = [0.0] * len(proofs)  # min completion among proofs[i:]
    running = float("inf")
    for i in range(len(proofs) - 1, -1, -1):
        running = min(running, proofs[i][1])
        earliest_end_from[i] = running
    return [start for start, _ in proofs], earliest_end_from


def _window(start: float, end: float, is_open: bool, ops: list[Op]) -> Window:
    ends = tuple(op.end for op in ops if op.end is not None)
    probes = tuple(sorted({op.process.split(".", 1)[0] for op in ops}))  # lanes, not their slots
    only_sessions = all(op.f == SESSION for op in ops)
    return Window(start, max(start, end), is_open, probes, len(ops), ends, only_sessions)


def window_metrics(window: Window, clock: WallClock, probe_period: float) -> dict[str, Any]:
    return {
        "start": ms(window.start),
        "end": ms(window.end),
        "duration_seconds": ms(window.duration),
        "start_wall": clock.at(window.start),
        "end_wall": clock.at(window.end),
        "failed_probes": list(window.failed_probes),
        "failed_ops": window.failed_ops,
        "open": window.open,
        "short": window.duration < probe_period * 2,
    }


def explained_spans(events: Sequence[Event], ctx: CheckContext) -> list[tuple[float, float, str]]:
    """(start, end, what) of every stretch a deliberate act explains: faults with their recovery, runbook, heals."""
    found = recoveries_of(events, ctx.stable_for, end_of_run(events, ctx))
    spans: list[tuple[float, float, str]] = []
    for injection in found.injections:
        back = found.all_back(injection)
        spans.append((injection.start, injection.scope_end if back is None else back, f"fault {injection.label}"))
    for step in interventions(ops_of(events)):
        end = (step.end if step.end is not None else found.observed[1]) + ctx.stable_for
        spans.append((step.start, end, step.label))
    return spans


def _explained_by(window: Window, spans: Sequence[tuple[float, float, str]]) -> str | None:
    return next((what for start, end, what in spans if window.start <= end and window.end >= start), None)


def headline(metrics: Mapping[str, Any]) -> str:
    listed = metrics.get("outages")
    windows = [o for o in listed if isinstance(o, Mapping)] if isinstance(listed, list | tuple) else []
    total = sum(number(o.get("duration_seconds")) or 0.0 for o in windows)
    unexplained = count(metrics.get("unexplained_outages")) or 0
    return f"{len(windows)} outage(s), {total:.2f} s in total, {unexplained} unexplained"


@register("outages", order=60, headline=headline, card=card("outages:records"))
def check_outages(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    journeys = journey_map(events)  # the operations that stand for a user journey
    ops = [op for op in ops_of(events) if op.f in journeys]
    # a session check proves only sessions back; every other journey's success proves the service back
    windows = outage_windows(ops, end_of_run(events, ctx), set(journeys) - {SESSION})
    clock = WallClock.of(events)
    spans = explained_spans(events, ctx)
    listed = []
    unexplained = []
    for window in windows:
        entry = window_metrics(window, clock, ctx.probe_period)
        cause = _explained_by(window, spans)
        entry["explained_by"] = cause
        listed.append(entry)
        if cause is None:
            unexplained.append(entry)
    metrics: dict[str, Any] = {
        "outages": listed,
        "outage_count": len(windows),
        "outage_seconds_total": ms(sum(w.duration for w in windows)),
        "unexplained_outages": len(unexplained),
    }
    target = (
        "every outage is explained by an injected fault, a runbook step or a heal (else the stack broke on its own)"
    )
    if not unexplained:
        reason = f"{len(windows)} outage window(s), each explained by the drill" if windows else ""
        return Verdict("outages", "pass", metrics, target, reason=reason)
    described = ", ".join(
        f"{w['start']:.1f}-{w['end']:.1f} s ({w['duration_seconds']:.2f} s; {', '.join(w['failed_probes'])})"
        for w in unexplained[:5]
    )
    noun = "outage window" if len(unexplained) == 1 else "outage windows"
    reason = f"{len(unexplained)} {noun} with no fault, runbook step or heal near them: {described}"
    return Verdict("outages", "warn", metrics, target, reason=reason)
