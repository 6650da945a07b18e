"""What a fault is, and the registry of them.

A fault is something done *to* the stack: `inject` and `heal`, reaching it only through the
`StackHandle` seam. Each carries its metadata, read by the scenario loader, the executor and the
checkers (never with `getattr`):

- `takes_effect`: `"start"` for a signal that bites as the call begins (kill, stop, restart,
  losing a region), `"end"` for a fault in force once the call returns (a pause, a partition);
  the RTO counts from that moment;
- `reversible`: heal undoes it (False for data damage: only the runbook repairs it);
- `damages_data`: users' data is wrong until a restore or a failover repairs it (the *data*
  journey; `bad-delete`, `corrupt-relation`, `destroy-region`);
- `one_shot`: over when its call returns (a restart, data damage), so another fault may hit the
  same target after it;
- `params_model`: the `harness.files.params` dataclass a step's `params:` are validated into when the
  scenario loads (`NoParams`: takes none); `inject` and `heal` get that typed instance.

A fault whose target holds a PostgreSQL node can lose acknowledged writes; the executor records
that (`may_lose_data`) with the injection, so the checkers judge it from the history alone.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from harness.core.registry import Registry
from harness.stack.handle import StackHandle

TakesEffect = Literal["start", "end"]


class Fault(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def summary(self) -> str: ...

    @property
    def takes_effect(self) -> TakesEffect: ...

    @property
    def reversible(self) -> bool: ...

    @property
    def damages_data(self) -> bool: ...

    @property
    def one_shot(self) -> bool: ...

    @property
    def params_model(self) -> type[Any]: ...

    @property
    def modes(self) -> tuple[str, ...]:
        """The stack modes it can run in (`harness.stack.modes`): a hand promotion is manual-only."""
        ...

    def inject(self, stack: StackHandle, target: str, params: Any) -> dict[str, Any] | None:
        """Do the damage with the step's typed params; may return what it did (recorded in the inject's `ok` value)."""
        ...

    def heal(self, stack: StackHandle, target: str, params: Any) -> None: ...


FAULTS: Registry[Fault] = Registry("fault")


def register(fault: Fault) -> Fault:
    return FAULTS.add(fault.name, fault)


def describe() -> dict[str, str]:
    return {name: fault.summary for name, fault in sorted(FAULTS.items())}
