"""User journeys and when each came back after each fault: the one reading of recovery every checker shares.

**Journeys** are what users do, each probed on its own: *integrations* (business writes over
XML-RPC), *web users* (session-backed requests: the session probe and, under load, Locust's web
tasks), *reads* (business reads), and, after a fault that destroys data, *data* (the ledger is
correct again). Platform health (heartbeat, replication lag) is evidence, not a journey.

**Injections.** Every `inject` operation (faults, and changes to production such as a release) is
measured, each in its *scope*: from its start to the next injection's start or the end of the
observation (when the probes stopped). It bit at the start of its call for faults that say so
(`takes_effect: start`: a kill), otherwise when the call returned (a pause is in force once frozen).

**Recovery** of a journey after an injection: the moment it was back *and stayed back* for the rest
of the injection's scope. That is the first ok operation (invoked after the injection began,
completed after its call returned) invoked after the journey's last failure in the scope, provided
at least `stable_for` seconds of the scope follow its completion. A journey that came back, then
failed again later in the scope (a relapse, a second outage while the zone is still cut off)
recovers only after its last failure; one still failing when the scope ends is not recovered. The
proving operation was often already in flight when service came back, so its normal latency (the
median of the journey's ok operations before the injection) is subtracted, giving the latest the
journey can have come back; the last failure the journey saw before that moment (a refused call,
or a queued one that timed out: down then) is the earliest. The recovery is the middle of that
bracket (the unbiased estimate: the truth lies anywhere in it), or the latest when no failure
precedes it. From history version 3, a failure that *began* before the proof bounds the bracket
from below even when its answer came after the proof (a call cut off as a zone returned): the
journey was not back for good before it (histories of earlier versions are judged as they were).
Not recovered: the lower bound `at_least` = scope end - the moment it bit. The first
success after the fault, stable or not, is kept beside it.

The *data* journey recovers at the first ok write invoked after a repair (a restore, or a failover
away from the damaged node) completed, whose row the final read confirms (on the primary and
through Odoo), and which stays so for `stable_for`: writes that succeed on damaged data do not end
it. **Who recovered it**: the last intervention that started between the injection and the
recovery: the harness's `heal`, a `runbook` action, or none (`self`); a journey that never failed
is `unaffected`. **Resolution**: the largest gap between the journey's invokes within a second of
the recovery, or half the bracket when that is wider (after a frozen proxy thaws, the requests it
queued come back together and slowly, so "seen back" lags the truth: the ± says so).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any, Literal

from harness.core.history import (
    ACTION,
    FINAL_READ,
    HEAL,
    INJECT,
    LOAD,
    PHASE,
    READ,
    SESSION,
    WRITE,
    Event,
    Op,
    pair,
    version_of,
)

RecoveredBy = Literal["self", "heal", "runbook", "unaffected"]

INTEGRATIONS = "integrations"
WEB_USERS = "web users"
READS = "reads"
DATA = "data"

# operation name -> journey for the shipped probes: what a history without the runner's recorded map
# (the `probes` phase's "journeys") is read with. Locust's session-backed tasks count as web users too.
JOURNEY_OF_F: dict[str, str] = {WRITE: INTEGRATIONS, SESSION: WEB_USERS, READ: READS}
JOURNEY_TEXT: dict[str, str] = {
    INTEGRATIONS: "XML-RPC business writes (integrations)",
    WEB_USERS: "session-backed web requests (web users)",
    READS: "business reads",
    DATA: "the ledger correct again (after data damage)",
}
JOURNEY_ORDER: tuple[str, ...] = (INTEGRATIONS, WEB_USERS, READS, DATA)
LOGGED_OUT = "logged-out"  # the locustfile's name for a web request answered "session expired"
# Locust's JSON (session) tasks, and LOGGED_OUT: one of them answered "session expired"
WEB_TASKS = frozenset({"login", "browse-partners", "search-partners", "open-partner", LOGGED_OUT})

DATA_FAULTS = frozenset({"bad-delete", "corrupt-relation", "destroy-region"})  # fallback for histories without flags
# fallback for histories without `may_lose_data`: the targets that held a PostgreSQL node on the stacks that wrote them
DATABASE_TARGETS = frozenset({"pg-primary", "pg-standby", "zone-a", "zone-b", "region"})
REPAIRS = frozenset({"pitr-restore", "restore-region", "promote-standby"})  # fallback: histories without the flag
DEFAULT_ERROR_RATE = 0.01  # Locust: share of requests that may fail once every journey is back (the load check)
DOWN_SHARE = 0.25  # Locust: a second in which this share of web requests failed is a second the web was down


@dataclass(frozen=True, slots=True)
class Injection:
    """An injection (or several started together: one incident) and the part of the run it owns."""

    number: int  # 1-based, in order of start
    op: Op  # the first inject operation of the incident
    start: float
    end: float  # when the last of its calls returned
    reference: float  # the moment it bit (RTO counts from here)
    scope_end: float  # next incident's start, or the end of the observation
    fault: str
    target: str
    damages_data: bool
    may_lose_data: bool
    parts: tuple[tuple[str, str], ...] = ()  # (fault, target) of every inject operation in it

    @property
    def label(self) -> str:
        return ", ".join(f"{fault} on {target}" for fault, target in self.parts or ((self.fault, self.target),))

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(target for _, target in self.parts or ((self.fault, self.target),))


@dataclass(frozen=True, slots=True)
class Intervention:
    kind: Literal["heal", "runbook"]
    name: str  # the fault healed, or the action
    target: str
    start: float
    end: float | None
    ok: bool
    repairs_data: bool = False  # a runbook action that puts correct data back (a restore, a failover)

    @property
    def label(self) -> str:
        return f"the harness's heal of {self.name} on {self.target}" if self.kind == "heal" else f"runbook: {self.name}"


@dataclass(frozen=True, slots=True)
class Recovery:
    journey: str
    injection: Injection
    affected: bool
    recovered_at: float | None  # run time; None: not recovered within the scope
    first_success_at: float | None  # the first ok operation's estimated moment, stable or not
    at_least: float | None  # seconds since the injection bit, when not recovered
    recovered_by: RecoveredBy | None
    by: str  # what came right before the recovery, in words
    resolution: float | None  # seconds
    note: str = ""
    proof_wall: str | None = None  # wall time of the recovery

    @property
    def rto(self) -> float | None:
        if self.recovered_at is None:
            return None
        return 0.0 if not self.affected else max(0.0, self.recovered_at - self.injection.reference)

    @property
    def first_success(self) -> float | None:
        if self.first_success_at is None:
            return None
        return max(0.0, self.first_success_at - self.injection.reference)


# --- reading the history -------------------------------------------------------------------------------------------


def phase_time(events: Sequence[Event], phase: str) -> float | None:
    return next((e.time for e in events if e.f == PHASE and e.value.get("phase") == phase), None)


def phase_value(events: Sequence[Event], phase: str) -> dict[str, Any]:
    return next((e.value for e in events if e.f == PHASE and e.value.get("phase") == phase), {})


def journey_map(events: Sequence[Event]) -> dict[str, str]:
    """Operation name -> user journey, as the runner recorded it from the registered probes it started
    (so a new probe's journey is judged with no checker edited); the shipped map for older histories."""
    recorded = phase_value(events, "probes").get("journeys")
    if (
        isinstance(recorded, dict)
        and recorded
        and all(isinstance(f, str) and isinstance(journey, str) and journey != DATA for f, journey in recorded.items())
    ):
        return dict(recorded)
    return dict(JOURNEY_OF_F)


def journey_rank(journey: str) -> int:
    """Where a journey stands in reports: the shipped ones in their order, any other after them."""
    return JOURNEY_ORDER.index(journey) if journey in JOURNEY_ORDER else len(JOURNEY_ORDER)


def observation(events: Sequence[Event], run_end: float | None = None) -> tuple[float, float]:
    """(start, end) of the probes' observation: the `probes` phase to the moment they were told to stop."""
    journeys = journey_map(events)
    probe_events = [e for e in events if e.f in journeys or e.process in ("heartbeat", "lag")]
    start = phase_time(events, "probes")
    if start is None:
        start = min((e.time for e in probe_events), default=0.0)
    end = phase_time(events, "probes-stopped")
    if end is None:
        end = phase_time(events, "final-read")
    if end is None:
        end = run_end if run_end is not None else max((e.time for e in probe_events), default=start)
    return start, max(start, end)


def _flag(value: dict[str, Any], key: str, fallback: bool) -> bool:
    recorded = value.get(key)
    return recorded if isinstance(recorded, bool) else fallback


def damages_data(value: dict[str, Any]) -> bool:
    return _flag(value, "damages_data", str(value.get("fault")) in DATA_FAULTS)


def may_lose_data(value: dict[str, Any]) -> bool:
    """Whether an injected fault can lose acknowledged writes: data damage, or a fault on a database node.

    Recorded by the executor from the fault's own metadata and the stack's layout; histories without
    it fall back on the target: any fault whose target held a PostgreSQL node (a node, its zone, the
    region), and any target those stacks did not have (an old or foreign history: assume it could).
    """
    target = str(value.get("target", ""))
    known = DATABASE_TARGETS | {"traefik", "odoo-1", "odoo-2", "redis", "backup"}
    on_database = target in DATABASE_TARGETS or target not in known
    return _flag(value, "may_lose_data", damages_data(value) or on_database)


def in_force_until(op: Op, ops: Sequence[Op]) -> float:
    """When an injected fault stopped acting: its heal's end for a lasting fault (recorded `one_shot: false`),
    its own end otherwise (a one-shot fault, a change, or a history that does not say)."""
    done = op.end if op.end is not None else op.start
    if op.invoke.value.get("one_shot") is not False:
        return done
    key = (op.invoke.value.get("fault"), op.invoke.value.get("target"))
    heals = [
        h for h in ops if h.f == HEAL and h.start >= op.start and (h.value.get("fault"), h.value.get("target")) == key
    ]
    first = min(heals, key=lambda h: h.start, default=None)
    if first is None:
        return float("inf")  # never healed in the history: in force to the end
    return first.end if first.end is not None else first.start


def injections(ops: Sequence[Op], observed_end: float, together: float = 5.0) -> list[Injection]:
    """The run's incidents: faults injected within `together` s of the previous one's return, or while an
    earlier fault of the incident is still in force (a standby frozen, then the primary killed before it
    thaws), are one incident, measured as one."""
    found = sorted((op for op in ops if op.f == INJECT), key=lambda op: op.start)
    groups: list[list[Op]] = []
    for op in found:
        if groups:
            returned = max(o.end if o.end is not None else o.start for o in groups[-1])
            acting = max(in_force_until(o, ops) for o in groups[-1])
            if op.start < returned + together or op.start < acting:
                groups[-1].append(op)
                continue
        groups.append([op])
    out: list[Injection] = []
    for i, group in enumerate(groups):
        first = group[0]
        start = first.start
        end = max(op.end if op.end is not None else op.start for op in group)
        bites = [op.start if op.invoke.value.get("takes_effect") == "start" else (op.end or op.start) for op in group]
        scope_end = groups[i + 1][0].start if i + 1 < len(groups) else max(observed_end, end)
        values = [op.invoke.value for op in group]
        out.append(
            Injection(
                number=i + 1,
                op=first,
                start=start,
                end=end,
                reference=min(bites),
                scope_end=scope_end,
                fault=str(values[0].get("fault", "?")),
                target=str(values[0].get("target", "?")),
                damages_data=any(damages_data(v) for v in values),
                may_lose_data=any(may_lose_data(v) for v in values),
                parts=tuple((str(v.get("fault", "?")), str(v.get("target", "?"))) for v in values),
            )
        )
    return out


def interventions(ops: Sequence[Op]) -> list[Intervention]:
    found: list[Intervention] = []
    for op in ops:
        if op.f == HEAL:
            found.append(
                Intervention(
                    "heal",
                    str(op.value.get("fault", "?")),
                    str(op.value.get("target", "?")),
                    op.start,
                    op.end,
                    op.kind == "ok",
                )
            )
        elif op.f == ACTION:
            name = str(op.value.get("action", "?"))
            recorded = op.invoke.value.get("repairs_data")  # the action's metadata, recorded by the executor
            found.append(
                Intervention(
                    "runbook",
                    name,
                    str(op.value.get("target", "?")),
                    op.start,
                    op.end,
                    op.kind == "ok",
                    recorded if isinstance(recorded, bool) else name in REPAIRS,
                )
            )
    return sorted(found, key=lambda i: i.start)


def confirmed_seqs(ops: Sequence[Op]) -> set[int] | None:
    """Seqs the final read found on the primary and through Odoo; None without both reads."""
    reads = [op for op in ops if op.f == FINAL_READ and op.kind == "ok"]
    primary = [op for op in reads if op.value.get("via") == "sql" and op.value.get("role", "primary") == "primary"]
    odoo = [op for op in reads if op.value.get("via") == "odoo"]
    if not primary or not odoo:
        return None
    on_primary = {int(s) for s in primary[0].value.get("seqs") or [] if isinstance(s, int) and not isinstance(s, bool)}
    visible = {int(s) for s in odoo[-1].value.get("seqs") or [] if isinstance(s, int) and not isinstance(s, bool)}
    return on_primary & visible


# --- recovery of one journey after one injection -------------------------------------------------------------------


def _latency(ops: Sequence[Op], before: float) -> float:
    done = [op.latency for op in ops if op.kind == "ok" and op.end is not None and op.end < before]
    return median([d for d in done if d is not None]) if done else 0.0


def _interval(starts: Sequence[float], before: float) -> float:
    """The journey's usual time between invokes (median before `before`; 1 s when unknown)."""
    earlier = [t for t in starts if t < before]
    gaps = [b - a for a, b in itertools.pairwise(earlier)]
    return median(gaps) if gaps else 1.0


def _resolution(starts: Sequence[float], around: float) -> float | None:
    """The largest gap between consecutive invokes within a second of `around` (edges included)."""
    if len(starts) < 2:
        return None
    lo = max(0, bisect.bisect_left(starts, around - 1.0) - 1)
    hi = min(len(starts) - 1, bisect.bisect_right(starts, around + 1.0))
    gaps = [starts[j] - starts[j - 1] for j in range(lo + 1, hi + 1)]
    return round(max(gaps), 3) if gaps else None


def _cause(seen_back: float, injection: Injection, steps: Sequence[Intervention]) -> tuple[RecoveredBy, str]:
    """What brought the journey back: the last heal or runbook step begun before it was *seen* back.

    `seen_back` is the bracket's upper end (the first success), not the recovery estimate: the estimate
    is the bracket's middle and can fall just before a heal that the recovery followed (a thaw queued
    behind the unpause call). A recovery inside the bracket around a step is credited to the step: the
    conservative reading, under which a drill expected to heal by itself fails rather than passes."""
    before = [s for s in steps if injection.start <= s.start <= seen_back]
    if not before:
        return "self", "the system by itself"
    last = max(before, key=lambda s: s.start)
    return last.kind, last.label


def recover_ops(
    journey: str,
    ops: Sequence[Op],
    injection: Injection,
    steps: Sequence[Intervention],
    stable_for: float,
    observed_end: float,
    *,
    confirmed: set[int] | None = None,
    after: float | None = None,
    relapse_bound: bool = True,
) -> Recovery:
    """Recovery of one op-based journey (ops sorted by start) after `injection` (see the module doc).

    `after`: only operations invoked after this moment can prove recovery (the data journey: the
    repair's completion); `confirmed`: the seqs a write must have to count as ok (data journey);
    `relapse_bound`: the rule of histories of version 3 and later (see the bracket below).
    """
    scope_end = min(injection.scope_end, observed_end)
    in_scope = [op for op in ops if injection.start <= op.start < scope_end]

    def good(op: Op) -> bool:
        if op.kind != "ok" or op.end is None:
            return False
        return confirmed is None or op.invoke.value.get("seq") in confirmed

    earliest = injection.start if after is None else max(injection.start, after)
    bad = sorted(op.start for op in in_scope if not good(op))
    last_bad = bad[-1] if bad else None
    latency = _latency(ops, injection.start)
    starts = [op.start for op in ops]

    def estimate(op: Op) -> float:
        assert op.end is not None
        return max(injection.end, op.end - latency)

    def proves(op: Op) -> bool:
        return good(op) and op.start >= earliest and (op.end or 0.0) > injection.end

    first = min((op for op in in_scope if proves(op)), key=lambda op: op.end or 0.0, default=None)
    first_success = estimate(first) if first is not None else None
    # back for good: the first success invoked after the journey's last failure in the scope
    finals = [op for op in in_scope if proves(op) and (last_bad is None or op.start > last_bad)]
    candidate = min(finals, key=lambda op: op.end or 0.0, default=None)
    where = "the next injection" if injection.scope_end < observed_end else "the end"
    if candidate is not None and (candidate.end or 0.0) + stable_for <= scope_end:
        upper = estimate(candidate)
        # the last failure seen before it: down then (a refused or failed call, or a queued one that timed out)
        seen_down = [op.end for op in in_scope if not good(op) and op.end is not None and op.end <= upper]
        lower = max((t for t in seen_down if t >= injection.end), default=None)
        if relapse_bound and lower is not None and last_bad is not None and last_bad > lower:
            # a relapse whose failure came back after the proof (a call cut off as the zone returned): the
            # journey was not back for good before that call began, so the bracket cannot reach below it
            lower = min(last_bad, upper)
        recovered = upper if lower is None else (lower + upper) / 2
        # how exact that is: the gap between invokes, or half the bracket [seen down, seen back] when
        # that is wider (requests queued in a frozen proxy come back together, slowly: the bracket widens)
        resolution = _resolution(starts, recovered)
        if lower is not None and resolution is not None:
            resolution = round(max(resolution, (upper - lower) / 2), 3)
        affected = bool(bad) or after is not None
        if not affected and candidate.start - injection.start > 3 * _interval(starts, injection.start):
            affected = True  # a silent stretch after the fault is not a journey that never failed
        by, words = _cause(upper, injection, steps) if affected else ("unaffected", "never interrupted")
        note = ""
        if first_success is not None and last_bad is not None and first is not None and first.start < last_bad:
            back_at = first_success - injection.reference
            note = f"first back {back_at:.3f} s after the fault, down again until {last_bad:.1f} s"
        return Recovery(
            journey,
            injection,
            affected,
            recovered,
            first_success,
            None,
            by,
            words,
            resolution,
            note,
        )
    if candidate is not None:
        note = (
            f"back {estimate(candidate) - injection.reference:.3f} s after the fault, but {where} came before the "
            f"{stable_for:g} s stability window could confirm it"
        )
    elif first_success is not None and last_bad is not None:
        earlier_good = [op.start for op in in_scope if good(op) and op.start < last_bad]
        relapse = min((t for t in bad if not earlier_good or t > max(earlier_good)), default=last_bad)
        note = (
            f"back {first_success - injection.reference:.3f} s after the fault, then down again from "
            f"{relapse:.1f} s until {where}"
        )
    else:
        note = "no successful operation after the fault" + (" and its repair" if after is not None else "")
    at_least = max(0.0, scope_end - injection.reference)
    return Recovery(journey, injection, True, None, first_success, at_least, None, "", None, note)


def recover_locust(
    rows: Sequence[dict[str, Any]],
    injection: Injection,
    steps: Sequence[Intervention],
    stable_for: float,
    observed_end: float,
) -> Recovery | None:
    """Recovery of Locust's web tasks from their per-second buckets; None without any web request.

    A second is down when at least `DOWN_SHARE` of its web requests failed; the web tasks are back
    at the first second with successes after the last down second of the scope, if `stable_for`
    seconds remain in it."""
    seconds: dict[int, list[int]] = {}
    for row in rows:
        if row.get("name") not in WEB_TASKS:
            continue
        bucket = seconds.setdefault(int(float(row["at"])), [0, 0])
        bucket[0] += int(row.get("count", 0))
        bucket[1] += int(row.get("failures", 0))
    if not seconds:
        return None
    scope_end = min(injection.scope_end, observed_end)
    first = int(injection.reference)
    span = max(1, round(stable_for))

    def up(t: int) -> bool | None:
        requests, failures = seconds.get(t, (0, 0))
        return None if requests == 0 else failures / requests < DOWN_SHARE

    down = [t for t in range(first, int(scope_end) + 1) if up(t) is False]
    if not down:
        moment = max(float(first), injection.end)
        return Recovery(WEB_USERS, injection, False, moment, moment, None, "unaffected", "never interrupted", 1.0)
    back = next((t for t in range(down[-1] + 1, int(scope_end) + 1) if up(t)), None)
    if back is None or back + span > scope_end:
        at_least = max(0.0, scope_end - injection.reference)
        note = f"Locust's web tasks still failing ({DOWN_SHARE:.0%} or more of a second's requests) at {down[-1]} s"
        return Recovery(WEB_USERS, injection, True, None, None, at_least, None, "", None, note)
    moment = max(float(back), injection.end)
    by, words = _cause(moment + 1.0, injection, steps)  # seen back by the end of that second's bucket
    return Recovery(WEB_USERS, injection, True, moment, None, None, by, words, 1.0)


def _worse(a: Recovery, b: Recovery) -> Recovery:
    """Of two readings of the same journey (session probe, Locust), the later recovery."""
    if a.recovered_at is None:
        return a
    if b.recovered_at is None:
        return b
    return a if a.recovered_at >= b.recovered_at else b


@dataclass(frozen=True, slots=True)
class Recoveries:
    injections: tuple[Injection, ...]
    recoveries: tuple[Recovery, ...]
    observed: tuple[float, float]
    repairs: dict[int, Intervention]  # injection number -> the repair that put data back

    def worst(self) -> Recovery | None:
        """The journey that set the headline: unrecovered first (largest bound), else the largest RTO."""
        if not self.recoveries:
            return None
        open_ = [r for r in self.recoveries if r.recovered_at is None]
        if open_:
            return max(open_, key=lambda r: r.at_least or 0.0)
        return max(self.recoveries, key=lambda r: (r.rto or 0.0, -journey_rank(r.journey)))

    def of(self, injection: Injection) -> list[Recovery]:
        return [r for r in self.recoveries if r.injection is injection]

    def all_back(self, injection: Injection) -> float | None:
        """When every journey had recovered from `injection` (None: one never did)."""
        found = self.of(injection)
        if any(r.recovered_at is None for r in found):
            return None
        return max((r.recovered_at or 0.0 for r in found), default=injection.end)


def find_recoveries(
    events: Sequence[Event],
    stable_for: float = 5.0,
    run_end: float | None = None,
    *,
    ops: Sequence[Op] | None = None,
) -> Recoveries:
    """Every journey's recovery after every injection (pure: the history and the stability window).

    `ops`: the history already paired (`harness.core.analysis` pairs it once per judgement)."""
    ops = pair(events) if ops is None else ops
    observed = observation(events, run_end if run_end is not None else max((e.time for e in events), default=0.0))
    injected = injections(ops, observed[1], stable_for)
    steps = interventions(ops)
    relapse_bound = version_of(events) >= 3
    by_journey: dict[str, list[Op]] = {}
    journeys = journey_map(events)
    for op in ops:
        journey = journeys.get(op.f)
        if journey is not None and op.process not in ("fault", "runner", "final-read"):
            by_journey.setdefault(journey, []).append(op)
    for listed in by_journey.values():
        listed.sort(key=lambda op: op.start)
    load_rows = [e.value for e in events if e.f == LOAD and "at" in e.value and "name" in e.value]
    confirmed = confirmed_seqs(ops)
    recoveries: list[Recovery] = []
    repairs: dict[int, Intervention] = {}
    for injection in injected:
        for journey in sorted({*by_journey, *([WEB_USERS] if load_rows else [])}, key=journey_rank):
            found: Recovery | None = None
            if journey in by_journey:
                found = recover_ops(
                    journey, by_journey[journey], injection, steps, stable_for, observed[1], relapse_bound=relapse_bound
                )
            if journey == WEB_USERS and load_rows:
                locust = recover_locust(load_rows, injection, steps, stable_for, observed[1])
                if locust is not None:
                    found = locust if found is None else _worse(found, locust)
            if found is not None:
                recoveries.append(found)
        if injection.damages_data and INTEGRATIONS in by_journey:
            repair = _repair(steps, injection)
            if repair is None:
                at_least = max(0.0, min(injection.scope_end, observed[1]) - injection.reference)
                note = "no restore or failover repaired the data"
                recoveries.append(Recovery(DATA, injection, True, None, None, at_least, None, "", None, note))
            else:
                repairs[injection.number] = repair
                data = recover_ops(
                    DATA,
                    by_journey[INTEGRATIONS],
                    injection,
                    [repair],
                    stable_for,
                    observed[1],
                    confirmed=confirmed if confirmed is not None else set(),
                    after=repair.end,
                    relapse_bound=relapse_bound,
                )
                recoveries.append(data)
    return Recoveries(tuple(injected), tuple(recoveries), observed, repairs)


def _repair(steps: Iterable[Intervention], injection: Injection) -> Intervention | None:
    for step in steps:
        if step.kind != "runbook" or not step.ok or step.end is None or not step.repairs_data:
            continue
        if not injection.start <= step.start < injection.scope_end:
            continue
        if step.name == "promote-standby" and step.target in injection.targets:
            continue  # promoting the damaged node itself repairs nothing
        return step
    return None


__all__ = [
    "DATA",
    "INTEGRATIONS",
    "JOURNEY_ORDER",
    "JOURNEY_TEXT",
    "READS",
    "WEB_USERS",
    "Injection",
    "Intervention",
    "Recoveries",
    "Recovery",
    "damages_data",
    "find_recoveries",
    "injections",
    "interventions",
    "journey_map",
    "journey_rank",
    "may_lose_data",
    "observation",
    "phase_value",
]
