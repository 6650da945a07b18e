"""The smoke transaction on a target: business writes the harness can take back, seen through Odoo and on each node.

A team's database has no `chaos_ledger` unless they installed the harness's addon. So, as every
probe on a target will: writes go to `chaos.ledger.entry` when the model is in Odoo's registry,
otherwise to `res.partner` rows the harness can find and remove again: each one's `ref` is
`odoo-chaos/<run id>/<seq>` (`tag_of`), its name says it is the harness's. The rows are read back
through Odoo (by that tag), counted on the primary and on the standby (replication), and the
partner rows are removed through Odoo afterwards; the count on the primary must then be 0. Ledger
rows stay (that table is the harness's own, as on the reference stack). `smoke --target FILE`.
"""

from __future__ import annotations

import time
import xmlrpc.client
from dataclasses import dataclass, field

from harness.core.clock import attempt_until
from harness.core.errors import HarnessError
from harness.core.progress import Progress
from harness.edge.odoo_api import LEDGER_MODEL, OdooClient
from harness.stack.target import TargetDeployment

PARTNER = "res.partner"
TAG_PREFIX = "odoo-chaos/"


def tag_of(run_id: str) -> str:
    """The `ref` prefix of this run's partner rows (run ids are letters, digits and -)."""
    if not run_id or not all(c.isalnum() or c == "-" for c in run_id):
        raise HarnessError(f"run id {run_id!r}: letters, digits and - only")
    return f"{TAG_PREFIX}{run_id}/"


def count_sql(model: str, run_id: str) -> str:
    """The primary's count of this run's rows, as SQL with only harness-made literals in it."""
    tag = tag_of(run_id)
    if model == LEDGER_MODEL:
        return f"SELECT count(*) FROM chaos_ledger_entry WHERE left(writer, {len(tag)}) = '{tag}'"
    return f"SELECT count(*) FROM res_partner WHERE left(ref, {len(tag)}) = '{tag}'"


def model_of(client: OdooClient) -> str:
    """`chaos.ledger.entry` when Odoo's registry has it (the harness's addon is installed), else res.partner."""
    try:
        client.execute(LEDGER_MODEL, "fields_get", [], attributes=["type"])
    except xmlrpc.client.Fault:
        return PARTNER
    return LEDGER_MODEL


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
    model = model_of(client)
    tag = tag_of(run_id)
    progress(f"business writes go to {model}" + ("" if model == LEDGER_MODEL else f" rows tagged ref={tag}<seq>"))
    ids: list[int] = []
    latencies: list[float] = []
    nodes: set[str] = set()
    try:
        for seq in range(1, writes + 1):
            started = time.perf_counter()
            if model == LEDGER_MODEL:
                ids.append(client.write_ledger(seq, f"{tag}smoke"))
            else:
                values = {"name": f"odoo-chaos probe {run_id} #{seq}", "ref": f"{tag}{seq}"}
                ids.append(int(client.execute(PARTNER, "create", values)))
            latencies.append((time.perf_counter() - started) * 1000)
            if client.last_node:
                nodes.add(client.last_node)
        field_name = "writer" if model == LEDGER_MODEL else "ref"
        read = int(client.execute(model, "search_count", [[field_name, "=like", f"{tag}%"]]))
        sql = count_sql(model, run_id)
        on_primary = deployment.count(sql)
        on_standby: int | None = None
        if "pg-standby" in deployment.services() and deployment.target.final_read[0] == "psql_in":
            seen = [0]

            def replicated() -> bool:
                seen[0] = deployment.count(sql, "pg-standby")
                return seen[0] >= len(ids)

            attempt_until(replicated, timeout=30, period=0.2)  # a timeout is reported as counted: fewer rows
            on_standby = seen[0]
        progress(f"{len(ids)} writes acknowledged; {read} read back through Odoo, {on_primary} on the primary")
    finally:
        removed = 0
        if model == PARTNER and ids:
            client.execute(PARTNER, "unlink", ids)
            removed = len(ids)
    left = deployment.count(count_sql(model, run_id)) if model == PARTNER else on_primary
    if model == PARTNER:
        progress(f"{removed} partner rows removed; {left} left on the primary")
    latencies.sort()
    return TargetSmoke(
        model,
        len(ids),
        read,
        on_primary,
        on_standby,
        removed,
        left,
        round(latencies[len(latencies) // 2], 1) if latencies else 0.0,
        tuple(sorted(nodes)),
    )
