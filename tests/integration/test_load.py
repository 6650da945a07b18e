"""Locust load on the real stack: load alone through the CLI (a drill under load: the zone outage in
test_scenarios.py, the planned switchover in test_patroni_drills.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.conftest import cli, labelled

pytestmark = pytest.mark.drills  # whole drills: `pytest -m 'not drills'` skips them


def test_load_alone_in_distributed_mode_writes_throughput_and_latency_per_endpoint(tmp_path: Path) -> None:
    result = cli(
        "load", "--users", "6", "--spawn-rate", "6", "--duration", "20s", "--workers", "2", "--out", str(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "load: verdict" in result.stdout
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]  # beside it: the run index
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
