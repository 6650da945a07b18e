"""Failover phases from hand-built histories: detection, new leader, first write, redundancy, and their absence."""

from __future__ import annotations

from harness.checkers import CHECKERS, run_checkers
from harness.checkers.failover import applies, check_failover
from harness.core.history import Event
from tests.unit.role_history import LANES, heal, lag, sample, series
from tests.unit.test_checkers import CTX, Rows, two_writers
from tests.unit.test_split_brain import Facts

HEADLINE = CHECKERS["failover"].headline


def kill_and_failover(rejoin: bool = True, lag_back: float | None = 26.0) -> Rows:
    """pg-primary killed at 10.0 s (sampled at 0.2 + 0.5k s: down from 10.2 s); pg-standby (sampled at 0.5k s)
    writable from 20.5 s; writes fail from 10.0 s to 21.0 s. With `rejoin`, the heal at 24.0 s brings pg-primary
    back as a streaming standby (first seen at 25.2 s); the lag probe sees pg-standby stream from `lag_back`."""
    rows = Rows()
    rows.probes(0.0, LANES)
    rows.inject(10.0, 10.05, "kill", "pg-primary", takes_effect="start")
    heal(rows, 24.0, 24.5, "kill", "pg-primary")
    series(rows, "pg-primary", 0.2, 10.0, "primary")
    series(rows, "pg-primary", 10.2, 25.2 if rejoin else 40.0, "down")
    if rejoin:
        series(rows, "pg-primary", 25.2, 40.0, "standby")
    series(rows, "pg-standby", 0.0, 20.5, "standby")
    series(rows, "pg-standby", 20.5, 40.0, "primary")
    for t in range(1, 40):
        if t < 10:
            lag(rows, float(t), "pg-primary")
        elif t < 21:
            lag(rows, float(t), None)
        else:
            lag(rows, float(t), "pg-standby", 1 if lag_back is not None and t >= lag_back else 0)
    two_writers(rows, 40.0, down=(10.0, 21.0))
    rows.stopped(40.0)
    return rows


def test_a_clean_failover_passes_with_every_phase() -> None:
    verdict = check_failover(kill_and_failover().events(), CTX)
    assert verdict.status == "pass" and verdict.reason == ""
    m = verdict.metrics
    assert m["failovers"] == [
        {
            "injection": 1,
            "fault": "kill on pg-primary",
            "at": 10.0,
            "old_leader": "pg-primary",
            "new_leader": "pg-standby",
            "leader_changed": True,
            "detection_seconds": 0.2,
            "new_leader_seconds": 10.5,
            "old_leader_back_seconds": None,
            "first_write_seconds": 11.0,
            "redundancy_seconds": 15.2,
            "redundancy_seen_by": "node-roles",  # before the lag probe's 26.0 s
            "missing": {},
            "notes": [],
            "status": "pass",
            "reason": "",
        }
    ]
    assert (m["leader_kept"], m["skipped"], m["sampling_period_seconds"]) == ([], [], 0.5)
    assert HEADLINE(m) == "detected 0.2 s, new leader 10.5 s, first write 11.0 s, redundancy 15.2 s"


def test_redundancy_seen_by_the_replication_probe_only() -> None:
    verdict = check_failover(kill_and_failover(rejoin=False, lag_back=26.0).events(), CTX)
    [failover] = verdict.metrics["failovers"]
    assert (failover["redundancy_seconds"], failover["redundancy_seen_by"]) == (16.0, "replication-lag")
    assert verdict.status == "pass"


def test_missing_redundancy_is_null_with_its_reason_and_not_judged() -> None:
    verdict = check_failover(kill_and_failover(rejoin=False, lag_back=None).events(), CTX)
    assert verdict.status == "pass"
    [failover] = verdict.metrics["failovers"]
    assert (failover["redundancy_seconds"], failover["redundancy_seen_by"]) == (None, None)
    assert failover["missing"] == {"redundancy": "pg-standby streamed to no standby before the end of the run"}
    assert HEADLINE(verdict.metrics) == "detected 0.2 s, new leader 10.5 s, first write 11.0 s, no redundancy"


def test_a_streaming_standby_seen_before_the_new_leader_is_not_redundancy() -> None:
    """pg-primary streams (as a standby) from 25.2 s, but only samples from the new leader's arrival count:
    here pg-standby takes over at 30.0 s, so the first role sample with both is 30.2 s."""
    rows = kill_and_failover(lag_back=None)
    rows.rows = [r for r in rows.rows if not (r[0].startswith("roles-pg-standby") and r[3] >= 20.0)]
    series(rows, "pg-standby", 20.0, 30.0, "waiting")
    series(rows, "pg-standby", 30.0, 40.0, "primary")
    [failover] = check_failover(rows.events(), CTX).metrics["failovers"]
    assert (failover["new_leader_seconds"], failover["redundancy_seconds"]) == (20.0, 20.2)


def pause_and_heal() -> Rows:
    """pg-primary frozen 10.0-10.1 s until the heal at 20.0 s: not answering from its 10.2 s sample, writable again
    at 20.2 s; pg-standby never promoted, streaming again from its 20.5 s sample; writes down 10.1-20.1 s."""
    rows = Rows()
    rows.probes(0.0, LANES)
    rows.inject(10.0, 10.1, "pause", "pg-primary")
    heal(rows, 20.0, 20.05, "pause", "pg-primary")
    series(rows, "pg-primary", 0.2, 10.2, "primary")
    series(rows, "pg-primary", 10.2, 20.2, "down")
    series(rows, "pg-primary", 20.2, 40.0, "primary")
    series(rows, "pg-standby", 0.0, 10.5, "standby")
    series(rows, "pg-standby", 10.5, 20.5, "waiting")
    series(rows, "pg-standby", 20.5, 40.0, "standby")
    two_writers(rows, 40.0, down=(10.1, 20.1))
    rows.stopped(40.0)
    return rows


def test_writes_back_without_a_leader_change_warns() -> None:
    verdict = check_failover(pause_and_heal().events(), CTX)
    assert verdict.status == "warn"
    [failover] = verdict.metrics["failovers"]
    assert failover | {"missing": None} == {
        "injection": 1,
        "fault": "pause on pg-primary",
        "at": 10.1,  # a pause bites once its call returned
        "old_leader": "pg-primary",
        "new_leader": None,
        "leader_changed": False,
        "detection_seconds": 0.1,
        "new_leader_seconds": None,
        "old_leader_back_seconds": 10.1,
        "first_write_seconds": 10.0,  # the first write (20.1 s) came within a sample of the leader's return
        "redundancy_seconds": 10.4,
        "redundancy_seen_by": "node-roles",
        "missing": None,
        "notes": [],
        "status": "warn",
        "reason": verdict.reason,
    }
    assert failover["missing"] == {
        "new_leader": "no other node took over: the old leader pg-primary was writable again"
    }
    assert verdict.reason == (
        "writes came back without a leader change: the old leader pg-primary was writable again 10.1 s after the "
        "fault (after the harness's heal of pause on pg-primary at 20.0 s); no other node took over"
    )
    assert HEADLINE(verdict.metrics) == (
        "detected 0.1 s, old leader back 10.1 s (no failover), first write 10.0 s, redundancy 10.4 s"
    )


def test_no_leader_by_the_end_fails() -> None:
    rows = Rows()
    rows.probes(0.0, LANES)
    rows.inject(10.0, 10.05, "kill", "pg-primary", takes_effect="start")
    series(rows, "pg-primary", 0.2, 10.0, "primary")
    series(rows, "pg-primary", 10.2, 30.0, "down")
    series(rows, "pg-standby", 0.0, 10.0, "standby")
    series(rows, "pg-standby", 10.0, 30.0, "waiting")
    two_writers(rows, 30.0, down=(10.0, 30.0))
    rows.stopped(30.0)
    verdict = check_failover(rows.events(), CTX)
    assert verdict.status == "fail"
    [failover] = verdict.metrics["failovers"]
    assert failover["missing"] == {
        "new_leader": "no node accepted writes or held the leader lock again before the end of the run",
        "first_write": "no business write succeeded after the fault before the end of the run",
        "redundancy": "no leader to stream from",
    }
    assert verdict.reason == (
        "no leader after kill on pg-primary: no node accepted writes or held the leader lock again before the "
        "end of the run"
    )
    assert HEADLINE(verdict.metrics) == "detected 0.2 s, no leader, no write back, no redundancy"


def test_a_new_leader_without_writes_fails() -> None:
    rows = kill_and_failover()
    rows.rows = [r for r in rows.rows if r[2] != "write"]
    two_writers(rows, 40.0, down=(10.0, 40.0))
    verdict = check_failover(rows.events(), CTX)
    assert verdict.status == "fail"
    assert verdict.reason == (
        "pg-standby took over but no business write succeeded after the fault before the end of the run"
    )


def test_patroni_mode_leader_lock_and_patronis_role() -> None:
    """Partition of zone a at 10.0-10.1 s: pg-primary still writable at 13.2 s but Patroni already stopping it
    (13.2 s); pg-standby holds the leader lock at 19.5 s, writable at 20.0 s. Writes kept succeeding on the old
    leader until 13.5 s: the first success after the fault proves nothing, the journey's recovery is used."""
    rows = Rows()
    rows.probes(0.0, LANES)
    rows.inject(10.0, 10.1, "partition", "zone-a")
    patroni = {"patroni_state": "running"}
    series(rows, "pg-primary", 0.2, 13.2, "primary", patroni_role="primary", leader_lock=True, **patroni)
    sample(rows, "pg-primary", 13.2, "primary", patroni_role="down", patroni_state="stopping", leader_lock=False)
    series(rows, "pg-primary", 13.7, 40.0, "waiting", patroni_role="replica", leader_lock=False, **patroni)
    series(rows, "pg-standby", 0.0, 19.5, "standby", patroni_role="replica", leader_lock=False, **patroni)
    sample(rows, "pg-standby", 19.5, "standby", patroni_role="replica", leader_lock=True, **patroni)
    series(rows, "pg-standby", 20.0, 40.0, "primary", patroni_role="primary", leader_lock=True, **patroni)
    two_writers(rows, 40.0, down=(13.5, 20.0))
    rows.stopped(40.0)
    verdict = check_failover(rows.events(), CTX)
    assert verdict.status == "pass"
    [failover] = verdict.metrics["failovers"]
    assert (failover["detection_seconds"], failover["new_leader_seconds"]) == (3.1, 9.4)
    # back for good: between the last failure (invoked 19.9 s, seen at 19.92 s) and the first success after it
    # (20.0 s less its 0.02 s latency): 19.96 s, 9.86 s after the fault bit at 10.1 s
    assert failover["first_write_seconds"] == 9.86
    assert failover["notes"] == [
        "a write succeeded 0.000 s after the fault, while the node that came to lead was still seen not leading "
        "(at 8.9 s): writes still reached the old leader before it stepped down; the first write is the journey's "
        "recovery (back for good)"
    ]
    assert failover["missing"] == {"redundancy": "pg-standby streamed to no standby before the end of the run"}


def test_patroni_not_answering_is_no_detection() -> None:
    """A busy Patroni whose REST API timed out (`patroni_role` down, no state) while PostgreSQL stays writable."""
    rows = Rows()
    rows.probes(0.0, LANES)
    rows.inject(10.0, 10.1, "latency", "pg-primary")
    lock = {"patroni_state": "running", "leader_lock": True}
    series(rows, "pg-primary", 0.2, 12.2, "primary", patroni_role="primary", **lock)
    sample(rows, "pg-primary", 12.2, "primary", patroni_role="down", patroni_state=None, leader_lock=None)
    series(rows, "pg-primary", 12.7, 30.0, "primary", patroni_role="primary", **lock)
    series(rows, "pg-standby", 0.0, 30.0, "standby", patroni_role="replica", patroni_state="running")
    rows.stopped(30.0)
    verdict = check_failover(rows.events(), CTX)
    assert verdict.metrics["failovers"] == [] and verdict.metrics["leader_kept"] == [
        {"injection": 1, "fault": "latency on pg-primary"}
    ]


def test_a_fault_that_leaves_the_leader_is_listed_as_kept() -> None:
    rows = Rows()
    rows.probes(0.0, LANES)
    rows.inject(10.0, 10.05, "kill", "odoo-1", takes_effect="start")
    series(rows, "pg-primary", 0.2, 30.0, "primary")
    series(rows, "pg-standby", 0.0, 30.0, "standby")
    two_writers(rows, 30.0)
    rows.stopped(30.0)
    verdict = check_failover(rows.events(), CTX)
    assert verdict.status == "pass"
    assert verdict.metrics["failovers"] == [] and verdict.metrics["leader_kept"] == [
        {"injection": 1, "fault": "kill on odoo-1"}
    ]
    assert HEADLINE(verdict.metrics) == "the leader was kept through every fault"


def test_a_fault_without_a_single_leader_before_it_is_skipped_with_its_reason() -> None:
    rows = kill_and_failover()
    rows.rows = [r for r in rows.rows if not (r[0] == "roles-pg-primary" and r[3] < 10.0)]
    series(rows, "pg-primary", 0.2, 10.0, "waiting")
    verdict = check_failover(rows.events(), CTX)
    assert verdict.metrics["skipped"] == [
        {"injection": 1, "fault": "kill on pg-primary", "reason": "no writable node when it began"}
    ]
    assert verdict.status == "pass" and HEADLINE(verdict.metrics) == "no fault took the leader away"


def test_no_sample_is_unknown_and_not_applied() -> None:
    rows = Rows()
    rows.inject(1.0, 1.1)
    two_writers(rows, 5.0)
    events: list[Event] = rows.events()
    assert check_failover(events, CTX).status == "unknown"
    assert applies(Facts(("business-write", "node-roles")), events) is False
    sampled = kill_and_failover().events()
    assert applies(Facts(("business-write",)), sampled) is False
    assert applies(Facts(("node-roles",)), sampled) is True


def test_registered_right_after_rto() -> None:
    names = [v.checker for v in run_checkers(kill_and_failover().events(), CTX)]
    assert names[:4] == ["rto", "failover", "rpo", "split-brain"]
