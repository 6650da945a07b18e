"""Final read after heal: every business id of this run present on the surviving primary.

Read twice, and both recorded: directly in SQL on whichever node accepts writes (the source of
truth for RPO), and through Traefik -> Odoo (what users would see). Each read is retried within
its deadline, since the stack may still be settling.
"""

from __future__ import annotations

import time

from harness.history import FINAL_READ
from harness.odoo_api import LEDGER_MODEL
from harness.probes.base import ProbeContext, classify, short_error
from harness.probes.pg import connect_primary, node_of

SQL = "SELECT seq, count(*) FROM chaos_ledger_entry WHERE writer LIKE %s AND seq >= %s GROUP BY seq ORDER BY seq"
# the heartbeat rows that survived (a point-in-time restore discards the later ones); none when the
# heartbeat probe never ran and the table does not exist
HEARTBEATS_SQL = "SELECT seq FROM chaos_heartbeat WHERE run_id = %s ORDER BY seq"


def final_read(ctx: ProbeContext, deadline: float = 60.0) -> None:
    _via_sql(ctx, deadline)
    _via_odoo(ctx, deadline)


def _via_sql(ctx: ProbeContext, deadline: float) -> None:
    ctx.history.invoke("final-read", FINAL_READ, {"via": "sql"})
    end = time.monotonic() + deadline
    while True:
        try:
            with connect_primary(ctx.endpoints, timeout=5.0) as conn:
                rows = conn.execute(SQL, (f"{ctx.run_id}/%", ctx.seq_base)).fetchall()
                node = node_of(conn, ctx.endpoints)
                exists = conn.execute("SELECT to_regclass('chaos_heartbeat') IS NOT NULL").fetchone()
                beats = [int(r[0]) for r in conn.execute(HEARTBEATS_SQL, (ctx.run_id,))] if exists and exists[0] else []
            seqs = [int(r[0]) for r in rows]
            duplicates = [int(r[0]) for r in rows if r[1] > 1]
            ctx.history.record(
                "final-read",
                "ok",
                FINAL_READ,
                {"via": "sql", "node": node, "seqs": seqs, "duplicates": duplicates, "heartbeats": beats},
            )
            return
        except Exception as exc:
            if time.monotonic() > end:
                ctx.history.record("final-read", "fail", FINAL_READ, {"via": "sql"}, short_error(exc))
                return
            time.sleep(0.5)


def _via_odoo(ctx: ProbeContext, deadline: float) -> None:
    ctx.history.invoke("final-read", FINAL_READ, {"via": "odoo"})
    client = ctx.endpoints.odoo_client(timeout=30.0)
    end = time.monotonic() + deadline
    while True:
        try:
            rows = client.execute(
                LEDGER_MODEL,
                "search_read",
                [("writer", "=like", f"{ctx.run_id}/%"), ("seq", ">=", ctx.seq_base)],
                fields=["seq"],
            )
            seqs = sorted(int(r["seq"]) for r in rows)
            ctx.history.record("final-read", "ok", FINAL_READ, {"via": "odoo", "seqs": seqs})
            return
        except Exception as exc:
            if time.monotonic() > end:
                ctx.history.record("final-read", classify(exc), FINAL_READ, {"via": "odoo"}, short_error(exc))
                return
            time.sleep(0.5)
