"""RTO: from the fault's injection to the first successful business write after it.

The injection is the first `inject` operation; its invoke and completion bracket the moment the
fault took effect. RTO is measured from the end of the call (`inject_end`: a pause bites when
the freeze completes) unless the fault says it takes effect at the start of the call
(`value["takes_effect"] == "start"`: a kill, stop or restart hits at once, and a restart's
whole outage happens inside the call); `rto_bracket_seconds` gives both ends either way. The proof of recovery is
the ok write with the earliest completion among writes invoked after the injection started (and
completed after it returned: one that slipped through before the fault bit proves nothing). That
write was already queued or in flight when service came back, so its normal latency (the median
latency of ok writes before the fault, `L`) is subtracted: `recovered_at = max(inject_end,
first_ok_completion - L)`. The answer is only as fine as the probe period, reported as its
resolution. Two further views: `rto_stable_seconds`, the start of the first `stable_for` window in
which every probe completion is ok; and the server-side oracle from the heartbeat table
(CloudNativePG's method): the gap in `clock_timestamp()` between the last heartbeat on the old WAL
timeline and the first on the new one.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

from harness.checkers.base import CheckContext, Verdict, completion_time, end_of_run, ms, register, shift_wall
from harness.history import HEARTBEAT, INJECT, READ, SESSION, WRITE, Event, Op, pair
from harness.tiers import describe, judge

PROBE_FS = frozenset({WRITE, READ, SESSION})
NOT_PROBES = frozenset({"fault", "runner"})


@dataclass(frozen=True, slots=True)
class Recovery:
    """Where the first fault sits in the history and when the business writes came back."""

    inject: Op
    inject_start: float
    inject_end: float
    reference: float  # the moment RTO counts from: inject_start or inject_end (see the module doc)
    injections: int  # how many inject ops the history holds (only the first is measured)
    baseline_latency: float
    first_ok: Op | None  # the write that proves recovery; None: the run ended first
    recovered_at: float | None


def ok_end(op: Op) -> float | None:
    """Completion time of an ok op, None for any other outcome."""
    return op.completion.time if op.completion is not None and op.completion.kind == "ok" else None


def find_recovery(ops: Sequence[Op]) -> Recovery | None:
    """The first injection and the recovery after it; None when nothing was injected."""
    injections = [op for op in ops if op.f == INJECT]
    if not injections:
        return None
    inject = min(injections, key=lambda op: op.start)
    start = inject.start
    end = inject.end if inject.end is not None else start
    reference = start if inject.invoke.value.get("takes_effect") == "start" else end
    ok_writes = [(op, done) for op in ops if op.f == WRITE and (done := ok_end(op)) is not None]
    before = [done - op.start for op, done in ok_writes if done < start]
    baseline = median(before) if before else 0.0
    # Invoked after the injection began and completed after it returned: a write that slipped
    # through while the fault was still taking effect proves nothing about recovery.
    after = [(op, done) for op, done in ok_writes if op.start >= start and done > end]
    if not after:
        return Recovery(inject, start, end, reference, len(injections), baseline, None, None)
    first_ok, first_done = min(after, key=lambda item: item[1])
    recovered = max(end, first_done - baseline)
    return Recovery(inject, start, end, reference, len(injections), baseline, first_ok, recovered)


def stable_since(ops: Sequence[Op], after: float, stable_for: float, run_end: float) -> float | None:
    """Earliest ok probe completion s >= `after` with only ok completions in [s, s + stable_for]."""
    probes = [op for op in ops if op.f in PROBE_FS and op.process not in NOT_PROBES]
    bad = sorted(completion_time(op, run_end) for op in probes if op.kind != "ok")
    starts = sorted(done for op in probes if (done := ok_end(op)) is not None and done >= after)
    for s in starts:
        if s + stable_for > run_end:
            return None
        i = bisect.bisect_left(bad, s)
        if i == len(bad) or bad[i] > s + stable_for:
            return s
    return None


def _beat(op: Op) -> tuple[float, Any] | None:
    """(server_time, timeline) of an ok heartbeat, None otherwise."""
    if ok_end(op) is None:
        return None
    server_time = op.value.get("server_time")
    if isinstance(server_time, bool) or not isinstance(server_time, int | float):
        return None
    return float(server_time), op.value.get("timeline")


def oracle_rto(ops: Sequence[Op], recovery: Recovery) -> tuple[float | None, bool | None]:
    """Server-side RTO from heartbeats, and whether the WAL timeline changed (None: not computable).

    With a timeline change: first heartbeat on a new timeline minus the last one on the old timeline.
    Without: first heartbeat invoked after the injection completed minus the heartbeat before it
    (in server time), so beats that slipped in while the fault was still taking effect do not hide it.
    """
    beats = [(op, beat) for op in ops if op.f == HEARTBEAT and (beat := _beat(op)) is not None]
    before = [(op, beat) for op, beat in beats if (ok_end(op) or 0.0) < recovery.inject_start]
    if not before:
        return None, None
    old_timeline = max(before, key=lambda item: ok_end(item[0]) or 0.0)[1][1]
    new = [beat for op, beat in beats if op.start >= recovery.inject_start and beat[1] != old_timeline]
    if old_timeline is not None and new:
        first_new = min(beat[0] for beat in new)
        old = [beat[0] for _, beat in beats if beat[1] == old_timeline and beat[0] < first_new]
        return (ms(first_new - max(old)), True) if old else (None, True)
    after = [beat[0] for op, beat in beats if op.start >= recovery.inject_end]
    if not after:
        return None, False
    first = min(after)
    earlier = [beat[0] for _, beat in beats if beat[0] < first]
    return (ms(first - max(earlier)), False) if earlier else (None, False)


def _wall_of(op: Op, t: float) -> str:
    assert op.completion is not None
    return shift_wall(op.completion.wall, t - op.completion.time)


@register("rto")
def check_rto(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    ops = pair(events)
    target = describe("RTO", ctx.tier.rto, higher_is_better=False)
    recovery = find_recovery(ops)
    metrics: dict[str, Any] = {
        "rto_seconds": None,
        "rto_resolution_seconds": ctx.probe_period,
        "rto_stable_seconds": None,
        "oracle_rto_seconds": None,
        "oracle_timeline_changed": None,
        "fault_injected_at": None,
        "recovered_at": None,
        "baseline_latency_seconds": None,
        "injected": recovery is not None,
        "injections": 0,
    }
    if recovery is None:
        return Verdict("rto", "pass", metrics, target, reason="no fault was injected: nothing to recover from")
    run_end = end_of_run(events, ctx)
    stable = stable_since(ops, recovery.inject_end, ctx.stable_for, run_end)
    oracle, timeline_changed = oracle_rto(ops, recovery)
    metrics.update(
        fault_injected_at=recovery.inject.invoke.wall,
        baseline_latency_seconds=ms(recovery.baseline_latency),
        injections=recovery.injections,
        inject_outcome=recovery.inject.kind,
        rto_stable_seconds=None if stable is None else ms(stable - recovery.reference),
        oracle_rto_seconds=oracle,
        oracle_timeline_changed=timeline_changed,
    )
    if recovery.first_ok is None or recovery.recovered_at is None:
        reason = "the run ended before the first successful business write after the fault"
        return Verdict("rto", "unknown", metrics, target, reason=reason)
    rto = ms(recovery.recovered_at - recovery.reference)
    metrics.update(
        rto_seconds=rto,
        rto_bracket_seconds=[
            ms(recovery.recovered_at - recovery.inject_end),
            ms(recovery.recovered_at - recovery.inject_start),
        ],
        recovered_at=_wall_of(recovery.first_ok, recovery.recovered_at),
    )
    status, margin = judge(ctx.tier.rto, rto, higher_is_better=False)
    reason = ""
    if status in ("warn", "fail"):
        bound = ctx.tier.rto.strict if status == "warn" else ctx.tier.rto.loose
        word = "target" if status == "warn" else "warn limit"
        reason = f"RTO {rto:g} s exceeds the {ctx.tier.name} {word} of {bound:g} s"
    return Verdict("rto", status, metrics, target, None if margin is None else ms(margin), reason)
