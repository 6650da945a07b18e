"""A run's history decoded once for one judgement: its version, its operations paired once, and the
journeys' recoveries computed once per stability window, shared by every checker.

`Analysis` is itself the sequence of events, so a checker written against `Sequence[Event]` reads it
unchanged; `ops_of(events)` and `recoveries_of(events, ...)` take the shared result when handed an
`Analysis` and compute it when handed a plain list (a unit test's hand-built history). Before it, one
judgement paired the same history once per checker (19 times) and found the recoveries five times.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import overload

from harness.core import history as h
from harness.core.history import Event, Op
from harness.core.journeys import Recoveries, find_recoveries


class Analysis(Sequence[Event]):
    """The events of one history and what is derived from them once (its caches fill on first use)."""

    __slots__ = ("_events", "_ops", "_recoveries", "version")

    def __init__(self, events: Iterable[Event]) -> None:
        self._events: tuple[Event, ...] = tuple(events)
        self.version = h.version_of(self._events)
        self._ops: tuple[Op, ...] | None = None
        self._recoveries: dict[tuple[float, float | None], Recoveries] = {}

    @staticmethod
    def of(events: Sequence[Event]) -> Analysis:
        """`events` as an analysis (itself when it already is one)."""
        return events if isinstance(events, Analysis) else Analysis(events)

    def __len__(self) -> int:
        return len(self._events)

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Event]: ...

    def __getitem__(self, index: int | slice) -> Event | Sequence[Event]:
        return self._events[index]

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    @property
    def ops(self) -> tuple[Op, ...]:
        """Every operation, invoke paired with its completion (`harness.core.history.pair`), once."""
        if self._ops is None:
            self._ops = tuple(h.pair(self._events))
        return self._ops

    def recoveries(self, stable_for: float, run_end: float | None) -> Recoveries:
        """Every journey's recovery after every injection (`find_recoveries`), once per window and run end."""
        key = (stable_for, run_end)
        if key not in self._recoveries:
            self._recoveries[key] = find_recoveries(self._events, stable_for, run_end, ops=self.ops)
        return self._recoveries[key]


def ops_of(events: Sequence[Event]) -> Sequence[Op]:
    """The history's operations: the shared pairing of an `Analysis`, or a fresh one of a plain list."""
    return events.ops if isinstance(events, Analysis) else h.pair(events)


def recoveries_of(events: Sequence[Event], stable_for: float, run_end: float | None) -> Recoveries:
    """The journeys' recoveries: shared when `events` is an `Analysis`, computed otherwise."""
    if isinstance(events, Analysis):
        return events.recoveries(stable_for, run_end)
    return find_recoveries(events, stable_for, run_end)


__all__ = ["Analysis", "ops_of", "recoveries_of"]
