"""The plan and its brakes without Docker: step order, waits, runbook actions, heal-always, guard, stop switch."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from harness.actions import ACTIONS
from harness.checkers import run_checkers
from harness.checkers.base import CheckContext
from harness.conditions import CONDITIONS, Condition
from harness.core import history as h
from harness.core.history import History, make
from harness.drill.executor import STOP_ENV, Executor, guard_tripped, stop_requested, window_availability
from harness.faults import FAULTS
from harness.files.params import NoParams
from harness.files.tiers import load_tiers
from harness.scenario.load import parse_scenario
from harness.scenario.model import Guard, Scenario, Step
from harness.verdict.judgement import applicable as checkers_for
from harness.verdict.judgement import with_checks
from tests.unit.fakes import FakeStack


@dataclass
class Journal:
    calls: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RecordingFault:
    journal: Journal
    name: str = "fake"
    summary: str = "records inject and heal"
    fail_inject: bool = False
    takes_effect: Literal["start", "end"] = "end"
    reversible: bool = True
    damages_data: bool = False
    one_shot: bool = False
    params_model: type[Any] = NoParams
    modes: tuple[str, ...] = ("manual", "patroni")

    def inject(self, stack: Any, target: str, params: dict[str, Any]) -> None:
        self.journal.calls.append(("inject", target))
        if self.fail_inject:
            raise RuntimeError("docker said no")

    def heal(self, stack: Any, target: str, params: dict[str, Any]) -> None:
        self.journal.calls.append(("heal", target))


@dataclass(frozen=True)
class RecordingAction:
    journal: Journal
    name: str = "fake-action"
    summary: str = "records its run"
    default_target: str | None = "pg-standby"
    targets: tuple[str, ...] = ("pg-standby",)
    fail: bool = False
    params_model: type[Any] = NoParams
    modes: tuple[str, ...] = ("manual", "patroni")
    is_change: bool = False
    repairs_data: bool = False

    def run(self, stack: Any, target: str, params: dict[str, Any], events: Any) -> dict[str, Any]:
        self.journal.calls.append(("action", target))
        if self.fail:
            raise RuntimeError("pg_promote timed out")
        return {"seconds": 0.5}


@pytest.fixture
def journal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Journal]:
    found = Journal()
    monkeypatch.setitem(FAULTS, "fake", RecordingFault(found))
    monkeypatch.setitem(FAULTS, "fake-broken", RecordingFault(found, "fake-broken", fail_inject=True))
    monkeypatch.setitem(ACTIONS, "fake-action", RecordingAction(found))
    monkeypatch.setitem(ACTIONS, "fake-failing", RecordingAction(found, "fake-failing", fail=True))
    monkeypatch.setitem(CONDITIONS, "always", Condition("always", "holds", lambda s, hist, t: True))
    monkeypatch.setitem(CONDITIONS, "never", Condition("never", "never holds", lambda s, hist, t: False))
    monkeypatch.delenv(STOP_ENV, raising=False)
    yield found


def scenario(*steps: Step, duration: float = 0.6, **extra: Any) -> Scenario:
    return Scenario("t", "s", "tier-1", duration, 0.0, ("business-write",), tuple(steps), **extra)


def execute(plan: Scenario, tmp_path: Path) -> tuple[Executor, History]:
    history = History()
    executor = Executor(plan, FakeStack(), history, threading.Event(), lambda _: None, tmp_path / "STOP")  # type: ignore[arg-type]
    try:
        executor.run_steps()
        executor.idle_until_end()
    finally:
        executor.heal_all()
    return executor, history


def test_steps_run_in_order_and_every_fault_is_healed(journal: Journal, tmp_path: Path) -> None:
    plan = scenario(
        Step(0.05, "fake", "pg-primary", duration=0.1),
        Step(None, wait="always", timeout=1.0),
        Step(None, target="pg-standby", action="fake-action", after=0.05),
        Step(0.3, "fake", "redis"),  # no `for`: healed at the end
    )
    _, history = execute(plan, tmp_path)
    assert journal.calls == [
        ("inject", "pg-primary"),
        ("action", "pg-standby"),
        ("heal", "pg-primary"),
        ("inject", "redis"),
        ("heal", "redis"),
    ]
    action = next(e for e in history.events() if e.f == h.ACTION and e.kind == "ok")
    assert action.process == "runbook" and action.value["seconds"] == 0.5


def test_heal_runs_when_a_later_step_raises(journal: Journal, tmp_path: Path) -> None:
    plan = scenario(Step(0.0, "fake", "odoo-1"), Step(0.05, "fake-broken", "odoo-2"))
    with pytest.raises(RuntimeError, match="docker said no"):
        execute(plan, tmp_path)
    assert journal.calls == [("inject", "odoo-1"), ("inject", "odoo-2"), ("heal", "odoo-2"), ("heal", "odoo-1")]


def test_heal_runs_on_ctrl_c(journal: Journal, tmp_path: Path) -> None:
    @dataclass(frozen=True)
    class Interrupted:
        name: str = "interrupted"
        summary: str = "Ctrl-C arrives while it is injected"
        takes_effect: Literal["start", "end"] = "end"
        reversible: bool = True
        damages_data: bool = False
        one_shot: bool = False
        params_model: type[Any] = NoParams
        modes: tuple[str, ...] = ("manual", "patroni")

        def inject(self, stack: Any, target: str, params: dict[str, Any]) -> None:
            raise KeyboardInterrupt

        def heal(self, stack: Any, target: str, params: dict[str, Any]) -> None:
            journal.calls.append(("heal", "interrupted"))

    FAULTS["interrupted"] = Interrupted()
    try:
        with pytest.raises(KeyboardInterrupt):
            execute(scenario(Step(0.0, "fake", "pg-primary"), Step(0.05, "interrupted", "redis")), tmp_path)
    finally:
        del FAULTS["interrupted"]
    assert journal.calls == [("inject", "pg-primary"), ("heal", "interrupted"), ("heal", "pg-primary")]


def test_a_timed_out_wait_and_a_failed_action_fail_the_runbook_verdict(journal: Journal, tmp_path: Path) -> None:
    plan = scenario(Step(None, wait="never", timeout=0.2), Step(None, target="pg-standby", action="fake-failing"))
    _, history = execute(plan, tmp_path)
    (verdict,) = run_checkers(history.events(), CheckContext(tier=load_tiers()["tier-1"]), ["runbook"])
    assert verdict.status == "fail"
    assert (
        verdict.reason
        == "wait until never fail (never did not hold within 0.2s); fake-failing fail (RuntimeError: pg_promote timed out)"
    )
    assert [s["outcome"] for s in verdict.metrics["steps"]] == ["fail", "fail"]


def test_the_stop_file_halts_before_the_next_step_and_heals(journal: Journal, tmp_path: Path) -> None:
    stop = tmp_path / "STOP"

    @dataclass(frozen=True)
    class Throw:
        name: str = "throw"
        summary: str = "creates the stop file"
        takes_effect: Literal["start", "end"] = "end"
        reversible: bool = True
        damages_data: bool = False
        one_shot: bool = False
        params_model: type[Any] = NoParams
        modes: tuple[str, ...] = ("manual", "patroni")

        def inject(self, stack: Any, target: str, params: dict[str, Any]) -> None:
            stop.touch()

        def heal(self, stack: Any, target: str, params: dict[str, Any]) -> None:
            journal.calls.append(("heal", "throw"))

    FAULTS["throw"] = Throw()
    try:
        executor, history = execute(
            scenario(Step(0.0, "fake", "redis"), Step(0.05, "throw", "odoo-1"), Step(0.1, "fake", "odoo-2")), tmp_path
        )
    finally:
        del FAULTS["throw"]
    assert ("inject", "odoo-2") not in journal.calls
    assert journal.calls[-2:] == [("heal", "throw"), ("heal", "redis")]
    assert executor.halted == f"stop switch: {stop} exists"
    (verdict,) = run_checkers(history.events(), CheckContext(tier=load_tiers()["tier-1"]), ["guardrails"])
    assert verdict.status == "unknown" and verdict.metrics["by"] == "stop"


def test_the_environment_switch_stops_a_drill(
    journal: Journal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stop_requested(tmp_path / "STOP") is None
    monkeypatch.setenv(STOP_ENV, "0")
    assert stop_requested(tmp_path / "STOP") is None
    monkeypatch.setenv(STOP_ENV, "1")
    assert stop_requested(tmp_path / "STOP") == f"stop switch: {STOP_ENV}=1"
    execute(scenario(Step(0.0, "fake", "redis")), tmp_path)
    assert journal.calls == []


def writes(outcomes: str, start: float = 0.0) -> list[h.Event]:
    """One write per 0.1 s: 'o' ok, 'x' fail."""
    rows: list[tuple[str, h.Kind, str, float, dict[str, Any]]] = []
    for i, outcome in enumerate(outcomes):
        t = start + i * 0.1
        rows.append(("w", "invoke", h.WRITE, t, {"seq": i}))
        rows.append(("w", "ok" if outcome == "o" else "fail", h.WRITE, t + 0.05, {}))
    return make(rows)


def test_window_availability_and_the_guard() -> None:
    events = writes("o" * 10 + "x" * 10)
    assert window_availability(events, 0.5, 1.0, 0.0) is None  # not a full window yet
    assert window_availability(events, 1.0, 1.0, 0.0) == 1.0
    assert window_availability(events, 2.0, 1.0, 0.0) == 0.0
    assert window_availability([], 5.0, 1.0, 0.0) == 0.0  # silence is an outage
    guard = Guard(0.5, 1.0, "availability < 50% for 1s")
    assert guard_tripped(guard, events, 1.0, 0.0) is None
    assert (
        guard_tripped(guard, events, 2.0, 0.0)
        == "guard tripped: availability 0% over the last 1s (availability < 50% for 1s)"
    )


def test_checkers_follow_the_scenario() -> None:
    plain = scenario(Step(1.0, "kill", "odoo-1"))
    assert checkers_for(plain) == ["rto", "rpo", "outages", "availability", "liveness", "latency"]
    full = parse_scenario(
        {
            "name": "x",
            "summary": "s",
            "probes": ["business-write", "replication-lag", "user-sessions"],
            "steady_state": ["writes-ok"],
            "guard": "availability < 10% for 30s",
            "steps": [{"at": "1s", "action": "promote-standby"}],
        }
    )
    assert checkers_for(full)[-5:] == ["sessions", "redundancy", "runbook", "steady-state", "guardrails"]
    halted = make([("runner", "info", h.HALT, 1.0, {"by": "stop"})])
    assert checkers_for(plain, halted)[-1] == "guardrails"


def test_scenario_checks_replace_the_tier_targets() -> None:
    tier = load_tiers()["tier-1"]
    plan = parse_scenario({"name": "x", "summary": "s", "checks": {"rto": "30s"}})
    judged = with_checks(tier, plan)
    assert (judged.rto.strict, judged.rto.loose) == (30.0, 30.0)
    assert judged.rpo == tier.rpo and judged.availability == tier.availability
    assert with_checks(tier, scenario()) is tier
