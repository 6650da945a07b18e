"""Business write: an authenticated XML-RPC `create` of a `chaos.ledger.entry` through Traefik.

Two staggered writers (`writer-1`, `writer-2`) share one sequence, so the run writes at
1/period Hz (10 Hz by default) with unique, monotonically increasing ids. The ledger model lives
in the project's addon (compose/addons/chaos_ledger) with a unique constraint on `seq`, so a
write can never be counted twice and the final read can find every id.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.history import WRITE
from harness.probes.base import ProbeContext, classify, paced, register, short_error


def _writer(ctx: ProbeContext, process: str, offset: float) -> Callable[[], None]:
    client = ctx.endpoints.odoo_client(timeout=ctx.timeout)
    writer = ctx.writer_name(process)

    def step() -> None:
        seq = ctx.next_seq()
        ctx.history.invoke(process, WRITE, {"seq": seq})
        try:
            row_id = client.write_ledger(seq, writer)
        except Exception as exc:
            ctx.history.record(process, classify(exc), WRITE, {"seq": seq}, short_error(exc))
            return
        ctx.history.record(process, "ok", WRITE, {"seq": seq, "id": row_id, "node": client.last_node})

    def body() -> None:
        paced(ctx, ctx.period * ctx.writers, offset, step)

    return body


@register("business-write")
def business_write(ctx: ProbeContext) -> list[Callable[[], None]]:
    return [_writer(ctx, f"writer-{i + 1}", i * ctx.period) for i in range(ctx.writers)]
