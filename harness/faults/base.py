"""What a fault is, and the registry of them.

A fault is something done *to* the stack: `inject` and `heal`, reaching it only through the
`StackHandle` seam. Each carries its metadata, read by the scenario loader, the executor and the
checkers (never with `getattr`), every field with a default so a fault states only what differs:

- `takes_effect`: `"start"` for a signal that bites as the call begins (kill, stop, restart,
  losing a region), `"end"` (the default) for a fault in force once the call returns (a pause, a
  partition); the RTO counts from that moment;
- `reversible` (default True): heal undoes it (False for data damage: only the runbook repairs it);
- `damages_data` (default False): users' data is wrong until a restore or a failover repairs it
  (the *data* journey; `bad-delete`, `corrupt-relation`, `destroy-region`);
- `one_shot` (default False): over when its call returns (a restart, data damage), so another fault
  may hit the same target after it;
- `params_model` (default `NoParams`): the `harness.files.params` dataclass a step's `params:` are
  validated into when the scenario loads; `inject` and `heal` get that typed instance;
- `needs` (default none): the capability protocols of `harness.stack.handle` it uses beyond the core
  seam (`NetworkCut` for a partition, `NodeSurgery` for block corruption); `failover` (default
  `any`): `runbook` when it only makes sense where the database fails over by runbook. The registry
  of stack kinds refuses a drill on a stack that cannot give what its faults need, with the reason.

A fault is a class with `inject` and `heal`, registered with its metadata by the `@fault(...)`
decorator (`register_fault(...)` for an instance, such as the signal faults that share one class).

A fault whose target holds a PostgreSQL node can lose acknowledged writes; the executor records
that (`may_lose_data`) with the injection, so the checkers judge it from the history alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

from harness.core.registry import Registry
from harness.files.params import NoParams
from harness.stack.handle import StackHandle
from harness.stack.kinds import Failover

TakesEffect = Literal["start", "end"]


class Fault(Protocol):
    """A registered fault: its metadata and its two operations."""

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
    def needs(self) -> tuple[type, ...]: ...

    @property
    def failover(self) -> Failover: ...

    def inject(self, stack: StackHandle, target: str, params: Any) -> dict[str, Any] | None:
        """Do the damage with the step's typed params; may return what it did (recorded in the inject's `ok` value)."""
        ...

    def heal(self, stack: StackHandle, target: str, params: Any) -> None: ...


class FaultBody(Protocol):
    """What a fault's class implements: the two operations (its metadata comes with `@fault`)."""

    def inject(self, stack: StackHandle, target: str, params: Any) -> dict[str, Any] | None: ...

    def heal(self, stack: StackHandle, target: str, params: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class RegisteredFault:
    """A fault's metadata, every field defaulted, around the object that does the work."""

    name: str
    summary: str
    body: FaultBody
    takes_effect: TakesEffect = "end"
    reversible: bool = True
    damages_data: bool = False
    one_shot: bool = False
    params_model: type[Any] = NoParams
    needs: tuple[type, ...] = ()
    failover: Failover = "any"

    def inject(self, stack: StackHandle, target: str, params: Any) -> dict[str, Any] | None:
        return self.body.inject(stack, target, params)

    def heal(self, stack: StackHandle, target: str, params: Any) -> None:
        self.body.heal(stack, target, params)


FAULTS: Registry[Fault] = Registry("fault")

B = TypeVar("B", bound=type)


def register(fault: Fault) -> Fault:
    return FAULTS.add(fault.name, fault)


def register_fault(name: str, summary: str, body: FaultBody, **metadata: Any) -> Fault:
    """Register `body` as the fault `name` with its metadata (defaults for whatever is not given)."""
    return register(RegisteredFault(name, summary, body, **metadata))


def fault(name: str, summary: str, **metadata: Any) -> Callable[[B], B]:
    """Class decorator: register one instance of the class as the fault `name`, with its metadata."""

    def decorate(cls: B) -> B:
        register_fault(name, summary, cls(), **metadata)
        return cls

    return decorate


def describe() -> dict[str, str]:
    return {name: fault.summary for name, fault in sorted(FAULTS.items())}
