"""Recipe: a new runbook action is one module. `vacuum-ledger` runs VACUUM on the ledger table of a PostgreSQL node."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.actions.base import register
from harness.core.errors import HarnessError
from harness.core.history import Event
from harness.files.params import NoParams
from harness.stack import db, topology
from harness.stack.handle import StackHandle
from harness.stack.modes import MODES


@dataclass(frozen=True, slots=True)
class VacuumLedger:
    name: str = "vacuum-ledger"
    summary: str = "VACUUM (ANALYZE) the ledger table on a PostgreSQL node"
    default_target: str | None = topology.PG_PRIMARY
    targets: tuple[str, ...] = db.PG_NODES
    params_model: type[Any] = NoParams
    modes: tuple[str, ...] = MODES  # every kind of stack (manual, patroni)
    is_change: bool = False
    repairs_data: bool = False

    def run(self, stack: StackHandle, target: str, params: NoParams, events: Sequence[Event]) -> dict[str, Any]:
        done = stack.service(target).exec(["psql", "-XAtc", "VACUUM (ANALYZE) chaos_ledger_entry"], user="postgres")
        if done.exit_code != 0:
            raise HarnessError(f"vacuum-ledger on {target}: {done.output.strip()}")
        return {"vacuumed": target}


register(VacuumLedger())
