"""Data disasters: a destructive statement, corrupted relation blocks, a whole region lost.

- `bad-delete`: a cleanup script with a missing WHERE clause -- `DELETE FROM chaos_ledger_entry`
  on the current primary. Logical corruption: the standby replays it faithfully, so only a
  point-in-time restore brings the rows back. The server clock just before the statement and at
  its commit are recorded (in the history and in `stack.marks`, where the runbook's
  `pitr-restore` reads its target, as an operator reads it from the audit log).
- `corrupt-relation`: overwrite bytes of block `block` (default 0) of each relation in
  `relations` (default the ledger table and its primary-key index) on a PostgreSQL node, the
  way a failing disk or controller does: the node is stopped cleanly (so no buffered page hides
  the damage), random bytes are written into the files, `pg_checksums --check` is run (data
  checksums are on: initdb --data-checksums), and the node is started again. Reads and writes
  that touch those blocks then fail with "invalid page in block ...".
- `destroy-region`: remove a target's containers *and* their data volumes for good (the target
  `region` is every service placed in a zone: both PostgreSQL nodes, Redis and both Odoo nodes).
  The backup repository and Traefik (the global front door) are not in any zone and survive.

None of them heals (`reversible = False`): data damage stays until the runbook repairs it
(restore, fail over, re-clone); heal is a no-op so "heal always" never undoes or hides the repair.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass, field
from typing import Any

from harness import labels
from harness.errors import HarnessError
from harness.faults.base import register
from harness.images import POSTGRES
from harness.stack import db, topology
from harness.stack.containers import exec_checked, run_once
from harness.stack.stack import Stack

LEDGER_TABLE = "chaos_ledger_entry"
CORRUPTION_STARTED = "corruption_started_at"  # stack.marks key: server epoch seconds before the bad statement

_BAD_DELETE = f"""SELECT 'started=' || extract(epoch FROM clock_timestamp());
BEGIN;
WITH gone AS (DELETE FROM {LEDGER_TABLE} RETURNING 1) SELECT 'deleted=' || count(*) FROM gone;
COMMIT;
SELECT 'committed=' || extract(epoch FROM clock_timestamp());
"""


def _psql_values(container: Any, sql: str, dbname: str = topology.DB_NAME) -> dict[str, str]:
    output = exec_checked(container, ["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-d", dbname, "-c", sql], "psql")
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)


def _the_primary(stack: Stack, target: str) -> str:
    if target not in db.PG_NODES:
        raise HarnessError(
            f"bad-delete runs on the PostgreSQL primary: target {', '.join(db.PG_NODES)}, not {target!r}"
        )
    if db.role(stack, target) == "primary":
        return target
    return db.sole_primary(stack, "no single PostgreSQL primary to run the statement on")


@dataclass(frozen=True, slots=True)
class BadDelete:
    reversible: bool = False  # heal cannot undo it: only the runbook repairs (tests/integration/test_faults.py)
    damages_data: bool = True  # the data journey: users' data is wrong until a restore or failover repairs it
    name: str = "bad-delete"
    summary: str = "DELETE every ledger row on the primary (a cleanup without WHERE): logical corruption"
    takes_effect: str = "end"

    def inject(self, stack: Stack, target: str, params: dict[str, Any]) -> dict[str, Any]:
        node = _the_primary(stack, target)
        values = _psql_values(stack.service_container(node), _BAD_DELETE)
        started, committed = float(values["started"]), float(values["committed"])
        stack.marks[CORRUPTION_STARTED] = started
        return {"node": node, "rows_deleted": int(values["deleted"]), "started_at": started, "committed_at": committed}

    def heal(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        return None


def _corrupt_script(paths: list[str], block: int) -> str:
    offset = block * 8192 + 64  # past the page header's LSN and checksum: the checksum now disagrees
    lines = ["set -u"]
    for path in paths:
        full = shlex.quote(f"{db.DATA_DIR}/{path}")
        lines.append(f"dd if=/dev/urandom of={full} bs=1 seek={offset} count=256 conv=notrunc status=none")
    lines.append(f"pg_checksums --check -D {db.DATA_DIR} 2>&1 | grep -E 'checksum verification failed|Bad checksums'")
    lines.append("exit 0")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class CorruptRelation:
    reversible: bool = False  # heal cannot undo it: only the runbook repairs (tests/integration/test_faults.py)
    damages_data: bool = True  # the data journey: users' data is wrong until a restore or failover repairs it
    name: str = "corrupt-relation"
    summary: str = "overwrite bytes of relation blocks on a PostgreSQL node; data checksums detect it"
    takes_effect: str = "end"
    default_relations: tuple[str, ...] = field(default=(LEDGER_TABLE, f"{LEDGER_TABLE}_pkey"))

    def inject(self, stack: Stack, target: str, params: dict[str, Any]) -> dict[str, Any]:
        if target not in db.PG_NODES:
            raise HarnessError(f"corrupt-relation works on {', '.join(db.PG_NODES)}, not {target!r}")
        relations = [str(r) for r in params.get("relations", self.default_relations)]
        block = int(params.get("block", 0))
        container = stack.service_container(target)
        quoted = ", ".join(f"pg_relation_filepath('{r}')" for r in relations)
        row = _psql_values(container, f"SELECT 'paths=' || concat_ws(' ', {quoted})")
        paths = row["paths"].split()
        if len(paths) != len(relations):
            raise HarnessError(f"corrupt-relation: not every relation of {relations} exists on {target}")
        db.fast_shutdown(container)  # every dirty page is written first, so nothing buffered hides the damage
        _, output = run_once(
            POSTGRES.tag,
            _corrupt_script(paths, block),
            timeout=60,
            name=labels.object_name(stack.run_id, f"{target}-corrupt-{time.monotonic_ns()}"),
            labels=labels.service_labels(stack.run_id, f"{target}-corrupt"),
            volumes={db.data_volume(container): {"bind": db.DATA_DIR, "mode": "rw"}},
            user="postgres",
            network_disabled=True,
        )
        found = output.strip().splitlines()
        container.start()
        return {"node": target, "relations": relations, "files": paths, "block": block, "pg_checksums": found[:6]}

    def heal(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        return None


@dataclass(frozen=True, slots=True)
class DestroyRegion:
    reversible: bool = False  # heal cannot undo it: only the runbook repairs (tests/integration/test_faults.py)
    damages_data: bool = True  # the data journey: users' data is wrong until a restore or failover repairs it
    name: str = "destroy-region"
    summary: str = "remove services' containers and data volumes for good (target `region`: every zone)"
    takes_effect: str = "start"

    def inject(self, stack: Stack, target: str, params: dict[str, Any]) -> dict[str, Any]:
        services = tuple(s for s in topology.members(target) if s in stack.containers)
        if topology.BACKUP in services:
            raise HarnessError("destroy-region never destroys the backup repository: it lives in another region")
        volumes = stack.destroy(services)
        return {"destroyed": list(services), "volumes": volumes}

    def heal(self, stack: Stack, target: str, params: dict[str, Any]) -> None:
        return None


for _fault in (BadDelete(), CorruptRelation(), DestroyRegion()):
    register(_fault)
