"""The backup repository: pgBackRest backups of the stack's database, and what it holds.

The repository is the stanza `odoo` on the backup volume (`/backup/pgbackrest`), which belongs
to the `backup` service and survives the loss of every data node. Both PostgreSQL nodes push WAL
into it continuously (`archive_command`); `take()` runs `pgbackrest backup` on the current
primary, `info()` lists what it holds, `wal_switch()` closes the current WAL segment and waits
until it is archived. Odoo's attachments live in the database in this stack
(`ir_attachment.location=db`, set by the chaos_ledger addon), so a database backup carries them
and restores them consistently.

Restores from it are `harness.stack.restore`; the nightly "is the latest backup restorable" proof
on a throwaway pair is `harness.stack.scratch`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from harness.core.clock import poll_until
from harness.core.errors import HarnessError
from harness.stack import db, topology
from harness.stack.containers import exec_checked
from harness.stack.handle import ServiceHandle, StackHandle

STANZA = "odoo"
REPO_MOUNT = "/backup"
ARCHIVED_SQL = "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"
LEDGER_SQL = "SELECT count(*), coalesce(max(seq), 0) FROM chaos_ledger_entry"
# Attachments (Odoo's filestore content) kept in the database travel with the backup; one whose
# content is in a filestore file (store_fname) would be missing from a restored copy.
ATTACHMENTS_SQL = (
    "SELECT count(*), count(*) FILTER (WHERE store_fname IS NOT NULL), "
    "count(*) FILTER (WHERE store_fname IS NULL AND db_datas IS NOT NULL) FROM ir_attachment"
)


@dataclass(frozen=True, slots=True)
class BackupSet:
    """One backup in the repository, as `pgbackrest info` describes it."""

    label: str
    kind: str  # full, diff, incr
    started: datetime
    stopped: datetime
    database_bytes: int
    repository_bytes: int
    wal_start: str
    wal_stop: str

    def age_seconds(self, now: datetime) -> float:
        return (now - self.stopped).total_seconds()


@dataclass(frozen=True, slots=True)
class RepositoryInfo:
    status: str
    backups: tuple[BackupSet, ...]
    wal_min: str | None
    wal_max: str | None


def parse_info(text: str) -> RepositoryInfo:
    """`pgbackrest info --output=json` for one stanza -> RepositoryInfo (pure)."""
    stanzas = json.loads(text or "[]")
    stanza = next((s for s in stanzas if s.get("name") == STANZA), None)
    if stanza is None:
        return RepositoryInfo("missing stanza", (), None, None)
    backups = tuple(
        BackupSet(
            label=str(b["label"]),
            kind=str(b["type"]),
            started=datetime.fromtimestamp(int(b["timestamp"]["start"]), UTC),
            stopped=datetime.fromtimestamp(int(b["timestamp"]["stop"]), UTC),
            database_bytes=int(b.get("info", {}).get("size", 0)),
            repository_bytes=int(b.get("info", {}).get("repository", {}).get("size", 0)),
            wal_start=str((b.get("archive") or {}).get("start") or ""),
            wal_stop=str((b.get("archive") or {}).get("stop") or ""),
        )
        for b in stanza.get("backup", [])
    )
    archives = stanza.get("archive") or []
    wal_min = min((str(a["min"]) for a in archives if a.get("min")), default=None)
    wal_max = max((str(a["max"]) for a in archives if a.get("max")), default=None)
    status = str((stanza.get("status") or {}).get("message", "unknown"))
    return RepositoryInfo(status, backups, wal_min, wal_max)


def info(stack: StackHandle) -> RepositoryInfo:
    """The repository's backups and WAL range, read on the backup service."""
    command = ["pgbackrest", f"--stanza={STANZA}", "--output=json", "info"]
    return parse_info(exec_checked(stack.service(topology.BACKUP), command, "pgbackrest info"))


def take(stack: StackHandle, kind: str = "full") -> BackupSet:
    """`pgbackrest backup` on the current primary; returns the new backup."""
    container = stack.service(db.sole_primary(stack, "cannot take a backup"))
    exec_checked(
        container, ["pgbackrest", f"--stanza={STANZA}", f"--type={kind}", "backup"], f"pgbackrest backup {kind}"
    )
    backups = info(stack).backups
    if not backups:
        raise HarnessError("pgbackrest backup finished but the repository lists no backup")
    return backups[-1]


def wal_switch(stack: StackHandle, timeout: float = 30.0) -> str | None:
    """Close the current WAL segment and wait until it is archived: everything committed so far is
    then in the repository (what a DBA does before a restore). The segment's name, or None when no
    primary is running (its unarchived WAL is then lost to any restore: that is the RPO)."""
    primaries = db.primaries(stack)
    if not primaries:
        return None
    container = stack.service(primaries[0])
    segment = exec_checked(container, ["psql", "-XAtc", "SELECT pg_walfile_name(pg_switch_wal())"], "pg_switch_wal")

    def archived() -> bool:
        done = exec_checked(container, ["psql", "-XAtc", ARCHIVED_SQL], "reading pg_stat_archiver")
        return bool(done) and done[-16:] >= segment[-16:]

    poll_until(
        archived,
        timeout=timeout,
        what=f"WAL segment {segment} archived (see archive_command)",
        on_timeout=HarnessError,
        period=0.1,
    )
    return segment


def attachments(container: ServiceHandle, dbname: str = topology.DB_NAME) -> dict[str, int]:
    """Attachments on a restored copy: how many, how many in the database, how many in a filestore."""
    command = ["psql", "-XAt", "-F", " ", "-d", dbname, "-c", ATTACHMENTS_SQL]
    total, on_disk, in_db = (int(x) for x in exec_checked(container, command, "counting attachments").split()[:3])
    return {"attachments": total, "attachments_in_database": in_db, "attachments_in_a_filestore": on_disk}


def ledger(container: ServiceHandle, dbname: str = topology.DB_NAME) -> tuple[int, int]:
    """(rows, highest seq) of the business ledger, read with psql inside a PostgreSQL container."""
    output = exec_checked(container, ["psql", "-XAt", "-F", " ", "-d", dbname, "-c", LEDGER_SQL], "reading the ledger")
    rows, top = (int(x) for x in output.split()[:2])
    return rows, top
