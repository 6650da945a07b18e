"""Split brain from hand-built node-roles histories: overlaps, their edges, and whose writes they cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.checkers import CHECKERS, run_checkers
from harness.checkers.split_brain import applies, check_split_brain
from harness.core.history import Event, make
from tests.unit.role_history import LANES, sample, series, sql_read
from tests.unit.test_checkers import CTX, Rows, two_writers


@dataclass(frozen=True)
class Facts:
    probes: tuple[str, ...]
    steady_state: tuple[str, ...] = ()
    guard: object | None = None
    steps: tuple[Any, ...] = field(default_factory=tuple)


def clean_failover() -> Rows:
    """pg-primary killed at 10.2 s (down from its 10.5 s sample); pg-standby promoted, writable from 20.25 s."""
    rows = Rows()
    rows.probes(0.0, LANES)
    series(rows, "pg-primary", 0.0, 10.5, "primary")
    series(rows, "pg-primary", 10.5, 30.0, "down")
    series(rows, "pg-standby", 0.25, 20.25, "standby")
    series(rows, "pg-standby", 20.25, 30.0, "primary")
    rows.stopped(30.0)
    return rows


def test_clean_failover_has_no_overlap() -> None:
    verdict = check_split_brain(clean_failover().events(), CTX)
    assert verdict.status == "pass" and verdict.reason == ""
    m = verdict.metrics
    assert m["sampling_period_seconds"] == 0.5
    assert m["nodes"] == ["pg-primary", "pg-standby"] and m["samples"] == 120
    assert m["writable_intervals"] == [
        {"node": "pg-primary", "start": 0.0, "end": 10.5, "closed": True},
        {"node": "pg-standby", "start": 20.25, "end": 30.0, "closed": False},  # held to the probes' stop
    ]
    assert m["overlaps"] == [] and m["total_overlap_ms"] == 0.0 and m["witnessed_overlap_ms"] == 0.0
    assert CHECKERS["split-brain"].headline(m) == "no two primaries (0 ms overlap, sampled every 0.5 s)"


def overlap_of_1200_ms() -> Rows:
    """pg-standby writable from its 10.3 s sample; pg-primary last writable at 11.0 s, demoted by 11.5 s.

    Writes every 0.1 s (seq = tenths of a second): 103..114 are invoked in [10.3, 11.5).
    """
    rows = Rows()
    rows.probes(0.0, LANES)
    series(rows, "pg-primary", 0.0, 11.5, "primary")
    series(rows, "pg-primary", 11.5, 30.0, "standby")
    series(rows, "pg-standby", 0.3, 10.3, "standby")
    series(rows, "pg-standby", 10.3, 30.0, "primary")
    two_writers(rows, 20.0)
    rows.write("w1", 10.35, 12.35, "info")  # seq 200: outcome unknown, not an acknowledged write
    rows.stopped(30.0)
    before, after = set(range(103)), set(range(115, 200))
    sql_read(rows, 31.0, "pg-primary", sorted(before | {103, 104, 109, 110, 111}), role="standby")
    sql_read(rows, 31.5, "pg-standby", sorted(before | after | {103, 104, 105, 106, 107, 108}))
    return rows


def test_a_1200_ms_overlap_fails_with_the_writes_of_each_side() -> None:
    verdict = check_split_brain(overlap_of_1200_ms().events(), CTX)
    assert verdict.status == "fail"
    m = verdict.metrics
    assert m["overlaps"] == [
        {
            "start": 10.3,
            "end": 11.5,
            "start_wall": "2026-01-01T00:00:10.300Z",
            "duration_ms": 1200.0,
            "nodes": ["pg-primary", "pg-standby"],
            "witnessed": True,
            "acknowledged_writes": 12,
            "on_both": [103, 104],
            "only_on": {"pg-primary": [109, 110, 111], "pg-standby": [105, 106, 107, 108]},
            "lost": [112, 113, 114],
            "seqs_truncated": False,
        }
    ]
    assert (m["total_overlap_ms"], m["witnessed_overlap_ms"]) == (1200.0, 1200.0)
    assert m["acknowledged_during_overlap"] == 12 and m["lost_during_overlap"] == 3
    assert m["acknowledged_only_on"] == {"pg-primary": 3, "pg-standby": 4}
    assert m["final_read_unreadable"] == []
    assert verdict.reason == (
        "pg-primary and pg-standby both accepted writes for 1200 ms in all (first from 10.30 s to 11.50 s, "
        "edges to 0.5 s); 12 writes acknowledged meanwhile: 3 only on pg-primary, 4 only on pg-standby, "
        "3 on neither (lost)"
    )
    assert CHECKERS["split-brain"].headline(m) == (
        "two primaries for 1200 ms; 3 writes acknowledged by pg-primary only, 4 by pg-standby only, 3 lost"
    )


def test_a_node_the_final_read_missed_is_named() -> None:
    rows = overlap_of_1200_ms()
    rows.rows = [r for r in rows.rows if not (r[2] == "final-read" and r[4].get("node") == "pg-primary")]
    sql_read(rows, 31.0, "pg-primary", [], kind="fail")
    verdict = check_split_brain(rows.events(), CTX)
    [overlap] = verdict.metrics["overlaps"]
    assert overlap["on_both"] == [] and overlap["only_on"] == {"pg-standby": [103, 104, 105, 106, 107, 108]}
    assert overlap["lost"] == [109, 110, 111, 112, 113, 114]  # not on any node the final read reached
    assert verdict.metrics["final_read_unreadable"] == ["pg-primary"]
    assert verdict.reason.endswith(
        "6 only on pg-standby, 6 on neither (lost); the final read could not reach pg-primary"
    )


def test_without_a_final_read_the_overlap_still_fails_and_counts_its_writes() -> None:
    rows = overlap_of_1200_ms()
    rows.rows = [r for r in rows.rows if r[2] != "final-read"]
    verdict = check_split_brain(rows.events(), CTX)
    assert verdict.status == "fail"
    [overlap] = verdict.metrics["overlaps"]
    assert (overlap["acknowledged_writes"], overlap["on_both"], overlap["only_on"], overlap["lost"]) == (
        12,
        None,
        None,
        None,
    )
    assert verdict.reason.endswith("12 writes acknowledged meanwhile")
    assert CHECKERS["split-brain"].headline(verdict.metrics) == "two primaries for 1200 ms"


def test_samples_are_ordered_by_completion_not_by_invoke_nor_by_event_order() -> None:
    """A sample invoked at 10.90 s on a second slot came back at 11.2 s saying the node is gone; the slot-0
    sample invoked at 10.95 s came back earlier (11.0 s) saying writable: the node was writable until 11.2 s."""
    rows = overlap_of_1200_ms()
    sample(rows, "pg-primary", 11.2, "down", slot=".1", latency=0.3)
    events = rows.events()
    verdict = check_split_brain(events, CTX)
    [overlap] = verdict.metrics["overlaps"]
    assert (overlap["start"], overlap["end"], overlap["duration_ms"], overlap["witnessed"]) == (10.3, 11.2, 900.0, True)
    assert overlap["acknowledged_writes"] == 9  # 103..111
    by_process = sorted(events, key=lambda e: (e.process, e.time))  # the two nodes' events not interleaved
    shuffled = make([(e.process, e.kind, e.f, e.time, e.value) for e in by_process])
    assert check_split_brain(shuffled, CTX).metrics == verdict.metrics


def test_a_node_that_stops_answering_ends_its_writable_interval() -> None:
    """pg-primary writable at 10.0 s, not answering at 10.5 s; pg-standby writable from 10.25 s: an overlap of
    250 ms that no sample saw (one node's hold meeting the other's first writable sample): a warning."""
    rows = Rows()
    rows.probes(0.0, LANES)
    series(rows, "pg-primary", 0.0, 10.5, "primary")
    series(rows, "pg-primary", 10.5, 30.0, "down")
    series(rows, "pg-standby", 0.25, 10.25, "standby")
    series(rows, "pg-standby", 10.25, 30.0, "primary")
    rows.stopped(30.0)
    verdict = check_split_brain(rows.events(), CTX)
    assert verdict.status == "warn"
    [overlap] = verdict.metrics["overlaps"]
    assert (overlap["start"], overlap["end"], overlap["duration_ms"], overlap["witnessed"]) == (
        10.25,
        10.5,
        250.0,
        False,
    )
    assert (verdict.metrics["total_overlap_ms"], verdict.metrics["witnessed_overlap_ms"]) == (250.0, 0.0)
    assert verdict.reason == (
        "two primaries cannot be ruled out for 250 ms in all: pg-primary was last seen writable at 10.00 s and "
        "said otherwise at 10.50 s, pg-standby was first seen writable at 10.25 s in between; no sample saw both "
        "writable (sampled every 0.5 s)"
    )
    assert CHECKERS["split-brain"].headline(verdict.metrics) == (
        "two primaries not ruled out for 250 ms at a hand-over (sampled every 0.5 s)"
    )


def test_a_frozen_old_primary_thawed_beside_the_new_one_is_a_split_brain() -> None:
    """pg-primary frozen (not answering) from 10.5 s, pg-standby promoted at 15.25 s; the heal thaws pg-primary,
    which answers writable at 20.0, 20.5 and 21.0 s before it is demoted at 21.5 s."""
    rows = Rows()
    rows.probes(0.0, LANES)
    series(rows, "pg-primary", 0.0, 10.5, "primary")
    series(rows, "pg-primary", 10.5, 20.0, "down")
    series(rows, "pg-primary", 20.0, 21.5, "primary")
    series(rows, "pg-primary", 21.5, 30.0, "standby")
    series(rows, "pg-standby", 0.25, 15.25, "standby")
    series(rows, "pg-standby", 15.25, 30.0, "primary")
    rows.stopped(30.0)
    verdict = check_split_brain(rows.events(), CTX)
    assert verdict.status == "fail"
    assert [(o["start"], o["end"], o["duration_ms"], o["witnessed"]) for o in verdict.metrics["overlaps"]] == [
        (20.0, 21.5, 1500.0, True)
    ]
    assert verdict.reason == (
        "pg-primary and pg-standby both accepted writes for 1500 ms in all (first from 20.00 s to 21.50 s, "
        "edges to 0.5 s); 0 writes acknowledged meanwhile"
    )


def test_edges_that_touch_are_no_overlap() -> None:
    rows = Rows()
    series(rows, "pg-primary", 0.0, 11.5, "primary")
    series(rows, "pg-primary", 11.5, 20.0, "standby")
    series(rows, "pg-standby", 0.0, 11.5, "standby")  # promoted exactly when the other was seen demoted
    series(rows, "pg-standby", 11.5, 20.0, "primary")
    verdict = check_split_brain(rows.events(), CTX)
    assert verdict.status == "pass" and verdict.metrics["overlaps"] == []
    assert verdict.metrics["sampling_period_seconds"] == 0.5  # no lanes recorded: the median gap between samples


def test_a_single_sample() -> None:
    rows = Rows()
    sample(rows, "pg-primary", 1.0, "primary")
    verdict = check_split_brain(rows.events(), CTX)
    assert verdict.status == "pass"
    assert verdict.metrics["samples"] == 1 and verdict.metrics["sampling_period_seconds"] is None
    assert verdict.metrics["writable_intervals"] == [{"node": "pg-primary", "start": 1.0, "end": 1.0, "closed": False}]
    assert (
        CHECKERS["split-brain"].headline(verdict.metrics) == "no two primaries (0 ms overlap, sampling period unknown)"
    )


def test_no_sample_is_unknown_and_not_applied() -> None:
    rows = Rows()
    rows.probes(0.0, LANES)
    two_writers(rows, 5.0)
    events: list[Event] = rows.events()
    verdict = check_split_brain(events, CTX)
    assert (verdict.status, verdict.reason) == ("unknown", "the node-roles probe took no sample")
    assert applies(Facts(("business-write", "node-roles")), events) is False
    sampled = overlap_of_1200_ms().events()
    assert applies(Facts(("business-write",)), sampled) is False
    assert applies(Facts(("business-write", "node-roles")), sampled) is True


def test_registered_right_after_rpo() -> None:
    names = [v.checker for v in run_checkers(clean_failover().events(), CTX)]
    assert names[names.index("rpo") + 1] == "split-brain"
