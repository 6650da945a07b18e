"""The `patroni` kind: the reference stack's front with Patroni + three etcd members failing over by themselves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.stack import patroni
from harness.stack.handle import CAPABILITIES
from harness.stack.kinds import Shape, StackKind, register
from harness.stack.patroni_stack import PatroniStack


def _recognise(services: set[str], saved: Mapping[str, Any]) -> bool:
    return saved.get("ha") == "patroni" or bool(services & set(patroni.ETCD_MEMBERS))


register(
    StackKind(
        name="patroni",
        summary="the reference stack's front with Patroni 3.0.4 + etcd x3 failing PostgreSQL over by themselves",
        shape=Shape("patroni", patroni.LAYOUT, frozenset(CAPABILITIES), automatic_failover=True),
        make=lambda config, run_id, progress: PatroniStack(config, run_id=run_id, progress=progress),
        attach=PatroniStack.attach,
        recognise=_recognise,
        up_hint="odoo-chaos up --ha patroni",
    )
)
