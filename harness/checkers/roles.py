"""The node-roles samples read as time: which PostgreSQL node was writable when, to one sampling period.

Shared by the split-brain and failover checkers, so both read the samples the same way.

**A sample** is one `role` operation completed ok (the probe asks every node twice a second from
inside its container; a node that did not answer is a sample with `reachable` false and `writable`
false). Its time is its *completion*: the answer describes the node at some moment of the exec, and
an exec that hung on a frozen node only returns once the node runs again, so the completion is the
latest moment the answer can describe. Samples are ordered by that time, whatever order their
invokes came in (a hung sample completes after later ones).

**Held state.** Between two samples of a node, the node is what its latest sample said.

**Writable interval** of a node: from a sample that says writable to the node's next sample that
says otherwise (not writable, or not answering); a node still writable at its last sample stays so
until the end of the sampling (the last sample of any node, or the moment the probes stopped). Both
edges are drawn at sample times, so each is known to one sampling period: the node became writable
somewhere between the previous sample and the first writable one, and stopped somewhere between the
last writable sample and the one that contradicted it. The interval's *seen* part runs from its
first to its last writable sample (one sample: a point): where the node was actually seen writable.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from harness.core.analysis import ops_of
from harness.core.history import ROLE, Event, Op
from harness.core.journeys import phase_time, phase_value

ROLE_LANE_PREFIX = "roles-"  # the node-roles probe's lanes: roles-pg-primary, roles-pg-standby


@dataclass(frozen=True, slots=True)
class Sample:
    """One node's answer at one moment (run seconds)."""

    node: str
    time: float
    reachable: bool
    writable: bool
    in_recovery: bool | None = None
    streaming: bool | None = None
    patroni_role: str | None = None  # None outside the Patroni mode, or when Patroni gave no readable answer
    leader_lock: bool | None = None

    @property
    def streaming_standby(self) -> bool:
        return self.reachable and self.in_recovery is True and self.streaming is True


@dataclass(frozen=True, slots=True)
class Interval:
    """A stretch in which one node was writable (see the module doc for its edges)."""

    node: str
    start: float  # its first writable sample
    end: float  # the sample that contradicted it, or the end of the sampling
    last_seen: float  # its last writable sample
    closed: bool  # ended by a sample (False: still writable when the sampling ended)


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def sample_of(op: Op) -> Sample | None:
    """The sample an ok `role` operation recorded; None for anything else."""
    if op.f != ROLE or op.kind != "ok" or op.completion is None:
        return None
    value = op.value
    node = value.get("node")
    if not isinstance(node, str):
        return None
    reachable = value.get("reachable") is not False
    answered = isinstance(value.get("patroni_state"), str) and bool(value.get("patroni_state"))
    role = value.get("patroni_role") if answered else None  # Patroni not answering says nothing of its role
    return Sample(
        node,
        op.completion.time,
        reachable,
        reachable and value.get("writable") is True,
        _flag(value.get("in_recovery")),
        _flag(value.get("streaming")),
        role if isinstance(role, str) else None,
        _flag(value.get("leader_lock")),
    )


def role_samples(events: Sequence[Event]) -> list[Sample]:
    """Every sample of the run, by time (then node)."""
    found = [s for op in ops_of(events) if (s := sample_of(op)) is not None]
    return sorted(found, key=lambda s: (s.time, s.node))


def by_node(samples: Sequence[Sample]) -> dict[str, list[Sample]]:
    out: dict[str, list[Sample]] = {}
    for sample in samples:
        out.setdefault(sample.node, []).append(sample)
    return dict(sorted(out.items()))


def sampling_end(events: Sequence[Event], samples: Sequence[Sample]) -> float:
    """Where held states end: the later of the last sample and the moment the probes were told to stop."""
    last = max((s.time for s in samples), default=0.0)
    stopped = phase_time(events, "probes-stopped")
    return last if stopped is None else max(last, stopped)


def writable_intervals(samples: Sequence[Sample], end: float) -> list[Interval]:
    """Every node's writable intervals, by start."""
    found: list[Interval] = []
    for node, own in by_node(samples).items():
        start: float | None = None
        last_seen = 0.0
        for sample in own:
            if sample.writable:
                if start is None:
                    start = sample.time
                last_seen = sample.time
            elif start is not None:
                found.append(Interval(node, start, sample.time, last_seen, True))
                start = None
        if start is not None:
            found.append(Interval(node, start, max(end, last_seen), last_seen, False))
    return sorted(found, key=lambda i: (i.start, i.node))


def held(own: Sequence[Sample], t: float) -> Sample | None:
    """What a node's latest sample at or before `t` said (`own`: that node's samples, by time)."""
    i = bisect.bisect_right([s.time for s in own], t)
    return own[i - 1] if i else None


def sampling_period(events: Sequence[Event], samples: Sequence[Sample]) -> float | None:
    """The node-roles lanes' period as the runner recorded it; else the median gap between a node's samples."""
    lanes = phase_value(events, "probes").get("lanes")
    if isinstance(lanes, dict):
        periods = [
            float(v)
            for k, v in lanes.items()
            if str(k).startswith(ROLE_LANE_PREFIX) and isinstance(v, int | float) and not isinstance(v, bool) and v > 0
        ]
        if periods:
            return max(periods)
    gaps = [b.time - a.time for own in by_node(samples).values() for a, b in itertools.pairwise(own)]
    return round(median(gaps), 3) if gaps else None


__all__ = [
    "Interval",
    "Sample",
    "by_node",
    "held",
    "role_samples",
    "sample_of",
    "sampling_end",
    "sampling_period",
    "writable_intervals",
]
