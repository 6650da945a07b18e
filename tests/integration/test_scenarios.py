"""Every shipped scenario runs in CI against the real stack (the baseline runs in test_run_cli)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.runner import run_scenario
from harness.scenario import load_scenario
from harness.stack import Stack
from harness.tiers import get_tier, load_tiers

SCENARIOS = sorted(
    p for p in (Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml") if p.stem != "baseline"
)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_runs_and_recovers(stack: Stack, path: Path, tmp_path: Path) -> None:
    scenario = load_scenario(path)
    outcome = run_scenario(scenario, get_tier(scenario.tier, load_tiers()), tmp_path, stack=stack)
    report = outcome.report
    print(
        f"{scenario.name}: verdict {outcome.verdict}, RTO {report['rto_seconds']} s, RPO {report['rpo_seconds']} s, "
        f"lost {report['lost_writes']}/{report['acknowledged_writes']}, indeterminate {report['indeterminate_writes']}, "
        f"availability {report['availability']}, outages {len(report['outages'])}"
    )
    assert report["aborted_reason"] is None
    assert report["rto_seconds"] is not None, "the business path must come back within the run"
    assert report["lost_writes"] == 0
    assert outcome.verdict in ("pass", "warn", "fail")
