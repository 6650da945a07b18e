"""Every shipped scenario runs in CI against the real stack, through the pytest plugin's marker
(the way a platform team puts drills in its own CI); the baseline runs in test_run_cli. The zone
outage runs under the office-day Locust load (`UNDER_LOAD`): its web users are judged on what
Locust's users and the session probes felt.

The marker fails a test whose drill's verdict is `fail` or `unknown`; these tests then check the
figures each drill exists to measure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.drill.runner import RunOutcome
from harness.files.tiers import load_tiers
from harness.scenario.load import load_scenario
from harness.verdict.recheck import judge_against

pytestmark = pytest.mark.drills  # whole drills: `pytest -m 'not drills'` skips them

ROOT = Path(__file__).resolve().parents[2]
# every shipped drill that runs on the manual stack (the Patroni-only ones: test_patroni_drills.py)
SHIPPED = sorted(
    p.stem for p in (ROOT / "scenarios").glob("*.yaml") if p.stem != "baseline" and "manual" in load_scenario(p).modes
)
KILLS_THE_PRIMARY = {"db-primary-kill", "db-primary-partition", "zone-outage"}  # asynchronous standby
LAGGING = {"lagging-standby-failover-manual"}  # the lagging standby promoted by hand: any loss listed
RELEASES = {"faulty-release-rollback"}  # rolling-release steps: every bad release detected and rolled back
RESTORES_THE_PAST = {"db-logical-corruption-pitr", "region-outage-restore"}  # writes after the restore point go
NO_FAULT = {"backup-restore-drill"}  # nothing breaks: no RTO to measure
UNDER_LOAD = {"zone-outage": "office-day"}  # drill -> load profile


def check(outcome: RunOutcome, name: str) -> dict[str, Any]:
    return next(c for c in outcome.report["checks"] if c["checker"] == name)


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.scenario(n, load=UNDER_LOAD.get(n)), id=n) for n in SHIPPED]
)
def test_shipped_scenario_runs_and_recovers(name: str, scenario_outcome: RunOutcome) -> None:
    report = scenario_outcome.report
    print(
        f"{name}: verdict {scenario_outcome.verdict}, RTO {report['rto_seconds']} s, RPO {report['rpo_seconds']} s, "
        f"lost {report['lost_writes']}/{report['acknowledged_writes']}, indeterminate {report['indeterminate_writes']}, "
        f"availability {report['availability']}, sessions lost {report['sessions_lost']}, "
        f"outages {len(report['outages'])}; {scenario_outcome.run_dir}"
    )
    assert report["aborted_reason"] is None
    if name not in NO_FAULT:
        assert report["rto_seconds"] is not None, "the business path must come back within the run"
    if name not in KILLS_THE_PRIMARY | RESTORES_THE_PAST | LAGGING:
        assert report["lost_writes"] == 0
    if name in LAGGING:
        rpo = check(scenario_outcome, "rpo")
        print(f"{name}: {rpo['metrics']['lost_writes']} acknowledged writes lost: {rpo['metrics']['lost_seqs']}")
        assert rpo["metrics"]["lost_writes"] == len(rpo["metrics"]["lost_seqs"])
        assert rpo["status"] == ("warn" if rpo["metrics"]["lost_writes"] else "pass")  # a kill may lose: warn
    if name in RESTORES_THE_PAST | NO_FAULT:
        (restore,) = check(scenario_outcome, "restore")["metrics"]["restores"]
        print(f"{name}: restore {restore}")
        assert check(scenario_outcome, "restore")["status"] == "pass"
        # read back after the update: nothing scheduled, nothing mailing on the restored copy
        assert (restore["neutralised"]["crons_still_active"], restore["neutralised"]["mail_servers_still_active"]) == (
            0,
            0,
        )
        assert restore["copy_seconds"] > 0
    if name == "db-logical-corruption-pitr":
        pitr = check(scenario_outcome, "pitr")
        print(f"{name}: pitr {pitr['metrics']}")
        assert pitr["status"] == "pass", pitr["reason"]  # landed within 1 s; nothing before missing, after kept
        assert pitr["metrics"]["missing_before_target"] == 0 and pitr["metrics"]["survived_after_target"] == 0
    if name == "db-physical-corruption":
        corruption = check(scenario_outcome, "corruption")
        print(f"{name}: corruption {corruption['metrics']}")
        assert corruption["status"] == "pass", corruption["reason"]
        assert corruption["metrics"]["recovery"] == "failover"
        assert corruption["metrics"]["offline_check_found"] == 2  # pg_checksums: the table's and the index's block
    if name == "region-outage-restore":
        # what dies with the region is the WAL not yet archived: at most archive_timeout (15 s) of
        # writes plus the archive-push time, never the run's first write (the region falls at 25 s)
        assert report["rpo_censored"] is False, report["rpo_seconds"]
        assert report["rpo_seconds"] <= 15 + 5
        # judged against Odoo Online's data-center promise as run, and against Tier 1 from the same history
        judged, problems = judge_against(scenario_outcome.run_dir, load_tiers()["tier-1"])
        assert problems == []
        tier_1 = {v.checker: v for v in judged}
        print(f"{name}: against tier-1: " + ", ".join(f"{c} {v.status}" for c, v in tier_1.items()))
        assert tier_1["rto"].status != "fail" and tier_1["rpo"].status != "fail"
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
    if name == "zone-outage":
        zone_outage_under_load(scenario_outcome)
    if "steady-state" in [c["checker"] for c in report["checks"]]:
        assert check(scenario_outcome, "steady-state")["status"] == "pass"


def zone_outage_under_load(outcome: RunOutcome) -> None:
    """A zone outage under the office-day load: integrations (XML-RPC writes) come back with the failover,
    but every session-backed request fails while Redis (zone a only) is cut off, until the heal. The
    headline RTO is the web users', at least their session outage window, not the integrations'; the
    load's "after" window starts when every journey is back."""
    report = outcome.report
    load = check(outcome, "load")
    m = load["metrics"]
    by_journey = report["rto_by_journey"]
    session_windows = [o for o in report["outages"] if any(p.startswith("session-") for p in o["failed_probes"])]
    longest = max((o["duration_seconds"] for o in session_windows), default=0.0)
    print(
        f"zone-outage under office-day load: RTO {report['rto_seconds']} s set by {report['rto_journey']} "
        f"({by_journey}); longest session outage {longest} s; load before {m['before']['requests_per_second']} "
        f"req/s, during error rate {m['during']['error_rate']}, after {m.get('after', {}).get('error_rate')} "
        f"(from {m.get('after', {}).get('start')} s); {load['status']} {load['reason']}"
    )
    assert report["rto_journey"] == "web users", check(outcome, "rto")["reason"]
    assert report["rto_seconds"] is not None and report["rto_seconds"] >= longest - 0.5
    assert by_journey["integrations"]["rto_seconds"] < report["rto_seconds"]
    assert by_journey["web users"]["recovered_by"] == "heal"  # Redis is back only when zone a is
    assert m["before"]["requests"] > 0 and m["during"]["failures"] > 0
    # "after" starts when every journey is back (during starts when the fault bit), not at the integrations
    assert m["after"]["start"] >= m["during"]["start"] + report["rto_seconds"] - 0.01
    assert "Load (Locust)" in (outcome.run_dir / "report.html").read_text()
