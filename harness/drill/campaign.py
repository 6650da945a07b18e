"""Several drills on one stack: warm reset between runs, and the RTO/RPO distribution over repeats.

`odoo-chaos run a.yaml b.yaml --repeat 3` brings the stack up once, then runs each scenario three
times. Before every run but the first, `harness.drill.reset.warm_reset` puts the stack back in its
reference state instead of rebuilding it. The campaign directory holds one run directory per run,
plus `summary.json` and `summary.md`: per scenario, the verdicts and min / median / p90 / max of
RTO (and of its lower bound for runs that never came back), RPO and lost writes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.core.progress import Progress
from harness.core.stats import nearest_rank
from harness.drill.reset import warm_reset
from harness.drill.runner import EXIT_CODES, RunOutcome, run_scenario
from harness.files.tiers import Tier
from harness.programme.index import record_finished
from harness.scenario.model import Scenario
from harness.stack.stack import Stack

SEVERITY = {"pass": 0, "warn": 1, "unknown": 2, "fail": 3}
FIGURES = ("rto_seconds", "rto_seconds_at_least", "rpo_seconds", "lost_writes")  # at_least: runs never back


def distribution(values: Sequence[float | None]) -> dict[str, float | int | None]:
    present = [float(v) for v in values if v is not None]
    if not present:
        return {"n": 0, "min": None, "median": None, "p90": None, "max": None}
    return {
        "n": len(present),
        "min": min(present),
        "median": nearest_rank(present, 50),
        "p90": nearest_rank(present, 90),
        "max": max(present),
    }


@dataclass(frozen=True, slots=True)
class CampaignOutcome:
    directory: Path
    runs: tuple[RunOutcome, ...]
    resets: tuple[float, ...]
    verdict: str
    exit_code: int
    summary: dict[str, Any]


def summarise(runs: Sequence[tuple[str, RunOutcome]], resets: Sequence[float]) -> dict[str, Any]:
    """Per scenario: each run's verdict and figures, and their distribution. Pure."""
    scenarios: dict[str, Any] = {}
    for name, outcome in runs:
        entry = scenarios.setdefault(name, {"runs": []})
        entry["runs"].append(
            {"run_dir": str(outcome.run_dir), "verdict": outcome.verdict}
            | {key: outcome.report.get(key) for key in FIGURES}
        )
    for entry in scenarios.values():
        entry["verdicts"] = [run["verdict"] for run in entry["runs"]]
        for key in FIGURES:
            entry[key] = distribution([run[key] for run in entry["runs"]])
    worst = max((o.verdict for _, o in runs), key=lambda v: SEVERITY[v], default="unknown")
    return {"verdict": worst, "warm_reset_seconds": distribution(list(resets)), "scenarios": scenarios}


def summary_markdown(summary: dict[str, Any]) -> str:
    def cell(value: object) -> str:
        return "-" if value is None else f"{round(value, 3):g}" if isinstance(value, float) else str(value)

    lines = [f"# Campaign: verdict {summary['verdict']}", ""]
    reset = summary["warm_reset_seconds"]
    if reset["n"]:
        lines += [f"Warm resets: {reset['n']}, median {cell(reset['median'])} s, max {cell(reset['max'])} s.", ""]
    lines += ["| scenario | runs | verdicts | figure | min | median | p90 | max |", "|---|---|---|---|---|---|---|---|"]
    for name, entry in summary["scenarios"].items():
        for i, key in enumerate(FIGURES):
            d = entry[key]
            head = [name, str(len(entry["runs"])), ", ".join(entry["verdicts"])] if i == 0 else ["", "", ""]
            row = [*head, key, cell(d["min"]), cell(d["median"]), cell(d["p90"]), cell(d["max"])]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def run_campaign(
    plan: Sequence[tuple[Scenario, Tier]],
    out: Path,
    stack: Stack,
    *,
    repeat: int = 1,
    progress: Progress,
    run_kwargs: dict[str, Any] | None = None,
) -> CampaignOutcome:
    """Run every (scenario, tier) `repeat` times on `stack` (started here if needed, never torn down here)."""
    if stack.endpoints is None:
        stack.start()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    directory = out / f"{stamp}-campaign-{stack.run_id[-6:]}"
    directory.mkdir(parents=True)
    runs: list[tuple[str, RunOutcome]] = []
    resets: list[float] = []
    total = len(plan) * repeat
    for i in range(repeat):
        for scenario, tier in plan:
            if runs:
                resets.append(warm_reset(stack, progress))
            progress(f"run {len(runs) + 1}/{total}: {scenario.name} (repeat {i + 1}/{repeat})")
            outcome = run_scenario(scenario, tier, directory, stack=stack, progress=progress, **(run_kwargs or {}))
            runs.append((scenario.name, outcome))
    summary = summarise(runs, resets)
    (directory / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    (directory / "summary.md").write_text(summary_markdown(summary))
    record_finished(directory, progress)  # the campaign and its runs in the run index; never raises
    verdict = str(summary["verdict"])
    return CampaignOutcome(directory, tuple(o for _, o in runs), tuple(resets), verdict, EXIT_CODES[verdict], summary)
