"""The backup repository: pgBackRest backups of the stack's database, and restores from them.

The repository is the stanza `odoo` on the backup volume (`/backup/pgbackrest`), which belongs
to the `backup` service and survives the loss of every data node. Both PostgreSQL nodes push WAL
into it continuously (`archive_command`); `take()` runs `pgbackrest backup` on the current
primary. Odoo's attachments live in the database in this stack (`ir_attachment.location=db`, set
by the chaos_ledger addon), so a database backup carries them and restores them consistently.

Restores run `pgbackrest restore` in a one-off labelled container on the target data volume (the
"copy" phase), then start PostgreSQL on it, which replays WAL from the repository up to the
target and promotes (the "replay" phase); the two are timed apart. Every restored database is
neutralised before anything else talks to it: scheduled actions (ir_cron) and outgoing mail
servers are switched off, so a restored copy never sends mail or runs jobs twice.

- `restore_in_place`: point-in-time recovery of the stack's own primary (logical corruption);
- `restore_into`: a fresh, empty data volume (region loss, scratch restores);
- `scratch_restore`: restore the latest backup into a throwaway PostgreSQL + Odoo pair on their
  own network, verify the ledger and a business read through Odoo, remove them (the nightly
  "are backups restorable" proof).
"""

from __future__ import annotations

import json
import re
import shlex
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from harness import engine, labels
from harness.clock import poll_until
from harness.errors import HarnessError
from harness.images import COMPOSE, POSTGRES
from harness.progress import Progress, quiet
from harness.stack import db, topology
from harness.stack.containers import exec_checked
from harness.stack.handle import ServiceHandle, StackHandle, Task

STANZA = "odoo"
REPO_MOUNT = "/backup"
PROMOTE_TIMEOUT = 600.0
NEUTRALISE_SQL = (
    "WITH c AS (UPDATE ir_cron SET active = false WHERE active RETURNING 1), "
    "m AS (UPDATE ir_mail_server SET active = false WHERE active RETURNING 1) "
    "SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM m)"
)
# what is still active after the update (must be 0 0: read back, not assumed)
STILL_ACTIVE_SQL = (
    "SELECT (SELECT count(*) FROM ir_cron WHERE active) || ' ' || (SELECT count(*) FROM ir_mail_server WHERE active)"
)
# pgBackRest writes the restore's target into postgresql.auto.conf; once promoted it must go, or
# every standby cloned or rewound from this node (they copy the file) would stop at the same target.
RECOVERY_TARGETS = (
    "recovery_target",
    "recovery_target_time",
    "recovery_target_xid",
    "recovery_target_lsn",
    "recovery_target_name",
    "recovery_target_inclusive",
    "recovery_target_action",
)
ARCHIVED_SQL = "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"
LEDGER_SQL = "SELECT count(*), coalesce(max(seq), 0) FROM chaos_ledger_entry"
# Attachments (Odoo's filestore content) kept in the database travel with the backup; one whose
# content is in a filestore file (store_fname) would be missing from a restored copy.
ATTACHMENTS_SQL = (
    "SELECT count(*), count(*) FILTER (WHERE store_fname IS NOT NULL), "
    "count(*) FILTER (WHERE store_fname IS NULL AND db_datas IS NOT NULL) FROM ir_attachment"
)
# A restored copy replays WAL as a hot standby would, so it needs at least the primary's limits;
# it never archives (and mounts the repository read-only anyway).
SCRATCH_SETTINGS = [
    *("-c", "listen_addresses=*", "-c", "archive_mode=off", "-c", "max_connections=200"),
    *("-c", "max_wal_senders=10", "-c", "max_replication_slots=10", "-c", "shared_buffers=128MB"),
]
_STOP_LINE = re.compile(r"(recovery stopping (?:before|after) .*|last completed transaction was at log time .*)")


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


@dataclass(frozen=True, slots=True)
class Restore:
    """What a restore did and how long each phase took."""

    volume: str
    target: str | None  # recovery_target_time asked for (UTC), None = end of the archived WAL
    copy_seconds: float
    replay_seconds: float
    stopped: str = ""  # PostgreSQL's own line about where recovery stopped
    neutralised: dict[str, int] = field(default_factory=dict)

    def as_value(self) -> dict[str, Any]:
        return {
            "restore_target": self.target,
            "copy_seconds": round(self.copy_seconds, 3),
            "replay_seconds": round(self.replay_seconds, 3),
            "recovery_stopped": self.stopped,
            "neutralised": self.neutralised,
        }


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


def restore_script(target: str | None, *, delta: bool, archive: bool) -> str:
    """The one-off restore container's script (pure): copy, replay, neutralise, stop; timings on stdout.

    PostgreSQL replays on a Unix socket only (no TCP listener), so no client -- Odoo, its crons,
    a probe -- can connect before the database is neutralised. `archive`: the restored node
    archives its new timeline into the repository (a restore of the stack itself); a scratch copy
    never does.
    """
    options = [f"--stanza={STANZA}", "--archive-mode=preserve" if archive else "--archive-mode=off"]
    if delta:
        options.append("--delta")
    if target:
        options += ["--type=time", f"--target={target}", "--target-action=promote"]
    settings = [*SCRATCH_SETTINGS[2:], "-c", "listen_addresses=", "-c", "unix_socket_directories=/tmp"]
    if archive:
        settings[settings.index("archive_mode=off")] = "archive_mode=on"
        settings += ["-c", f"archive_command={db.ARCHIVE_COMMAND}"]
    return f"""set -euo pipefail
now() {{ date +%s.%N; }}
mkdir -p {db.DATA_DIR}
t0=$(now)
pgbackrest {" ".join(shlex.quote(o) for o in options)} restore
t1=$(now)
postgres -D {db.DATA_DIR} {" ".join(shlex.quote(o) for o in settings)} &
pid=$!
until [ "$(psql -h /tmp -XAtc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = "f" ]; do
  kill -0 $pid 2>/dev/null || {{ echo "FATAL: PostgreSQL exited during WAL replay"; exit 3; }}
  sleep 0.1
done
t2=$(now)
neutralised=$(psql -h /tmp -XAt -v ON_ERROR_STOP=1 -F ' ' -d {topology.DB_NAME} -c {shlex.quote(NEUTRALISE_SQL)}) \
  || {{ echo "FATAL: neutralising the restored database failed"; kill -INT $pid; wait $pid; exit 4; }}
still=$(psql -h /tmp -XAt -v ON_ERROR_STOP=1 -d {topology.DB_NAME} -c {shlex.quote(STILL_ACTIVE_SQL)}) \
  || {{ echo "FATAL: checking the neutralisation failed"; kill -INT $pid; wait $pid; exit 4; }}
echo "neutralised=$neutralised $still"
psql -h /tmp -XAtq {" ".join(f"-c 'ALTER SYSTEM RESET {name}'" for name in RECOVERY_TARGETS)}
kill -INT $pid
wait $pid || true
echo "restore_clock=$t0 $t1 $t2"
"""


def parse_restore_output(volume: str, target: str | None, output: str) -> Restore:
    """The restore container's output -> Restore (pure)."""
    wanted = ("restore_clock=", "neutralised=")
    values = dict(line.split("=", 1) for line in output.splitlines() if line.startswith(wanted))
    counts = (values.get("neutralised") or "").split()
    if len(counts) != 4 or not all(x.isdigit() for x in counts):  # never report a neutralisation nobody saw
        raise HarnessError(f"restore into {volume}: no neutralisation counts in its output: {output.strip()[-200:]!r}")
    crons, mail, crons_left, mail_left = (int(x) for x in counts)
    t0, t1, t2 = (float(x) for x in (values.get("restore_clock") or "0 0 0").split()[:3])
    stopped = _STOP_LINE.findall(output)
    return Restore(
        volume,
        target,
        t1 - t0,
        t2 - t1,
        stopped[0] if stopped else "",
        {
            "crons_disabled": crons,
            "mail_servers_disabled": mail,
            "crons_still_active": crons_left,
            "mail_servers_still_active": mail_left,
        },
    )


def _mounts(stack: StackHandle, volume: str, archive: bool) -> dict[str, tuple[str, str]]:
    """The data volume read-write; the repository read-write only when the restored node archives into it."""
    repo = stack.volume_name("backup-repo")
    return {volume: (db.DATA_DIR, "rw"), repo: (REPO_MOUNT, "rw" if archive else "ro")}


def restore_into(
    stack: StackHandle, volume: str, target: datetime | None, *, delta: bool, archive: bool, timeout: float = 900.0
) -> Restore:
    """Restore the repository into `volume` (to `target`, or to the end of the archived WAL), replay, neutralise."""
    stamp = target.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00") if target else None
    code, output = stack.run_task(
        Task(
            name="restore",
            image=POSTGRES.tag,
            script=restore_script(stamp, delta=delta, archive=archive),
            timeout=timeout,
            volumes=_mounts(stack, volume, archive),
        )
    )
    if code != 0:
        lines = output.strip().splitlines()
        errors = [line for line in lines if "ERROR" in line or "FATAL" in line or "PANIC" in line] or lines
        raise HarnessError(f"restore failed: {errors[-1] if errors else 'no output'}")
    return parse_restore_output(volume, stamp, output)


class _Stopped(Exception):
    """The node exited while it was waited for: no point waiting longer."""


def wait_writable(node: ServiceHandle, timeout: float = PROMOTE_TIMEOUT) -> float:
    """Seconds until a started PostgreSQL node accepts writes; a node that stops fails at once."""
    started = time.monotonic()

    def writable() -> bool:
        status = node.status
        if status == "running" and db.role_of(node) == "primary":
            return True
        if status not in ("running", "created"):
            lines = node.last_lines(30)
            last = [line for line in lines if "FATAL" in line or "PANIC" in line] or lines or ["no output"]
            raise _Stopped(last[-1])
        return False

    try:
        poll_until(
            writable,
            timeout=timeout,
            what="restored PostgreSQL accepting writes",
            on_timeout=HarnessError,
            period=0.1,
            give_up_on=(_Stopped,),
        )
    except _Stopped as exc:
        raise HarnessError(f"restored PostgreSQL stopped: {exc}") from None
    return time.monotonic() - started


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


def restore_in_place(stack: StackHandle, target: datetime | None, progress: Progress = quiet) -> Restore:
    """Point-in-time recovery of the stack's database onto pg-primary.

    The current WAL segment is closed and archived (the target lies in it), both nodes are stopped
    (nothing may write while the past is restored), pgBackRest restores
    pg-primary's volume with `--delta` (only files that differ are copied), PostgreSQL replays
    WAL up to `target` and promotes onto a new timeline, the database is neutralised, and
    pg-primary starts. pg-standby stays stopped: it holds the damage too, and rejoins the
    restored primary as a separate runbook step (`rejoin-old-primary` on pg-standby).
    """
    wal_switch(stack)
    for node in reversed(db.PG_NODES):
        db.fast_shutdown(stack.service(node))
    progress(f"pgbackrest restore --delta to {target.isoformat() if target else 'the end of the archive'}")
    restored = restore_into(stack, stack.volume_name("pg-primary-data"), target, delta=True, archive=True)
    primary = stack.service(topology.PG_PRIMARY)
    stack.reconnect(topology.PG_PRIMARY)
    primary.start()
    wait_writable(primary)
    progress(f"restored: copy {restored.copy_seconds:.1f}s, replay {restored.replay_seconds:.1f}s")
    return restored


@dataclass(frozen=True, slots=True)
class Verification:
    backup: str
    restore: Restore
    ledger_rows: int
    ledger_max_seq: int
    business_read: int  # ledger entries Odoo on the restored copy counted
    seconds: float
    attachments: dict[str, int] = field(default_factory=dict)

    def as_value(self) -> dict[str, Any]:
        return {
            "backup": self.backup,
            **self.restore.as_value(),
            "ledger_rows": self.ledger_rows,
            "ledger_max_seq": self.ledger_max_seq,
            "business_read": self.business_read,
            "scratch_seconds": round(self.seconds, 3),
            **self.attachments,
        }


_BUSINESS_READ = """
import sys, xmlrpc.client
url = "http://127.0.0.1:8069/xmlrpc/2/"
db, login, password = sys.argv[1:4]
for _ in range(600):
    try:
        uid = xmlrpc.client.ServerProxy(url + "common").authenticate(db, login, password, {})
        break
    except Exception:
        import time; time.sleep(0.2)
else:
    raise SystemExit("Odoo on the restored copy never answered")
models = xmlrpc.client.ServerProxy(url + "object")
print(models.execute_kw(db, uid, password, "chaos.ledger.entry", "search_count", [[]]))
"""


def scratch_restore(stack: StackHandle, progress: Progress = quiet, odoo_image: str | None = None) -> Verification:
    """Restore the latest backup (and all archived WAL) into a scratch PostgreSQL + Odoo and verify it.

    The scratch pair sits on its own internal network (it cannot reach the live stack's Redis or
    database), mounts the repository read-only (it can never archive into it) and is removed
    afterwards, whatever happened.
    """
    started = time.monotonic()
    run_labels = labels.run_labels(stack.run_id)
    suffix = str(time.monotonic_ns())[-6:]
    backups = info(stack).backups
    if not backups:
        raise HarnessError("the repository holds no backup to restore; take one with `odoo-chaos backup run`")
    network = engine.create_network(
        labels.object_name(stack.run_id, f"scratch-{suffix}"), internal=True, labels=run_labels
    )
    volume = engine.create_volume(labels.object_name(stack.run_id, f"scratch-data-{suffix}"), labels=run_labels).name
    created: list[engine.Container] = []
    try:
        progress(f"restoring backup {backups[-1].label} and the archived WAL into a scratch volume")
        restored = restore_into(stack, volume, None, delta=False, archive=False)
        pg = engine.create_container(
            engine.ContainerSpec(
                image=POSTGRES.tag,
                name=labels.object_name(stack.run_id, f"scratch-pg-{suffix}"),
                labels=labels.service_labels(stack.run_id, "scratch-pg"),
                networks=((network, ("scratch-pg",)),),
                entrypoint=("postgres",),
                command=("-D", db.DATA_DIR, *SCRATCH_SETTINGS),
                volumes=_mounts(stack, volume, archive=False),
                user="postgres",
            )
        )
        created.append(pg)
        wait_writable(pg)
        rows, top = ledger(pg)
        files = attachments(pg)
        copy, replay = restored.copy_seconds, restored.replay_seconds
        progress(f"scratch copy up (copy {copy:.1f}s, replay {replay:.1f}s): {rows} ledger rows; reading via Odoo")
        profile = topology.OdooProfile.for_image(odoo_image or stack.config.odoo_image)
        dropped = ("--db_host", "--workers", "--load", "--max-cron")
        args = [a for a in topology.odoo_server_args(profile) if not a.startswith(dropped)]
        odoo = engine.create_container(
            engine.ContainerSpec(
                image=profile.image,
                name=labels.object_name(stack.run_id, f"scratch-odoo-{suffix}"),
                labels=labels.service_labels(stack.run_id, "scratch-odoo"),
                networks=((network, ()),),
                entrypoint=("odoo",),
                command=(*args, "--db_host=scratch-pg", "--workers=0", "--max-cron-threads=0", "--load=base,web"),
                environment={"PGPASSWORD": stack.credentials.odoo_db_password, "PGCONNECT_TIMEOUT": "2"},
                volumes={str(COMPOSE / "addons"): (topology.ADDONS_MOUNT, "ro")},
                fast_resolver=False,
            )
        )
        created.append(odoo)
        assert stack.endpoints is not None
        result = odoo.exec(
            ["python3", "-c", _BUSINESS_READ, topology.DB_NAME, stack.endpoints.login, stack.endpoints.password]
        )
        output = result.output.strip()
        if result.exit_code != 0:
            last = output.splitlines()[-1] if output else "no output"
            raise HarnessError(f"business read on the restored copy failed: {last}")
        read = int(output.splitlines()[-1])
        return Verification(backups[-1].label, restored, rows, top, read, time.monotonic() - started, files)
    finally:
        for container in created:
            with engine.quietly():
                container.remove()
        with engine.quietly():
            network.remove()
        with engine.quietly():
            engine.volume(volume).remove()
