"""Runbook actions of the Patroni mode: the planned switchover an operator runs for maintenance.

`patroni-switchover` asks Patroni (`patronictl switchover`) to hand the leader lock to the target
node and waits until that node holds the lock and takes writes. It is what users live through in
a monthly maintenance window: the checkers measure the outage it causes like any other.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from harness.actions.base import action
from harness.core.history import Event
from harness.files.params import NoParams
from harness.stack import ha, patroni, topology
from harness.stack.handle import HaControl, StackHandle


@action(
    "patroni-switchover",
    "planned switchover (patronictl switchover) of the leader lock to the target node",
    default_target=topology.PG_STANDBY,
    targets=patroni.PATRONI_NODES,
    is_change=True,  # a planned change to production: an incident measured from its start
    needs=(HaControl,),
    failover="automatic",
)
class PatroniSwitchover:
    def run(self, stack: StackHandle, target: str, params: NoParams, events: Sequence[Event]) -> dict[str, Any]:
        started = time.monotonic()
        former = ha.switchover(stack, target)
        return {"from": former, "to": target, "seconds": round(time.monotonic() - started, 3)}

