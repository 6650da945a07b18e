"""RTO: per user journey and per injected fault, the time until the journey was back and stayed back.

The reading of recovery is `harness.core.journeys` (shared with availability, outages, latency
and load): a journey recovers at its first success after which it stays up for the stability
window (`checks.rto_stable`, default 5 s) and is not down again when its scope ends. Every
injection is measured, every journey (integrations, web users, reads, and data after a fault that
destroys it). The headline RTO is the worst journey, named (`rto_journey`); `rto_by_journey` has
each journey's worst figure. Each recovery says who brought it: the system by itself, a runbook
action, or the harness's heal.

Judgement, per recovery, worst wins: a recovered journey is judged against the tier's RTO; one
still down when its scope ended gives `rto_seconds_at_least`, which **fails** once that bound
exceeds the strict target and is `unknown` (the run was too short to tell) otherwise. With
`expect: self-healing`, a recovery brought by the harness's heal or a runbook step fails.

Resolution is the largest gap between the journey's invokes within a second of the recovery
(the writers never wait on each other, so it is the probe period unless the probes stalled).
Beside the client view sits the server-side oracle from the heartbeat table (CloudNativePG's
method): the gap in `clock_timestamp()` between the last heartbeat on the old WAL timeline and the
first on the new one, for the first injection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.checkers.base import CheckContext, Status, Verdict, WallClock, end_of_run, ms, register
from harness.core.analysis import ops_of, recoveries_of
from harness.core.figures import card, rto_text
from harness.core.history import HEARTBEAT, Event, Op
from harness.core.journeys import (
    Injection,
    Recovery,
    journey_rank,
)
from harness.files.tiers import describe, judge

SEVERITY: dict[str, int] = {"pass": 0, "warn": 1, "unknown": 2, "fail": 3}


def ok_end(op: Op) -> float | None:
    """Completion time of an ok op, None for any other outcome."""
    return op.completion.time if op.completion is not None and op.completion.kind == "ok" else None


def _beat(op: Op) -> tuple[float, Any] | None:
    """(server_time, timeline) of an ok heartbeat, None otherwise."""
    if ok_end(op) is None:
        return None
    server_time = op.value.get("server_time")
    if isinstance(server_time, bool) or not isinstance(server_time, int | float):
        return None
    return float(server_time), op.value.get("timeline")


def oracle_rto(ops: Sequence[Op], injection: Injection) -> tuple[float | None, bool | None]:
    """Server-side RTO from heartbeats, and whether the WAL timeline changed (None: not computable).

    With a timeline change: first heartbeat on a new timeline minus the last one on the old timeline.
    Without: first heartbeat invoked after the injection completed minus the heartbeat before it
    (in server time), so beats that slipped in while the fault was still taking effect do not hide it.
    """
    beats = [(op, beat) for op in ops if op.f == HEARTBEAT and (beat := _beat(op)) is not None]
    before = [(op, beat) for op, beat in beats if (ok_end(op) or 0.0) < injection.start]
    if not before:
        return None, None
    old_timeline = max(before, key=lambda item: ok_end(item[0]) or 0.0)[1][1]
    new = [beat for op, beat in beats if op.start >= injection.start and beat[1] != old_timeline]
    if old_timeline is not None and new:
        first_new = min(beat[0] for beat in new)
        old = [beat[0] for _, beat in beats if beat[1] == old_timeline and beat[0] < first_new]
        return (ms(first_new - max(old)), True) if old else (None, True)
    after = [beat[0] for op, beat in beats if op.start >= injection.end]
    if not after:
        return None, False
    first = min(after)
    earlier = [beat[0] for _, beat in beats if beat[0] < first]
    return (ms(first - max(earlier)), False) if earlier else (None, False)


def figure(recovery: Recovery) -> float | None:
    """The recovery's RTO, or its lower bound when the journey never came back."""
    return recovery.rto if recovery.rto is not None else recovery.at_least


def recovery_text(recovery: Recovery) -> str:
    """`web users: 40.5 s (the harness's heal of partition on zone-a)` / `... at least 60.0 s (still down)`."""
    if recovery.rto is None:
        return f"{recovery.journey}: at least {recovery.at_least or 0.0:.1f} s ({recovery.note or 'not back'})"
    return f"{recovery.journey}: {recovery.rto:.1f} s ({recovery.by})"


def judge_recovery(recovery: Recovery, ctx: CheckContext) -> tuple[Status, str]:
    target = ctx.tier.rto
    name = ctx.tier.name
    if recovery.rto is None:
        bound = recovery.at_least or 0.0
        where = f"after {recovery.injection.label}"
        if bound > target.strict:
            return "fail", (
                f"{recovery.journey} not back {where}: at least {bound:.1f} s, beyond the {name} RTO target "
                f"of {target.strict:g} s ({recovery.note})"
            )
        return "unknown", (
            f"{recovery.journey} not back {where} when the run ended {bound:.1f} s after the fault, within the "
            f"{name} RTO target of {target.strict:g} s: the run was too short to tell ({recovery.note})"
        )
    status, _ = judge(target, recovery.rto, higher_is_better=False)
    if ctx.expect == "self-healing" and recovery.recovered_by in ("heal", "runbook"):
        return "fail", (
            f"{recovery.journey} recovered only through {recovery.by} after {recovery.injection.label}, "
            "but the scenario expects self-healing"
        )
    if status in ("warn", "fail"):
        bound = target.strict if status == "warn" else target.loose
        word = "target" if status == "warn" else "warn limit"
        return status, f"RTO of {recovery.journey} {recovery.rto:g} s exceeds the {name} {word} of {bound:g} s"
    return status, ""


def _record(recovery: Recovery, clock: WallClock) -> dict[str, Any]:
    injection = recovery.injection
    return {
        "injection": injection.number,
        "fault": injection.fault,
        "target": injection.target,
        "incident": injection.label,
        "journey": recovery.journey,
        "rto_seconds": None if recovery.rto is None else ms(recovery.rto),
        "rto_seconds_at_least": None if recovery.at_least is None else ms(recovery.at_least),
        "first_success_seconds": None if recovery.first_success is None else ms(recovery.first_success),
        "affected": recovery.affected,
        "recovered_by": recovery.recovered_by,
        "recovered_by_detail": recovery.by,
        "resolution_seconds": recovery.resolution,
        "recovered_at": None if recovery.recovered_at is None else clock.at(recovery.recovered_at),
        "note": recovery.note,
    }


def headline(metrics: Mapping[str, Any]) -> str:
    if not metrics.get("injected"):
        return "no fault injected"
    journey = metrics.get("rto_journey")
    by = metrics.get("recovered_by_detail")
    text = f"RTO {rto_text(metrics)}" + (f", set by {journey}" if isinstance(journey, str) else "")
    if metrics.get("recovered_by") == "unaffected":
        return text + " (never interrupted)"
    return text + (f" (brought back by {by})" if isinstance(by, str) and by else "")


@register(
    "rto",
    order=10,
    headline=headline,
    card=card(
        "rto_seconds",
        "rto_seconds_at_least",
        "rto_journey:json",
        "rto_by_journey:json",
        "recovered_by:json",
        "rto_first_success_seconds",
        "rto_resolution_seconds",
        "oracle_rto_seconds",
        "fault_injected_at:json",
        "recovered_at:json",
    ),
)
def check_rto(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    target = describe("RTO", ctx.tier.rto, higher_is_better=False)
    target += f"; a journey counts as back once it stays up for {ctx.stable_for:g} s"
    if ctx.expect == "self-healing":
        target += "; recovery must come from the system itself"
    found = recoveries_of(events, ctx.stable_for, end_of_run(events, ctx))
    metrics: dict[str, Any] = {
        "rto_seconds": None,
        "rto_seconds_at_least": None,
        "rto_journey": None,
        "rto_first_success_seconds": None,
        "rto_resolution_seconds": ctx.probe_period,
        "rto_stable_window_seconds": ctx.stable_for,
        "recovered_by": None,
        "recovered_by_detail": None,
        "rto_by_journey": {},
        "recoveries": [],
        "oracle_rto_seconds": None,
        "oracle_timeline_changed": None,
        "fault_injected_at": None,
        "recovered_at": None,
        "injected": bool(found.injections),
        "injections": sum(len(i.parts) or 1 for i in found.injections),
        "incidents": len(found.injections),
    }
    if not found.injections:
        return Verdict("rto", "pass", metrics, target, reason="no fault was injected: nothing to recover from")
    clock = WallClock.of(events)
    ops = ops_of(events)
    first = found.injections[0]
    oracle, changed = oracle_rto(ops, first)
    metrics.update(
        fault_injected_at=first.op.invoke.wall,
        oracle_rto_seconds=oracle,
        oracle_timeline_changed=changed,
        recoveries=[_record(r, clock) for r in found.recoveries],
    )
    by_journey: dict[str, dict[str, Any]] = {}
    for journey in sorted({r.journey for r in found.recoveries}, key=journey_rank):
        mine = [r for r in found.recoveries if r.journey == journey]
        if not mine:
            continue
        open_ = [r for r in mine if r.rto is None]
        worst = max(open_, key=lambda r: r.at_least or 0.0) if open_ else max(mine, key=lambda r: r.rto or 0.0)
        by_journey[journey] = {
            "rto_seconds": None if worst.rto is None else ms(worst.rto),
            "rto_seconds_at_least": None if worst.at_least is None else ms(worst.at_least),
            "recovered_by": worst.recovered_by,
        }
    metrics["rto_by_journey"] = by_journey
    headline = found.worst()
    if headline is None:
        reason = "no journey was probed after the fault: nothing measured its recovery"
        return Verdict("rto", "unknown", metrics, target, reason=reason)
    metrics.update(
        rto_journey=headline.journey,
        recovered_by=headline.recovered_by,
        recovered_by_detail=headline.by or None,
        rto_first_success_seconds=None if headline.first_success is None else ms(headline.first_success),
        rto_resolution_seconds=headline.resolution if headline.resolution is not None else ctx.probe_period,
    )
    if headline.rto is None:
        metrics["rto_seconds_at_least"] = ms(headline.at_least or 0.0)
    else:
        assert headline.recovered_at is not None
        metrics.update(
            rto_seconds=ms(headline.rto),
            recovered_at=clock.at(headline.recovered_at),
            rto_bracket_seconds=[
                ms(max(0.0, headline.recovered_at - headline.injection.end)),
                ms(max(0.0, headline.recovered_at - headline.injection.start)),
            ],
        )
    judged = [judge_recovery(r, ctx) for r in found.recoveries]
    status: Status = max((s for s, _ in judged), key=lambda s: SEVERITY[s], default="pass")
    problems = [text for s, text in judged if s != "pass" and text]
    summary = "; ".join(recovery_text(r) for r in sorted(found.recoveries, key=lambda r: -(figure(r) or 0.0))[:4])
    reason = "; ".join(problems) if problems else summary
    margin = None
    if headline.rto is not None:
        _, margin = judge(ctx.tier.rto, headline.rto, higher_is_better=False)
    return Verdict("rto", status, metrics, target, None if margin is None else ms(margin), reason)
