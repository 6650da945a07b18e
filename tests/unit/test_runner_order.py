"""The runner's order, phase by phase, without Docker: the real recipe (`run_scenario`) on a FakeStack, with
a `Drill` whose probes and final read are fakes that write to the history as the real ones do.

Each test reads the run's own `history.jsonl` (what `odoo-chaos check` would replay) and asserts the
order a drill promises: probes before the steady state, the steady state before the first fault, every
fault healed (always: also when nothing healed it on time and when a step fails), the probes stopped
before the final read, the final read last, and a drill whose steady state does not hold aborted before
any fault. `tests/mutate_runner.py` removes each of these from `harness/drill/runner.py` in a copy of
the tree and expects this file to fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness.core import history as h
from harness.drill.runner import Drill, RunOutcome, run_scenario
from harness.files.tiers import get_tier, load_tiers
from harness.probes import ProbeContext
from harness.scenario.load import parse_scenario
from tests.unit.fakes import FakeStack

READ_SEQS: list[int] = []


def writer(ctx: ProbeContext, *, ok: bool = True) -> Callable[[], None]:
    """A business-write lane: one write every 50 ms until the runner stops the probes."""

    ctx.lanes["w1"] = 0.05  # a lane says its period, as the real probes' lanes do

    def body() -> None:
        seq = ctx.seq_base
        while not ctx.stop.is_set():
            ctx.history.invoke("w1", h.WRITE, {"seq": seq})
            if ok:
                ctx.history.record("w1", "ok", h.WRITE, {"seq": seq, "id": seq, "node": "odoo-1"})
                READ_SEQS.append(seq)
            else:
                ctx.history.record("w1", "fail", h.WRITE, {"seq": seq}, "connection refused")
            seq += 1
            ctx.stop.wait(0.05)

    return body


def fake_final_read(ctx: ProbeContext) -> None:
    """Every acknowledged write found on the primary, on the standby and through Odoo."""
    for node in ("pg-primary", "pg-standby"):
        role = "primary" if node == "pg-primary" else "standby"
        value = {"via": "sql", "node": node, "role": role, "seqs": list(READ_SEQS), "duplicates": []}
        ctx.history.invoke("final", h.FINAL_READ, {"via": "sql", "node": node})
        ctx.history.record("final", "ok", h.FINAL_READ, value)
    ctx.history.invoke("final", h.FINAL_READ, {"via": "odoo"})
    ctx.history.record("final", "ok", h.FINAL_READ, {"via": "odoo", "seqs": list(READ_SEQS)})


def drill(*, writes_ok: bool = True) -> Drill:
    def probes(ctx: ProbeContext, names: Sequence[str]) -> list[Callable[[], None]]:
        assert tuple(names) == ("business-write",)
        return [writer(ctx, ok=writes_ok)]

    return Drill(
        probes=probes,
        final_read=fake_final_read,
        next_seq=lambda stack: 1,
        probe_uid=lambda endpoints: 2,
        steady_timeout=0.5,
    )


def run(tmp_path: Path, stack: FakeStack, data: dict[str, Any], *, writes_ok: bool = True) -> RunOutcome:
    READ_SEQS.clear()
    scenario = parse_scenario(
        {"name": "order", "summary": "s", "duration": "1.2s", "settle": "0.2s", "probes": ["business-write"],
         "checks": {"rto_stable": "0.2s"}, **data}
    )
    tier = get_tier("tier-1", load_tiers())
    return run_scenario(scenario, tier, tmp_path, stack=stack, drill=drill(writes_ok=writes_ok))  # type: ignore[arg-type]


def events(outcome: RunOutcome) -> list[dict[str, Any]]:
    lines = (outcome.run_dir / "history.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def milestones(outcome: RunOutcome) -> list[str]:
    """The runner's and the faults' events in the order written, as `f:kind[:detail]`; probes left out."""
    found = []
    for event in events(outcome):
        value = event.get("value") or {}
        if event["process"] == "runner" and event["f"] == h.PHASE:
            found.append(f"phase:{value['phase']}")
        elif event["process"] == "runner" and event["f"] == h.STEADY:
            found.append(f"steady:{event['kind']}:{value['when']}")
        elif event["process"] == "runner" and event["f"] == h.ABORT:
            found.append("abort")
        elif event["process"] == "fault":
            found.append(f"{event['f']}:{event['kind']}:{value.get('target')}")
        elif event["f"] == h.FINAL_READ and event["kind"] == "ok":
            found.append(f"final-read:{value['via']}")
    return found


def _first_write_ok(outcome: RunOutcome) -> int:
    return next(i for i, e in enumerate(events(outcome)) if e["f"] == h.WRITE and e["kind"] == "ok")


def test_a_drill_runs_probes_steady_state_fault_heal_settle_steady_state_then_the_final_read(tmp_path: Path) -> None:
    stack = FakeStack()
    outcome = run(
        tmp_path,
        stack,
        {
            "steady_state": ["writes-ok"],
            "steps": [{"at": "0.3s", "fault": "pause", "target": "odoo-1", "for": "0.3s"}],
        },
    )
    assert milestones(outcome) == [
        "phase:probes",
        "steady:invoke:before",
        "steady:ok:before",
        "inject:invoke:odoo-1",
        "inject:ok:odoo-1",
        "heal:invoke:odoo-1",
        "heal:ok:odoo-1",
        "phase:settle",
        "steady:invoke:after",
        "steady:ok:after",
        "phase:probes-stopped",
        "phase:final-read",
        "final-read:sql",
        "final-read:sql",
        "final-read:odoo",
    ]
    assert ("pause", "odoo-1", "") in stack.calls and ("unpause", "odoo-1", "") in stack.calls
    assert stack.up  # a stack the caller passed in is the caller's to tear down
    assert outcome.report["verdict"] in ("pass", "warn"), outcome.report
    assert outcome.report["lost_writes"] == 0


def test_probes_write_before_the_steady_state_is_judged(tmp_path: Path) -> None:
    outcome = run(tmp_path, FakeStack(), {"steady_state": ["writes-ok"]})
    order = [(e["process"], e["f"], e["kind"]) for e in events(outcome)]
    assert _first_write_ok(outcome) < order.index(("runner", h.STEADY, "ok"))


def test_a_fault_nobody_healed_is_healed_at_the_end_before_the_settle(tmp_path: Path) -> None:
    stack = FakeStack()
    outcome = run(tmp_path, stack, {"steps": [{"at": "0.2s", "fault": "pause", "target": "odoo-2"}]})
    assert milestones(outcome) == [
        "phase:probes",
        "inject:invoke:odoo-2",
        "inject:ok:odoo-2",
        "heal:invoke:odoo-2",
        "heal:ok:odoo-2",
        "phase:settle",
        "phase:probes-stopped",
        "phase:final-read",
        "final-read:sql",
        "final-read:sql",
        "final-read:odoo",
    ]
    assert stack.nodes["odoo-2"].state == "running"


def test_a_step_that_fails_still_heals_what_was_injected_and_the_run_says_why(tmp_path: Path) -> None:
    stack = FakeStack()

    def refuse() -> None:
        raise RuntimeError("the engine refused to pause odoo-2")

    stack.nodes["odoo-2"].pause = refuse  # type: ignore[method-assign]
    outcome = run(
        tmp_path,
        stack,
        {
            "steps": [
                {"at": "0.2s", "fault": "pause", "target": "odoo-1"},
                {"at": "0.4s", "fault": "pause", "target": "odoo-2"},
            ]
        },
    )
    assert milestones(outcome) == [
        "phase:probes",
        "inject:invoke:odoo-1",
        "inject:ok:odoo-1",
        "inject:invoke:odoo-2",
        "inject:fail:odoo-2",
        "heal:invoke:odoo-2",  # a half-done injection is healed too, newest first
        "heal:ok:odoo-2",
        "heal:invoke:odoo-1",
        "heal:ok:odoo-1",
        "abort",
    ]
    assert stack.nodes["odoo-1"].state == "running"
    assert outcome.verdict == "unknown"
    assert outcome.report["aborted_reason"] == "RuntimeError: the engine refused to pause odoo-2"


def test_the_final_read_comes_after_every_probe_stopped(tmp_path: Path) -> None:
    outcome = run(tmp_path, FakeStack(), {})
    history = events(outcome)
    stopped = next(i for i, e in enumerate(history) if e["f"] == h.PHASE and e["value"]["phase"] == "probes-stopped")
    last_write = max(i for i, e in enumerate(history) if e["f"] == h.WRITE)
    first_read = min(i for i, e in enumerate(history) if e["f"] == h.FINAL_READ)
    assert last_write < first_read and stopped < first_read
    assert outcome.report["acknowledged_writes"] == len(READ_SEQS) > 0
    assert outcome.report["lost_writes"] == 0  # the final read found every acknowledged write


def test_without_its_final_read_a_run_cannot_pass(tmp_path: Path) -> None:
    """What the final read is for: without it, no acknowledged write is known to have survived."""
    READ_SEQS.clear()
    scenario = parse_scenario(
        {"name": "order", "summary": "s", "duration": "0.6s", "settle": "0s", "probes": ["business-write"]}
    )
    silent = Drill(
        probes=lambda ctx, names: [writer(ctx)],
        final_read=lambda ctx: None,
        next_seq=lambda stack: 1,
        probe_uid=lambda endpoints: 2,
    )
    outcome = run_scenario(scenario, get_tier("tier-1", load_tiers()), tmp_path, stack=FakeStack(), drill=silent)  # type: ignore[arg-type]
    assert outcome.verdict not in ("pass", "warn"), outcome.report


def test_a_steady_state_that_does_not_hold_aborts_before_any_fault_and_still_heals_nothing_left(
    tmp_path: Path,
) -> None:
    stack = FakeStack()
    outcome = run(
        tmp_path,
        stack,
        {"steady_state": ["writes-ok"], "steps": [{"at": "0.2s", "fault": "pause", "target": "odoo-1"}]},
        writes_ok=False,
    )
    assert milestones(outcome) == ["phase:probes", "steady:invoke:before", "steady:fail:before", "abort"]
    assert outcome.verdict == "unknown" and outcome.exit_code == 3
    assert outcome.report["aborted_reason"] == (
        "SteadyStateNotMet: steady state did not hold before the first step: writes-ok"
    )
    assert not any(what == "pause" for what, _, _ in stack.calls)


def test_the_history_opens_with_its_version_and_check_agrees_with_the_run_directory(tmp_path: Path) -> None:
    from harness import __version__
    from harness.verdict.recheck import recheck

    outcome = run(tmp_path, FakeStack(), {"steps": [{"at": "0.2s", "fault": "pause", "target": "odoo-1", "for": "0.2s"}]})
    first = events(outcome)[0]
    assert (first["index"], first["process"], first["kind"], first["f"]) == (0, "runner", "info", h.HEADER)
    assert first["value"] == {"version": h.HISTORY_VERSION, "harness": __version__}
    assert recheck(outcome.run_dir) == []  # one summarise_run: the runner's reports are what check recomputes


def test_a_journey_the_fault_never_interrupted_is_said_so_not_brought_back_by(tmp_path: Path) -> None:
    outcome = run(tmp_path, FakeStack(), {"steps": [{"at": "0.2s", "fault": "pause", "target": "odoo-1", "for": "0.2s"}]})
    page = (outcome.run_dir / "report.md").read_text()
    assert "set by integrations, never interrupted. Per journey: integrations 0.00 s." in page
    assert "brought back by never interrupted" not in page
    rto = next(c for c in outcome.report["checks"] if c["checker"] == "rto")
    assert rto["figure"].endswith("set by integrations (never interrupted)")
