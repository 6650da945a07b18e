"""The failover runbook as actions: promote-standby, rejoin-old-primary, restart-service, replace-node.

- `promote-standby` (target: the standby, default pg-standby): `pg_promote()`. Odoo is not
  touched: its libpq host list with `target_session_attrs=read-write` finds the new primary on
  its next connection, so the app tier recovers without a restart.
- `rejoin-old-primary` (target: the old primary, default pg-primary): fence it (fast shutdown),
  `pg_rewind` it (re-clone if that fails) and make it a streaming standby of the promoted node.
  `method: re-clone` skips pg_rewind (a node with corrupted blocks must be copied whole).
  Its `ok` value says which method worked and the seconds it took; the `redundancy` checker
  measures the time back to full redundancy from the replication probe.
- `restart-service` (any service): `docker restart` and wait until it runs.
- `replace-node` (an Odoo node): remove its container and start a fresh one from the same image
  and configuration (a dead VM replaced by a new one), then wait until it serves HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import Field

from harness.actions.base import action
from harness.core.errors import HarnessError
from harness.core.history import Event
from harness.faults.container import Grace
from harness.files.params import NoParams, params
from harness.stack import db, topology
from harness.stack.handle import NodeSurgery, OdooFleet, StackHandle, capable


@action(
    "promote-standby",
    "promote the standby (pg_promote); Odoo finds it through its read-write host list",
    default_target=topology.PG_STANDBY,
    targets=db.PG_NODES,
    repairs_data=True,  # a failover away from a damaged node (the judge checks it was not the damaged one)
    failover="runbook",  # Patroni fails over, rewinds and restores by itself
)
class PromoteStandby:
    def run(self, stack: StackHandle, target: str, params: NoParams, events: Sequence[Event]) -> dict[str, Any]:
        before = db.role(stack, target)
        db.promote(stack, target)
        return {"promoted": target, "was": before}


@params
class RejoinParams:
    method: Annotated[
        Literal["pg_rewind", "re-clone"],
        Field(description="re-clone copies the whole node (needed after block corruption)"),
    ] = "pg_rewind"


@action(
    "rejoin-old-primary",
    "fence the old primary, pg_rewind it (or re-clone) and stream it from the new primary",
    default_target=topology.PG_PRIMARY,
    targets=db.PG_NODES,
    params_model=RejoinParams,
    failover="runbook",  # Patroni fails over, rewinds and restores by itself
    needs=(NodeSurgery,),
)
class RejoinOldPrimary:
    def run(self, stack: StackHandle, target: str, params: RejoinParams, events: Sequence[Event]) -> dict[str, Any]:
        source = db.other(target)
        if db.role(stack, source) != "primary":
            raise HarnessError(f"rejoin-old-primary: {source} is not a primary; promote it first (promote-standby)")
        rejoin = db.follow(stack, target, source, reclone=params.method == "re-clone")
        measured = {"node": rejoin.node, "source": rejoin.source, "method": rejoin.method, "seconds": rejoin.seconds}
        return measured | ({"rewind_error": rejoin.note} if rejoin.note else {})


@action(
    "restart-service",
    "restart a service (docker restart) and wait until it runs",
    targets=topology.SERVICE_NAMES,
    params_model=Grace,
)
class RestartService:
    def run(self, stack: StackHandle, target: str, params: Grace, events: Sequence[Event]) -> dict[str, Any]:
        container = stack.service(target)
        if container.status == "paused":
            container.unpause()
        container.restart(timeout=params.grace_seconds)
        return {"status": stack.service(target).status}


@action(
    "replace-node",
    "replace an Odoo node with a fresh container (same image and config) and wait until it serves",
    targets=topology.ODOO_NODES,
    needs=(OdooFleet,),
)
class ReplaceNode:
    def run(self, stack: StackHandle, target: str, params: NoParams, events: Sequence[Event]) -> dict[str, Any]:
        old = stack.service(target).short_id
        fleet = capable(stack, OdooFleet)
        fleet.replace_odoo_node(target, release=fleet.releases.get(target))  # same release too
        return {"replaced": old, "new": stack.service(target).short_id}

