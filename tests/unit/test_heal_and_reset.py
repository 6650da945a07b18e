"""Heal never makes a second primary, and a warm reset always ends in the reference state: on a FakeStack.

The FakeStack answers the psql questions `harness.stack.db` asks like a two-node PostgreSQL cluster
(roles, pg_promote, the replication view), so the rules the drills depend on are checked here in
milliseconds, for every fault that can take a PostgreSQL node away, without Docker.
"""

from __future__ import annotations

import pytest

from harness.core import clock
from harness.drill import reset
from harness.drill.reset import warm_reset
from harness.faults import FAULTS
from harness.files.params import params_model
from harness.stack import db, topology
from tests.unit.fakes import FakeStack

PRIMARY, STANDBY = topology.PG_PRIMARY, topology.PG_STANDBY
# every fault that takes pg-primary (or its zone) away and can be healed
TAKES_THE_PRIMARY_AWAY = [
    ("kill", PRIMARY),
    ("stop", PRIMARY),
    ("pause", PRIMARY),
    ("kill", topology.ZONE_A),
    ("partition", topology.ZONE_A),
    ("partition", PRIMARY),
]


@pytest.fixture(autouse=True)
def fast_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "POLL_SECONDS", 0.0)
    monkeypatch.setattr(reset, "STEADY_PERIOD", 0.0)


def _inject(stack: FakeStack, fault: str, target: str) -> None:
    FAULTS[fault].inject(stack, target, params_model(FAULTS[fault])())


def _heal(stack: FakeStack, fault: str, target: str) -> None:
    FAULTS[fault].heal(stack, target, params_model(FAULTS[fault])())


@pytest.mark.parametrize(("fault", "target"), TAKES_THE_PRIMARY_AWAY)
def test_heal_after_a_failover_rejoins_the_old_primary_as_a_standby(fault: str, target: str) -> None:
    stack = FakeStack()
    _inject(stack, fault, target)
    db.promote(stack, STANDBY)  # the runbook's failover while the old primary is away
    _heal(stack, fault, target)
    assert stack.primaries() == [STANDBY]
    assert stack.nodes[PRIMARY].role == "standby" and stack.nodes[PRIMARY].state == "running"
    assert stack.nodes[PRIMARY].networks == set(topology.service(PRIMARY).networks)
    _heal(stack, fault, target)  # heal twice: harmless, still one primary
    assert stack.primaries() == [STANDBY]


@pytest.mark.parametrize(("fault", "target"), TAKES_THE_PRIMARY_AWAY)
def test_heal_without_a_failover_brings_the_primary_back_as_it_was(fault: str, target: str) -> None:
    stack = FakeStack()
    _inject(stack, fault, target)
    _heal(stack, fault, target)
    assert stack.primaries() == [PRIMARY]
    assert stack.nodes[STANDBY].role == "standby"
    assert not [call for call in stack.calls if call[0] == "task"], "nothing to rewind: no rejoin task"


def test_a_partitioned_primary_is_fenced_before_it_rejoins() -> None:
    """Both nodes primary after the partition heals would be a split brain: the cut-off node stops first."""
    stack = FakeStack()
    _inject(stack, "partition", topology.ZONE_A)
    db.promote(stack, STANDBY)
    assert sorted(stack.primaries()) == [PRIMARY, STANDBY]  # the split brain the drill creates
    _heal(stack, "partition", topology.ZONE_A)
    order = [what for what, name, _ in stack.calls if name in (PRIMARY, f"{PRIMARY}-rejoin")]
    assert order.index("kill SIGINT") < order.index("task") < order.index("start")  # fenced, rewound, started
    assert stack.primaries() == [STANDBY]


def test_warm_reset_after_a_failover_gives_pg_primary_its_role_back() -> None:
    stack = FakeStack()
    _inject(stack, "kill", PRIMARY)
    db.promote(stack, STANDBY)
    _heal(stack, "kill", PRIMARY)
    warm_reset(stack, lambda _: None)
    assert stack.primaries() == [PRIMARY]
    assert stack.nodes[STANDBY].role == "standby" and stack.nodes[STANDBY].state == "running"


def test_warm_reset_heals_whatever_a_drill_left_behind() -> None:
    stack = FakeStack()
    _inject(stack, "pause", topology.REDIS)
    _inject(stack, "partition", topology.ZONE_B)
    stack.releases[topology.ODOO_NODES[0]] = "good-release"
    warm_reset(stack, lambda _: None)
    assert all(node.state == "running" for node in stack.nodes.values())
    assert all(node.networks == set(topology.service(name).networks) for name, node in stack.nodes.items())
    assert stack.releases == dict.fromkeys(topology.ODOO_NODES)
    assert stack.primaries() == [PRIMARY]


def test_warm_reset_ends_a_split_brain_in_favour_of_pg_primary() -> None:
    stack = FakeStack()
    db.promote(stack, STANDBY)  # left by a partition drill whose heal never ran
    assert sorted(stack.primaries()) == [PRIMARY, STANDBY]
    warm_reset(stack, lambda _: None)
    assert stack.primaries() == [PRIMARY]
    assert stack.nodes[STANDBY].role == "standby"
