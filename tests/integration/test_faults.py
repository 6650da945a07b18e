"""Every registered fault is reversible on the real stack: inject, heal, and the business path is
green again through both Odoo nodes (the target node serves writes again)."""

from __future__ import annotations

import itertools
import re
import secrets
import subprocess
import time

import pytest

from harness.actions import ACTIONS
from harness.core.clock import poll_until
from harness.core.errors import HarnessError
from harness.faults import FAULTS
from harness.files.params import validate_params
from harness.stack import db, topology
from harness.stack.stack import Stack

TARGET = topology.ODOO_2
_SEQ = itertools.count(1_000_000 + secrets.randbelow(10_000) * 10_000)  # unique ledger seqs for this session


def _both_nodes_serve(stack: Stack, within: float = 60.0) -> set[str]:
    assert stack.endpoints is not None
    client = stack.endpoints.odoo_client(timeout=2.0)
    served: set[str] = set()
    errors: list[str] = []
    started = time.monotonic()
    deadline = started + within
    while time.monotonic() < deadline and served != {"odoo-1", "odoo-2"}:
        seq = next(_SEQ)
        try:
            client.write_ledger(seq, "fault-test")
            served.add(client.last_node)
        except Exception as exc:
            errors.append(f"{time.monotonic() - started:.1f}s {type(exc).__name__}: {str(exc)[-200:]}")
            time.sleep(0.2)
    if served != {"odoo-1", "odoo-2"}:
        print("\n".join(errors[-10:]))
    return served


def _attached(stack: Stack, service: str) -> set[str]:
    networks = stack.service(service).addresses()
    return {name for name, net in stack.networks.items() if net.name in networks}


def _loss_rules(stack: Stack, service: str) -> str:
    pid = stack.service(service).pid
    done = subprocess.run(["nsenter", "-t", str(pid), "-n", "iptables", "-S"], capture_output=True, text=True)
    return done.stdout


def _kernel_has_netem(stack: Stack) -> bool:
    """Try a netem qdisc on the loopback of one of the stack's own containers (harmless, removed at once)."""
    pid = str(stack.service(topology.REDIS).pid)
    add = subprocess.run(
        ["nsenter", "-t", pid, "-n", "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"]
    )
    subprocess.run(["nsenter", "-t", pid, "-n", "tc", "qdisc", "del", "dev", "lo", "root"], capture_output=True)
    return add.returncode == 0


REVERSIBLE = sorted(name for name, fault in FAULTS.items() if getattr(fault, "reversible", True))


def test_only_data_damage_is_irreversible() -> None:
    """Faults whose heal cannot undo them are run by the drills whose runbook repairs them (test_scenarios)."""
    assert sorted(set(FAULTS) - set(REVERSIBLE)) == ["bad-delete", "corrupt-relation", "destroy-region"]


@pytest.mark.parametrize("name", REVERSIBLE)
def test_fault_is_reversible(stack: Stack, name: str) -> None:
    fault = FAULTS[name]
    params = validate_params(fault, {"percent": 100} if name == "loss" else {})  # typed, as a scenario gives them
    if name == "latency" and not _kernel_has_netem(stack):
        with pytest.raises(
            HarnessError, match=r"^this kernel has no sch_netem \(tc netem\): the latency fault cannot run here$"
        ):
            fault.inject(stack, TARGET, params)
        fault.heal(stack, TARGET, params)
        assert _both_nodes_serve(stack) == {"odoo-1", "odoo-2"}
        return
    before = stack.service(TARGET).addresses()
    fault.inject(stack, TARGET, params)
    try:
        container = stack.service(TARGET)
        if name in ("kill", "stop"):
            assert container.status == "exited"
        elif name == "pause":
            assert container.status == "paused"
        elif name == "partition":
            assert _attached(stack, TARGET) == set()
        elif name == "loss":
            assert "--probability 1" in _loss_rules(stack, TARGET)
        elif name == "latency":
            pid = str(container.pid)
            shown = subprocess.run(["nsenter", "-t", pid, "-n", "tc", "qdisc"], capture_output=True, text=True)
            assert "netem" in shown.stdout
    finally:
        fault.heal(stack, TARGET, params)
        fault.heal(stack, TARGET, params)  # heal twice: must be harmless
    assert stack.service(TARGET).status == "running"
    assert _attached(stack, TARGET) == {topology.ZONE_B, topology.INTERZONE}
    assert stack.service(TARGET).addresses() == before  # restarted or reconnected, a node keeps its addresses
    assert "ODOO-CHAOS" not in _loss_rules(stack, TARGET)
    assert _both_nodes_serve(stack) == {"odoo-1", "odoo-2"}


def test_zone_partition_keeps_the_business_path_and_heals_back_to_redundancy(stack: Stack) -> None:
    """Zone b cut off: odoo-1 and pg-primary (zone a) carry on; after heal pg-standby streams again."""
    partition = FAULTS["partition"]
    partition.inject(stack, topology.ZONE_B, validate_params(partition, {}))
    try:
        assert _attached(stack, topology.PG_STANDBY) == {topology.ZONE_B, topology.EDGE}
        assert topology.ZONE_B not in _attached(stack, topology.TRAEFIK)
        assert _both_nodes_serve(stack, within=10.0) == {"odoo-1"}
    finally:
        partition.heal(stack, topology.ZONE_B, validate_params(partition, {}))
    assert _both_nodes_serve(stack) == {"odoo-1", "odoo-2"}
    poll_until(
        lambda: db.streaming_to(stack, topology.PG_PRIMARY, topology.PG_STANDBY),
        timeout=60,
        what="standby streaming",
        on_timeout=AssertionError,
    )


def test_restart_and_replace_node_actions_bring_the_node_back(stack: Stack) -> None:
    before = stack.service(TARGET).id
    restart = ACTIONS["restart-service"]
    assert restart.run(stack, TARGET, validate_params(restart, {}), ()) == {"status": "running"}
    result = ACTIONS["replace-node"].run(stack, TARGET, validate_params(ACTIONS["replace-node"], {}), ())
    assert stack.service(TARGET).id != before and result["new"] != result["replaced"]
    assert _attached(stack, TARGET) == {topology.ZONE_B, topology.INTERZONE}
    assert _both_nodes_serve(stack) == {"odoo-1", "odoo-2"}


def test_failover_rejoin_and_switch_back(stack: Stack) -> None:
    """The runbook by hand: kill, promote, rejoin (pg_rewind), then the warm reset's switch back."""
    kill, promote = FAULTS["kill"], ACTIONS["promote-standby"]
    kill.inject(stack, topology.PG_PRIMARY, validate_params(kill, {}))
    promote.run(stack, topology.PG_STANDBY, validate_params(promote, {}), ())
    assert db.roles(stack) == {topology.PG_PRIMARY: "down", topology.PG_STANDBY: "primary"}
    kill.heal(stack, topology.PG_PRIMARY, validate_params(kill, {}))  # heal must not start a second primary
    assert db.roles(stack) == {topology.PG_PRIMARY: "standby", topology.PG_STANDBY: "primary"}
    assert db.streaming_to(stack, topology.PG_STANDBY, topology.PG_PRIMARY)
    switched = db.switch_back(stack)
    assert switched is not None and switched.method == "pg_rewind", switched
    assert db.roles(stack) == {topology.PG_PRIMARY: "primary", topology.PG_STANDBY: "standby"}
    assert _both_nodes_serve(stack) == {"odoo-1", "odoo-2"}


def test_faults_refuse_unknown_targets(stack: Stack) -> None:
    expected = (
        "unknown target 'odoo-3'; targets of a manual stack are pg-primary, pg-standby, backup, redis, "
        "odoo-1, odoo-2, traefik, zone-a, zone-b, region"
    )
    with pytest.raises(HarnessError, match=f"^{re.escape(expected)}$"):
        FAULTS["kill"].inject(stack, "odoo-3", validate_params(FAULTS["kill"], {}))
