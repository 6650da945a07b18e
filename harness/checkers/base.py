"""What a checker is: a pure function from a run's history (and its context) to one `Verdict`.

Checkers never do I/O and never see the stack: only the events, the tier to judge against and a
few knobs (`CheckContext`). Each checker module registers itself here by name with `@register`;
`harness.checkers` imports every module so the registry is full once the package is imported.
The small helpers below (run end, wall-clock times, effective completion of unfinished ops) are
shared so that every checker reads the history the same way.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from harness.core.figures import CardFigure
from harness.core.history import Event, Op, iso
from harness.core.registry import Registry
from harness.files.tiers import Status, Tier

__all__ = [
    "CHECKERS",
    "UNFINISHED_GRACE_SECONDS",
    "Applies",
    "CheckContext",
    "CheckFn",
    "Checker",
    "Headline",
    "ScenarioFacts",
    "Status",
    "Verdict",
    "WallClock",
    "completion_time",
    "end_of_run",
    "ms",
    "register",
    "shift_wall",
]

# An invoke that never completed is treated as completing this long after its invoke (clamped at
# the run end): long enough to count as a failure, short enough not to invent long outages.
UNFINISHED_GRACE_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a checker may know besides the history: the tier and the scenario's own expectations."""

    tier: Tier
    probe_period: float = 0.1  # seconds between business writes across all writers (resolution)
    stable_for: float = 5.0  # seconds a journey must stay up after its first success (checks.rto_stable)
    run_end: float | None = None  # monotonic end of the run (default: last event time)
    expect: str | None = None  # "self-healing": recovery by the harness's heal or a runbook step fails
    lost_writes_allowed: int | None = None  # checks.lost_writes: more lost acknowledged writes fail


@dataclass(frozen=True, slots=True)
class Verdict:
    checker: str  # registry name, e.g. "rto"
    status: Status
    metrics: dict[str, Any]  # JSON-serialisable numbers, strings, lists and dicts only
    target: str = ""  # human text of the target, e.g. "RTO <= 900 s (warn <= 3600 s)"
    margin: float | None = None  # target minus measured, in the metric's unit (positive = headroom)
    reason: str = ""  # one sentence when unknown/fail/warn
    unit: str = "s"  # the margin's unit: "s" (seconds) or "fraction" (availability; shown in percentage points)
    figure: str = ""  # the checker's headline figure in words (filled in by `run_checkers`)


class StepFacts(Protocol):
    """What a checker may read of a scenario step to decide whether it applies."""

    @property
    def kind(self) -> str: ...

    @property
    def fault(self) -> str | None: ...

    @property
    def action(self) -> str | None: ...


class ScenarioFacts(Protocol):
    """What a checker may read of the scenario (`harness.scenario.Scenario` has it) to decide whether it applies."""

    @property
    def probes(self) -> tuple[str, ...]: ...

    @property
    def steady_state(self) -> tuple[str, ...]: ...

    @property
    def guard(self) -> object | None: ...

    @property
    def steps(self) -> Sequence[StepFacts]: ...


CheckFn = Callable[[Sequence[Event], CheckContext], Verdict]
Applies = Callable[[ScenarioFacts, Sequence[Event]], bool]
Headline = Callable[[Mapping[str, Any]], str]


def always(scenario: ScenarioFacts, events: Sequence[Event]) -> bool:
    return True


def no_headline(metrics: Mapping[str, Any]) -> str:
    return ""


@dataclass(frozen=True, slots=True)
class Checker:
    """A registered checker: the pure function, and what the judge and the reports need to know of it.

    `applies(scenario, events)`: whether it has anything to judge in this run (a pitr verdict only
    after a point-in-time restore); a checker that does not apply gives no verdict at all, rather
    than `unknown`. `headline(metrics)`: the one figure it is about, in words, for the reports'
    "Measured" column. `order`: where its verdict stands in reports (headline figures first).
    """

    name: str
    fn: CheckFn
    order: int = 1000
    applies: Applies = always
    headline: Headline = no_headline
    card: tuple[CardFigure, ...] = ()  # its top-level figures in report.json (null when it did not report)

    def __call__(self, events: Sequence[Event], ctx: CheckContext) -> Verdict:
        return self.fn(events, ctx)


CHECKERS: Registry[Checker] = Registry("checker")


def register(
    name: str,
    *,
    order: int = 1000,
    applies: Applies = always,
    headline: Headline = no_headline,
    card: tuple[CardFigure, ...] = (),
) -> Callable[[CheckFn], CheckFn]:
    """Register a checker function under `name` with its metadata; the function itself is returned unchanged.

    `card`: the top-level report.json figures it owns; a key another checker already owns is refused."""

    def add(fn: CheckFn) -> CheckFn:
        taken = {f.key: c.name for c in CHECKERS.values() if c.name != name for f in c.card}
        clash = next((f.key for f in card if f.key in taken), None)
        if clash is not None:
            raise ValueError(f"checker {name}: report.json figure {clash!r} belongs to checker {taken[clash]}")
        CHECKERS.add(name, Checker(name, fn, order, applies, headline, card))
        return fn

    return add


def end_of_run(events: Sequence[Event], ctx: CheckContext) -> float:
    """`ctx.run_end`, or the time of the last event (0.0 for an empty history)."""
    if ctx.run_end is not None:
        return ctx.run_end
    return max((e.time for e in events), default=0.0)


def completion_time(op: Op, run_end: float) -> float:
    """When `op` completed; an unfinished op counts as completing shortly after its invoke."""
    if op.completion is not None:
        return op.completion.time
    return max(op.start, min(op.start + UNFINISHED_GRACE_SECONDS, run_end))


def shift_wall(wall: str, seconds: float) -> str:
    """An ISO 8601 UTC wall time moved by `seconds` (same format: milliseconds and "Z")."""
    return iso(datetime.fromisoformat(wall) + timedelta(seconds=seconds))


@dataclass(frozen=True, slots=True)
class WallClock:
    """Monotonic run time -> wall time, anchored on the nearest event (robust to wall-clock steps)."""

    times: tuple[float, ...]
    walls: tuple[str, ...]

    @staticmethod
    def of(events: Sequence[Event]) -> WallClock:
        ordered = sorted(events, key=lambda e: e.time)
        return WallClock(tuple(e.time for e in ordered), tuple(e.wall for e in ordered))

    def at(self, t: float) -> str | None:
        if not self.times:
            return None
        i = bisect.bisect_left(self.times, t)
        candidates = [j for j in (i - 1, i) if 0 <= j < len(self.times)]
        nearest = min(candidates, key=lambda j: abs(self.times[j] - t))
        return shift_wall(self.walls[nearest], t - self.times[nearest])


def ms(value: float) -> float:
    """Seconds rounded to the millisecond (the resolution every metric is reported in)."""
    return round(value, 3)
