"""Locust load on the real stack: load alone through the CLI, and a drill under load."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_a_drill_under_load_from_the_cli_reports_before_during_after_and_capacity(tmp_path: Path) -> None:
    """The issue's own command: odoo-chaos run scenarios/db-primary-kill.yaml --load <profile>."""
    result = cli(
        "run",
        str(ROOT / "scenarios" / "db-primary-kill.yaml"),
        "--load",
        str(ROOT / "load-profiles" / "office-day.yaml"),
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (run_dir,) = list(tmp_path.iterdir())
    report = json.loads((run_dir / "report.json").read_text())
    load = next(c for c in report["checks"] if c["checker"] == "load")
    m = load["metrics"]
    print(
        f"db-primary-kill under office-day load: before {m['before']['requests_per_second']} req/s "
        f"p95 {m['before']['p95']} s; during error rate {m['during']['error_rate']}; "
        f"after {m['after']['requests_per_second']} req/s; capacity {m['capacity']}; {load['status']} {load['reason']}"
    )
    assert report["aborted_reason"] is None
    assert m["before"]["requests"] > 0 and m["during"]["failures"] > 0 and m["after"]["requests"] > 0
    assert m["capacity"]["regained_after_seconds"] is not None
    assert load["status"] in ("pass", "warn")
    assert "Load (Locust)" in (run_dir / "report.html").read_text()
    assert labelled(report["run_id"]) == {"containers": [], "networks": [], "volumes": []}
