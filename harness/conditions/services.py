"""Conditions on the containers: every service the stack owns is running."""

from __future__ import annotations

from harness.conditions.base import register
from harness.core.history import History
from harness.stack.handle import StackHandle


@register("services-running", "every service's container is running (none stopped or paused)")
def services_running(stack: StackHandle, history: History, since: float) -> bool:
    return all(stack.service(service).status == "running" for service in stack.services())
