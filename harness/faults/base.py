"""The fault protocol and registry."""

from __future__ import annotations

from typing import Any, Protocol

from harness.stack.stack import Stack


class Fault(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def summary(self) -> str: ...

    def inject(self, stack: Stack, target: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """Do the damage; may return what it did (recorded in the inject's `ok` value)."""
        ...

    def heal(self, stack: Stack, target: str, params: dict[str, Any]) -> None: ...


FAULTS: dict[str, Fault] = {}


def register(fault: Fault) -> Fault:
    FAULTS[fault.name] = fault
    return fault


def describe() -> dict[str, str]:
    return {name: fault.summary for name, fault in sorted(FAULTS.items())}
