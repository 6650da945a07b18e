"""PostgreSQL roles of the running stack, and the runbook steps that change them.

Roles are read with `psql` inside each node's container (works even when the node is cut off
from every network). The steps are what a DBA does by hand during a failover, nothing cleverer:

- `promote(node)`: `pg_promote()` on a standby;
- `follow(node, source)`: make `node` a standby of `source` -- stop it (a fast shutdown; this is
  also the fence for an old primary that is still running behind a partition), rewind it with
  `pg_rewind` in a one-off container on the stack's network (re-clone with `pg_basebackup` if the
  rewind fails), write `standby.signal` and `primary_conninfo` with its replication slot on the
  source (`pg_standby` / `pg_primary`), reconnect its networks, start
  it, and wait until `source` sees it streaming. This is "rejoin the old primary";
- `switch_back(stack)`: the controlled switchover a warm reset uses to give `pg-primary` its
  role back (fast shutdown of the current primary, promote, follow).

Odoo and the probes find the writable node through libpq `target_session_attrs=read-write`, so no
step here has to repoint the app tier.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Literal

from harness.core.clock import poll_until
from harness.core.errors import HarnessError
from harness.edge.images import POSTGRES
from harness.stack import topology
from harness.stack.containers import exec_checked
from harness.stack.handle import NetworkCut, NodeSurgery, ServiceHandle, StackHandle, Task, capable

Role = Literal["primary", "standby", "down"]
PG_NODES: tuple[str, ...] = (topology.PG_PRIMARY, topology.PG_STANDBY)
DATA_DIR = "/var/lib/postgresql/data"
ARCHIVE_COMMAND = "pgbackrest --stanza=odoo archive-push %p"  # as compose/postgres/entrypoint.sh sets it
RESTORE_COMMAND = "pgbackrest --stanza=odoo archive-get %f %p"  # WAL back from the pgBackRest repository


@dataclass(frozen=True, slots=True)
class Rejoin:
    node: str
    source: str
    method: Literal["pg_rewind", "re-clone"]
    seconds: float
    note: str = ""  # why pg_rewind could not be used, when it was not


def role_of(node: ServiceHandle) -> Role:
    """A PostgreSQL node's role, asked with psql inside it (works while it is cut off)."""
    if node.status != "running":
        return "down"
    result = node.exec(["psql", "-XAtc", "SELECT pg_is_in_recovery()"], user="postgres")
    if result.exit_code != 0:
        return "down"
    return "standby" if result.output.strip() == "t" else "primary"


def role(stack: StackHandle, node: str) -> Role:
    return role_of(stack.service(node))


def roles(stack: StackHandle) -> dict[str, Role]:
    return {node: role(stack, node) for node in PG_NODES}


def other(node: str) -> str:
    return topology.PG_STANDBY if node == topology.PG_PRIMARY else topology.PG_PRIMARY


def primaries(stack: StackHandle) -> list[str]:
    return [node for node, current in roles(stack).items() if current == "primary"]


def sole_primary(stack: StackHandle, purpose: str) -> str:
    """The one PostgreSQL node accepting writes; HarnessError `<purpose>: ...` when there are none or two."""
    found = primaries(stack)
    if len(found) != 1:
        raise HarnessError(f"{purpose}: {len(found)} PostgreSQL primaries ({found}), not exactly one")
    return found[0]


def _psql(stack: StackHandle, node: str, sql: str) -> str:
    return exec_checked(stack.service(node), ["psql", "-XAtc", sql], f"{node}: {sql!r}")


def promote(stack: StackHandle, node: str) -> None:
    """Promote a standby; returns once it accepts writes (pg_promote waits up to 30 s)."""
    current = role(stack, node)
    if current == "primary":
        return
    if current == "down":
        raise HarnessError(f"cannot promote {node}: it is not running")
    if _psql(stack, node, "SELECT pg_promote(true, 30)") != "t":
        raise HarnessError(f"pg_promote on {node} did not finish within 30 s")


def _pg_node(name: str) -> str:
    """`name` if it is one of the PostgreSQL nodes: only these names are ever written into SQL here."""
    if name not in PG_NODES:
        raise HarnessError(f"{name!r} is not a PostgreSQL node; nodes are {', '.join(PG_NODES)}")
    return name


def streaming_to(stack: StackHandle, source: str, follower: str) -> bool:
    name = _pg_node(follower)
    sql = f"SELECT count(*) FROM pg_stat_replication WHERE application_name = '{name}' AND state = 'streaming'"
    try:
        return _psql(stack, source, sql) == "1"
    except HarnessError:
        return False


def data_volume(node: ServiceHandle) -> str:
    found = node.volume_at(DATA_DIR)
    if not found:
        raise HarnessError(f"{node.name} has no data volume at {DATA_DIR}")
    return found


def fast_shutdown(node: ServiceHandle, timeout: float = 15.0) -> None:
    """SIGINT (PostgreSQL's fast shutdown: roll back sessions, checkpoint, exit); SIGKILL if it hangs."""
    if node.status == "paused":
        node.unpause()
    if node.status in ("running", "paused"):
        with contextlib.suppress(Exception):
            node.kill(signal="SIGINT")
        try:
            node.wait(timeout=timeout)
        except Exception:
            node.kill()
            node.wait(timeout=timeout)


def slot_name(node: str) -> str:
    """The physical replication slot a follower streams through on its primary (`pg_standby`, `pg_primary`)."""
    return node.replace("-", "_")


def ensure_slot(stack: StackHandle, source: str, follower: str) -> None:
    """Create the follower's slot on the primary if it is missing (the source keeps WAL until it streams)."""
    slot = slot_name(_pg_node(follower))
    _psql(
        stack,
        source,
        f"SELECT pg_create_physical_replication_slot('{slot}') "
        f"WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '{slot}')",
    )


def _rewind_script(node: str, source: str) -> str:
    conninfo = f"host={source} port={topology.PG_PORT} user=replicator application_name={node}"
    return f"""
set -u
export PGCONNECT_TIMEOUT=5
method=pg_rewind
rm -f {DATA_DIR}/postmaster.pid  # the container is stopped; a stale pid 1 would stop pg_rewind's crash recovery
# A just-promoted source still says timeline 1 in pg_control until its first checkpoint, and
# pg_rewind would then find "no rewind required": checkpoint first.
PGPASSWORD="$POSTGRES_PASSWORD" psql -XAq -h {source} -U postgres -d postgres -c CHECKPOINT || true
# WAL the old primary recycled (its crash recovery checkpoints) is fetched back from the archive
echo "restore_command = '{RESTORE_COMMAND}'" >> {DATA_DIR}/postgresql.auto.conf
if [ -n "${{FORCE_RECLONE:-}}" ] || ! PGPASSWORD="$POSTGRES_PASSWORD" pg_rewind -D {DATA_DIR} --restore-target-wal \\
     --source-server="host={source} port={topology.PG_PORT} user=postgres dbname=postgres"; then
  echo "pg_rewind failed: re-cloning {node} from {source} with pg_basebackup"
  method=re-clone
  find {DATA_DIR} -mindepth 1 -delete
  PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h {source} -U replicator -D {DATA_DIR} -X stream -c fast || exit 3
  chmod 700 {DATA_DIR}
fi
touch {DATA_DIR}/standby.signal
cat >> {DATA_DIR}/postgresql.auto.conf <<CONF
primary_conninfo = '{conninfo} password=$REPLICATION_PASSWORD'
primary_slot_name = '{slot_name(node)}'
restore_command = '{RESTORE_COMMAND}'
recovery_target_timeline = 'latest'
CONF
echo "method=$method"
"""


def _prepare(
    stack: StackHandle, container: ServiceHandle, node: str, source: str, reclone: bool, timeout: float
) -> str:
    """Rewind (or re-clone) the stopped node's data volume in a one-off labelled task; its output."""
    env = stack.credentials.postgres_env()
    volumes = {data_volume(container): (DATA_DIR, "rw")}
    backup = container.volume_at("/backup")
    if backup:
        volumes[backup] = ("/backup", "ro")
    code, output = capable(stack, NodeSurgery).run_task(
        Task(
            name=f"{node}-rejoin",
            image=POSTGRES.tag,
            script=_rewind_script(node, source),
            timeout=timeout,
            volumes=volumes,
            environment={key: env[key] for key in ("POSTGRES_PASSWORD", "REPLICATION_PASSWORD")}
            | ({"FORCE_RECLONE": "1"} if reclone else {}),
            network=topology.INTERZONE,
        )
    )
    if code != 0:
        last = output.strip().splitlines()[-1] if output.strip() else "no output"
        raise HarnessError(f"rejoining {node} to {source} failed: {last}")
    return output


def rejoin(stack: StackHandle, node: str, source: str) -> str:
    """Never two primaries after a heal: `node` rejoins as `source`'s standby where the stack allows node
    surgery (`follow`), and is fenced (stopped) where it does not, for its own operator to rejoin; which."""
    if isinstance(stack, NodeSurgery):
        follow(stack, node, source)
        return "rejoined"
    fast_shutdown(stack.service(node))
    return "fenced"


def follow(
    stack: StackHandle,
    node: str,
    source: str,
    timeout: float = 120.0,
    fence_timeout: float = 5.0,
    stream_timeout: float = 30.0,
    reclone: bool = False,
) -> Rejoin:
    """Make `node` a streaming standby of `source` (the old primary rejoining); see the module doc.

    When the rewound node does not stream within `stream_timeout` (its history cannot follow the
    source's timeline), it is stopped and re-cloned: slower, but it always ends in redundancy.
    `reclone=True` skips pg_rewind: a node with corrupted blocks must be copied whole (pg_rewind
    copies only the blocks changed since the timelines diverged and would keep the bad ones).
    """
    started = time.monotonic()
    if role(stack, source) != "primary":
        raise HarnessError(f"cannot rejoin {node} to {source}: {source} is not a running primary")
    container = stack.service(node)
    fast_shutdown(container, timeout=fence_timeout)  # the fence: an isolated old primary stops writing here
    if isinstance(stack, NetworkCut):
        stack.reconnect(node)
    ensure_slot(stack, source, node)
    note = ""
    for whole_copy in (True,) if reclone else (False, True):
        output = _prepare(stack, container, node, source, whole_copy, timeout)
        method: Literal["pg_rewind", "re-clone"] = "re-clone" if "method=re-clone" in output else "pg_rewind"
        errors = [line for line in output.splitlines() if line.startswith("pg_rewind:") and "error" in line]
        note = note or (errors[0] if errors else "")
        container.start()
        try:
            poll_until(
                lambda: streaming_to(stack, source, node),
                timeout=stream_timeout if method == "pg_rewind" else timeout,
                what=f"{node} streaming from {source}",
                on_timeout=HarnessError,
            )
            return Rejoin(node, source, method, time.monotonic() - started, note)
        except HarnessError:
            if method == "re-clone":
                raise
            lines = container.last_lines(20)
            last = [line for line in lines if "FATAL" in line] or lines or ["no output"]
            note = f"rewound node did not stream: {last[-1]}"
            fast_shutdown(container)
    raise AssertionError("unreachable")


def switch_back(stack: StackHandle) -> Rejoin | None:
    """Give pg-primary its role back after a drill (a warm reset's controlled switchover).

    pg-standby primary, pg-primary its standby: fast shutdown of pg-standby (its walsender sends
    every WAL record first), promote pg-primary, pg-standby follows. Two primaries (a split brain
    left by a partition drill): pg-standby's divergent writes are rewound away.
    """
    current = roles(stack)
    primary, standby = topology.PG_PRIMARY, topology.PG_STANDBY
    if current[primary] == "standby" and current[standby] == "primary":
        fast_shutdown(stack.service(standby))
        promote(stack, primary)
    elif current[primary] != "primary":
        raise HarnessError(f"cannot reset the database roles: {current}")
    if current[standby] == "standby" and streaming_to(stack, primary, standby):
        return None
    return follow(stack, standby, primary)
