"""`odoo-chaos run scenarios/baseline.yaml` end to end, as a user runs it, then `odoo-chaos check`."""

from __future__ import annotations

import json
from pathlib import Path

from harness.faults import FAULTS
from tests.integration.conftest import cli, labelled

ROOT = Path(__file__).resolve().parents[2]


def test_baseline_run_writes_a_verified_run_directory_and_check_agrees(tmp_path: Path) -> None:
    result = cli("run", str(ROOT / "scenarios" / "baseline.yaml"), "--duration", "15s", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "baseline: verdict" in result.stdout
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]  # beside it: the run index
    report = json.loads((run_dir / "report.json").read_text())
    assert report["scenario"] == "baseline" and report["tier"] == "tier-1"
    assert report["lost_writes"] == 0 and report["outages"] == []
    assert labelled(report["run_id"]) == {"containers": [], "networks": [], "volumes": []}
    for evidence in ("tiers.yaml", "tier.json", "scenario.yaml", "versions.json", "logs/odoo-1.log"):
        assert (run_dir / "evidence" / evidence).is_file(), evidence
    versions = json.loads((run_dir / "evidence" / "versions.json").read_text())
    assert versions["odoo-1"]["version"] == "11.0"
    assert versions["pg-primary"]["version"].startswith("postgres (PostgreSQL) 15")
    check = cli("check", str(run_dir))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "agrees" in check.stdout


def test_malformed_scenario_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsummary: x\nsteps:\n  - at: 5s\n    fault: explode\n    target: traefik\n")
    result = cli("run", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"odoo-chaos: error: {bad}: field steps.0.fault: unknown fault 'explode'; faults are {', '.join(sorted(FAULTS))}"
    ]


def test_two_runs_share_one_stack_with_a_warm_reset_and_a_campaign_summary(tmp_path: Path) -> None:
    shipped = (ROOT / "scenarios" / "app-node-kill.yaml").read_text()
    assert "  - at: 10s\n    fault: kill\n    target: odoo-1\n    for: 15s\n" in shipped
    scenario = tmp_path / "app-node-kill.yaml"  # the shipped drill, its kill earlier and shorter
    scenario.write_text(shipped.replace("  - at: 10s\n", "  - at: 3s\n").replace("for: 15s", "for: 5s"))
    # --duration is checked like the file's own: the kill lasts from 3s to 8s, so the run is 8s at least
    result = cli("run", str(scenario), "--repeat", "2", "--duration", "14s", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout + result.stderr
    (campaign,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]  # beside it: the run index
    summary = json.loads((campaign / "summary.json").read_text())
    entry = summary["scenarios"]["app-node-kill"]
    assert len(entry["runs"]) == 2 and entry["rto_seconds"]["n"] == 2
    assert summary["warm_reset_seconds"]["n"] == 1
    print(f"warm reset {summary['warm_reset_seconds']['median']:.2f}s; RTO {entry['rto_seconds']}")
    assert summary["warm_reset_seconds"]["median"] <= 10.0
    assert "| app-node-kill | 2 |" in (campaign / "summary.md").read_text()
    run_ids = {json.loads(Path(run["run_dir"], "report.json").read_text())["run_id"] for run in entry["runs"]}
    assert len(run_ids) == 1, "both runs used the same stack"
    assert labelled(run_ids.pop()) == {"containers": [], "networks": [], "volumes": []}
    assert "campaign: verdict" in result.stdout
