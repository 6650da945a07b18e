"""The fault protocol and registry.

A fault's `params_model` (optional, default `harness.params.NoParams`) is the `params` dataclass
its step's `params:` are validated into when the scenario loads; `inject` and `heal` get that
typed instance. `one_shot = True` marks a fault that is over when its call returns (a restart,
data damage): another fault may hit the same target after it, which the scenario refuses for a
fault still in force.
"""

from __future__ import annotations

from typing import Any, Protocol

from harness.stack.stack import Stack


class Fault(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def summary(self) -> str: ...

    def inject(self, stack: Stack, target: str, params: Any) -> dict[str, Any] | None:
        """Do the damage with the step's typed params; may return what it did (recorded in the inject's `ok` value)."""
        ...

    def heal(self, stack: Stack, target: str, params: Any) -> None: ...


FAULTS: dict[str, Fault] = {}


def register(fault: Fault) -> Fault:
    FAULTS[fault.name] = fault
    return fault


def describe() -> dict[str, str]:
    return {name: fault.summary for name, fault in sorted(FAULTS.items())}
