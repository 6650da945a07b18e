"""Recovery runbook actions for data disasters: restore to a point in time, fence a node, restore a
lost region from the backup repository, take a backup, prove the latest backup restores.

- `pitr-restore`: point-in-time recovery of the stack's database to `margin_seconds` (default 1)
  before the destructive statement began (the moment the `bad-delete` fault recorded with its
  injection, as an operator reads it from the audit log), or to `target_epoch` if given.
  Both nodes stop, pgBackRest restores pg-primary (delta), WAL replays to the target, the database
  is neutralised, pg-primary starts; pg-standby rejoins it in a step of its own
  (`rejoin-old-primary` on pg-standby). Its `ok` value carries the requested target and the copy
  and replay seconds apart.
- `fence-node`: stop a PostgreSQL node that must not take writes any more (fast shutdown,
  SIGKILL after 5 s), e.g. a primary whose blocks are corrupted, before promoting the standby.
- `restore-region`: after `destroy-region`, rebuild the stack from the backup repository: fresh
  volumes, pgBackRest restore of the latest backup and every archived WAL file into pg-primary,
  replay, neutralise; then pg-primary, Redis, both Odoo nodes and a freshly cloned pg-standby start.
- `take-backup`: `pgbackrest backup` (`type`: full, diff or incr; default incr) on the primary.
- `verify-backup`: restore the latest backup and the archived WAL into a scratch PostgreSQL + Odoo
  (own network, repository read-only), check the ledger and a business read, remove them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from harness.actions.base import action
from harness.core.errors import HarnessError
from harness.core.history import INJECT, Event
from harness.files.params import NoParams, Number, params
from harness.stack import backup, db, restore, scratch, topology
from harness.stack.handle import NodeSurgery, PgBackRest, StackHandle, capable
from harness.stack.nodes import DATA_VOLUMES

REGION_SERVICES_AFTER_PG = (topology.REDIS, topology.PG_STANDBY, *topology.ODOO_NODES)
DEFAULT_MARGIN = 1.0
EPOCH_2000, EPOCH_2100 = 946_684_800, 4_102_444_800


@params
class PitrParams:
    margin_seconds: (
        Annotated[Number, Field(ge=0, le=3600, description="restore to this long before the bad-delete began (1)")]
        | None
    ) = None
    target_epoch: (
        Annotated[Number, Field(ge=EPOCH_2000, le=EPOCH_2100, description="restore to this Unix time instead")] | None
    ) = None

    @model_validator(mode="after")
    def _one_target(self) -> PitrParams:
        if self.margin_seconds is not None and self.target_epoch is not None:
            raise ValueError("give margin_seconds or target_epoch, not both")
        return self


def statement_began(events: Sequence[Event]) -> float | None:
    """When the last destructive statement began (server epoch seconds), as its injection recorded it."""
    found = [
        e.value["started_at"]
        for e in events
        if e.f == INJECT and e.kind == "ok" and e.value.get("fault") == "bad-delete" and "started_at" in e.value
    ]
    return float(found[-1]) if found else None


def _target_epoch(params: PitrParams, began: float | None) -> float:
    if params.target_epoch is not None:
        return params.target_epoch
    if began is None:
        raise HarnessError("pitr-restore: no target: give target_epoch, or run it after a bad-delete fault")
    margin = DEFAULT_MARGIN if params.margin_seconds is None else params.margin_seconds
    return began - margin


@params
class FenceParams:
    grace_seconds: Annotated[Number, Field(ge=0, le=300, description="fast shutdown, then SIGKILL after this")] = 5.0


@params
class BackupParams:
    type: Annotated[Literal["full", "diff", "incr"], Field(description="pgBackRest backup type")] = "incr"


@action(
    "pitr-restore",
    "restore the database to just before the destructive statement (pgBackRest, point in time)",
    default_target=topology.PG_PRIMARY,
    targets=(topology.PG_PRIMARY,),
    params_model=PitrParams,
    repairs_data=True,  # the data as it was before the statement
    failover="runbook",  # Patroni fails over, rewinds and restores by itself
    needs=(NodeSurgery, PgBackRest,),
)
class PitrRestore:
    def run(self, stack: StackHandle, target: str, params: PitrParams, events: Sequence[Event]) -> dict[str, Any]:
        began = statement_began(events)
        epoch = _target_epoch(params, began)
        restored = restore.restore_in_place(stack, datetime.fromtimestamp(epoch, UTC))
        return {"restore_target_epoch": epoch, "corruption_started_at": began} | restored.as_value()


@action(
    "fence-node",
    "stop a PostgreSQL node so it takes no more writes (fast shutdown, SIGKILL after 5 s)",
    default_target=topology.PG_PRIMARY,
    targets=db.PG_NODES,
    params_model=FenceParams,
    failover="runbook",  # Patroni fails over, rewinds and restores by itself
)
class FenceNode:
    def run(self, stack: StackHandle, target: str, params: FenceParams, events: Sequence[Event]) -> dict[str, Any]:
        container = stack.service(target)
        db.fast_shutdown(container, timeout=params.grace_seconds)
        return {"fenced": target, "status": container.status}


@action(
    "restore-region",
    "rebuild the lost region from the backup repository (latest backup + archived WAL)",
    default_target=topology.REGION,
    targets=(topology.REGION,),
    repairs_data=True,  # the region back from the repository
    failover="runbook",  # Patroni fails over, rewinds and restores by itself
    needs=(NodeSurgery, PgBackRest,),
)
class RestoreRegion:
    def run(self, stack: StackHandle, target: str, params: NoParams, events: Sequence[Event]) -> dict[str, Any]:
        started = time.monotonic()
        surgery = capable(stack, NodeSurgery)
        for role in DATA_VOLUMES:
            surgery.recreate_volume(role)
        restored = restore.restore_into(stack, surgery.volume_name("pg-primary-data"), None, delta=False, archive=True)
        primary = surgery.start_service(topology.PG_PRIMARY)
        restore.wait_writable(primary)
        writable = time.monotonic() - started
        for service in REGION_SERVICES_AFTER_PG:
            if service not in stack.services():
                surgery.start_service(service)
        return restored.as_value() | {"primary_writable_seconds": round(writable, 3)}


@action(
    "take-backup",
    "take a pgBackRest backup (type full, diff or incr) on the primary",
    default_target=topology.BACKUP,
    targets=(topology.BACKUP,),
    params_model=BackupParams,
    needs=(PgBackRest,),
)
class TakeBackup:
    def run(self, stack: StackHandle, target: str, params: BackupParams, events: Sequence[Event]) -> dict[str, Any]:
        started = time.monotonic()
        taken = backup.take(stack, params.type)
        return {"label": taken.label, "type": taken.kind, "seconds": round(time.monotonic() - started, 3)}


@action(
    "verify-backup",
    "restore the latest backup into a scratch PostgreSQL + Odoo, check ledger and a business read",
    default_target=topology.BACKUP,
    targets=(topology.BACKUP,),
    needs=(NodeSurgery, PgBackRest,),
)
class VerifyBackup:
    def run(self, stack: StackHandle, target: str, params: NoParams, events: Sequence[Event]) -> dict[str, Any]:
        live = stack.service(db.sole_primary(stack, "verify-backup: no live ledger to compare with"))
        rows_at_switch, _ = backup.ledger(live)  # all committed before the switch ...
        backup.wal_switch(stack)  # ... so all of them are in the archive the scratch copy replays
        verified = scratch.scratch_restore(stack)
        rows_now, _ = backup.ledger(live)
        value = verified.as_value() | {"live_rows_at_switch": rows_at_switch, "live_rows_after": rows_now}
        if not rows_at_switch <= verified.ledger_rows <= rows_now:
            raise HarnessError(
                f"restored ledger has {verified.ledger_rows} rows; the live one had {rows_at_switch} "
                f"when the archive was closed and {rows_now} after: {value}"
            )
        if verified.attachments.get("attachments_in_a_filestore"):
            raise HarnessError(f"{verified.attachments} on the restored copy: filestore content is not in the backup")
        if verified.business_read != verified.ledger_rows:
            raise HarnessError(
                f"Odoo on the restored copy read {verified.business_read} of {verified.ledger_rows} rows"
            )
        return value

