"""Final read after heal: every business id of this run, read on every PostgreSQL node and through Odoo.

Read in SQL on each PostgreSQL node directly (one `final-read` operation per node, with the node's
role: `primary` when it accepts writes), so the checkers can tell the surviving primary's rows
(the source of truth for RPO) from rows that exist only on another node (a split brain's
diverged writes), and see two primaries if there are two. Then read through Traefik -> Odoo:
what users would see. The run first waits (within the deadline) until some node accepts writes,
since the stack may still be settling; a node that cannot be reached is recorded as a failed read.
"""

from __future__ import annotations

from typing import Any

import psycopg

from harness.core.clock import attempt_until
from harness.core.history import FINAL_READ
from harness.probes.base import ProbeContext, classify, short_error
from harness.probes.pg import connect_primary
from harness.stack import topology

SQL = "SELECT seq, count(*) FROM chaos_ledger_entry WHERE writer LIKE %s AND seq >= %s GROUP BY seq ORDER BY seq"
# the heartbeat rows that survived (a point-in-time restore discards the later ones); none when the
# heartbeat probe never ran and the table does not exist
HEARTBEATS_SQL = "SELECT seq FROM chaos_heartbeat WHERE run_id = %s ORDER BY seq"
NODE_TIMEOUT = 5.0  # seconds of retries per node once a primary exists


def final_read(ctx: ProbeContext, deadline: float = 60.0) -> None:
    _await_primary(ctx, deadline)
    nodes = (topology.PG_PRIMARY, topology.PG_STANDBY)
    for node in nodes if ctx.nodes is None else [n for n in nodes if n in ctx.nodes.services()]:
        _via_sql(ctx, node)
    _via_odoo(ctx, deadline)


def _await_primary(ctx: ProbeContext, deadline: float) -> None:
    """Wait (at most `deadline`) until some node accepts writes; the reads below record what they find either way."""

    def writable() -> bool:
        if ctx.nodes is not None:  # a target: psql inside its nodes
            nodes = ctx.nodes
            mapped = [n for n in (topology.PG_PRIMARY, topology.PG_STANDBY) if n in nodes.services()]
            return any(nodes.pg_role(n) == "primary" for n in mapped)
        with connect_primary(ctx.endpoints, timeout=5.0):
            return True

    attempt_until(writable, timeout=deadline, period=0.5)


def _read_target_node(ctx: ProbeContext, node: str) -> dict[str, Any]:
    """A target's node, read with psql inside its container: no heartbeat table there."""
    assert ctx.nodes is not None
    role = ctx.nodes.pg_role(node)
    seqs, twice = ctx.nodes.seqs(ctx.rows, ctx.run_id, ctx.seq_base, node)
    return {"via": "sql", "node": node, "role": role, "seqs": seqs, "duplicates": twice, "heartbeats": []}


def _read_node(ctx: ProbeContext, node: str) -> dict[str, Any]:
    if ctx.nodes is not None:
        return _read_target_node(ctx, node)
    with psycopg.connect(ctx.endpoints.pg_dsn(node), autocommit=True) as conn:
        conn.execute("SET statement_timeout = 10000")
        recovery = conn.execute("SELECT pg_is_in_recovery()").fetchone()
        rows = conn.execute(SQL, (f"{ctx.run_id}/%", ctx.seq_base)).fetchall()
        exists = conn.execute("SELECT to_regclass('chaos_heartbeat') IS NOT NULL").fetchone()
        beats = [int(r[0]) for r in conn.execute(HEARTBEATS_SQL, (ctx.run_id,))] if exists and exists[0] else []
    return {
        "via": "sql",
        "node": node,
        "role": "standby" if recovery and recovery[0] else "primary",
        "seqs": [int(r[0]) for r in rows],
        "duplicates": [int(r[0]) for r in rows if r[1] > 1],
        "heartbeats": beats,
    }


def _via_sql(ctx: ProbeContext, node: str) -> None:
    ctx.history.invoke("final-read", FINAL_READ, {"via": "sql", "node": node})
    value, error = attempt_until(lambda: _read_node(ctx, node), timeout=NODE_TIMEOUT, period=0.5)
    if value is None:
        reason = short_error(error) if isinstance(error, Exception) else "no answer"
        ctx.history.record("final-read", "fail", FINAL_READ, {"via": "sql", "node": node}, reason)
        return
    ctx.history.record("final-read", "ok", FINAL_READ, value)


def _via_odoo(ctx: ProbeContext, deadline: float) -> None:
    ctx.history.invoke("final-read", FINAL_READ, {"via": "odoo"})
    client = ctx.endpoints.odoo_client(timeout=30.0)

    def read() -> list[int]:
        return ctx.rows.odoo_seqs(client, ctx.run_id, ctx.seq_base)

    seqs, error = attempt_until(read, timeout=deadline, period=0.5)
    if seqs is None:  # an empty list is a value: nothing of this run survived
        kind = classify(error) if isinstance(error, Exception) else "fail"
        reason = short_error(error) if isinstance(error, Exception) else "no answer"
        ctx.history.record("final-read", kind, FINAL_READ, {"via": "odoo"}, reason)
        return
    ctx.history.record("final-read", "ok", FINAL_READ, {"via": "odoo", "seqs": seqs})
