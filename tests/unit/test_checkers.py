from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from harness.checkers import (
    CHECKERS,
    CheckContext,
    Status,
    Verdict,
    checker_names,
    overall,
    run_checkers,
    validate_checker_names,
)
from harness.checkers.availability import check_availability
from harness.checkers.base import Checker, WallClock, shift_wall
from harness.checkers.latency import check_latency, nearest_rank
from harness.checkers.outages import check_outages
from harness.checkers.rpo import check_rpo
from harness.checkers.rto import check_rto
from harness.checkers.sessions import check_sessions
from harness.core.errors import HarnessError
from harness.core.history import (
    FINAL_READ,
    HEADER,
    HEARTBEAT,
    INJECT,
    PHASE,
    READ,
    SESSION,
    WRITE,
    Event,
    Kind,
    make,
)
from harness.files.tiers import load_tiers

TIERS = load_tiers()
CTX = CheckContext(tier=TIERS["tier-1"])
BUILT_IN = [  # the checkers that ship with the harness, in report order (a plugin may add more)
    "rto",
    "failover",
    "rpo",
    "split-brain",
    "pitr",
    "restore",
    "corruption",
    "outages",
    "availability",
    "liveness",
    "latency",
    "sessions",
    "redundancy",
    "runbook",
    "steady-state",
    "guardrails",
    "load",
]
Row = tuple[str, Kind, str, float, dict[str, Any]]


class Rows:
    """A hand-built history: add operations in any order, `events()` sorts them by time."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.acked: list[int] = []
        self.seq = 0

    def op(
        self,
        process: str,
        f: str,
        start: float,
        end: float | None,
        kind: Kind = "ok",
        value: dict[str, Any] | None = None,
        result: dict[str, Any] | None = None,
    ) -> None:
        self.rows.append((process, "invoke", f, round(start, 6), dict(value or {})))
        if end is not None:
            self.rows.append((process, kind, f, round(end, 6), dict(result or {})))

    def write(self, process: str, start: float, end: float | None, kind: Kind = "ok") -> int:
        seq = self.seq
        self.seq += 1
        result = {"id": seq + 1000, "node": "odoo-1"} if kind == "ok" else {}
        self.op(process, WRITE, start, end, kind, {"seq": seq}, result)
        if kind == "ok" and end is not None:
            self.acked.append(seq)
        return seq

    def inject(
        self, start: float, end: float | None, fault: str = "kill", target: str = "pg-primary", **value: Any
    ) -> None:
        self.op("fault", INJECT, start, end, "ok", {"fault": fault, "target": target, **value})

    def final_read(
        self,
        t: float,
        seqs: Sequence[int],
        via: str = "both",
        odoo: Sequence[int] | None = None,
        **extra: Any,
    ) -> None:
        """The final read: SQL on the primary (and, with `via="both"`, through Odoo: `odoo` or the same seqs)."""
        if via in ("sql", "both"):
            value = {"via": "sql", "node": "pg-primary", "role": "primary", "seqs": list(seqs), **extra}
            self.op("final", FINAL_READ, t, t + 0.2, "ok", {"via": "sql", "node": "pg-primary"}, value)
        if via in ("odoo", "both"):
            shown = list(seqs if odoo is None else odoo)
            self.op("final", FINAL_READ, t + 0.3, t + 0.5, "ok", {"via": "odoo"}, {"via": "odoo", "seqs": shown})

    def probes(self, t: float = 0.0, lanes: dict[str, float] | None = None) -> None:
        value = {"phase": "probes", "lanes": lanes or {"w1": 0.2, "w2": 0.2}, "period": 0.1}
        self.rows.append(("runner", "ok", PHASE, t, value))

    def stopped(self, t: float) -> None:
        self.rows.append(("runner", "ok", PHASE, t, {"phase": "probes-stopped"}))

    def events(self) -> list[Event]:
        return make(sorted(self.rows, key=lambda row: row[3]))


def two_writers(
    rows: Rows,
    until: float,
    down: tuple[float, float] | None = None,
    latency: float = 0.02,
    latency_after: float | None = None,
) -> None:
    """Writers w1/w2 at 5 Hz each, staggered by 0.1 s; writes invoked inside `down` fail fast."""
    for k in range(round(until / 0.1)):
        t = round(k * 0.1, 6)
        process = "w1" if k % 2 == 0 else "w2"
        if down and down[0] <= t < down[1]:
            rows.write(process, t, t + latency, "fail")
        else:
            lat = latency_after if latency_after is not None and down and t >= down[1] else latency
            rows.write(process, t, t + lat)


def clean_outage(until: float = 30.0, **kwargs: Any) -> Rows:
    rows = Rows()
    rows.inject(10.0, 10.05)
    two_writers(rows, until, down=(10.05, 15.05), **kwargs)
    rows.final_read(until + 1, rows.acked)
    return rows


def verdicts_by_name(verdicts: Sequence[Verdict]) -> dict[str, Verdict]:
    return {v.checker: v for v in verdicts}


# --- no injection -------------------------------------------------------------------------------


def test_quiet_run_without_injection() -> None:
    rows = Rows()
    rows.probes()
    two_writers(rows, 20.0)
    rows.stopped(20.0)
    rows.final_read(21.0, rows.acked)
    verdicts = verdicts_by_name(run_checkers(rows.events(), CTX))
    assert list(verdicts) == checker_names()
    assert [name for name in verdicts if name in BUILT_IN] == BUILT_IN
    rto = verdicts["rto"]
    assert rto.status == "pass" and rto.metrics["rto_seconds"] is None and rto.metrics["injected"] is False
    assert verdicts["outages"].status == "pass" and verdicts["outages"].metrics["outage_count"] == 0
    assert verdicts["availability"].metrics["availability"] == 1.0 and verdicts["availability"].status == "pass"
    assert verdicts["rpo"].metrics["lost_writes"] == 0 and verdicts["rpo"].status == "pass"
    assert verdicts["rpo"].metrics["acknowledged_writes"] == 200
    assert verdicts["liveness"].status == "pass"
    assert verdicts["latency"].metrics["before"]["count"] == 200
    assert verdicts["latency"].metrics["during"] == {"p50": None, "p95": None, "p99": None, "count": 0}
    assert verdicts["sessions"].status == "unknown"  # no session probe ran
    assert overall(verdicts.values()) == "unknown"
    for verdict in verdicts.values():  # every metric is plain JSON
        json.dumps(verdict.metrics, allow_nan=False)


# --- RTO --------------------------------------------------------------------------------------------


def test_clean_five_second_outage_rto_with_latency_correction() -> None:
    events = clean_outage().events()
    verdict = check_rto(events, CTX)
    m = verdict.metrics
    # Down 10.05..15.05. The first write after it is invoked at 15.1 and completes at 15.12: minus the
    # 0.02 s baseline latency, back by 15.10 at the latest. The last failure came back at 15.02: down
    # then. Recovered in the middle, 15.06: RTO = 15.06 - 10.05, within the probe period of the truth.
    assert m["rto_seconds"] == pytest.approx(5.01)
    assert abs(m["rto_seconds"] - 5.0) <= CTX.probe_period
    assert m["rto_journey"] == "integrations" and m["recovered_by"] == "self"
    assert m["rto_first_success_seconds"] == pytest.approx(5.05)
    assert m["rto_resolution_seconds"] == pytest.approx(0.1)
    assert m["injected"] is True and m["injections"] == 1
    assert m["fault_injected_at"] == "2026-01-01T00:00:10.000Z"
    assert m["recovered_at"] == "2026-01-01T00:00:15.060Z"
    assert m["rto_by_journey"] == {
        "integrations": {"rto_seconds": pytest.approx(5.01), "rto_seconds_at_least": None, "recovered_by": "self"}
    }
    assert verdict.status == "pass" and verdict.margin == pytest.approx(900 - 5.01)
    assert verdict.target == "RTO <= 900 s (warn <= 3600 s); a journey counts as back once it stays up for 5 s"


def test_a_write_that_slips_through_before_the_fault_bites_is_not_recovery() -> None:
    rows = Rows()
    rows.inject(10.0, 10.5)  # the injection call takes 0.5 s
    two_writers(rows, 30.0, down=(10.3, 15.0))  # writes at 10.0..10.2 still succeed
    verdict = check_rto(rows.events(), CTX)
    # last failure back at 14.92, first success no later than 15.00: recovered at 14.96
    assert verdict.metrics["rto_seconds"] == pytest.approx(14.96 - 10.5)


def test_rto_unknown_only_when_the_run_is_too_short_to_tell() -> None:
    rows = Rows()
    rows.inject(10.0, 10.05)
    two_writers(rows, 20.0, down=(10.05, 999))
    verdict = check_rto(rows.events(), CTX)
    assert verdict.status == "unknown"
    assert verdict.metrics["rto_seconds"] is None
    assert verdict.metrics["rto_seconds_at_least"] == pytest.approx(19.92 - 10.05)
    assert "the run was too short to tell" in verdict.reason
    assert "integrations not back after kill on pg-primary" in verdict.reason


def test_rto_judged_against_the_tier() -> None:
    rows = Rows()
    rows.inject(10.0, 10.0)
    rows.write("w1", 0.0, 0.1)
    rows.write("w1", 10.0, None)  # hangs: no completion
    for k in range(12):  # back at 1220 s (minus the 0.1 s baseline), and stays up
        rows.write("w2", 1220.0 + k, 1220.1 + k)
    verdict = check_rto(rows.events(), CTX)
    assert verdict.status == "warn" and verdict.metrics["rto_seconds"] == 1210.0
    assert verdict.margin == -310.0 and "exceeds the tier-1 target of 900 s" in verdict.reason
    assert check_rto(rows.events(), CheckContext(tier=TIERS["tier-2"])).status == "pass"


def test_a_recovery_must_stay_up_for_the_stability_window() -> None:
    rows = Rows()
    rows.inject(10.0, 10.05)
    two_writers(rows, 30.0, down=(10.05, 15.05))
    rows.write("w3", 16.0, 16.05, "fail")  # a relapse 0.9 s after the first success
    m = check_rto(rows.events(), CTX).metrics
    assert m["rto_first_success_seconds"] == pytest.approx(5.05)
    # back for good after the failed write (done 16.05): the write invoked 16.1, done 16.12 -> by 16.10
    assert m["rto_seconds"] == pytest.approx((16.05 + 16.10) / 2 - 10.05)


def test_a_relapse_answered_after_the_proof_still_bounds_the_recovery_from_below() -> None:
    """CI, zone-outage on Patroni: writes back 12.5 s after the cut, one more failed as the zone returned, its
    answer after the next write's success; the bracket's lower end stayed at the outage's last failure, so the
    middle (26.9 s) was reported for a journey that was back for good only at ~41 s. From history version 3
    the relapse's start bounds it; a history of an earlier version is judged as it was."""
    rows = Rows()
    rows.inject(10.0, 10.05)
    two_writers(rows, 30.0, down=(10.05, 15.05))
    rows.write("w3", 24.0, 24.5, "fail")  # began before the proof below, answered after it
    rows.write("w3", 24.1, 24.12)
    old = check_rto(rows.events(), CTX).metrics
    assert old["rto_seconds"] == pytest.approx((15.02 + 24.10) / 2 - 10.05)  # version 1: as it was judged
    rows.rows.insert(0, ("runner", "info", HEADER, 0.0, {"version": 3, "harness": "0.1.0"}))
    new = check_rto(rows.events(), CTX).metrics
    assert new["rto_seconds"] == pytest.approx((24.0 + 24.10) / 2 - 10.05)
    assert new["rto_first_success_seconds"] == pytest.approx(old["rto_first_success_seconds"])


def test_a_recovery_needs_its_window_inside_the_run() -> None:
    rows = clean_outage(until=18.0)
    verdict = check_rto(rows.events(), CTX)
    assert verdict.metrics["rto_seconds"] is None and verdict.status == "unknown"
    assert "before the 5 s stability window could confirm it" in verdict.reason
    short = check_rto(rows.events(), CheckContext(tier=CTX.tier, stable_for=2.0))
    assert short.metrics["rto_seconds"] == pytest.approx(5.01)


def _heartbeats(rows: Rows, times: Sequence[float], down: tuple[float, float], new_timeline: bool) -> None:
    base = 1_767_225_600.0
    for t in times:
        if down[0] <= t < down[1]:
            rows.op("hb", HEARTBEAT, t, t + 1.0, "fail", {"seq": int(t * 10)})
            continue
        timeline = 2 if new_timeline and t >= down[1] else 1
        result = {"server_time": base + t + 0.005, "timeline": timeline, "node": "pg"}
        rows.op("hb", HEARTBEAT, t, t + 0.01, "ok", {"seq": int(t * 10)}, result)


def test_heartbeat_oracle_across_a_timeline_change() -> None:
    rows = clean_outage()
    _heartbeats(rows, [i * 0.5 for i in range(60)], (10.05, 15.0), new_timeline=True)
    m = check_rto(rows.events(), CTX).metrics
    # last beat on timeline 1: invoked 10.0; first on timeline 2: invoked 15.0
    assert m["oracle_rto_seconds"] == pytest.approx(5.0)
    assert m["oracle_timeline_changed"] is True


def test_heartbeat_oracle_without_a_timeline_change_uses_the_gap() -> None:
    rows = clean_outage()
    _heartbeats(rows, [i * 0.5 for i in range(60)], (10.05, 15.0), new_timeline=False)
    m = check_rto(rows.events(), CTX).metrics
    assert m["oracle_rto_seconds"] == pytest.approx(5.0) and m["oracle_timeline_changed"] is False


def test_heartbeat_oracle_is_none_without_heartbeats() -> None:
    m = check_rto(clean_outage().events(), CTX).metrics
    assert m["oracle_rto_seconds"] is None and m["oracle_timeline_changed"] is None


def test_rto_counts_from_the_start_of_a_fault_that_bites_at_once() -> None:
    """A restart's whole outage happens inside the call: RTO from the call's start, bracket both ends."""
    rows = Rows()
    rows.inject(10.0, 12.0, fault="restart", target="traefik", takes_effect="start")
    two_writers(rows, 30.0, down=(10.0, 12.1))
    rows.final_read(31.0, rows.acked)
    metrics = check_rto(rows.events(), CTX).metrics
    assert metrics["rto_seconds"] == pytest.approx(2.06)  # between the last failure (12.02) and 12.10
    assert metrics["rto_bracket_seconds"] == [pytest.approx(0.06), pytest.approx(2.06)]


# --- RPO --------------------------------------------------------------------------------------------


def _writes(n: int) -> Rows:
    rows = Rows()
    for i in range(n):
        rows.write("w1" if i % 2 == 0 else "w2", i * 0.1, i * 0.1 + 0.02)
    return rows


def test_lost_writes_exact_ids_and_span_to_the_moment_of_loss() -> None:
    rows = _writes(100)
    rows.inject(5.5, 5.6)  # a kill of the primary: it can lose data
    rows.final_read(20.0, [s for s in rows.acked if s not in (50, 51, 52)])
    verdict = check_rpo(rows.events(), CTX)
    m = verdict.metrics
    assert m["lost_writes"] == 3 and m["lost_seqs"] == [50, 51, 52] and m["lost_seqs_truncated"] is False
    assert m["rpo_seconds"] == pytest.approx(5.5 - 5.0)  # moment of loss - oldest lost write's invoke
    assert m["rpo_censored"] is False and m["data_loss_fault_injected"] is True
    assert m["acknowledged_writes"] == 100 and m["attempted_writes"] == 100
    assert verdict.status == "warn" and verdict.reason.startswith("3 acknowledged writes were lost, spanning 0.5 s")
    assert verdict.target == "RPO <= 300 s (warn <= 900 s); any lost acknowledged write is at least a warning"


def test_lost_writes_spanning_beyond_the_tier_fail() -> None:
    rows = Rows()
    rows.write("w1", 0.0, 0.1)
    rows.write("w1", 1.0, 1.1)
    rows.inject(1001.0, 1001.05)
    rows.write("w1", 1002.0, 1002.1)
    rows.final_read(1003.0, [0, 2])
    verdict = check_rpo(rows.events(), CTX)
    assert verdict.metrics["rpo_seconds"] == pytest.approx(1000.0)
    assert verdict.status == "fail" and verdict.margin == pytest.approx(300 - 1000.0)


def test_indeterminate_writes_are_never_lost_and_recovered_ones_are_counted() -> None:
    rows = _writes(10)
    info_present = rows.write("w1", 2.0, 3.0, "info")
    info_absent = rows.write("w2", 2.1, 3.1, "info")
    unfinished = rows.write("w3", 2.2, None)
    rows.final_read(5.0, [*rows.acked, info_present])
    m = check_rpo(rows.events(), CTX).metrics
    assert m["lost_writes"] == 0 and m["rpo_seconds"] == 0.0
    assert m["indeterminate_writes"] == 3 and m["indeterminate_seqs"] == [info_present, info_absent, unfinished]
    assert m["recovered_writes"] == 1 and m["recovered_seqs"] == [info_present]


def test_unexpected_and_duplicate_writes() -> None:
    rows = _writes(5)
    failed = rows.write("w1", 1.0, 1.1, "fail")
    rows.final_read(3.0, [*rows.acked, failed, 999], duplicates=[3])
    verdict = check_rpo(rows.events(), CTX)
    m = verdict.metrics
    assert m["failed_writes"] == 1
    assert m["unexpected_writes"] == 2 and m["unexpected_seqs"] == [999] and m["present_but_failed_seqs"] == [failed]
    assert m["duplicate_writes"] == 1 and m["duplicate_seqs"] == [3]
    assert verdict.status == "warn" and verdict.reason == "1 writes are stored twice"


def test_lost_seq_list_is_capped() -> None:
    rows = _writes(1200)
    rows.final_read(200.0, [])
    m = check_rpo(rows.events(), CTX).metrics
    assert m["lost_writes"] == 1200 and len(m["lost_seqs"]) == 1000 and m["lost_seqs_truncated"] is True


def test_no_final_read_is_unknown() -> None:
    rows = _writes(10)
    rows.op("final", FINAL_READ, 2.0, 3.0, "fail", {"via": "sql", "node": "pg-primary"})
    verdict = check_rpo(rows.events(), CTX)
    assert verdict.status == "unknown" and verdict.reason.startswith("no final read")
    assert verdict.metrics["acknowledged_writes"] == 10
    assert verdict.metrics["final_read_nodes"] == {"pg-primary": "unreachable"}


def test_no_final_read_through_odoo_is_unknown() -> None:
    rows = _writes(10)
    rows.final_read(2.0, rows.acked, via="sql")
    verdict = check_rpo(rows.events(), CTX)
    assert verdict.status == "unknown" and "through Odoo failed" in verdict.reason


# --- outages and availability ---------------------------------------------------------------------


def test_outages_with_no_fault_near_them_warn() -> None:
    rows = Rows()
    two_writers(rows, 20.0, down=(5.0, 6.0))
    events = rows.events()
    assert check_rto(events, CTX).metrics["injected"] is False
    verdict = check_outages(events, CTX)
    assert verdict.status == "warn"
    assert verdict.reason == "1 outage window with no fault, runbook step or heal near them: 5.0-6.0 s (0.96 s; w1, w2)"
    (window,) = verdict.metrics["outages"]
    # the last failure came back at 5.92, the first success (invoked 6.0, done 6.02) proves 6.00: ends at 5.96
    assert window["start"] == 5.0 and window["end"] == pytest.approx(5.96)
    assert window["duration_seconds"] == pytest.approx(0.96) and window["explained_by"] is None
    assert window["start_wall"] == "2026-01-01T00:00:05.000Z" and window["end_wall"] == "2026-01-01T00:00:05.960Z"
    assert window["failed_probes"] == ["w1", "w2"] and window["failed_ops"] == 10
    assert window["open"] is False and window["short"] is False


def test_an_outage_a_fault_explains_is_information() -> None:
    verdict = check_outages(clean_outage().events(), CTX)
    assert verdict.status == "pass" and verdict.metrics["unexplained_outages"] == 0
    (window,) = verdict.metrics["outages"]
    assert window["explained_by"] == "fault kill on pg-primary"
    assert verdict.reason == "1 outage window(s), each explained by the drill"


def test_outage_still_open_at_run_end() -> None:
    rows = Rows()
    rows.inject(10.0, 10.05)
    two_writers(rows, 20.0, down=(10.05, 999))
    verdict = check_outages(rows.events(), CheckContext(tier=CTX.tier, run_end=21.0))
    (window,) = verdict.metrics["outages"]
    assert window["open"] is True and window["start"] == pytest.approx(10.1) and window["end"] == 21.0
    assert verdict.metrics["outage_seconds_total"] == pytest.approx(10.9)


def test_short_windows_are_listed_and_flagged_and_overlaps_merge() -> None:
    rows = Rows()
    rows.write("w1", 0.0, 0.02)
    rows.write("w1", 1.0, 1.03, "fail")
    rows.write("w2", 1.01, 1.02)  # proves recovery at 1.02
    rows.write("w1", 3.0, 6.0, "info")  # a slow unknown write...
    rows.op("r1", READ, 3.5, 3.6, "fail")  # ...overlapping a failed read
    rows.op("s1", SESSION, 4.0, 4.1, "fail", {"session": 1})
    rows.op("s1", SESSION, 5.0, 5.2, "ok", {"session": 1}, {"logged_in": True})  # a session check proves sessions
    rows.op("r1", READ, 5.0, 5.5)
    rows.write("w2", 7.0, 7.02)
    windows = check_outages(rows.events(), CTX).metrics["outages"]
    # the second window: failures seen until 4.1, the read invoked at 5.0 proves it by 5.48: ends at 4.79
    assert [(w["start"], w["end"], w["short"]) for w in windows] == [(1.0, 1.0, True), (3.0, 4.79, False)]
    assert windows[1]["failed_probes"] == ["r1", "s1", "w1"] and windows[1]["failed_ops"] == 3


def test_failing_sessions_are_one_window_even_while_writes_succeed() -> None:
    """A Redis outage: session checks fail for 3 s while writes go on; one window, not one per check."""
    rows = Rows()
    two_writers(rows, 8.0)
    for k in range(8):
        kind: Kind = "fail" if 2 <= k < 5 else "ok"
        rows.op("s1", SESSION, k + 0.5, k + 0.6, kind, {"session": 1}, {"logged_in": True} if kind == "ok" else {})
    windows = check_outages(rows.events(), CTX).metrics["outages"]
    assert [(w["start"], w["end"], w["failed_probes"]) for w in windows] == [(2.5, 5.05, ["s1"])]


def test_availability_and_error_budget_arithmetic() -> None:
    rows = clean_outage(until=100.0)
    verdict = check_availability(rows.events(), CheckContext(tier=CTX.tier, run_end=100.0))
    m = verdict.metrics
    # writes-only window: first failed write invoked at 10.1, back between 15.02 and 15.10: 15.06
    assert m["downtime_seconds"] == pytest.approx(4.96) and m["measured_seconds"] == 100.0
    assert m["availability"] == pytest.approx(0.9504) and m["availability_percent"] == pytest.approx(95.04)
    assert m["availability_journey"] == "integrations"
    assert m["error_budget_used"] == pytest.approx(0.0496 / 0.0001)
    assert m["availability_by_journey"]["integrations"]["operations"] == 1000
    assert m["availability_by_journey"]["integrations"]["ok_operations"] == 950
    # a fault drill is one incident: its downtime is judged against the monthly budget (Tier 1: 259.2 s)
    assert m["monthly_budget_seconds"] == pytest.approx(259.2)
    assert m["monthly_error_budget_used"] == pytest.approx(4.96 / (0.0001 * 30 * 86400), rel=1e-4)
    assert verdict.status == "pass" and verdict.margin == pytest.approx(259.2 - 4.96)
    assert verdict.target == (
        "downtime of this incident <= 259 s (warn <= 1296 s): the tier-1 monthly downtime budget at 99.99%"
    )


def test_an_incident_over_the_monthly_budget_fails() -> None:
    rows = Rows()
    rows.inject(10.0, 10.05)
    two_writers(rows, 1500.0, down=(10.05, 1400.05))
    rows.final_read(1501.0, rows.acked)
    verdict = check_availability(rows.events(), CheckContext(tier=CTX.tier, run_end=1500.0))
    assert verdict.status == "fail"
    assert verdict.reason == "this incident's 1390.0 s of integrations downtime exceeds the tier-1 monthly budget"


def test_availability_warn_band_and_negative_margin() -> None:
    rows = Rows()
    for t in range(1000):
        rows.write("w1", float(t), t + 0.02, "fail" if t in (500, 501) else "ok")
    verdict = check_availability(rows.events(), CheckContext(tier=TIERS["tier-3"], run_end=1000.0))
    m = verdict.metrics
    # down from 500.0 to between 501.02 (last failure back) and 502.0 (first success, less its latency)
    assert m["downtime_seconds"] == pytest.approx(1.51)
    assert m["availability"] == pytest.approx(0.99849)
    assert m["error_budget_used"] == pytest.approx(1.51)
    assert verdict.status == "warn" and verdict.margin == pytest.approx(0.99849 - 0.999)
    assert verdict.unit == "fraction"
    assert verdict.target == "availability >= 99.9% (warn >= 99.5%)"


def test_availability_unknown_without_any_journey() -> None:
    assert check_availability(make([("hb", "invoke", HEARTBEAT, 0.0)]), CTX).status == "unknown"


def test_availability_judges_the_worst_journey() -> None:
    rows = clean_outage(until=60.0)
    for k in range(60):  # web users down from 10 s to 40 s
        kind: Kind = "fail" if 10 <= k < 40 else "ok"
        rows.op("s1", SESSION, k + 0.5, k + 0.6, kind, {"session": 1}, {"logged_in": True} if kind == "ok" else {})
    m = check_availability(rows.events(), CheckContext(tier=CTX.tier, run_end=60.0)).metrics
    assert m["availability_journey"] == "web users"
    assert m["downtime_seconds"] == pytest.approx((39.6 + 40.5) / 2 - 10.5)
    assert m["availability_by_journey"]["integrations"]["downtime_seconds"] == pytest.approx(4.96)


# --- latency ----------------------------------------------------------------------------------------


def test_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert [nearest_rank(values, p) for p in (50, 95, 99, 100)] == [50.0, 95.0, 99.0, 100.0]
    assert nearest_rank([0.3], 99) == 0.3 and nearest_rank([], 50) is None


def test_latency_windows_before_during_after() -> None:
    rows = clean_outage(latency_after=0.05)
    m = check_latency(rows.events(), CTX).metrics
    assert m["before"] == {"p50": 0.02, "p95": 0.02, "p99": 0.02, "count": 100}
    # during: completions from 10.0 to the recovery (15.15 - 0.02 = 15.13): only the write done at 10.02
    assert m["during"] == {"p50": 0.02, "p95": 0.02, "p99": 0.02, "count": 1}
    assert m["after"]["count"] == 149 and m["after"]["p99"] == 0.05


def test_latency_unknown_without_ok_writes() -> None:
    rows = Rows()
    rows.write("w1", 0.0, 1.0, "fail")
    assert check_latency(rows.events(), CTX).status == "unknown"


# --- sessions ---------------------------------------------------------------------------------------


def test_sessions_lost() -> None:
    rows = Rows()
    plan: dict[int, list[bool | None]] = {1: [True, True, True], 2: [True, None, False], 3: [False, True, True]}
    for session, states in plan.items():
        for i, state in enumerate(states):
            t = i * 1.0 + session * 0.1
            if state is None:
                rows.op(f"s{session}", SESSION, t, t + 0.5, "info", {"session": session})
            else:
                rows.op(f"s{session}", SESSION, t, t + 0.05, "ok", {"session": session}, {"logged_in": state})
    verdict = check_sessions(rows.events(), CTX)
    assert verdict.metrics == {
        "sessions": 3,
        "sessions_logged_in": 3,
        "sessions_lost": 1,
        "sessions_lost_share": pytest.approx(1 / 3, abs=1e-4),
        "lost_sessions": [2],
    }
    assert verdict.status == "warn" and verdict.reason == "1 of 3 logged-in users were logged out"


# --- registry, runner, overall ----------------------------------------------------------------------


def test_registry_holds_every_checker() -> None:
    assert set(BUILT_IN) <= set(CHECKERS)
    assert [name for name in checker_names() if name in BUILT_IN] == BUILT_IN
    assert all(CHECKERS[name].name == name for name in CHECKERS)


def test_a_crashing_checker_is_unknown_and_the_others_still_run() -> None:
    def boom(events: Sequence[Event], ctx: CheckContext) -> Verdict:
        raise RuntimeError("kaput\nsecond line")

    registry = {"boom": Checker("boom", boom), "rto": CHECKERS["rto"]}
    verdicts = run_checkers(clean_outage().events(), CTX, ["boom", "rto"], registry=registry)
    assert verdicts[0] == Verdict("boom", "unknown", {}, reason="checker crashed: RuntimeError: kaput")
    assert verdicts[1].checker == "rto" and verdicts[1].status == "pass"
    assert overall(verdicts) == "unknown"


def test_unknown_checker_names() -> None:
    (verdict,) = run_checkers([], CTX, ["nope"])
    assert verdict.status == "unknown" and "valid: availability" in verdict.reason
    validate_checker_names(["rto", "rpo"])
    with pytest.raises(HarnessError, match='unknown checker "nope"'):
        validate_checker_names(["rto", "nope"])


def test_checkers_survive_an_empty_history() -> None:
    verdicts = run_checkers([], CTX)
    assert all("crashed" not in v.reason for v in verdicts)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "unknown"),
        (["pass"], "pass"),
        (["pass", "warn"], "warn"),
        (["warn", "unknown", "pass"], "unknown"),
        (["unknown", "fail", "warn"], "fail"),
        (["pass", "pass"], "pass"),
    ],
)
def test_overall_worst_wins(statuses: list[Status], expected: Status) -> None:
    assert overall([Verdict("x", s, {}) for s in statuses]) == expected


def test_wall_helpers() -> None:
    assert shift_wall("2026-01-01T00:00:10.000Z", -0.25) == "2026-01-01T00:00:09.750Z"
    clock = WallClock.of(make([("a", "invoke", WRITE, 1.0), ("a", "ok", WRITE, 3.0)]))
    assert clock.at(2.9) == "2026-01-01T00:00:02.900Z" and WallClock.of([]).at(1.0) is None


def test_a_runbook_step_reads_as_what_it_did_not_what_it_was_asked() -> None:
    """rejoin-old-primary is given `method: auto`; the step shows the method it used and the seconds it measured."""
    from harness.checkers.runbook import check_runbook, runbook_headline
    from harness.core.history import ACTION

    rows = Rows()
    asked = {"method": "auto", "action": "rejoin-old-primary", "target": "pg-primary", "repairs_data": False}
    did = asked | {"node": "pg-primary", "source": "pg-standby", "method": "pg_rewind", "seconds": 2.7368}
    rows.op("runbook", ACTION, 20.0, 22.75, "ok", asked, did)
    verdict = check_runbook(rows.events(), CTX)
    (step,) = verdict.metrics["steps"]
    assert (verdict.status, step["step"], step["method"], step["seconds"], step["source"]) == (
        "pass",
        "rejoin-old-primary",
        "pg_rewind",
        2.7368,  # the action's own measure of itself (the op took 2.75 s)
        "pg-standby",
    )
    assert "repairs_data" not in step
    assert runbook_headline(verdict.metrics) == "rejoin-old-primary by pg_rewind ok in 2.7 s"
