"""Split brain: any moment two PostgreSQL nodes accepted writes at once, how long, and whose writes it cost.

From the node-roles samples (`harness.checkers.roles`: each node asked from inside its container
every 0.5 s). Each node's writable intervals run from a sample that says writable to its next
sample that says otherwise or does not answer; an **overlap** is a stretch where two nodes'
intervals intersect. Its edges are sample times, so the resolution is the sampling period: the true
overlap may be up to one period shorter or longer at each end.

**Witnessed or not.** An overlap is *witnessed* when each node was seen writable by a sample
inside the other's seen stretch (its first to last writable sample): both nodes answered "I accept
writes" around the same moment, with no contradicting sample in between. That **fails**. An overlap
that is only the hold of one node's last writable sample meeting the other's first one cannot be
told from no overlap at this resolution: it is a **warn**, with the window that cannot be ruled out.
(A clean switchover in which the old leader steps down 0.1 s before the new one is promoted looks
like that in 3 runs out of 10 with the probe's two lanes 0.25 s apart; failing it would be a false
alarm, passing it a claim the samples cannot support.)

**Whose writes.** The business writes acknowledged (ok) and invoked during an overlap are grouped by
which nodes' final read holds their seq (the `final-read` operations via SQL, one per node): on
both, only on one node (its side of the split, which the other will not have), or on neither
(lost). A node the final read could not reach is listed as unread (`final_read_unreadable`), and
"neither" then means on no node that was read.

No overlap: pass, with the sampling resolution. No sample at all: unknown (the probe ran but
recorded nothing); a run without the node-roles probe, or in which it took no sample, is not judged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.checkers.base import CheckContext, ScenarioFacts, Verdict, WallClock, ms, register
from harness.checkers.roles import Interval, role_samples, sampling_end, sampling_period, writable_intervals
from harness.core.analysis import ops_of
from harness.core.figures import count, number
from harness.core.history import FINAL_READ, ROLE, WRITE, Event, Op

SEQ_LIST_CAP = 1000
PROBE = "node-roles"


@dataclass(frozen=True, slots=True)
class Overlap:
    earlier: Interval  # the interval that began first (the node that was writable already)
    later: Interval

    @property
    def start(self) -> float:
        return self.later.start

    @property
    def end(self) -> float:
        return min(self.earlier.end, self.later.end)

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def nodes(self) -> tuple[str, str]:
        return (min(self.earlier.node, self.later.node), max(self.earlier.node, self.later.node))

    @property
    def witnessed(self) -> bool:
        """The two seen stretches meet: each node was seen writable while the other was seen so around it."""
        return self.later.start <= min(self.earlier.last_seen, self.later.last_seen)


def overlaps_of(intervals: Sequence[Interval]) -> list[Overlap]:
    """Every stretch in which two nodes' writable intervals intersect, by start."""
    found: list[Overlap] = []
    for i, a in enumerate(intervals):
        for b in intervals[i + 1 :]:
            if a.node == b.node:
                continue
            earlier, later = (a, b) if (a.start, a.node) <= (b.start, b.node) else (b, a)
            overlap = Overlap(earlier, later)
            if overlap.duration > 0:
                found.append(overlap)
    return sorted(found, key=lambda o: (o.start, o.nodes))


def _seq(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def final_reads(ops: Sequence[Op]) -> tuple[dict[str, set[int]], list[str]]:
    """(node -> seqs its SQL final read found, nodes whose final read failed)."""
    held: dict[str, set[int]] = {}
    failed: list[str] = []
    for op in ops:
        if op.f != FINAL_READ or op.value.get("via") != "sql":
            continue
        node = str(op.value.get("node", "?"))
        if op.kind == "ok":
            raw = op.value.get("seqs")
            held[node] = {s for v in raw if (s := _seq(v)) is not None} if isinstance(raw, list) else set()
        else:
            failed.append(node)
    return held, sorted(set(failed) - set(held))


def _cap(seqs: set[int]) -> list[int]:
    return sorted(seqs)[:SEQ_LIST_CAP]


def writes_during(overlap: Overlap, writes: Sequence[tuple[Op, int]], held: Mapping[str, set[int]]) -> dict[str, Any]:
    """The acknowledged writes invoked during `overlap`, grouped by which nodes' final read holds them."""
    acked = {seq for op, seq in writes if op.kind == "ok" and overlap.start <= op.start < overlap.end}
    out: dict[str, Any] = {"acknowledged_writes": len(acked)}
    if not held:
        out.update(on_both=None, only_on=None, lost=None)
        return out
    nodes = sorted(held)
    on_all = {s for s in acked if all(s in held[n] for n in nodes)} if len(nodes) > 1 else set()
    only = {n: {s for s in acked if s in held[n] and all(s not in held[m] for m in nodes if m != n)} for n in nodes}
    lost = {s for s in acked if all(s not in held[n] for n in nodes)}
    out.update(on_both=_cap(on_all), only_on={n: _cap(only[n]) for n in nodes}, lost=_cap(lost))
    out["seqs_truncated"] = any(len(group) > SEQ_LIST_CAP for group in (on_all, lost, *only.values()))
    return out


def headline(metrics: Mapping[str, Any]) -> str:
    period = number(metrics.get("sampling_period_seconds"))
    every = f"sampled every {period:g} s" if period is not None else "sampling period unknown"
    witnessed = number(metrics.get("witnessed_overlap_ms")) or 0.0
    total = number(metrics.get("total_overlap_ms")) or 0.0
    if witnessed > 0:
        return _fail_text(metrics, witnessed)
    if total > 0:
        return f"two primaries not ruled out for {total:.0f} ms at a hand-over ({every})"
    return f"no two primaries (0 ms overlap, {every})"


def _fail_text(metrics: Mapping[str, Any], witnessed: float) -> str:
    """`two primaries for 1240 ms; 12 writes acknowledged by pg-primary only, 3 by pg-standby only, 2 lost`."""
    only = metrics.get("acknowledged_only_on")
    sides = [(node, count(n)) for node, n in only.items() if count(n)] if isinstance(only, Mapping) else []
    parts = [f"{n} {'writes acknowledged ' if i == 0 else ''}by {node} only" for i, (node, n) in enumerate(sides)]
    lost = count(metrics.get("lost_during_overlap"))
    if lost:
        parts.append(f"{lost} {'lost' if parts else 'acknowledged writes lost'}")
    return f"two primaries for {witnessed:.0f} ms" + ("; " + ", ".join(parts) if parts else "")


def applies(scenario: ScenarioFacts, events: Sequence[Event]) -> bool:
    return PROBE in scenario.probes and any(e.f == ROLE and e.kind == "ok" for e in events)


@register("split-brain", order=25, applies=applies, headline=headline)
def check_split_brain(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    target = "never two PostgreSQL nodes accepting writes at once"
    samples = role_samples(events)
    if not samples:
        return Verdict("split-brain", "unknown", {}, target, reason="the node-roles probe took no sample")
    period = sampling_period(events, samples)
    intervals = writable_intervals(samples, sampling_end(events, samples))
    overlaps = overlaps_of(intervals)
    ops = ops_of(events)
    writes = [(op, s) for op in ops if op.f == WRITE and (s := _seq(op.invoke.value.get("seq"))) is not None]
    held, unread = final_reads(ops)
    clock = WallClock.of(events)
    listed: list[dict[str, Any]] = []
    only_on: dict[str, int] = {}
    lost = acknowledged = 0
    for overlap in overlaps:
        found = writes_during(overlap, writes, held)
        listed.append(
            {
                "start": ms(overlap.start),
                "end": ms(overlap.end),
                "start_wall": clock.at(overlap.start),
                "duration_ms": round(overlap.duration * 1000, 1),
                "nodes": list(overlap.nodes),
                "witnessed": overlap.witnessed,
                **found,
            }
        )
        if overlap.witnessed:
            acknowledged += found["acknowledged_writes"]
            lost += len(found["lost"] or [])
            for node, seqs in (found["only_on"] or {}).items():
                only_on[node] = only_on.get(node, 0) + len(seqs)
    witnessed_ms = round(sum(o.duration for o in overlaps if o.witnessed) * 1000, 1)
    metrics: dict[str, Any] = {
        "sampling_period_seconds": period,
        "nodes": sorted({s.node for s in samples}),
        "samples": len(samples),
        "writable_intervals": [
            {"node": i.node, "start": ms(i.start), "end": ms(i.end), "closed": i.closed} for i in intervals[:200]
        ],
        "overlaps": listed,
        "total_overlap_ms": round(sum(o.duration for o in overlaps) * 1000, 1),
        "witnessed_overlap_ms": witnessed_ms,
        "acknowledged_during_overlap": acknowledged,
        "acknowledged_only_on": only_on,
        "lost_during_overlap": lost,
        "final_read_unreadable": unread,
    }
    resolution = f"{period:g} s" if period is not None else "? s"
    witnessed = [o for o in overlaps if o.witnessed]
    if witnessed:
        first = witnessed[0]
        reason = (
            f"{first.nodes[0]} and {first.nodes[1]} both accepted writes for {witnessed_ms:.0f} ms in all "
            f"(first from {first.start:.2f} s to {first.end:.2f} s, edges to {resolution}); "
            f"{acknowledged} writes acknowledged meanwhile"
        )
        if held:
            sides = [f"{n} only on {node}" for node, n in sorted(only_on.items()) if n]
            reason += ": " + ", ".join([*sides, f"{lost} on neither (lost)"])
        if unread:
            reason += f"; the final read could not reach {', '.join(unread)}"
        return Verdict("split-brain", "fail", metrics, target, reason=reason)
    if overlaps:
        first = overlaps[0]
        reason = (
            f"two primaries cannot be ruled out for {metrics['total_overlap_ms']:.0f} ms in all: "
            f"{first.earlier.node} was last seen writable at {first.earlier.last_seen:.2f} s and said otherwise "
            f"at {first.earlier.end:.2f} s, {first.later.node} was first seen writable at {first.later.start:.2f} s "
            f"in between; no sample saw both writable (sampled every {resolution})"
        )
        return Verdict("split-brain", "warn", metrics, target, reason=reason)
    return Verdict("split-brain", "pass", metrics, target)
