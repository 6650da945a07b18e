"""Heartbeat oracle (CloudNativePG's method): rows written straight to the current primary.

Each beat inserts `clock_timestamp()` into `chaos_heartbeat` and reads the WAL timeline the
primary writes on (from the current WAL file name), so the gap between the last beat on the old
timeline and the first on the new one is a server-side RTO to cross-check the client-side one.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

import psycopg

from harness.core.history import HEARTBEAT, Kind
from harness.probes.base import Lane, ProbeContext, register
from harness.probes.pg import PrimaryConnection, connect_primary, node_of

CREATE = (
    "CREATE TABLE IF NOT EXISTS chaos_heartbeat ("
    " seq bigint PRIMARY KEY, run_id text NOT NULL, written_at timestamptz NOT NULL)"
)
BEAT = (
    "INSERT INTO chaos_heartbeat (seq, run_id, written_at) VALUES (%s, %s, clock_timestamp()) "
    "RETURNING extract(epoch FROM written_at)::float8, "
    "('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int"
)


NEXT_SEQ = "SELECT coalesce(max(seq), 0) + 1 FROM chaos_heartbeat"


def first_seq(ctx: ProbeContext) -> int:
    """Where this run's beats start: after every beat already in the table (a stack shared by
    several drills keeps its earlier runs' rows, and `seq` is the table's key)."""
    try:
        with connect_primary(ctx.endpoints, timeout=5.0) as conn:
            conn.execute(CREATE)
            row = conn.execute(NEXT_SEQ).fetchone()
            return int(row[0]) if row else 1
    except psycopg.Error:
        return 1 + int(time.time() * 1000)  # no primary to ask: a start no earlier run can have used


@register("heartbeat", f=HEARTBEAT, summary="rows written straight to the current primary (the RTO oracle)")
def heartbeat(ctx: ProbeContext) -> list[Callable[[], None]]:
    counter = itertools.count(first_seq(ctx))
    lock = threading.Lock()

    def beat(process: str, primary: PrimaryConnection) -> None:
        with lock:
            seq = next(counter)
        ctx.history.invoke(process, HEARTBEAT, {"seq": seq})
        try:
            conn = primary.get()
            row = conn.execute(BEAT, (seq, ctx.run_id)).fetchone()
        except psycopg.OperationalError as exc:
            primary.drop()
            kind: Kind = "fail" if "connection" in str(exc) and "server closed" not in str(exc) else "info"
            ctx.history.record(process, kind, HEARTBEAT, {"seq": seq}, f"{type(exc).__name__}: {exc}"[:300])
            return
        except Exception as exc:
            primary.drop()
            ctx.history.record(process, "info", HEARTBEAT, {"seq": seq}, f"{type(exc).__name__}: {exc}"[:300])
            return
        if row is None:
            ctx.history.record(process, "info", HEARTBEAT, {"seq": seq}, "the insert returned no row")
            return
        value = {"seq": seq, "server_time": row[0], "timeline": row[1], "node": node_of(conn, ctx.endpoints)}
        ctx.history.record(process, "ok", HEARTBEAT, value)

    def connection() -> PrimaryConnection:
        return PrimaryConnection(ctx.endpoints, ctx.timeout, setup=CREATE)

    lane = Lane(ctx, "heartbeat", 0.5, 0.02, beat, connection, 5, PrimaryConnection.drop)
    return [lane.run]
