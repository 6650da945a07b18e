"""Freshness: for each commitment of the programme, its last passing proof and how old it is, as of `now`.

Pure: a programme, the run records and the tiers in, one `RowStatus` per row out. A drill is

- `fresh` when its latest proof started at most `every` before `now`,
- `stale` when it has a proof, but an older one,
- `missing` when no run of it ever proved it (against that tier).

A row with `require: all` is as bad as its worst drill; with `require: any` as good as its best.
Runs that started after `now` are not considered (an audit as of a date sees what was known then).

What a proof is (see `harness.programme.programme`): the run's verdict against the drill's tier is
`pass`, or `warn` with every warning tolerated by the programme; and in both cases its RTO (or its
lower bound) and its RPO, when measured, are within the tier's strict targets, so a tolerated
warning never admits a figure in the warn band.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from harness.files.tiers import Tier
from harness.programme.programme import Drill, Programme, Row
from harness.programme.records import RunRecord

State = Literal["fresh", "stale", "missing"]
_STATES: tuple[State, ...] = ("fresh", "stale", "missing")
_RANK: dict[str, int] = {state: rank for rank, state in enumerate(_STATES)}


@dataclass(frozen=True, slots=True)
class DrillStatus:
    row: str
    drill: Drill
    state: State
    proof: RunRecord | None  # the latest proof (any age)
    age_seconds: float | None  # of that proof, as of `now`
    latest: RunRecord | None  # the latest run of the drill, proof or not
    why_not: str  # why the latest run is not a proof ("" when it is one, or there is none)
    tolerated: tuple[str, ...]  # checkers whose warnings the proof carries, tolerated by the programme

    @property
    def due_in_seconds(self) -> float | None:
        """How long until the proof goes stale (negative: stale for that long); None without a proof."""
        return None if self.age_seconds is None else self.drill.every - self.age_seconds


@dataclass(frozen=True, slots=True)
class RowStatus:
    row: Row
    state: State
    drills: tuple[DrillStatus, ...]


def judge_proof(record: RunRecord, drill: Drill, tier: Tier | None) -> tuple[bool, str, tuple[str, ...]]:
    """(is it a proof, why not, tolerated checkers) for one run of the drill."""
    against = record.against(drill.tier)
    if against is None:
        return False, f"never judged against {drill.tier} (rebuild the index with that tier in the tiers file)", ()
    tolerated: tuple[str, ...] = ()
    if against.verdict == "warn":
        untolerated = [i for i in against.issues if i.status != "pass" and i.checker not in drill.tolerate]
        if untolerated:
            first = untolerated[0]
            return False, f"warn against {drill.tier}: {first.checker}: {first.reason}", ()
        tolerated = tuple(i.checker for i in against.issues if i.status == "warn")
    elif against.verdict != "pass":
        first_issue = next((i for i in against.issues if i.status == against.verdict), None)
        detail = f": {first_issue.checker}: {first_issue.reason}" if first_issue else ""
        return False, f"{against.verdict} against {drill.tier}{detail}", ()
    if tier is not None:
        rto = record.rto_value
        if rto is not None and rto > tier.rto.strict:
            return False, f"RTO {rto:g} s is beyond {drill.tier}'s strict target ({tier.rto.strict:g} s)", ()
        if record.rpo_seconds is not None and (record.rpo_seconds > tier.rpo.strict or record.rpo_censored):
            return False, f"RPO {record.rpo_seconds:g} s is beyond {drill.tier}'s strict target", ()
    return True, "", tolerated


def drill_status(
    row: Row, drill: Drill, records: Sequence[RunRecord], tiers: Mapping[str, Tier], now: datetime
) -> DrillStatus:
    runs = [r for r in records if r.scenario == drill.scenario and r.started <= now]
    runs.sort(key=lambda r: (r.started, r.path))
    latest = runs[-1] if runs else None
    proof: RunRecord | None = None
    tolerated: tuple[str, ...] = ()
    for record in reversed(runs):
        ok, _, tolerated = judge_proof(record, drill, tiers.get(drill.tier))
        if ok:
            proof = record
            break
    why_not = ""
    if latest is not None and latest is not proof:
        why_not = judge_proof(latest, drill, tiers.get(drill.tier))[1]
    if proof is None:
        return DrillStatus(row.id, drill, "missing", None, None, latest, why_not, ())
    age = (now - proof.started).total_seconds()
    state: State = "fresh" if age <= drill.every else "stale"
    return DrillStatus(row.id, drill, state, proof, age, latest, why_not, tolerated)


def row_status(row: Row, records: Sequence[RunRecord], tiers: Mapping[str, Tier], now: datetime) -> RowStatus:
    drills = tuple(drill_status(row, drill, records, tiers, now) for drill in row.drills)
    ranks = [_RANK[d.state] for d in drills]
    rank = max(ranks) if row.require == "all" else min(ranks)
    state: State = _STATES[rank]
    return RowStatus(row, state, drills)


def freshness(
    programme: Programme, records: Sequence[RunRecord], tiers: Mapping[str, Tier], now: datetime
) -> list[RowStatus]:
    """Every row of the programme with its drills' proofs, as of `now`."""
    return [row_status(row, records, tiers, now) for row in programme.rows]


def due_scenarios(rows: Sequence[RowStatus], within: float = 0.0) -> list[str]:
    """The drills to run now: no proof, a stale one, or one that goes stale within `within` seconds."""
    due: list[str] = []
    for row in rows:
        for status in row.drills:
            left = status.due_in_seconds
            if (left is None or left <= within) and status.drill.scenario not in due:
                due.append(status.drill.scenario)
    return due


def age_text(seconds: float | None) -> str:
    """An age as people say it: 45 min, 5.2 h, 12.0 d."""
    if seconds is None:
        return "-"
    if seconds < 3600:
        return f"{max(seconds, 0) / 60:.0f} min"
    return f"{seconds / 3600:.1f} h" if seconds < 86400 else f"{seconds / 86400:.1f} d"
