"""Calibration: the checkers against real faults whose true size is known.

Runs on the session's shared stack (the runner reuses a stack that is up). The probe period is
0.1 s (two writers at 5 Hz each), so the RTO bound is 0.1 s + 50 ms.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest

from harness.core import history as h
from harness.core.history import History
from harness.drill.runner import RunOutcome, run_scenario
from harness.files.tiers import get_tier, load_tiers
from harness.scenario.model import Scenario, Step
from harness.stack import topology
from harness.stack.stack import Stack

pytestmark = pytest.mark.drills  # whole drills: `pytest -m 'not drills'` skips them

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
        container = stack.service(topology.TRAEFIK)
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
    truth = _true_pause(outcome)
    assert abs(truth - T) < 0.5
    recoveries = {r["journey"]: r for r in _check(outcome, "rto")["metrics"]["recoveries"]}
    assert set(recoveries) == {"integrations", "web users", "reads"}
    writes = recoveries["integrations"]
    print(
        "traefik pause: truth "
        + f"{truth:.3f} s; "
        + "; ".join(f"{j} {r['rto_seconds']} s ±{r['resolution_seconds']} s" for j, r in recoveries.items())
    )
    # within the estimate's own stated resolution (the invoke gap, or half the bracket between the last
    # failure and the first success: the requests a frozen Traefik queued come back slowly together)
    assert abs(writes["rto_seconds"] - truth) <= writes["resolution_seconds"] + 0.05, (
        f"writes back after {writes['rto_seconds']} s ±{writes['resolution_seconds']} s, truth {truth:.3f} s"
    )
    assert writes["resolution_seconds"] <= 0.4  # 0.1 s between writes; the thaw's backlog measured 0.1-0.2 s
    for journey, recovery in recoveries.items():  # each journey within its own probe's resolution
        bound = recovery["resolution_seconds"] + 0.05
        assert abs(recovery["rto_seconds"] - truth) <= bound, (journey, recovery, truth)
        assert recovery["recovered_by"] == "heal"
    assert outcome.report["rto_seconds"] == max(r["rto_seconds"] for r in recoveries.values())
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
    # acknowledged writes vanished with no fault that may lose data: the RPO check fails, and the run
    rpo = _check(outcome, "rpo")
    assert rpo["status"] == "fail" and outcome.verdict == "fail", rpo
    assert outcome.report["rpo_seconds"] is not None and outcome.report["rpo_seconds"] > 0


class Observer:
    """An independent 50 Hz observer of the same path (Traefik -> Odoo, XML-RPC `version`, no database),
    one call at a time with a 0.25 s timeout: when calls start succeeding again after a hang, to 20 ms."""

    def __init__(self, stack: Stack) -> None:
        assert stack.endpoints is not None
        self.client = stack.endpoints.odoo_client(timeout=0.25)
        self.calls: list[tuple[float, float, bool]] = []  # (start, end, ok), Unix time
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self.stop.is_set():
            start = time.time()
            try:
                self.client.version()
                ok = True
            except Exception:
                ok = False
            self.calls.append((start, time.time(), ok))
            self.stop.wait(max(0.0, 0.02 - (time.time() - start)))

    def back_after(self, moment: float) -> float:
        """When calls came back for good after `moment`: between the last failure's end and the next success."""
        failures = [end for start, end, ok in self.calls if not ok and start >= moment]
        last = max(failures)
        first_ok = min((start, end) for start, end, ok in self.calls if ok and start > last)
        return (last + first_ok[0]) / 2


def test_an_odoo_hang_reads_back_within_the_probe_period(stack: Stack, tmp_path: Path) -> None:
    """Both Odoo nodes frozen for 4 s: writes keep being invoked at 10 Hz while earlier ones hang, so the
    recovery is seen at the probe period, not at the 2 s client timeout. The truth is the independent
    observer's: a thawed node first works off the requests queued while it was frozen, and Traefik puts
    it back in rotation at its next health check, so users get through a little after the thaw (shown)."""
    observer = Observer(stack)
    observer.thread.start()
    steps = (Step(4.0, "pause", "odoo-1", T), Step(4.0, "pause", "odoo-2", T))
    scenario = Scenario("calibration-odoo-hang", "calibration", "tier-1", 16.0, 6.0, ("business-write",), steps)
    try:
        outcome = _run(stack, tmp_path, scenario)
    finally:
        observer.stop.set()
        observer.thread.join(timeout=5)
    ops = h.pair(h.load(outcome.run_dir / "history.jsonl"))
    injects = [op for op in ops if op.f == h.INJECT and op.completion is not None]
    heals = [op for op in ops if op.f == h.HEAL and op.completion is not None]
    reference = min(_unix(op.completion.wall) for op in injects if op.completion is not None)  # the first froze
    both_frozen = max(_unix(op.completion.wall) for op in injects if op.completion is not None)
    first_thaw = min(_unix(op.invoke.wall) for op in heals)  # from here one node may answer again
    thawed = max(_unix(op.completion.wall) for op in heals if op.completion is not None)
    truth = observer.back_after(reference) - reference
    rto = outcome.report["rto_seconds"]
    print(
        f"odoo hang: frozen {thawed - reference:.3f} s, observer back after {truth:.3f} s, harness RTO {rto} s "
        f"(resolution {outcome.report['rto_resolution_seconds']} s)"
    )
    assert rto is not None, outcome.report
    assert truth >= first_thaw - reference - 0.05  # nobody got through while both nodes were frozen
    assert not [c for c in observer.calls if c[2] and both_frozen <= c[0] and c[1] <= first_thaw]
    assert abs(rto - truth) <= BOUND, f"measured RTO {rto} s for users back after {truth:.3f} s (bound ±{BOUND} s)"
    assert outcome.report["rto_resolution_seconds"] <= 2 * PERIOD  # not the 2 s client timeout


def _unix(wall: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(wall).timestamp()


@pytest.mark.parametrize("name", ["calibration-quiet"])
def test_run_directory_is_complete_and_check_agrees(stack: Stack, tmp_path: Path, name: str) -> None:
    from harness.verdict.recheck import recheck

    outcome = _run(stack, tmp_path, _scenario(name, 6.0))
    for file in ("report.json", "junit.xml", "report.html", "report.md", "history.jsonl", "SHA256SUMS"):
        assert (outcome.run_dir / file).is_file(), file
    assert (outcome.run_dir / "evidence" / "logs" / "pg-primary.log").is_file()
    assert recheck(outcome.run_dir) == []
    (outcome.run_dir / "report.md").write_text("tampered\n")
    assert any("report.md" in problem for problem in recheck(outcome.run_dir))
