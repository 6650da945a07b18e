"""The kinds of stack the harness drives, each registered by one module of this package.

A kind is a `StackKind`: its name (`manual`, `patroni`, ...), what it is in words, its `Shape` (the
layout a scenario's targets name, the capability protocols of `harness.stack.handle` its handle
implements, whether its database fails over by itself), and how a handle on one is made
(`make`: one the harness brings up; `attach`: one already running, found by its run id). Adding a
kind is one module here (or an installed package's `odoo_chaos.stack_kinds` entry point) that
calls `register`; nothing else changes.

The registry is also the judge of fit: `why_not(shape, owner, target)` says, in one sentence, why
a fault or an action cannot run on a stack of that shape (a capability it needs is missing, it is
a runbook step that would fight an HA manager, or the target is not there); `harness.scenario.load`
asks it for every kind when a scenario loads, and the runner asks it again of the live stack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from harness.core.plugins import discover
from harness.core.progress import Progress
from harness.core.registry import Registry
from harness.stack.handle import CAPABILITIES, StackHandle
from harness.stack.topology import Layout

if TYPE_CHECKING:
    from harness.stack.endpoints import StackConfig

Failover = Literal["any", "runbook", "automatic"]  # what a step needs of the stack's database failover


@dataclass(frozen=True, slots=True)
class Shape:
    """What a step can count on of a stack: its targets, its capabilities and how its database fails over."""

    kind: str
    layout: Layout
    capabilities: frozenset[type]
    automatic_failover: bool | None  # None: it depends on the deployment (known once a target is reached)

    @staticmethod
    def of(stack: StackHandle) -> Shape:
        """The shape of a live stack: what its handle implements, as it runs."""
        found = frozenset(c for c in CAPABILITIES if isinstance(stack, c))
        return Shape(stack.mode, stack.layout, found, stack.automatic_failover)


@dataclass(frozen=True, slots=True)
class StackKind:
    name: str
    summary: str
    shape: Shape
    make: Callable[[StackConfig, str | None, Progress], StackHandle] | None  # None: the harness never brings one up
    attach: Callable[[str, Progress], StackHandle] | None = None
    recognise: Callable[[set[str], Mapping[str, Any]], bool] | None = None  # its services' labels, `up`'s saved config
    up_hint: str = "odoo-chaos up"  # how a user gets one, for the refusal


STACK_KINDS: Registry[StackKind] = Registry("stack kind")


def register(kind: StackKind) -> StackKind:
    return STACK_KINDS.add(kind.name, kind)


def why_not(shape: Shape, owner: Any, target: str | None) -> str | None:
    """Why `owner` (a fault or action) cannot run on `target` of a stack of this shape; None when it can."""
    what = f"{owner.name}" + (f" on {target}" if target else "")
    missing = [c.__name__ for c in owner.needs if c not in shape.capabilities]
    if missing:
        return f"{what} needs {', '.join(missing)}, which a {shape.kind} stack has not"
    if owner.failover == "runbook" and shape.automatic_failover is True:
        return f"{what} is a runbook step of manual failover; a {shape.kind} stack fails over by itself"
    if owner.failover == "automatic" and shape.automatic_failover is False:
        return f"{what} needs an HA manager; a {shape.kind} stack fails over only by runbook"
    if target is not None and target not in shape.layout.targets:
        return f"a {shape.kind} stack has no {target} (its targets are {', '.join(shape.layout.targets)})"
    return None


def fits(kind: str, owner: Any, target: str | None) -> bool:
    """Whether a step (its fault or action, None for a wait; its target) can run on a stack of `kind`."""
    shape = STACK_KINDS[kind].shape
    if owner is None:
        return target is None or target in shape.layout.targets
    return why_not(shape, owner, target) is None


def names() -> tuple[str, ...]:
    return tuple(STACK_KINDS)


def buildable() -> tuple[str, ...]:
    """The kinds the harness brings up itself (`odoo-chaos up --ha KIND`)."""
    return tuple(name for name, kind in STACK_KINDS.items() if kind.make is not None)


def layout_of(kind: str) -> Layout:
    return STACK_KINDS[kind].shape.layout


def all_targets() -> tuple[str, ...]:
    """Every target any kind of stack has, in registration order (what a scenario step may name)."""
    return tuple(dict.fromkeys(t for kind in STACK_KINDS.values() for t in kind.shape.layout.targets))


discover(__name__, "stack_kinds")

__all__ = ["STACK_KINDS", "Failover", "Shape", "StackKind", "all_targets", "names", "register", "why_not"]
