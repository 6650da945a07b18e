"""Every registered fault is reversible on the real stack: inject, heal, and the business path is
green again through both Odoo nodes (the target node serves writes again)."""

from __future__ import annotations

import time

import pytest

from harness.faults import FAULTS
from harness.stack import Stack, topology

TARGET = topology.ODOO_2


def _both_nodes_serve(stack: Stack, within: float = 60.0) -> set[str]:
    assert stack.endpoints is not None
    client = stack.endpoints.odoo_client(timeout=2.0)
    served: set[str] = set()
    deadline = time.monotonic() + within
    seq = 900_000 + int(time.monotonic() * 10) % 90_000
    while time.monotonic() < deadline and served != {"odoo-1", "odoo-2"}:
        seq += 1
        try:
            client.write_ledger(seq, "fault-test")
            served.add(client.last_node)
        except Exception:
            time.sleep(0.2)
    return served


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_is_reversible(stack: Stack, name: str) -> None:
    fault = FAULTS[name]
    fault.inject(stack, TARGET, {})
    try:
        container = stack.service_container(TARGET)
        if name in ("kill", "stop"):
            assert container.status == "exited"
        elif name == "pause":
            assert container.status == "paused"
    finally:
        fault.heal(stack, TARGET, {})
        fault.heal(stack, TARGET, {})  # heal twice: must be harmless
    assert stack.service_container(TARGET).status == "running"
    assert _both_nodes_serve(stack) == {"odoo-1", "odoo-2"}


def test_faults_refuse_unknown_targets(stack: Stack) -> None:
    from harness.errors import HarnessError

    with pytest.raises(HarnessError, match="unknown target 'odoo-3'; services of this stack are"):
        FAULTS["kill"].inject(stack, "odoo-3", {})
