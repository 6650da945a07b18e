"""The runbook action protocol and registry.

An action is a step an operator or a runbook performs during an incident (promote the standby,
rejoin the old primary, restart or replace a node). Unlike a fault it has nothing to heal. It is
recorded as an operation of process `runbook` (`f = "action"`) whose `ok` value carries what it
measured (for example how long the old primary took to stream again).

Two optional capabilities, read with `getattr`: `params_model`, the `harness.params` dataclass the
step's `params:` are validated into when the scenario loads (default `NoParams`: none taken; a typo
or a value out of range stops the file before anything starts), whose typed instance `run` gets;
`is_change = True` marks a change to production (a release): the executor records the action's
start as the drill's injection (`inject` of process `fault`, taking effect at its start), so the
checkers judge the drill as the incident a bad change causes.
"""

from __future__ import annotations

from typing import Any, Protocol

from harness.stack.stack import Stack


class Action(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def summary(self) -> str: ...

    @property
    def default_target(self) -> str | None: ...

    @property
    def targets(self) -> tuple[str, ...]: ...

    def run(self, stack: Stack, target: str, params: Any) -> dict[str, Any]: ...


ACTIONS: dict[str, Action] = {}


def register(action: Action) -> Action:
    ACTIONS[action.name] = action
    return action


def describe() -> dict[str, str]:
    return {name: action.summary for name, action in sorted(ACTIONS.items())}
