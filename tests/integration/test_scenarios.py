"""Every shipped scenario runs in CI against the real stack, through the pytest plugin's marker
(the way a platform team puts drills in its own CI); the baseline runs in test_run_cli.

The marker fails a test whose drill's verdict is `fail` or `unknown`; these tests then check the
figures each drill exists to measure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.runner import RunOutcome

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml") if p.stem != "baseline")
KILLS_THE_PRIMARY = {"db-primary-kill", "db-primary-partition", "zone-outage"}  # asynchronous standby
RELEASES = {"faulty-release-rollback"}  # rolling-release steps: every bad release detected and rolled back


def check(outcome: RunOutcome, name: str) -> dict[str, Any]:
    return next(c for c in outcome.report["checks"] if c["checker"] == name)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.scenario(n), id=n) for n in SHIPPED])
def test_shipped_scenario_runs_and_recovers(name: str, scenario_outcome: RunOutcome) -> None:
    report = scenario_outcome.report
    print(
        f"{name}: verdict {scenario_outcome.verdict}, RTO {report['rto_seconds']} s, RPO {report['rpo_seconds']} s, "
        f"lost {report['lost_writes']}/{report['acknowledged_writes']}, indeterminate {report['indeterminate_writes']}, "
        f"availability {report['availability']}, sessions lost {report['sessions_lost']}, "
        f"outages {len(report['outages'])}; {scenario_outcome.run_dir}"
    )
    assert report["aborted_reason"] is None
    assert report["rto_seconds"] is not None, "the business path must come back within the run"
    if name not in KILLS_THE_PRIMARY:
        assert report["lost_writes"] == 0
    if name in KILLS_THE_PRIMARY:
        runbook = check(scenario_outcome, "runbook")
        assert runbook["status"] == "pass", runbook["reason"]
        rejoin = next(s for s in runbook["metrics"]["steps"] if s["step"] == "rejoin-old-primary")
        redundancy = check(scenario_outcome, "redundancy")["metrics"]
        print(
            f"{name}: rejoin by {rejoin['method']} in {rejoin['seconds']:.1f}s; back to redundancy after "
            f"{redundancy['time_to_redundancy_seconds']} s"
        )
        assert redundancy["time_to_redundancy_seconds"] is not None
    if name in RELEASES:
        rollouts = [s for s in check(scenario_outcome, "runbook")["metrics"]["steps"] if s["step"] == "rolling-release"]
        for rollout in rollouts:
            print(f"{name}: {rollout['summary']}; reason: {rollout['reason']}")
        assert [(r["outcome"], r["failed_node"], r["failed_gate"]) for r in rollouts] == [
            ("rolled-back", "odoo-1", "serves-http"),  # broken-start: the fresh node exits
            ("rolled-back", "odoo-1", "canary-writes"),  # broken-write: serves, rejects writes
        ]
        assert all(r["detect_seconds"] < 60 and r["rollback_seconds"] < 60 for r in rollouts)
        # Writes during the bad releases: none lost (asserted above), doubled or unexpected.
        rpo = check(scenario_outcome, "rpo")["metrics"]
        assert (rpo["duplicate_writes"], rpo["unexpected_writes"]) == (0, 0)
    if "steady-state" in [c["checker"] for c in report["checks"]]:
        assert check(scenario_outcome, "steady-state")["status"] == "pass"
