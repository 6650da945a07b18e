"""Locust load on the real stack: load alone through the CLI, and a drill under load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.conftest import cli, labelled

pytestmark = pytest.mark.drills  # whole drills: `pytest -m 'not drills'` skips them

ROOT = Path(__file__).resolve().parents[2]


def test_load_alone_in_distributed_mode_writes_throughput_and_latency_per_endpoint(tmp_path: Path) -> None:
    result = cli(
        "load", "--users", "6", "--spawn-rate", "6", "--duration", "30s", "--workers", "2", "--out", str(tmp_path)
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


def test_zone_outage_under_load_is_judged_on_the_web_users(tmp_path: Path) -> None:
    """A zone outage under the office-day load: integrations (XML-RPC writes) come back with the failover,
    but every session-backed request fails while Redis (zone a only) is cut off, until the heal. The
    headline RTO is the web users', at least their session outage window, not the integrations'; the
    load's "after" window starts when every journey is back."""
    result = cli(
        "run",
        str(ROOT / "scenarios" / "zone-outage.yaml"),
        "--load",
        str(ROOT / "load-profiles" / "office-day.yaml"),
        "--out",
        str(tmp_path),
    )
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]  # beside it: the run index
    report = json.loads((run_dir / "report.json").read_text())
    assert report["aborted_reason"] is None, report["aborted_reason"]
    checks = {c["checker"]: c for c in report["checks"]}
    load, rto = checks["load"], checks["rto"]
    m = load["metrics"]
    by_journey = report["rto_by_journey"]
    session_windows = [o for o in report["outages"] if any(p.startswith("session-") for p in o["failed_probes"])]
    longest = max((o["duration_seconds"] for o in session_windows), default=0.0)
    print(
        f"zone-outage under office-day load: verdict {report['verdict']}; RTO {report['rto_seconds']} s set by "
        f"{report['rto_journey']} ({by_journey}); longest session outage {longest} s; load before "
        f"{m['before']['requests_per_second']} req/s, during error rate {m['during']['error_rate']}, after "
        f"{m.get('after', {}).get('error_rate')} (from {m.get('after', {}).get('start')} s); "
        f"{load['status']} {load['reason']}; exit {result.returncode}"
    )
    assert report["rto_journey"] == "web users", rto["reason"]
    assert report["rto_seconds"] is not None and report["rto_seconds"] >= longest - 0.5
    assert by_journey["integrations"]["rto_seconds"] < report["rto_seconds"]
    assert by_journey["web users"]["recovered_by"] == "heal"  # Redis is back only when zone a is
    assert m["before"]["requests"] > 0 and m["during"]["failures"] > 0
    # "after" starts when every journey is back (during starts when the fault bit), not at the integrations
    assert m["after"]["start"] >= m["during"]["start"] + report["rto_seconds"] - 0.01
    assert "Load (Locust)" in (run_dir / "report.html").read_text()
    assert labelled(report["run_id"]) == {"containers": [], "networks": [], "volumes": []}
    check = cli("check", str(run_dir))
    assert check.returncode == 0, check.stdout + check.stderr
