"""The smoke transaction on a target: business writes the harness can take back, seen through Odoo and on each node.

The rows are the probes' (`harness.edge.business_rows`): `chaos.ledger.entry` when the harness's
addon is in Odoo's registry, otherwise `res.partner` rows tagged `ref=odoo-chaos/<run id>/<seq>`.
They are read back through Odoo, found on the primary and on the standby (replication), and the
partner rows are removed through Odoo afterwards; the primary must then hold none. Ledger rows
stay (that table is the harness's own, as on the reference stack). `smoke --target FILE`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from harness.core.clock import attempt_until
from harness.core.progress import Progress
from harness.edge.business_rows import PARTNERS, rows_for, tag_of
from harness.stack.target import TargetDeployment


@dataclass(frozen=True, slots=True)
class TargetSmoke:
    model: str
    writes: int
    read_through_odoo: int
    on_primary: int
    on_standby: int | None  # None: the target maps no standby (or reads it by DSN only)
    removed: int
    left_on_primary: int
    write_latency_ms_median: float
    nodes_served: tuple[str, ...] = field(default_factory=tuple)


def run_target_smoke(deployment: TargetDeployment, run_id: str, progress: Progress, writes: int = 5) -> TargetSmoke:
    client = deployment.odoo_client()
    client.authenticate()
    rows = rows_for(client)
    tag = tag_of(run_id)
    tagged = "" if rows is not PARTNERS else f" rows tagged ref={tag}<seq>"
    progress(f"business writes go to {rows.model}{tagged}")
    ids: list[int] = []
    latencies: list[float] = []
    nodes: set[str] = set()
    removed = 0
    try:
        for seq in range(1, writes + 1):
            started = time.perf_counter()
            ids.append(rows.write(client, run_id, f"{run_id}/smoke", seq))
            latencies.append((time.perf_counter() - started) * 1000)
            if client.last_node:
                nodes.add(client.last_node)
        read = rows.count(client, run_id)
        on_primary = len(deployment.seqs(rows, run_id)[0])
        on_standby: int | None = None
        if "pg-standby" in deployment.services() and deployment.target.final_read[0] == "psql_in":
            seen = [0]

            def replicated() -> bool:
                seen[0] = len(deployment.seqs(rows, run_id, service="pg-standby")[0])
                return seen[0] >= len(ids)

            attempt_until(replicated, timeout=30, period=0.2)  # a timeout is reported as counted: fewer rows
            on_standby = seen[0]
        progress(f"{len(ids)} writes acknowledged; {read} read back through Odoo, {on_primary} on the primary")
    finally:
        removed = rows.remove(client, run_id)
    left = len(deployment.seqs(rows, run_id)[0])
    if rows is PARTNERS:
        progress(f"{removed} partner rows removed; {left} left on the primary")
    latencies.sort()
    return TargetSmoke(
        rows.model,
        len(ids),
        read,
        on_primary,
        on_standby,
        removed,
        left,
        round(latencies[len(latencies) // 2], 1) if latencies else 0.0,
        tuple(sorted(nodes)),
    )
