"""Recipe: a new runbook action is one module. `vacuum-ledger` runs VACUUM on the ledger table of a PostgreSQL node."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.actions.base import action
from harness.core.errors import HarnessError
from harness.core.history import Event
from harness.files.params import NoParams
from harness.stack import db, topology
from harness.stack.handle import StackHandle


@action(
    "vacuum-ledger",
    "VACUUM (ANALYZE) the ledger table on a PostgreSQL node",
    default_target=topology.PG_PRIMARY,
    targets=db.PG_NODES,  # needs nothing beyond the core seam: it runs on every kind of stack
)
class VacuumLedger:
    def run(self, stack: StackHandle, target: str, params: NoParams, events: Sequence[Event]) -> dict[str, Any]:
        done = stack.service(target).exec(["psql", "-XAtc", "VACUUM (ANALYZE) chaos_ledger_entry"], user="postgres")
        if done.exit_code != 0:
            raise HarnessError(f"vacuum-ledger on {target}: {done.output.strip()}")
        return {"vacuumed": target}
