"""Data disasters: a destructive statement, corrupted relation blocks, a whole region lost.

- `bad-delete`: a cleanup script with a missing WHERE clause -- `DELETE FROM chaos_ledger_entry`
  on the current primary. Logical corruption: the standby replays it faithfully, so only a
  point-in-time restore brings the rows back. The server clock just before the statement and at
  its commit are recorded (in the history's injection, where the runbook's
  `pitr-restore` reads its target, as an operator reads it from the audit log).
- `corrupt-relation`: overwrite bytes of block `block` (default 0) of each relation in
  `relations` (default the ledger table and its primary-key index) on a PostgreSQL node, the
  way a failing disk or controller does: the node is stopped cleanly (so no buffered page hides
  the damage), random bytes are written into the files, `pg_checksums --check` is run (data
  checksums are on: initdb --data-checksums), and the node is started again. Reads and writes
  that touch those blocks then fail with "invalid page in block ...". The relations must be the
  ledger table or one of its indexes, and the block must exist: the node is asked, with a
  query that holds no user text, which relations the ledger has, their files and their sizes
  (the scenario's names never reach SQL; a superuser's `psql` is one `COPY ... TO PROGRAM`
  away from a shell in the container).
- `destroy-region`: remove a target's containers *and* their data volumes for good (the target
  `region` is every service placed in a zone: both PostgreSQL nodes, Redis and both Odoo nodes).
  The backup repository and Traefik (the global front door) are not in any zone and survive.

None of them heals (`reversible = False`): data damage stays until the runbook repairs it
(restore, fail over, re-clone); heal is a no-op so "heal always" never undoes or hides the repair.
"""

from __future__ import annotations

import re
import shlex
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from harness.core.errors import HarnessError
from harness.edge.images import POSTGRES
from harness.faults.base import fault
from harness.files.params import NoParams, Text, Whole, params
from harness.files.validation import slug
from harness.stack import db, topology
from harness.stack.containers import exec_checked
from harness.stack.handle import NodeSurgery, ServiceHandle, StackHandle, Task, capable

LEDGER_TABLE = "chaos_ledger_entry"
PAGE = 8192
SEGMENT_PAGES = 131072  # 1 GiB segment files: block N of the first file is N < 131072

# The ledger's relations, their files and sizes in blocks: a fixed query, no user text in it.
_LEDGER_RELATIONS = f"""SELECT 'rel=' || c.relname || ' ' || pg_relation_filepath(c.oid) || ' '
       || (pg_relation_size(c.oid) / {PAGE})
FROM pg_class c
WHERE c.oid = '{LEDGER_TABLE}'::regclass
   OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = '{LEDGER_TABLE}'::regclass)
ORDER BY c.relname
"""

_BAD_DELETE = f"""SELECT 'started=' || extract(epoch FROM clock_timestamp());
BEGIN;
WITH gone AS (DELETE FROM {LEDGER_TABLE} RETURNING 1) SELECT 'deleted=' || count(*) FROM gone;
COMMIT;
SELECT 'committed=' || extract(epoch FROM clock_timestamp());
"""


def _psql_lines(container: ServiceHandle, sql: str, dbname: str = topology.DB_NAME) -> list[str]:
    output = exec_checked(container, ["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-d", dbname, "-c", sql], "psql")
    return output.splitlines()


def _psql_values(container: ServiceHandle, sql: str, dbname: str = topology.DB_NAME) -> dict[str, str]:
    return dict(line.split("=", 1) for line in _psql_lines(container, sql, dbname) if "=" in line)


def ledger_relations(container: ServiceHandle) -> dict[str, tuple[str, int]]:
    """The ledger table and its indexes on a node: name -> (file path under the data directory, blocks)."""
    found = {}
    for line in _psql_lines(container, _LEDGER_RELATIONS):
        if line.startswith("rel="):
            name, path, blocks = line.removeprefix("rel=").rsplit(" ", 2)
            found[name] = (path, int(blocks))
    return found


def pick_relations(found: dict[str, tuple[str, int]], wanted: tuple[str, ...], block: int, node: str) -> list[str]:
    """The files of `wanted`, each a ledger relation with block `block`; else a HarnessError naming the valid ones."""
    paths = []
    for name in wanted:
        if name not in found:
            valid = ", ".join(sorted(found)) or "none"
            raise HarnessError(
                f"corrupt-relation: {name!r} is not a relation of the ledger on {node}; relations are {valid}"
            )
        path, blocks = found[name]
        if block >= blocks:
            raise HarnessError(f"corrupt-relation: {name} has {blocks} blocks on {node}: block {block} does not exist")
        paths.append(path)
    return paths


def _the_primary(stack: StackHandle, target: str) -> str:
    if target not in db.PG_NODES:
        raise HarnessError(
            f"bad-delete runs on the PostgreSQL primary: target {', '.join(db.PG_NODES)}, not {target!r}"
        )
    if db.role(stack, target) == "primary":
        return target
    return db.sole_primary(stack, "no single PostgreSQL primary to run the statement on")


# None of them heals: `reversible=False` (only the runbook repairs: tests/integration/test_faults.py), and
# `damages_data=True` (the data journey: users' data is wrong until a restore or failover repairs it).
DATA_DAMAGE: dict[str, Any] = {"reversible": False, "damages_data": True, "one_shot": True}


@fault(
    "bad-delete",
    "DELETE every ledger row on the primary (a cleanup without WHERE): logical corruption",
    **DATA_DAMAGE,
)
class BadDelete:
    def inject(self, stack: StackHandle, target: str, params: NoParams) -> dict[str, Any]:
        node = _the_primary(stack, target)
        values = _psql_values(stack.service(node), _BAD_DELETE)
        started, committed = float(values["started"]), float(values["committed"])
        return {"node": node, "rows_deleted": int(values["deleted"]), "started_at": started, "committed_at": committed}

    def heal(self, stack: StackHandle, target: str, params: NoParams) -> None:
        return None


def _corrupt_script(paths: list[str], block: int) -> str:
    offset = block * PAGE + 64  # past the page header's LSN and checksum: the checksum now disagrees
    lines = ["set -u"]
    for path in paths:
        full = shlex.quote(f"{db.DATA_DIR}/{path}")
        lines.append(f"dd if=/dev/urandom of={full} bs=1 seek={offset} count=256 conv=notrunc status=none")
    lines.append(f"pg_checksums --check -D {db.DATA_DIR} 2>&1 | grep -E 'checksum verification failed|Bad checksums'")
    lines.append("exit 0")
    return "\n".join(lines)


RELATION = re.compile(r"[a-z_][a-z0-9_]{0,62}")
RelationName = Annotated[Text, AfterValidator(slug("relation", RELATION, "lower-case letters, digits and _", 63))]


@params
class CorruptParams:
    relations: Annotated[
        tuple[RelationName, ...],
        Field(min_length=1, max_length=8, description="the ledger table and/or its indexes, by name"),
    ] = (LEDGER_TABLE, f"{LEDGER_TABLE}_pkey")
    block: Annotated[Whole, Field(ge=0, lt=SEGMENT_PAGES, description="which 8 KiB block of each relation")] = 0


@fault(
    "corrupt-relation",
    "overwrite bytes of relation blocks on a PostgreSQL node; data checksums detect it",
    params_model=CorruptParams,
    needs=(NodeSurgery,),
    failover="runbook",  # Patroni fails over, rewinds and restores by itself
    **DATA_DAMAGE,  # done when the call returns; the damage stays
)
class CorruptRelation:
    def inject(self, stack: StackHandle, target: str, params: CorruptParams) -> dict[str, Any]:
        if target not in db.PG_NODES:
            raise HarnessError(f"corrupt-relation works on {', '.join(db.PG_NODES)}, not {target!r}")
        relations, block = list(params.relations), params.block
        container = stack.service(target)
        paths = pick_relations(ledger_relations(container), params.relations, block, target)
        db.fast_shutdown(container)  # every dirty page is written first, so nothing buffered hides the damage
        _, output = capable(stack, NodeSurgery).run_task(
            Task(
                name=f"{target}-corrupt",
                image=POSTGRES.tag,
                script=_corrupt_script(paths, block),
                timeout=60,
                volumes={db.data_volume(container): (db.DATA_DIR, "rw")},
            )
        )
        found = output.strip().splitlines()
        container.start()
        return {"node": target, "relations": relations, "files": paths, "block": block, "pg_checksums": found[:6]}

    def heal(self, stack: StackHandle, target: str, params: CorruptParams) -> None:
        return None


@fault(
    "destroy-region",
    "remove services' containers and data volumes for good (target `region`: every zone)",
    takes_effect="start",
    needs=(NodeSurgery,),
    failover="runbook",  # Patroni fails over, rewinds and restores by itself
    **DATA_DAMAGE,
)
class DestroyRegion:
    def inject(self, stack: StackHandle, target: str, params: NoParams) -> dict[str, Any]:
        services = tuple(s for s in stack.layout.members(target) if s in stack.services())
        if topology.BACKUP in services:
            raise HarnessError("destroy-region never destroys the backup repository: it lives in another region")
        volumes = capable(stack, NodeSurgery).destroy(services)
        return {"destroyed": list(services), "volumes": volumes}

    def heal(self, stack: StackHandle, target: str, params: NoParams) -> None:
        return None

