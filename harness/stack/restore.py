"""Restores from the backup repository, timed phase by phase and neutralised before anyone connects.

Restores run `pgbackrest restore` in a one-off labelled container on the target data volume (the
"copy" phase), then start PostgreSQL on it, which replays WAL from the repository up to the
target and promotes (the "replay" phase); the two are timed apart. Every restored database is
neutralised before anything else talks to it: scheduled actions (ir_cron) and outgoing mail
servers are switched off, and what is still active afterwards is read back, so a restored copy
never sends mail or runs jobs twice.

- `restore_in_place`: point-in-time recovery of the stack's own primary (logical corruption);
- `restore_into`: a fresh, empty data volume (region loss, scratch restores).
"""

from __future__ import annotations

import re
import shlex
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from harness.core.clock import poll_until
from harness.core.errors import HarnessError
from harness.core.progress import Progress, quiet
from harness.edge.images import POSTGRES
from harness.stack import db, topology
from harness.stack.backup import REPO_MOUNT, STANZA, wal_switch
from harness.stack.handle import NetworkCut, NodeSurgery, ServiceHandle, StackHandle, Task, capable

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
# A restored copy replays WAL as a hot standby would, so it needs at least the primary's limits;
# it never archives (and mounts the repository read-only anyway).
SCRATCH_SETTINGS = [
    *("-c", "listen_addresses=*", "-c", "archive_mode=off", "-c", "max_connections=200"),
    *("-c", "max_wal_senders=10", "-c", "max_replication_slots=10", "-c", "shared_buffers=128MB"),
]
_STOP_LINE = re.compile(r"(recovery stopping (?:before|after) .*|last completed transaction was at log time .*)")


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


def mounts(stack: StackHandle, volume: str, archive: bool) -> dict[str, tuple[str, str]]:
    """The data volume read-write; the repository read-write only when the restored node archives into it."""
    repo = capable(stack, NodeSurgery).volume_name("backup-repo")
    return {volume: (db.DATA_DIR, "rw"), repo: (REPO_MOUNT, "rw" if archive else "ro")}


def restore_into(
    stack: StackHandle, volume: str, target: datetime | None, *, delta: bool, archive: bool, timeout: float = 900.0
) -> Restore:
    """Restore the repository into `volume` (to `target`, or to the end of the archived WAL), replay, neutralise."""
    stamp = target.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00") if target else None
    code, output = capable(stack, NodeSurgery).run_task(
        Task(
            name="restore",
            image=POSTGRES.tag,
            script=restore_script(stamp, delta=delta, archive=archive),
            timeout=timeout,
            volumes=mounts(stack, volume, archive),
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
    restored = restore_into(
        stack, capable(stack, NodeSurgery).volume_name("pg-primary-data"), target, delta=True, archive=True
    )
    primary = stack.service(topology.PG_PRIMARY)
    if isinstance(stack, NetworkCut):
        stack.reconnect(topology.PG_PRIMARY)
    primary.start()
    wait_writable(primary)
    progress(f"restored: copy {restored.copy_seconds:.1f}s, replay {restored.replay_seconds:.1f}s")
    return restored
