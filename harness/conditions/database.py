"""Conditions on the database's roles: one primary, none, or a primary streaming to its standby."""

from __future__ import annotations

from harness.conditions.base import register
from harness.core.history import History
from harness.stack import db
from harness.stack.handle import StackHandle


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
