"""Failover: for every fault that took the leader away, how long each phase of the hand-over took.

Read from the node-roles samples (`harness.checkers.roles`, every node asked from inside its
container every 0.5 s), the business writes and the replication probe. For each injection (as
`harness.core.journeys` groups them), the **leader** is the node whose latest sample before the
injection said writable. The injection *took the leader away* when a sample of that node after the
fault bit says it is no longer writable, does not answer, or (Patroni mode) that Patroni no longer
runs it as primary. Its phases, in seconds since the fault bit:

- **detection**: that first sample;
- **new leader**: the first sample in which another node is writable, or (Patroni mode) holds the
  leader lock; without one, **old leader back**: the first sample after detection in which the old
  leader is writable again (after a heal, say);
- **first write**: the integrations journey's first success after the fault
  (`Recovery.first_success`). A write that succeeded before any leader was there (the old leader
  took writes before it stepped down) proves nothing about the hand-over: the journey's recovery
  (back for good) is used instead, and a note says so;
- **redundancy**: from that leader's arrival, the first replication-lag sample in which it streams
  to a standby, or the first role sample in which it is writable while another node is a streaming
  standby, whichever comes first.

The role phases are at the sampling resolution (0.5 s), the first write at the write probe's. A
phase that did not happen before the next fault (or the end of the run) is null with the reason.

Verdict per failover, the worst wins: a new leader and writes back passes; writes back without a
leader change (the old leader came back) warns: no failover happened, the fault was outlasted; no
leader at all before the next fault or the end, or a leader but no write back, fails. A missing
redundancy is reported, not judged (the redundancy checker judges it). Faults that never took the
leader away are listed as `leader_kept`. Without role samples the checker is not applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.checkers.base import CheckContext, ScenarioFacts, Status, Verdict, end_of_run, ms, register
from harness.checkers.roles import Sample, by_node, held, role_samples, sampling_period
from harness.core.analysis import ops_of, recoveries_of
from harness.core.figures import number
from harness.core.history import LAG, ROLE, Event, Op
from harness.core.journeys import INTEGRATIONS, Injection, Recoveries, interventions

PROBE = "node-roles"
SEVERITY: dict[str, int] = {"pass": 0, "warn": 1, "unknown": 2, "fail": 3}


@dataclass(frozen=True, slots=True)
class Failover:
    """One fault that took the leader away, and when (run seconds) each phase was seen."""

    injection: Injection
    old_leader: str
    detected_at: float
    new_leader: str | None = None
    elected_at: float | None = None
    back_at: float | None = None  # the old leader writable again (no new leader)
    first_write: float | None = None  # seconds since the fault (the journey reading's figure)
    redundancy_at: float | None = None
    redundancy_source: str | None = None
    missing: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def since(self, t: float | None) -> float | None:
        return None if t is None else ms(max(0.0, t - self.injection.reference))


def _not_leading(sample: Sample) -> bool:
    return not sample.writable or (sample.patroni_role is not None and sample.patroni_role != "primary")


def _leads(sample: Sample) -> bool:
    return sample.writable or sample.leader_lock is True


def _where(injection: Injection, observed_end: float) -> str:
    return "the next fault" if injection.scope_end < observed_end else "the end of the run"


def _not_yet_leading(
    after: Mapping[str, Sequence[Sample]], leader: str | None, old: str, leader_at: float | None
) -> float | None:
    """The last sample before the leader arrived in which the node that came to lead was not leading."""
    if leader is None or leader_at is None:
        return None
    waiting = [
        s.time
        for s in after.get(leader, [])
        if s.time < leader_at and (_not_leading(s) if leader == old else not _leads(s))
    ]
    return max(waiting, default=None)


def _first_write(
    injection: Injection, found: Recoveries, not_yet: float | None, where: str
) -> tuple[float | None, str, str]:
    """(seconds since the fault, why it is missing, a note): the integrations journey's first success, or its
    recovery when that success came while the node that came to lead was still seen not leading (`not_yet`)."""
    recovery = next((r for r in found.of(injection) if r.journey == INTEGRATIONS), None)
    if recovery is None:
        return None, "no business writes were probed", ""
    first = recovery.first_success
    if first is None:
        return None, f"no business write succeeded after the fault before {where}", ""
    if not_yet is None or injection.reference + first >= not_yet:
        return first, "", ""
    note = (
        f"a write succeeded {first:.3f} s after the fault, while the node that came to lead was still seen not "
        f"leading (at {not_yet - injection.reference:.1f} s): writes still reached the old leader before it stepped "
        "down; the first write is the journey's recovery (back for good)"
    )
    if recovery.rto is None:
        return None, f"writes were not back for good before {where}", note
    return recovery.rto, "", note


def redundancy_after(
    leader: str, since: float, until: float, nodes: Mapping[str, Sequence[Sample]], lag: Sequence[Op]
) -> tuple[float, str] | None:
    """The first moment in [since, until) the leader streamed to a standby: (time, which probe saw it)."""
    found: list[tuple[float, str]] = []
    for op in lag:
        end = op.end
        if end is None or op.kind != "ok" or not since <= end < until or op.value.get("primary") != leader:
            continue
        standbys = number(op.value.get("standbys"))
        if standbys is not None and standbys > 0:
            found.append((end, "replication-lag"))
            break
    own = nodes.get(leader, [])
    moments = sorted({s.time for samples in nodes.values() for s in samples if since <= s.time < until})
    for t in moments:
        now = held(own, t)
        if now is None or not now.writable:
            continue
        others = (held(samples, t) for node, samples in nodes.items() if node != leader)
        if any(o is not None and o.time >= since and o.streaming_standby for o in others):
            found.append((t, "node-roles"))
            break
    return min(found) if found else None


def failover_of(
    injection: Injection,
    nodes: Mapping[str, Sequence[Sample]],
    lag: Sequence[Op],
    found: Recoveries,
    observed_end: float,
) -> Failover | str | None:
    """The failover `injection` caused; None when the leader was kept; a string when there was no single leader."""
    leaders = [node for node, own in nodes.items() if (s := held(own, injection.start)) is not None and s.writable]
    if len(leaders) != 1:
        return "no writable node when it began" if not leaders else f"{len(leaders)} writable nodes when it began"
    old = leaders[0]
    until = min(injection.scope_end, observed_end)
    after = {node: [s for s in own if injection.reference <= s.time < until] for node, own in nodes.items()}
    detected = next((s.time for s in after[old] if _not_leading(s)), None)
    if detected is None:
        return None
    missing: dict[str, str] = {}
    notes: list[str] = []
    where = _where(injection, observed_end)
    elected = min(
        ((s.time, node) for node, own in after.items() if node != old for s in own if _leads(s)), default=None
    )
    back = None
    if elected is None:
        back = next((s.time for s in after[old] if s.time > detected and s.writable), None)
        missing["new_leader"] = (
            f"no other node took over: the old leader {old} was writable again"
            if back is not None
            else f"no node accepted writes or held the leader lock again before {where}"
        )
    leader_at = elected[0] if elected is not None else back
    leader = elected[1] if elected is not None else (old if back is not None else None)
    first_write, reason, note = _first_write(injection, found, _not_yet_leading(after, leader, old, leader_at), where)
    if reason:
        missing["first_write"] = reason
    if note:
        notes.append(note)
    redundancy = None
    if leader is None or leader_at is None:
        missing["redundancy"] = "no leader to stream from"
    else:
        redundancy = redundancy_after(leader, leader_at, until, nodes, lag)
        if redundancy is None:
            missing["redundancy"] = f"{leader} streamed to no standby before {where}"
    return Failover(
        injection,
        old,
        detected,
        elected[1] if elected is not None else None,
        elected[0] if elected is not None else None,
        back,
        first_write,
        redundancy[0] if redundancy else None,
        redundancy[1] if redundancy else None,
        missing,
        tuple(notes),
    )


def judge_failover(failover: Failover, ops: Sequence[Op]) -> tuple[Status, str]:
    writes_back = failover.first_write is not None
    if failover.new_leader is not None:
        if writes_back:
            return "pass", ""
        return "fail", f"{failover.new_leader} took over but {failover.missing['first_write']}"
    if failover.back_at is None:
        return "fail", f"no leader after {failover.injection.label}: {failover.missing['new_leader']}"
    back = failover.since(failover.back_at)
    if not writes_back:
        return "fail", f"the old leader {failover.old_leader} was back {back:.1f} s after the fault but " + str(
            failover.missing.get("first_write", "no write came back")
        )
    steps = [i for i in interventions(ops) if failover.injection.start <= i.start <= failover.back_at]
    by = f" (after {steps[-1].label} at {steps[-1].start:.1f} s)" if steps else ""
    return "warn", (
        f"writes came back without a leader change: the old leader {failover.old_leader} was writable again "
        f"{back:.1f} s after the fault{by}; no other node took over"
    )


def describe(failover: Failover, status: Status, reason: str) -> dict[str, Any]:
    injection = failover.injection
    return {
        "injection": injection.number,
        "fault": injection.label,
        "at": ms(injection.reference),
        "old_leader": failover.old_leader,
        "new_leader": failover.new_leader,
        "leader_changed": failover.new_leader is not None,
        "detection_seconds": failover.since(failover.detected_at),
        "new_leader_seconds": failover.since(failover.elected_at),
        "old_leader_back_seconds": failover.since(failover.back_at),
        "first_write_seconds": None if failover.first_write is None else ms(failover.first_write),
        "redundancy_seconds": failover.since(failover.redundancy_at),
        "redundancy_seen_by": failover.redundancy_source,
        "missing": dict(failover.missing),
        "notes": list(failover.notes),
        "status": status,
        "reason": reason,
    }


def _figure(value: Any) -> str | None:
    n = number(value)
    return None if n is None else f"{n:.1f} s"


def headline(metrics: Mapping[str, Any]) -> str:
    """`detected 1.5 s, new leader 10.2 s, first write 10.9 s, redundancy 16.0 s` for the headline failover."""
    if not metrics.get("failovers"):
        kept = metrics.get("leader_kept")
        return "the leader was kept through every fault" if kept else "no fault took the leader away"
    parts = [f"detected {_figure(metrics.get('detection_seconds'))}"]
    if metrics.get("leader_changed"):
        parts.append(f"new leader {_figure(metrics.get('new_leader_seconds'))}")
    elif _figure(metrics.get("old_leader_back_seconds")) is not None:
        parts.append(f"old leader back {_figure(metrics.get('old_leader_back_seconds'))} (no failover)")
    else:
        parts.append("no leader")
    first = _figure(metrics.get("first_write_seconds"))
    parts.append(f"first write {first}" if first else "no write back")
    redundancy = _figure(metrics.get("redundancy_seconds"))
    parts.append(f"redundancy {redundancy}" if redundancy else "no redundancy")
    return ", ".join(parts)


def applies(scenario: ScenarioFacts, events: Sequence[Event]) -> bool:
    return PROBE in scenario.probes and any(e.f == ROLE and e.kind == "ok" for e in events)


@register("failover", order=15, applies=applies, headline=headline)
def check_failover(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    target = "a new leader and writes back after every fault that takes the leader away"
    samples = role_samples(events)
    if not samples:
        return Verdict("failover", "unknown", {}, target, reason="the node-roles probe took no sample")
    ops = ops_of(events)
    found = recoveries_of(events, ctx.stable_for, end_of_run(events, ctx))
    observed_end = found.observed[1]
    nodes = by_node(samples)
    lag = sorted((op for op in ops if op.f == LAG), key=lambda op: op.end or op.start)
    listed: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for injection in found.injections:
        result = failover_of(injection, nodes, lag, found, observed_end)
        if result is None:
            kept.append({"injection": injection.number, "fault": injection.label})
        elif isinstance(result, str):
            skipped.append({"injection": injection.number, "fault": injection.label, "reason": result})
        else:
            status, reason = judge_failover(result, ops)
            listed.append(describe(result, status, reason))
    metrics: dict[str, Any] = {
        "sampling_period_seconds": sampling_period(events, samples),
        "failovers": listed,
        "leader_kept": kept,
        "skipped": skipped,
    }
    if not listed:
        return Verdict("failover", "pass", metrics, target)
    worst = max(listed, key=lambda f: SEVERITY[f["status"]])  # the first of the worst
    metrics.update(
        {
            key: worst[key]
            for key in (
                "leader_changed",
                "detection_seconds",
                "new_leader_seconds",
                "old_leader_back_seconds",
                "first_write_seconds",
                "redundancy_seconds",
            )
        }
    )
    reasons = [f["reason"] for f in listed if f["reason"]]
    return Verdict("failover", worst["status"], metrics, target, reason="; ".join(reasons))
