"""One registry for every kind of plugin: faults, runbook actions, probes, checkers and conditions.

A registry is a read-only mapping from name to entry, in registration order, that refuses a name
registered twice (two modules claiming one name is a bug, never "last one wins"). Each entry
carries its own metadata (a fault's `takes_effect` and `reversible`, a checker's `applies` and
`headline`, a probe's journey...), so the runner, the judge and the reports filter on metadata and
a new plugin is one new module plus its import: nothing else is edited.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

from harness.core.errors import HarnessError

T = TypeVar("T")


class Registry(Mapping[str, T], Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def add(self, name: str, entry: T) -> T:
        """Register `entry` under `name`; ValueError when the name is taken."""
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = entry
        return entry

    def require(self, name: str) -> T:
        """The entry called `name`, or a HarnessError listing the valid names."""
        try:
            return self._entries[name]
        except KeyError:
            raise HarnessError(f'unknown {self.kind} "{name}" (valid: {", ".join(sorted(self._entries))})') from None

    def __setitem__(self, name: str, entry: T) -> None:
        """`registry[name] = entry`: the same as `add` (a taken name is refused)."""
        self.add(name, entry)

    def __delitem__(self, name: str) -> None:
        """Unregister `name` (a test that registered a plugin of its own takes it back)."""
        del self._entries[name]

    def __getitem__(self, name: str) -> T:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {list(self._entries)})"
