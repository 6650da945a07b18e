"""Named conditions a scenario can wait for (`wait: until <condition> timeout <d>`) or require as its
steady state (`steady_state: [...]`), each a small registered check.

A condition is `check(stack, history, since) -> bool`, polled until it holds or time runs out;
`since` is the run time at which the wait began, so `writes-ok` means "a business write was
acknowledged after the wait began", not "at some point in the run".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.core import history as h
from harness.core.history import History
from harness.core.registry import Registry
from harness.stack import db
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


def _writes_since(history: History, since: float, kinds: tuple[str, ...]) -> bool:
    return any(e.f == h.WRITE and e.kind in kinds and e.time >= since for e in history.events())


@register("writes-ok", "a business write through Traefik was acknowledged after the wait began")
def writes_ok(stack: StackHandle, history: History, since: float) -> bool:
    return _writes_since(history, since, ("ok",))


@register("writes-failing", "a business write failed or timed out after the wait began (users see the outage)")
def writes_failing(stack: StackHandle, history: History, since: float) -> bool:
    return _writes_since(history, since, ("fail", "info"))


@register("one-primary", "exactly one PostgreSQL node accepts writes (no split brain, not none)")
def one_primary(stack: StackHandle, history: History, since: float) -> bool:
    return len(db.primaries(stack)) == 1


@register("no-primary", "no running PostgreSQL node accepts writes")
def no_primary(stack: StackHandle, history: History, since: float) -> bool:
    return not db.primaries(stack)


@register("replication-streaming", "the primary streams to a standby (full redundancy)")
def replication_streaming(stack: StackHandle, history: History, since: float) -> bool:
    found = db.primaries(stack)
    return len(found) == 1 and db.streaming_to(stack, found[0], db.other(found[0]))


@register("services-running", "every service's container is running (none stopped or paused)")
def services_running(stack: StackHandle, history: History, since: float) -> bool:
    return all(stack.service(service).status == "running" for service in stack.services())


def describe() -> dict[str, str]:
    return {name: condition.summary for name, condition in sorted(CONDITIONS.items())}
