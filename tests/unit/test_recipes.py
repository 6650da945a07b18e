"""The "Adding a fault / action / probe / checker" recipes of docs/contributing.md, each done once here.

Each recipe is one module in tests/unit/recipes/ that registers itself when imported; nothing in
`harness/` is edited. These tests import it and show that the whole harness picks it up: the
scenario grammar validates it (params included), the executor runs it against a stack, the
checkers judge it and the reports name it.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.actions import ACTIONS
from harness.checkers import CHECKERS, CheckContext, run_checkers
from harness.core import history as h
from harness.core.history import History, make
from harness.core.registry import Registry
from harness.drill.executor import Executor
from harness.faults import FAULTS
from harness.files.tiers import load_tiers
from harness.probes import PROBES, journeys_of
from harness.scenario.load import InvalidScenario, parse_scenario
from harness.verdict.judgement import judge_run
from tests.unit.fakes import FakeStack

TIER = load_tiers()["tier-1"]


def _recipe(module: str, registry: Registry[object], name: str) -> Iterator[None]:
    assert name not in registry
    importlib.import_module(f"tests.unit.recipes.{module}")  # the import is the whole registration
    try:
        yield
    finally:
        del registry[name]
        sys.modules.pop(f"tests.unit.recipes.{module}", None)


@pytest.fixture
def fill_disk() -> Iterator[None]:
    yield from _recipe("fill_disk", FAULTS, "fill-disk")  # type: ignore[arg-type]


@pytest.fixture
def vacuum_ledger() -> Iterator[None]:
    yield from _recipe("vacuum_ledger", ACTIONS, "vacuum-ledger")  # type: ignore[arg-type]


@pytest.fixture
def tcp_ping() -> Iterator[None]:
    yield from _recipe("tcp_ping", PROBES, "tcp-ping")  # type: ignore[arg-type]


@pytest.fixture
def writes_seen() -> Iterator[None]:
    yield from _recipe("writes_seen", CHECKERS, "writes-seen")  # type: ignore[arg-type]


def _run(data: dict[str, object], stack: FakeStack, tmp_path: Path) -> History:
    plan = parse_scenario({"name": "recipe", "summary": "s", "duration": "1s", "settle": "0s", **data})
    history = History()
    executor = Executor(plan, stack, history, threading.Event(), lambda _: None, tmp_path / "STOP")  # type: ignore[arg-type]
    try:
        executor.run_steps()
    finally:
        executor.heal_all()
    return history


def test_adding_a_fault(fill_disk: None, tmp_path: Path) -> None:
    stack = FakeStack()
    step = {"at": "0s", "fault": "fill-disk", "target": "zone-b", "for": "0.1s", "params": {"size_mb": 50}}
    history = _run({"steps": [step]}, stack, tmp_path)
    execs = [command for what, _, command in stack.calls if what == "exec"]
    zone = len(stack.layout.members("zone-b"))  # every service of the zone, as the stack lays it out
    assert (
        zone >= 2 and execs == ["fallocate -l 50M /tmp/odoo-chaos-fill"] * zone + ["rm -f /tmp/odoo-chaos-fill"] * zone
    )
    inject = next(e for e in history.events() if e.f == h.INJECT and e.kind == "invoke")
    assert (inject.value["fault"], inject.value["size_mb"], inject.value["takes_effect"]) == ("fill-disk", 50, "end")
    with pytest.raises(InvalidScenario) as error:
        parse_scenario({"name": "x", "summary": "s", "steps": [{**step, "params": {"size_mb": 0}}]}, "f.yaml")
    assert str(error.value) == "f.yaml: field steps.0.params.size_mb: must be >= 1, not 0"


def test_adding_an_action(vacuum_ledger: None, tmp_path: Path) -> None:
    stack = FakeStack()
    history = _run({"steps": [{"at": "0s", "action": "vacuum-ledger"}]}, stack, tmp_path)
    assert ("exec", "pg-primary", "psql -XAtc VACUUM (ANALYZE) chaos_ledger_entry") in stack.calls
    (runbook,) = run_checkers(history.events(), CheckContext(tier=TIER), ["runbook"])
    assert runbook.status == "pass"
    assert runbook.metrics["steps"][0]["vacuumed"] == "pg-primary"
    assert runbook.figure == "vacuum-ledger ok in 0.0 s"


def test_adding_a_probe(tcp_ping: None) -> None:
    plan = parse_scenario({"name": "x", "summary": "s", "probes": ["tcp-ping", "business-write"]})
    assert plan.probes == ("tcp-ping", "business-write")
    journeys = journeys_of(plan.probes)
    assert journeys == {"ping": "tcp clients", "write": "integrations"}
    # what the runner records, then 15 s of pings: down from 3 s to 6 s after odoo-1 is paused at 2 s
    rows: list[tuple[str, h.Kind, str, float, dict[str, object]]] = [
        ("runner", "ok", h.PHASE, 0.0, {"phase": "probes", "probes": list(plan.probes), "journeys": journeys}),
        ("fault", "invoke", h.INJECT, 2.0, {"fault": "pause", "target": "odoo-1", "takes_effect": "end"}),
        ("fault", "ok", h.INJECT, 2.01, {"fault": "pause", "target": "odoo-1"}),
        ("runner", "ok", h.PHASE, 15.0, {"phase": "probes-stopped"}),
    ]
    for i in range(60):
        t = 0.25 * i
        rows.append(("tcp-ping", "invoke", "ping", t, {}))
        rows.append(("tcp-ping", "fail" if 3.0 <= t < 6.0 else "ok", "ping", t + 0.01, {}))
    events = make(sorted(rows, key=lambda row: row[3]))
    rto, outages, availability = run_checkers(events, CheckContext(tier=TIER), ["rto", "outages", "availability"])
    assert rto.metrics["rto_journey"] == "tcp clients"
    assert rto.metrics["rto_by_journey"]["tcp clients"]["rto_seconds"] == pytest.approx(3.99, abs=0.13)
    (window,) = outages.metrics["outages"]
    assert window["duration_seconds"] == pytest.approx(3.0, abs=0.25) and window["failed_probes"] == ["tcp-ping"]
    assert availability.metrics["availability_journey"] == "tcp clients"


def test_adding_a_checker(writes_seen: None) -> None:
    with_writes = parse_scenario({"name": "x", "summary": "s", "probes": ["business-write"]})
    without = parse_scenario({"name": "x", "summary": "s", "probes": ["business-read"]})
    events = make([("writer-1", "invoke", h.WRITE, 1.0, {"seq": 1}), ("writer-1", "ok", h.WRITE, 1.1, {"seq": 1})])
    judged = {v.checker: v for v in judge_run(with_writes, TIER, events).verdicts}
    assert (judged["writes-seen"].status, judged["writes-seen"].figure) == ("pass", "1 writes acknowledged")
    assert list(judged)[-1] == "writes-seen"  # its `order` puts it last in the reports
    assert "writes-seen" not in {v.checker for v in judge_run(without, TIER, events).verdicts}  # does not apply
