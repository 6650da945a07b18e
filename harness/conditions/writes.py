"""Conditions on what users saw: a business write acknowledged, or failing, since the wait began."""

from __future__ import annotations

from harness.conditions.base import register
from harness.core import history as h
from harness.core.history import History
from harness.stack.handle import StackHandle


def _writes_since(history: History, since: float, kinds: tuple[str, ...]) -> bool:
    return any(e.f == h.WRITE and e.kind in kinds and e.time >= since for e in history.events())


@register("writes-ok", "a business write through Traefik was acknowledged after the wait began")
def writes_ok(stack: StackHandle, history: History, since: float) -> bool:
    return _writes_since(history, since, ("ok",))


@register("writes-failing", "a business write failed or timed out after the wait began (users see the outage)")
def writes_failing(stack: StackHandle, history: History, since: float) -> bool:
    return _writes_since(history, since, ("fail", "info"))
