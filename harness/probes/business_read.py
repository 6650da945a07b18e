"""Business read (the *reads* journey): count this run's ledger rows through Traefik -> Odoo, twice a second."""

from __future__ import annotations

from collections.abc import Callable

from harness.core.history import READ
from harness.core.journeys import READS
from harness.edge.odoo_api import OdooClient
from harness.probes.base import Lane, ProbeContext, classify, register, short_error


@register(
    "business-read",
    f=READ,
    journey=READS,
    summary="count this run's ledger rows through Traefik -> Odoo, twice a second",
)
def business_read(ctx: ProbeContext) -> list[Callable[[], None]]:
    def read(process: str, client: OdooClient) -> None:
        ctx.history.invoke(process, READ)
        try:
            count = ctx.rows.count(client, ctx.run_id)
        except Exception as exc:
            ctx.history.record(process, classify(exc), READ, {}, short_error(exc))
            return
        ctx.history.record(process, "ok", READ, {"count": int(count), "node": client.last_node})

    lane = Lane(ctx, "reader", 0.5, 0.05, read, ctx.odoo_client, 8)
    return [lane.run]
