"""The `manual` kind: the harness's reference stack, its database failed over by the drill's runbook."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.stack import topology
from harness.stack.handle import CAPABILITIES, HaControl
from harness.stack.kinds import Shape, StackKind, register
from harness.stack.stack import Stack


def _recognise(services: set[str], saved: Mapping[str, Any]) -> bool:
    return saved.get("ha", "manual") == "manual" and bool(services & set(topology.SERVICE_NAMES))


register(
    StackKind(
        name="manual",
        summary="the reference stack (Traefik, two Odoo nodes, PostgreSQL primary + standby, Redis, pgBackRest)",
        shape=Shape("manual", topology.MANUAL, frozenset(CAPABILITIES) - {HaControl}, automatic_failover=False),
        make=lambda config, run_id, progress: Stack(config, run_id=run_id, progress=progress),
        attach=Stack.attach,
        recognise=_recognise,
        up_hint="odoo-chaos up",
    )
)
