"""The smoke transaction: business writes through Traefik until both Odoo nodes served one,
each visible on the standby; then a web session that must survive a hop to the other node.

It is what `odoo-chaos smoke` (and `make demo`) runs until the default drill replaces it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from harness.core.clock import attempt_until
from harness.core.progress import Progress
from harness.edge.odoo_api import WebSession
from harness.stack import topology
from harness.stack.stack import Endpoints


@dataclass(frozen=True, slots=True)
class SmokeResult:
    writes: int
    nodes_served: tuple[str, ...]
    on_standby: int
    write_latency_ms_median: float
    session_nodes: tuple[str, ...]
    session_kept: bool


def run_smoke(endpoints: Endpoints, progress: Progress, *, max_writes: int = 20) -> SmokeResult:
    client = endpoints.odoo_client()
    client.authenticate()
    nodes: set[str] = set()
    ids: list[int] = []
    latencies: list[float] = []
    for seq in range(1, max_writes + 1):
        started = time.perf_counter()
        ids.append(client.write_ledger(seq, "smoke"))
        latencies.append((time.perf_counter() - started) * 1000)
        nodes.add(client.last_node)
        if seq >= 4 and len(nodes) >= 2:
            break
    progress(f"{len(ids)} business writes acknowledged, served by {', '.join(sorted(nodes))}")
    counted: list[int] = [0]
    with psycopg.connect(endpoints.pg_dsn(topology.PG_STANDBY)) as conn:

        def all_visible() -> bool:
            row = conn.execute("SELECT count(*) FROM chaos_ledger_entry WHERE id = ANY(%s)", (ids,)).fetchone()
            counted[0] = int(row[0]) if row else 0
            return counted[0] == len(ids)

        attempt_until(all_visible, timeout=30, period=0.1)
    visible = counted[0]
    progress(f"{visible}/{len(ids)} rows visible on pg-standby")
    session = WebSession(endpoints.https_url, Path(endpoints.ca_file))
    session.login(endpoints.db, endpoints.login, endpoints.password)
    seen: list[str] = []
    kept = True
    for _ in range(8):
        node, uid = session.session_uid()
        seen.append(node)
        kept = kept and uid is not None
    progress(f"web session answered by {', '.join(sorted(set(seen)))}; still logged in: {kept}")
    latencies.sort()
    return SmokeResult(
        writes=len(ids),
        nodes_served=tuple(sorted(nodes)),
        on_standby=visible,
        write_latency_ms_median=round(latencies[len(latencies) // 2], 1),
        session_nodes=tuple(sorted(set(seen))),
        session_kept=kept,
    )
