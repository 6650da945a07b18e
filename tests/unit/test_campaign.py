"""Campaign arithmetic (distribution over repeats, the summary) and the pure plans of the network faults."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.checkers.base import CheckContext
from harness.checkers.redundancy import check_redundancy
from harness.core import history as h
from harness.core.errors import HarnessError
from harness.core.history import make
from harness.core.stats import nearest_rank
from harness.drill.campaign import distribution, summarise, summary_markdown
from harness.drill.runner import RunOutcome
from harness.faults import FAULTS
from harness.faults.network import loss_probability, partition_cuts
from harness.files.params import InvalidParams, validate_params
from harness.files.tiers import load_tiers
from harness.stack import topology


def test_percentiles_are_nearest_rank() -> None:
    assert nearest_rank([3.0, 1.0, 2.0], 50) == 2.0
    assert nearest_rank([float(i) for i in range(1, 11)], 90) == 9.0
    assert distribution([1.0, None, 3.0, 2.0]) == {"n": 3, "min": 1.0, "median": 2.0, "p90": 3.0, "max": 3.0}
    assert distribution([None]) == {"n": 0, "min": None, "median": None, "p90": None, "max": None}


def outcome(verdict: str, rto: float | None, lost: int) -> RunOutcome:
    report = {"rto_seconds": rto, "rpo_seconds": 0.0, "lost_writes": lost}
    return RunOutcome(Path(f"/r/{verdict}-{rto}"), verdict, 0, report)


def test_summary_gives_each_scenario_its_distribution_and_the_worst_verdict() -> None:
    runs = [("kill", outcome("warn", 1.0, 0)), ("kill", outcome("warn", 3.0, 0)), ("hang", outcome("fail", None, 2))]
    summary = summarise(runs, [4.0, 6.0])
    assert summary["verdict"] == "fail"
    assert summary["warm_reset_seconds"]["median"] == 4.0
    kill = summary["scenarios"]["kill"]
    assert kill["verdicts"] == ["warn", "warn"]
    assert kill["rto_seconds"] == {"n": 2, "min": 1.0, "median": 1.0, "p90": 3.0, "max": 3.0}
    assert summary["scenarios"]["hang"]["lost_writes"]["max"] == 2.0
    text = summary_markdown(summary)
    assert "| kill | 2 | warn, warn | rto_seconds | 1 | 1 | 3 | 3 |" in text
    assert "Warm resets: 2, median 4 s, max 6 s." in text


def test_a_service_partition_cuts_every_network_but_edge() -> None:
    assert partition_cuts("pg-primary") == [("pg-primary", "zone-a"), ("pg-primary", "interzone")]
    assert partition_cuts("odoo-2") == [("odoo-2", "zone-b"), ("odoo-2", "interzone")]


def test_a_zone_partition_keeps_the_zone_together_and_cuts_it_off() -> None:
    assert partition_cuts("zone-a") == [
        ("pg-primary", "interzone"),
        ("redis", "interzone"),
        ("odoo-1", "interzone"),
        ("traefik", "zone-a"),
    ]
    assert topology.members("zone-a") == ("pg-primary", "redis", "odoo-1")
    assert topology.members("traefik") == ("traefik",)
    with pytest.raises(HarnessError, match="unknown target 'zone-c'"):
        topology.members("zone-c")


def test_loss_percent_is_checked() -> None:
    loss = FAULTS["loss"]
    assert loss_probability(validate_params(loss, {})) == 0.3
    assert loss_probability(validate_params(loss, {"percent": "50%"})) == 0.5
    with pytest.raises(InvalidParams, match=r"must be <= 100, not 150"):
        validate_params(loss, {"percent": 150})


def lag(t: float, standbys: int | None) -> list[tuple[str, h.Kind, str, float, dict[str, object]]]:
    done: h.Kind = "fail" if standbys is None else "ok"
    return [("lag", "invoke", h.LAG, t, {}), ("lag", done, h.LAG, t + 0.01, {"standbys": standbys or 0})]


def test_redundancy_measures_the_time_back_to_a_streaming_standby() -> None:
    ctx = CheckContext(tier=load_tiers()["tier-1"])
    rows = [("fault", "invoke", h.INJECT, 2.0, {"fault": "kill"}), ("fault", "ok", h.INJECT, 2.1, {"fault": "kill"})]
    samples = [(0.5, 1), (1.5, 1), (2.5, None), (3.5, 0), (4.5, 0), (5.5, 1), (6.5, 1)]
    for t, standbys in samples:
        rows += lag(t, standbys)
    verdict = check_redundancy(make(sorted(rows, key=lambda r: r[3])), ctx)
    assert verdict.status == "pass"
    assert verdict.metrics["time_to_redundancy_seconds"] == pytest.approx(3.51)
    assert verdict.metrics["samples_without_standby"] == 3
    never = [r for r in rows if r[3] < 5.0]
    assert check_redundancy(make(sorted(never, key=lambda r: r[3])), ctx).status == "warn"
    quiet = [r for t, n in [(0.5, 1), (1.5, 1)] for r in lag(t, n)]
    assert check_redundancy(make(quiet), ctx).metrics == {"redundancy_lost": False, "time_to_redundancy_seconds": 0.0}
