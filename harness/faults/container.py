"""Container faults on one service of the stack.

- `pause`: freeze every process (a hung node: the kernel still accepts connections, nothing
  answers) until heal unfreezes it;
- `kill`: SIGKILL (a crashed node); heal starts the same container again;
- `stop`: SIGTERM with a 10 s grace period (a graceful shutdown); heal starts it again;
- `restart`: stop and start at once (one-shot; heal only makes sure it runs).

Heal is safe to call whatever state the container is in, so "heal always" never fails twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.faults.base import register
from harness.stack.stack import Stack


@dataclass(frozen=True, slots=True)
class Pause:
    takes_effect: str = "end"  # frozen once the call returns
    name: str = "pause"
    summary: str = "freeze a service (docker pause) until heal (docker unpause): a hung node"

    def inject(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        stack.service_container(target).pause()

    def heal(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        container = stack.service_container(target)
        if container.status == "paused":
            container.unpause()


def _ensure_running(stack: Stack, target: str) -> None:
    container = stack.service_container(target)
    if container.status == "paused":
        container.unpause()
    elif container.status != "running":
        container.start()


def _grace(params: dict[str, Any]) -> int:
    return int(params.get("grace_seconds", 10))


@dataclass(frozen=True, slots=True)
class Signal:
    """A fault that signals the container as the call begins; heal starts it again if it is down."""

    name: str
    summary: str
    act: Callable[[Any, dict[str, Any]], None]
    takes_effect: str = "start"

    def inject(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        self.act(stack.service_container(target), params)

    def heal(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        _ensure_running(stack, target)


for _fault in (
    Pause(),
    Signal("kill", "SIGKILL a service (a crashed node); heal starts it again", lambda c, p: c.kill()),
    Signal(
        "stop",
        "stop a service gracefully (SIGTERM, 10 s grace); heal starts it again",
        lambda c, p: c.stop(timeout=_grace(p)),
    ),
    Signal("restart", "restart a service (SIGTERM, then start); one-shot", lambda c, p: c.restart(timeout=_grace(p))),
):
    register(_fault)
