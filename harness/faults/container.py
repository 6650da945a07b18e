"""Container faults. `pause`: freeze every process of a service (a hung node: connections are
accepted by the kernel but nothing answers) until heal unfreezes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.faults.base import register
from harness.stack.stack import Stack


@dataclass(frozen=True, slots=True)
class Pause:
    name: str = "pause"
    summary: str = "freeze a service (docker pause) until heal (docker unpause): a hung node"

    def inject(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        stack.service_container(target).pause()

    def heal(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        container = stack.service_container(target)
        container.reload()
        if container.status == "paused":
            container.unpause()


register(Pause())
