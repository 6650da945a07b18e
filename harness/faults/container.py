"""Container faults on one service of the stack.

- `pause`: freeze every process (a hung node: the kernel still accepts connections, nothing
  answers) until heal unfreezes it;
- `kill`: SIGKILL (a crashed node); heal starts the same container again;
- `stop`: SIGTERM with a 10 s grace period (a graceful shutdown); heal starts it again;
- `restart`: stop and start at once (one-shot; heal only makes sure it runs).

A target is a service or a zone (every service placed in it: `zone-a` is pg-primary, redis and
odoo-1). Heal is safe to call whatever state the container is in, so "heal always" never fails
twice, and it never makes a second primary: a PostgreSQL node that comes back while the other
node has been promoted rejoins as its standby (`harness.stack.db.follow`) instead of starting as
a primary. On a stack with automatic failover (Patroni) heal only brings the node back: its HA
manager demotes and rewinds it, and that is part of what the drill measures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from harness.faults.base import TakesEffect, register
from harness.files.params import NoParams, Whole, params
from harness.stack import db
from harness.stack.handle import ServiceHandle, StackHandle
from harness.stack.modes import MODES


@params
class Grace:
    grace_seconds: Annotated[Whole, Field(ge=0, le=300, description="seconds between SIGTERM and SIGKILL")] = 10


@dataclass(frozen=True, slots=True)
class Pause:
    takes_effect: TakesEffect = "end"  # frozen once the call returns
    name: str = "pause"
    summary: str = "freeze a service (docker pause) until heal (docker unpause): a hung node"
    params_model: type[Any] = NoParams
    modes: tuple[str, ...] = MODES
    reversible: bool = True
    damages_data: bool = False
    one_shot: bool = False

    def inject(self, stack: StackHandle, target: str, params: NoParams) -> None:
        for service in stack.layout.members(target):
            stack.service(service).pause()

    def heal(self, stack: StackHandle, target: str, params: NoParams) -> None:
        for service in stack.layout.members(target):
            node = stack.service(service)
            if node.status == "paused":
                node.unpause()
            if stack.automatic_failover or service not in db.PG_NODES:
                continue  # an HA manager demotes and rewinds a returning old leader itself
            if db.roles(stack) == {service: "primary", db.other(service): "primary"}:
                db.follow(stack, service, db.other(service))  # promoted while it was frozen: never two primaries


def _ensure_running(stack: StackHandle, service: str) -> None:
    container = stack.service(service)
    state = container.status
    if state == "paused":
        container.unpause()
    elif state != "running":
        manual = not stack.automatic_failover  # an HA manager rejoins a node that starts again by itself
        if manual and service in db.PG_NODES and db.role(stack, db.other(service)) == "primary":
            db.follow(stack, service, db.other(service))  # the other node was promoted: no split brain
        else:
            container.start()


@dataclass(frozen=True, slots=True)
class Signal:
    """A fault that signals the container as the call begins; heal starts it again if it is down."""

    name: str
    summary: str
    act: Callable[[ServiceHandle, Any], None]
    takes_effect: TakesEffect = "start"
    params_model: type[Any] = NoParams
    modes: tuple[str, ...] = MODES
    one_shot: bool = False  # over when the call returns: another fault may hit the target right after
    reversible: bool = True
    damages_data: bool = False

    def inject(self, stack: StackHandle, target: str, params: Any) -> None:
        for service in stack.layout.members(target):
            self.act(stack.service(service), params)

    def heal(self, stack: StackHandle, target: str, params: Any) -> None:
        for service in stack.layout.members(target):
            _ensure_running(stack, service)


for _fault in (
    Pause(),
    Signal("kill", "SIGKILL a service (a crashed node); heal starts it again", lambda c, p: c.kill()),
    Signal(
        "stop",
        "stop a service gracefully (SIGTERM, 10 s grace); heal starts it again",
        lambda c, p: c.stop(timeout=p.grace_seconds),
        params_model=Grace,
    ),
    Signal(
        "restart",
        "restart a service (SIGTERM, then start); one-shot",
        lambda c, p: c.restart(timeout=p.grace_seconds),
        params_model=Grace,
        one_shot=True,
    ),
):
    register(_fault)
