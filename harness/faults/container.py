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

from harness.faults.base import fault, register_fault
from harness.files.params import NoParams, Whole, params
from harness.stack import db
from harness.stack.handle import ServiceHandle, StackHandle


@params
class Grace:
    grace_seconds: Annotated[Whole, Field(ge=0, le=300, description="seconds between SIGTERM and SIGKILL")] = 10


@fault("pause", "freeze a service (docker pause) until heal (docker unpause): a hung node")  # in force once frozen
class Pause:
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
                db.rejoin(stack, service, db.other(service))  # promoted while it was frozen: never two primaries


def _ensure_running(stack: StackHandle, service: str) -> None:
    container = stack.service(service)
    state = container.status
    if state == "paused":
        container.unpause()
    elif state != "running":
        manual = not stack.automatic_failover  # an HA manager rejoins a node that starts again by itself
        if manual and service in db.PG_NODES and db.role(stack, db.other(service)) == "primary":
            db.rejoin(stack, service, db.other(service))  # the other node was promoted: no split brain
        else:
            container.start()


@dataclass(frozen=True, slots=True)
class Signal:
    """A fault that signals the container as the call begins; heal starts it again if it is down."""

    act: Callable[[ServiceHandle, Any], None]

    def inject(self, stack: StackHandle, target: str, params: Any) -> None:
        for service in stack.layout.members(target):
            self.act(stack.service(service), params)

    def heal(self, stack: StackHandle, target: str, params: Any) -> None:
        for service in stack.layout.members(target):
            _ensure_running(stack, service)


register_fault(
    "kill",
    "SIGKILL a service (a crashed node); heal starts it again",
    Signal(lambda c, p: c.kill()),
    takes_effect="start",
)
register_fault(
    "stop",
    "stop a service gracefully (SIGTERM, 10 s grace); heal starts it again",
    Signal(lambda c, p: c.stop(timeout=p.grace_seconds)),
    takes_effect="start",
    params_model=Grace,
)
register_fault(
    "restart",
    "restart a service (SIGTERM, then start); one-shot",
    Signal(lambda c, p: c.restart(timeout=p.grace_seconds)),
    takes_effect="start",
    params_model=Grace,
    one_shot=True,  # over when the call returns: another fault may hit the target right after
)
