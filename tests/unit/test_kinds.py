"""The registry of stack kinds: each kind's class implements exactly the capabilities it declares,
and a step needing what a kind lacks is refused with the reason, before anything starts."""

from __future__ import annotations

import dataclasses
import inspect
import re

import pytest

from harness.actions import ACTIONS
from harness.faults import FAULTS
from harness.stack import topology
from harness.stack.handle import CAPABILITIES, NodeSurgery
from harness.stack.kinds import STACK_KINDS, Shape, fits, why_not
from harness.stack.patroni_stack import PatroniStack
from harness.stack.stack import Stack

CLASSES = {"manual": Stack, "patroni": PatroniStack}


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_each_kind_declares_exactly_what_its_class_implements(kind: str) -> None:
    cls = CLASSES[kind]
    implemented = {cap for cap in CAPABILITIES if all(_has(cls, member) for member in _members(cap))}
    assert STACK_KINDS[kind].shape.capabilities == implemented


def _has(cls: type, member: str) -> bool:
    """A class attribute or method, or an attribute every instance sets in `__init__` (self.releases = ...)."""
    if hasattr(cls, member):
        return True
    sources = [inspect.getsource(base) for base in cls.__mro__ if base.__module__.startswith("harness.")]
    return any(re.search(rf"self\.{member}\s*[:=]", source) for source in sources)


def _members(cap: type) -> set[str]:
    return {name for name in vars(cap) if not name.startswith("_")} | set(getattr(cap, "__annotations__", {}))


def test_a_fault_needing_a_missing_capability_is_refused_with_the_capability_named() -> None:
    manual = STACK_KINDS["manual"].shape
    bare = dataclasses.replace(manual, kind="team", capabilities=manual.capabilities - {NodeSurgery})
    assert why_not(manual, FAULTS["corrupt-relation"], topology.PG_PRIMARY) is None
    assert why_not(bare, FAULTS["corrupt-relation"], topology.PG_PRIMARY) == (
        "corrupt-relation on pg-primary needs NodeSurgery, which a team stack has not"
    )


def test_runbook_and_ha_steps_go_only_where_failover_is_done_their_way() -> None:
    assert fits("manual", ACTIONS["promote-standby"], topology.PG_STANDBY)
    assert why_not(STACK_KINDS["patroni"].shape, ACTIONS["promote-standby"], topology.PG_STANDBY) == (
        "promote-standby on pg-standby is a runbook step of manual failover; a patroni stack fails over by itself"
    )
    assert why_not(STACK_KINDS["manual"].shape, ACTIONS["patroni-switchover"], None) == (
        "patroni-switchover needs HaControl, which a manual stack has not"
    )


def test_a_target_the_kind_has_not_is_refused_with_its_targets() -> None:
    shape = Shape("manual", topology.MANUAL, frozenset(CAPABILITIES), automatic_failover=False)
    reason = why_not(shape, FAULTS["pause"], "etcd-a")
    assert reason == f"a manual stack has no etcd-a (its targets are {', '.join(topology.MANUAL.targets)})"
