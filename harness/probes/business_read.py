"""Business read: count this run's ledger rows through Traefik -> Odoo, once a second."""

from __future__ import annotations

from collections.abc import Callable

from harness.history import READ
from harness.odoo_api import LEDGER_MODEL
from harness.probes.base import ProbeContext, classify, paced, register, short_error


@register("business-read")
def business_read(ctx: ProbeContext) -> list[Callable[[], None]]:
    client = ctx.endpoints.odoo_client(timeout=ctx.timeout)
    pattern = f"{ctx.run_id}/%"

    def step() -> None:
        ctx.history.invoke("reader", READ)
        try:
            count = client.execute(LEDGER_MODEL, "search_count", [("writer", "=like", pattern)])
        except Exception as exc:
            ctx.history.record("reader", classify(exc), READ, {}, short_error(exc))
            return
        ctx.history.record("reader", "ok", READ, {"count": int(count), "node": client.last_node})

    return [lambda: paced(ctx, 1.0, 0.05, step)]
