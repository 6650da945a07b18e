"""Named conditions a scenario can wait for (`wait: until <condition> timeout <d>`) or require as its
steady state (`steady_state: [...]`), each a small registered check.

This module holds the registry and its decorator; the conditions live in the other modules of
this package (found by `harness.core.plugins.discover`), so a new one is one module with
`@register("name", "summary")` on a `check(stack, history, since) -> bool`.

A condition is `check(stack, history, since) -> bool`, polled until it holds or time runs out;
`since` is the run time at which the wait began, so `writes-ok` means "a business write was
acknowledged after the wait began", not "at some point in the run".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.core.history import History
from harness.core.registry import Registry
from harness.stack.handle import StackHandle

Check = Callable[[StackHandle, History, float], bool]


@dataclass(frozen=True, slots=True)
class Condition:
    name: str
    summary: str
    check: Check


CONDITIONS: Registry[Condition] = Registry("condition")


def register(name: str, summary: str) -> Callable[[Check], Check]:
    def decorate(check: Check) -> Check:
        CONDITIONS.add(name, Condition(name, summary, check))
        return check

    return decorate


def describe() -> dict[str, str]:
    return {name: condition.summary for name, condition in sorted(CONDITIONS.items())}
