"""Locust load on the real stack: load alone through the CLI, and a drill under load."""

from __future__ import annotations

import json
from pathlib import Path

from harness.campaign import warm_reset
from harness.load.profile import LoadProfile
from harness.runner import run_scenario
from harness.scenario import load_scenario
from harness.stack import Stack
from harness.tiers import load_tiers
from tests.integration.conftest import cli, labelled

ROOT = Path(__file__).resolve().parents[2]


def test_load_alone_in_distributed_mode_writes_throughput_and_latency_per_endpoint(tmp_path: Path) -> None:
    result = cli(
        "load", "--users", "6", "--spawn-rate", "6", "--duration", "30s", "--workers", "2", "--out", str(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "load: verdict" in result.stdout
    (run_dir,) = list(tmp_path.iterdir())
    report = json.loads((run_dir / "report.json").read_text())
    load = next(c for c in report["checks"] if c["checker"] == "load")
    before = load["metrics"]["before"]
    print(
        f"load alone: {before['requests_per_second']} req/s, error rate {before['error_rate']}, p95 {before['p95']} s"
    )
    assert before["requests_per_second"] > 1 and before["error_rate"] == 0.0
    assert {"browse-partners", "search-partners", "open-partner", "create-partner"} <= set(before["endpoints"])
    assert before["p95"] is not None and load["metrics"]["timeline"]
    assert (run_dir / "evidence" / "load" / "locust.log").is_file()
    assert labelled(report["run_id"]) == {"containers": [], "networks": [], "volumes": []}
    check = cli("check", str(run_dir))
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_drill_under_load_reports_before_during_after_and_capacity(stack: Stack, tmp_path: Path) -> None:
    warm_reset(stack, print)
    scenario = load_scenario(ROOT / "scenarios" / "app-node-kill.yaml")
    profile = LoadProfile(users=8, spawn_rate=8, think_time=(0.5, 1.5))
    try:
        outcome = run_scenario(scenario, load_tiers()["tier-1"], tmp_path, stack=stack, load=profile)
    finally:
        warm_reset(stack, print)
    load = next(c for c in outcome.report["checks"] if c["checker"] == "load")
    m = load["metrics"]
    print(
        f"app-node-kill under load: before {m['before']['requests_per_second']} req/s p95 {m['before']['p95']} s; "
        f"during error rate {m['during']['error_rate']}; after {m['after']['requests_per_second']} req/s; "
        f"capacity {m['capacity']}; verdict {load['status']} {load['reason']}"
    )
    assert outcome.report["aborted_reason"] is None
    assert m["before"]["requests"] > 0 and m["after"]["requests"] > 0
    assert m["capacity"]["regained_after_seconds"] is not None
    assert load["status"] in ("pass", "warn")
