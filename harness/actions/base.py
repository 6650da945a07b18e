"""What a runbook action is, and the registry of them.

An action is a step an operator or a runbook performs during an incident (promote the standby,
rejoin the old primary, restart or replace a node, restore to a point in time). Unlike a fault it
has nothing to heal. It is recorded as an operation of process `runbook` (`f = "action"`) whose
`ok` value carries what it measured (for example how long the old primary took to stream again).

An action reaches the stack through the `StackHandle` seam and reads what happened so far from
the run's history (`events`, read-only): what a fault left for it (the moment a destructive
statement began, which a point-in-time restore targets) is in the fault's recorded injection, as
an operator reads it from an audit log. Its metadata, read by the loader, the executor and the
checkers:

- `targets` and `default_target`: what it may act on, and what a step without `target` means;
- `params_model` (default `NoParams`): the `harness.files.params` dataclass the step's `params:` are
  validated into when the scenario loads; `run` gets the typed instance;
- `is_change` (default False): a change to production (a release): the executor records its start
  as the drill's injection, so the checkers judge the drill as the incident a bad change causes;
- `repairs_data` (default False): it puts correct data back after data damage (a restore, a
  failover away from the damaged node): the *data* journey recovers after it (recorded with it);
- `needs` and `failover`: the capabilities of `harness.stack.handle` it uses (`NodeSurgery`,
  `PgBackRest`, `OdooFleet`, `HaControl`) and whether it is a step of manual failover (`runbook`:
  a hand promotion would fight an HA manager) or needs an HA manager (`automatic`); the registry
  of stack kinds refuses a drill on a stack that cannot give them, with the reason.

An action is a class with `run`, registered with its metadata by `@action(...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from harness.core.history import Event
from harness.core.registry import Registry
from harness.files.params import NoParams
from harness.stack.handle import StackHandle
from harness.stack.kinds import Failover


class Action(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def summary(self) -> str: ...

    @property
    def default_target(self) -> str | None: ...

    @property
    def targets(self) -> tuple[str, ...]: ...

    @property
    def params_model(self) -> type[Any]: ...

    @property
    def needs(self) -> tuple[type, ...]: ...

    @property
    def failover(self) -> Failover: ...

    @property
    def is_change(self) -> bool: ...

    @property
    def repairs_data(self) -> bool: ...

    def run(self, stack: StackHandle, target: str, params: Any, events: Sequence[Event]) -> dict[str, Any]: ...


class ActionBody(Protocol):
    def run(self, stack: StackHandle, target: str, params: Any, events: Sequence[Event]) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class RegisteredAction:
    """An action's metadata, every field defaulted, around the object that does the work."""

    name: str
    summary: str
    body: ActionBody
    targets: tuple[str, ...] = ()
    default_target: str | None = None
    params_model: type[Any] = NoParams
    needs: tuple[type, ...] = ()
    failover: Failover = "any"
    is_change: bool = False
    repairs_data: bool = False

    def run(self, stack: StackHandle, target: str, params: Any, events: Sequence[Event]) -> dict[str, Any]:
        return self.body.run(stack, target, params, events)


ACTIONS: Registry[Action] = Registry("action")

B = TypeVar("B", bound=type)


def register(action: Action) -> Action:
    return ACTIONS.add(action.name, action)


def action(name: str, summary: str, **metadata: Any) -> Callable[[B], B]:
    """Class decorator: register one instance of the class as the action `name`, with its metadata."""

    def decorate(cls: B) -> B:
        register(RegisteredAction(name, summary, cls(), **metadata))
        return cls

    return decorate


def describe() -> dict[str, str]:
    return {name: action.summary for name, action in sorted(ACTIONS.items())}
