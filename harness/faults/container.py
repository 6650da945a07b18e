"""Container faults on one service of the stack.

- `pause`: freeze every process (a hung node: the kernel still accepts connections, nothing
  answers) until heal unfreezes it;
- `kill`: SIGKILL (a crashed node); heal starts the same container again;
- `stop`: SIGTERM with a 10 s grace period (a graceful shutdown); heal starts it again;
- `restart`: stop and start at once (one-shot; heal only makes sure it runs).

Heal is safe to call whatever state the container is in, so "heal always" never fails twice.
"""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class Kill:
    takes_effect: str = "start"  # the signal is sent as the call begins
    name: str = "kill"
    summary: str = "SIGKILL a service (a crashed node); heal starts it again"

    def inject(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        stack.service_container(target).kill()

    def heal(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        _ensure_running(stack, target)


@dataclass(frozen=True, slots=True)
class Stop:
    takes_effect: str = "start"  # the signal is sent as the call begins
    name: str = "stop"
    summary: str = "stop a service gracefully (SIGTERM, 10 s grace); heal starts it again"

    def inject(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        stack.service_container(target).stop(timeout=int(params.get("grace_seconds", 10)))

    def heal(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        _ensure_running(stack, target)


@dataclass(frozen=True, slots=True)
class Restart:
    takes_effect: str = "start"  # the signal is sent as the call begins
    name: str = "restart"
    summary: str = "restart a service (SIGTERM, then start); one-shot"

    def inject(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        stack.service_container(target).restart(timeout=int(params.get("grace_seconds", 10)))

    def heal(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        _ensure_running(stack, target)


for _fault in (Pause(), Kill(), Stop(), Restart()):
    register(_fault)
