"""`odoo-chaos check RUNDIR`: recompute every verdict from the stored history, without Docker.

A run directory is evidence: its SHA256SUMS must verify, and the checkers run again on
`history.jsonl` with the tier as run (`evidence/tier.json`) must give the same statuses and the
same metrics as the stored `report.json`. Any difference is listed. `--tier` judges the same
history against another tier instead (RTO, RPO, availability).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.checkers import CheckContext, Verdict, overall, run_checkers
from harness.history import load
from harness.report import verify_run_dir
from harness.tiers import Target, Tier

TIER_JUDGED = ("rto", "rpo", "availability")  # the checkers whose status depends on the tier


def tier_from_json(data: dict[str, Any]) -> Tier:
    return Tier(
        name=data["name"],
        title=data.get("title", ""),
        description=data.get("description", ""),
        availability=Target(**data["availability"]),
        rto=Target(**data["rto"]),
        rpo=Target(**data["rpo"]),
    )


def _normal(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def recheck(run_dir: Path) -> list[str]:
    problems = verify_run_dir(run_dir)
    try:
        report = json.loads((run_dir / "report.json").read_text())
        tier = tier_from_json(json.loads((run_dir / "evidence" / "tier.json").read_text()))
        events = load(run_dir / "history.jsonl")
    except (OSError, ValueError, KeyError) as exc:
        return [*problems, f"cannot recheck: {type(exc).__name__}: {exc}"]
    if report.get("aborted_reason"):
        return problems  # an aborted run stores no verdicts to recompute
    period = report.get("rto_resolution_seconds") or report.get("probe_period") or 0.1
    stored = {c["checker"]: c for c in report.get("checks", [])}
    verdicts = run_checkers(events, CheckContext(tier=tier, probe_period=float(period)), list(stored))
    for verdict in verdicts:
        was = stored.pop(verdict.checker, None)
        if was is None:
            problems.append(f"{verdict.checker}: recomputed but not in report.json")
            continue
        if was["status"] != verdict.status:
            problems.append(f"{verdict.checker}: status {verdict.status} recomputed, {was['status']} stored")
        if _normal(verdict.metrics) != _normal(was.get("metrics")):
            problems.append(f"{verdict.checker}: metrics differ from report.json")
    problems += [f"{name}: in report.json but no such checker ran" for name in stored]
    if overall(verdicts) != report.get("verdict"):
        problems.append(f"overall verdict {overall(verdicts)} recomputed, {report.get('verdict')} stored")
    return problems


def judge_against(run_dir: Path, tier: Tier) -> list[Verdict]:
    """The run's tier-judged verdicts (RTO, RPO, availability) recomputed against another tier.

    A drill is run against one tier; an auditor may ask how the same evidence fares against
    another (a region loss against Odoo Online's data-center promise *and* Tier 1).
    """
    report = json.loads((run_dir / "report.json").read_text())
    events = load(run_dir / "history.jsonl")
    period = report.get("rto_resolution_seconds") or report.get("probe_period") or 0.1
    return run_checkers(events, CheckContext(tier=tier, probe_period=float(period)), list(TIER_JUDGED))
