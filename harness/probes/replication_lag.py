"""Replication lag (bytes and seconds) to streaming standbys, and which node is primary, once a second."""

from __future__ import annotations

from collections.abc import Callable

from harness.core.history import LAG
from harness.probes.base import Lane, ProbeContext, register
from harness.probes.pg import PrimaryConnection

LAG_QUERY = (
    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8, "
    "extract(epoch FROM replay_lag)::float8, application_name FROM pg_stat_replication WHERE state = 'streaming'"
)


@register("replication-lag", f=LAG, summary="replication lag to streaming standbys and which node is primary")
def replication_lag(ctx: ProbeContext) -> list[Callable[[], None]]:
    def sample(process: str, connection: PrimaryConnection) -> None:
        ctx.history.invoke(process, LAG)
        try:
            rows = connection.get().execute(LAG_QUERY).fetchall()
            primary = connection.node()
        except Exception as exc:
            connection.drop()
            ctx.history.record(process, "fail", LAG, {}, f"{type(exc).__name__}: {exc}"[:300])
            return
        lag_bytes = max((r[0] for r in rows if r[0] is not None), default=None)
        lag_seconds = max((r[1] for r in rows if r[1] is not None), default=0.0 if rows else None)
        ctx.history.record(
            process,
            "ok",
            LAG,
            {"primary": primary, "standbys": len(rows), "lag_bytes": lag_bytes, "lag_seconds": lag_seconds},
        )

    def connection() -> PrimaryConnection:
        return PrimaryConnection(ctx.endpoints, ctx.timeout)

    lane = Lane(ctx, "lag", 1.0, 0.5, sample, connection, 5, PrimaryConnection.drop)
    return [lane.run]
