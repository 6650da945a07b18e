"""The runner's promise that needs no Docker: an aborted run still leaves a complete, sealed report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.core.errors import StackNotReady
from harness.drill.runner import run_scenario
from harness.files.tiers import get_tier, load_tiers
from harness.report import verify_run_dir
from harness.scenario.model import Scenario


class FakeStack:
    """Just enough of a Stack for the runner: it fails to start, like a stack whose primary never came up."""

    def __init__(self) -> None:
        self.run_id = "20260101-0000-fake00"
        self.mode = "manual"
        self.endpoints = None
        self.containers: dict[str, Any] = {}

    def start(self) -> None:
        raise StackNotReady("pg-primary not ready after 180s")

    def down(self) -> float:
        return 0.0


def test_a_run_that_cannot_start_still_writes_a_sealed_report_with_verdict_unknown(tmp_path: Path) -> None:
    scenario = Scenario("baseline", "s", "tier-1", 10.0, 1.0, ("business-write",))
    outcome = run_scenario(scenario, get_tier("tier-1", load_tiers()), tmp_path, stack=FakeStack())  # type: ignore[arg-type]
    assert outcome.verdict == "unknown" and outcome.exit_code == 3  # inconclusive, not a usage error (2)
    report = json.loads((outcome.run_dir / "report.json").read_text())
    assert report["verdict"] == "unknown"
    assert report["aborted_reason"] == "StackNotReady: pg-primary not ready after 180s"
    for name in ("junit.xml", "report.html", "report.md", "history.jsonl", "SHA256SUMS"):
        assert (outcome.run_dir / name).is_file()
    assert verify_run_dir(outcome.run_dir) == []
