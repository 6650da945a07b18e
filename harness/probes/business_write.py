"""Business write (the *integrations* journey): an authenticated XML-RPC `create` of a
`chaos.ledger.entry` through Traefik.

Two staggered writer lanes (`writer-1`, `writer-2`) share one sequence, so the run writes at
1/period Hz (10 Hz by default) with unique, monotonically increasing ids, and keeps that rate
while earlier writes hang (see `Lane`). The ledger model lives in the project's addon
(compose/addons/chaos_ledger) with a unique constraint on `seq`, so a write can never be counted
twice and the final read can find every id.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.core.history import WRITE
from harness.core.journeys import INTEGRATIONS
from harness.edge.odoo_api import OdooClient
from harness.probes.base import Lane, ProbeContext, classify, register, short_error


def _writer(ctx: ProbeContext, lane: str, offset: float) -> Lane[OdooClient]:
    writer = ctx.writer_name(lane)

    def write(process: str, client: OdooClient) -> None:
        seq = ctx.next_seq()
        ctx.history.invoke(process, WRITE, {"seq": seq})
        try:
            row_id = ctx.rows.write(client, ctx.run_id, writer, seq)
        except Exception as exc:
            ctx.history.record(process, classify(exc), WRITE, {"seq": seq}, short_error(exc))
            return
        ctx.history.record(process, "ok", WRITE, {"seq": seq, "id": row_id, "node": client.last_node})

    return Lane(ctx, lane, ctx.period * ctx.writers, offset, write, ctx.odoo_client)


@register("business-write", f=WRITE, journey=INTEGRATIONS, summary="XML-RPC business writes through Traefik -> Odoo")
def business_write(ctx: ProbeContext) -> list[Callable[[], None]]:
    return [_writer(ctx, f"writer-{i + 1}", i * ctx.period).run for i in range(ctx.writers)]
