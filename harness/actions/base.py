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

- `params_model`: the `harness.files.params` dataclass the step's `params:` are validated into when the
  scenario loads (`NoParams`: takes none); `run` gets the typed instance;
- `is_change`: a change to production (a release): the executor records its start as the drill's
  injection, so the checkers judge the drill as the incident a bad change causes;
- `repairs_data`: it puts correct data back after data damage (a restore, a failover away from
  the damaged node): the *data* journey recovers after it (recorded with the action).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from harness.core.history import Event
from harness.core.registry import Registry
from harness.stack.handle import StackHandle


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
    def modes(self) -> tuple[str, ...]:
        """The stack modes it can run in (`harness.stack.modes`): a hand promotion is manual-only."""
        ...

    @property
    def is_change(self) -> bool: ...

    @property
    def repairs_data(self) -> bool: ...

    def run(self, stack: StackHandle, target: str, params: Any, events: Sequence[Event]) -> dict[str, Any]: ...


ACTIONS: Registry[Action] = Registry("action")


def register(action: Action) -> Action:
    return ACTIONS.add(action.name, action)


def describe() -> dict[str, str]:
    return {name: action.summary for name, action in sorted(ACTIONS.items())}
