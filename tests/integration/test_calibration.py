"""Calibration: the checkers against real faults whose true size is known.

Runs on the session's shared stack (the runner reuses a stack that is up). The probe period is
0.1 s (two writers at 5 Hz each), so the RTO bound is 0.1 s + 50 ms.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from harness import history as h
from harness.history import History
from harness.runner import RunOutcome, run_scenario
from harness.scenario import Scenario, Step
from harness.stack import Stack, topology
from harness.tiers import get_tier, load_tiers

PERIOD = 0.1
BOUND = PERIOD + 0.05
T = 4.0


def _scenario(name: str, duration: float, steps: tuple[Step, ...] = ()) -> Scenario:
    return Scenario(
        name,
        "calibration",
        "tier-1",
        duration,
        2.0,
        ("business-write", "business-read", "heartbeat", "replication-lag", "user-sessions"),
        steps,
    )


def _run(stack: Stack, tmp_path: Path, scenario: Scenario, side_effects=()) -> RunOutcome:  # type: ignore[no-untyped-def]
    tier = get_tier("tier-1", load_tiers())
    return run_scenario(scenario, tier, tmp_path, stack=stack, side_effects=side_effects, period=PERIOD)


def _check(outcome: RunOutcome, name: str) -> dict:  # type: ignore[type-arg]
    return next(c for c in outcome.report["checks"] if c["checker"] == name)


def _pause_traefik(seconds: float, frozen: list[float]):  # type: ignore[no-untyped-def]
    """Pause Traefik behind the harness's back; `frozen` gets the true frozen time (pause returned ->
    unpause returned), measured here and never shown to the checkers."""

    def act(stack: Stack, history: History) -> None:
        container = stack.containers[topology.TRAEFIK].get_wrapped_container()
        container.pause()
        start = time.monotonic()
        time.sleep(seconds)
        container.unpause()
        frozen.append(time.monotonic() - start)

    return act


def _true_pause(outcome: RunOutcome) -> float:
    """The recorded fault's real length: from the pause call's return to the unpause call's return."""
    ops = [op for op in h.pair(h.load(outcome.run_dir / "history.jsonl")) if op.process == "fault"]
    inject = next(op for op in ops if op.f == h.INJECT)
    heal = next(op for op in ops if op.f == h.HEAL)
    assert inject.end is not None and heal.end is not None
    return heal.end - inject.end


def test_nothing_injected_reports_no_outage_no_loss_full_availability(stack: Stack, tmp_path: Path) -> None:
    outcome = _run(stack, tmp_path, _scenario("calibration-quiet", 12.0))
    report = outcome.report
    assert report["rto_seconds"] is None
    assert report["outages"] == []
    assert report["lost_writes"] == 0
    assert report["indeterminate_writes"] == 0
    assert report["acknowledged_writes"] >= 0.8 * 12.0 / PERIOD
    assert report["availability"] == 1.0
    assert outcome.verdict in ("pass", "warn"), report
    assert _check(outcome, "sessions")["metrics"]["sessions_lost"] == 0


def test_known_outage_gives_rto_within_the_bound(stack: Stack, tmp_path: Path) -> None:
    scenario = _scenario("calibration-pause", 14.0, (Step(4.0, "pause", topology.TRAEFIK, T),))
    outcome = _run(stack, tmp_path, scenario)
    rto = outcome.report["rto_seconds"]
    truth = _true_pause(outcome)
    assert abs(truth - T) < 0.5
    assert rto is not None
    assert abs(rto - truth) <= BOUND, f"measured RTO {rto} s for a {truth:.3f} s outage (bound ±{BOUND} s)"
    assert outcome.report["rto_resolution_seconds"] == PERIOD
    assert outcome.report["lost_writes"] == 0


def test_known_outage_behind_the_harness_back_is_one_outage_window(stack: Stack, tmp_path: Path) -> None:
    frozen: list[float] = []
    outcome = _run(
        stack, tmp_path, _scenario("calibration-silent", 14.0), side_effects=[(4.0, _pause_traefik(T, frozen))]
    )
    report = outcome.report
    (truth,) = frozen
    assert report["rto_seconds"] is None  # the harness injected nothing
    windows = [w for w in report["outages"] if not w.get("short")]
    assert len(windows) == 1, report["outages"]
    assert abs(windows[0]["duration_seconds"] - truth) <= BOUND, (truth, windows[0])
    assert report["lost_writes"] == 0


def test_known_loss_is_counted_exactly_with_the_right_ids(stack: Stack, tmp_path: Path) -> None:
    k = 7
    deleted: list[int] = []

    def delete_acknowledged(stack: Stack, history: History) -> None:
        acked = [e.value["seq"] for e in history.events() if e.f == h.WRITE and e.kind == "ok"]
        victims = acked[5 : 5 + k]
        assert stack.endpoints is not None
        with psycopg.connect(stack.endpoints.pg_dsn(topology.PG_PRIMARY), autocommit=True) as conn:
            conn.execute("DELETE FROM chaos_ledger_entry WHERE seq = ANY(%s)", (victims,))
        deleted.extend(victims)

    outcome = _run(stack, tmp_path, _scenario("calibration-loss", 10.0), side_effects=[(6.0, delete_acknowledged)])
    assert len(deleted) == k
    assert outcome.report["lost_writes"] == k
    assert _check(outcome, "rpo")["metrics"]["lost_seqs"] == sorted(deleted)
    assert outcome.verdict == "pass" or outcome.report["rpo_seconds"] is not None


@pytest.mark.parametrize("name", ["calibration-quiet"])
def test_run_directory_is_complete_and_check_agrees(stack: Stack, tmp_path: Path, name: str) -> None:
    from harness.recheck import recheck

    outcome = _run(stack, tmp_path, _scenario(name, 6.0))
    for file in ("report.json", "junit.xml", "report.html", "report.md", "history.jsonl", "SHA256SUMS"):
        assert (outcome.run_dir / file).is_file(), file
    assert (outcome.run_dir / "evidence" / "logs" / "pg-primary.log").is_file()
    assert recheck(outcome.run_dir) == []
    (outcome.run_dir / "report.md").write_text("tampered\n")
    assert any("report.md" in problem for problem in recheck(outcome.run_dir))
