"""From a run's history, its scenario and its tier to the run's verdicts: the one recipe, used twice.

The runner judges a run with it as the run ends, and `odoo-chaos check` judges the stored run again
with it, from `history.jsonl` and `evidence/scenario.json` + `evidence/tier.json` alone, so the two
can only differ if something was changed. Pure: no Docker, no files.

- which checkers apply follows from the scenario and the history (no sessions verdict without the
  session probe, no pitr verdict without a point-in-time restore, ...);
- the checkers' context (stability window, `expect`, allowed lost writes, probe period) comes from
  the scenario and from what the runner recorded when the probes started;
- an aborted run (an `abort` event in the history) is judged `unknown` with its reason, and no
  checker runs;
- the scenario's own `checks` replace the tier's targets (`with_checks`), and the words a report
  opens with (`step_text`, `tested_text`) come from the scenario and the history, so a recheck
  writes them identically.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from harness.checkers import CheckContext, Verdict, overall, run_checkers
from harness.checkers import applicable as applicable_checkers
from harness.core import history as h
from harness.core.analysis import Analysis
from harness.core.journeys import phase_value
from harness.files.params import record
from harness.files.tiers import Status, Target, Tier
from harness.report.model import PAGES, RunSummary

if TYPE_CHECKING:
    from harness.scenario.model import Scenario, Step

DEFAULT_PERIOD = 0.1


@dataclass(frozen=True, slots=True)
class Judgement:
    verdicts: tuple[Verdict, ...]
    verdict: Status
    aborted_reason: str | None
    probe_period: float


def aborted_reason(events: Sequence[h.Event]) -> str | None:
    return next((str(e.value.get("reason") or "aborted") for e in events if e.f == h.ABORT), None)


def probe_period(events: Sequence[h.Event]) -> float:
    recorded = phase_value(events, "probes").get("period")
    if isinstance(recorded, int | float) and not isinstance(recorded, bool) and recorded > 0:
        return float(recorded)
    return DEFAULT_PERIOD


def applicable(scenario: Scenario, events: Sequence[h.Event] = ()) -> list[str]:
    """The checkers that apply, by each checker's own `applies` (no sessions verdict without the
    sessions probe, no pitr verdict without a point-in-time restore, ...), in report order."""
    return applicable_checkers(scenario, events)


def context_for(scenario: Scenario, tier: Tier, events: Sequence[h.Event]) -> CheckContext:
    return CheckContext(
        tier=tier,
        probe_period=probe_period(events),
        stable_for=scenario.stable_for,
        expect=scenario.expect,
        lost_writes_allowed=scenario.lost_writes_allowed,
    )


def run_mode(events: Sequence[h.Event]) -> str | None:
    """The stack's mode as the runner recorded it when the probes started (None in older histories)."""
    mode = phase_value(events, "probes").get("mode")
    return mode if isinstance(mode, str) else None


def as_run(scenario: Scenario, events: Sequence[h.Event]) -> Scenario:
    """The scenario as it ran: only the steps for the stack's mode (recorded when the probes started)."""
    mode = run_mode(events)
    if mode is None or not any(step.mode not in (None, mode) for step in scenario.steps):
        return scenario
    return replace(scenario, steps=scenario.steps_for(mode))


def judge_run(scenario: Scenario, tier: Tier, events: Sequence[h.Event]) -> Judgement:
    """Every applicable verdict and the overall one (`unknown` with the reason for an aborted run)."""
    events = Analysis.of(events)  # decoded once, for every checker and for the applicability tests
    scenario = as_run(scenario, events)
    aborted = aborted_reason(events)
    period = probe_period(events)
    if aborted is not None:
        return Judgement((), "unknown", aborted, period)
    verdicts = run_checkers(events, context_for(scenario, tier, events), applicable(scenario, events))
    return Judgement(tuple(verdicts), overall(verdicts), None, period)


def step_text(step: Step, mode: str | None = None) -> str:
    """A scenario step in words, for the report's opening (`at 10s: kill pg-primary for 15s`); a step for
    another mode than the run's says it was skipped."""
    text = _step_words(step)
    if step.mode is not None and mode is not None and step.mode != mode:
        return f"{text} [{step.mode} mode only: skipped on this {mode} stack]"
    return text


def _step_words(step: Step) -> str:
    when = (
        f"at {step.at:g}s"
        if step.at is not None
        else (f"{step.after:g}s after the previous step" if step.after else "then")
    )
    given = record(step.params) if step.kind != "wait" else {}
    params = f" ({', '.join(f'{k}={v}' for k, v in sorted(given.items()))})" if given else ""
    if step.kind == "fault":
        lasts = f" for {step.duration:g}s" if step.duration is not None else " until the end"
        return f"{when}: fault {step.fault} on {step.target}{lasts}{params}"
    if step.kind == "action":
        return f"{when}: runbook {step.action} on {step.target}{params}"
    return f"{when}: wait until {step.wait} (timeout {step.timeout:g}s)"


def tested_text(events: Sequence[h.Event], stack_info: dict[str, Any]) -> str:
    """What the run tested, in words: the stack (as the history recorded it when the probes started) and its images."""
    described = phase_value(events, "probes").get("stack")
    what = described if isinstance(described, str) and described else "a stack the history does not describe"
    images = ", ".join(
        f"{service} {info.get('image', '?')}" for service, info in sorted(stack_info.items()) if isinstance(info, dict)
    )
    return what + (f": {images}" if images else "")


def with_checks(tier: Tier, scenario: Scenario) -> Tier:
    """The tier with the scenario's `checks` targets in place of its own (same tier otherwise)."""
    if not scenario.checks:
        return tier
    targets = {name: Target(strict, loose) for name, (strict, loose) in scenario.checks.items()}
    title = f"{tier.title} with the scenario's checks ({', '.join(sorted(targets))})"
    return replace(
        tier,
        title=title,
        availability=targets.get("availability", tier.availability),
        rto=targets.get("rto", tier.rto),
        rpo=targets.get("rpo", tier.rpo),
    )


def targets_of(tier: Tier) -> dict[str, Any]:
    """The tier's targets as report.json stores them."""
    targets: dict[str, Any] = json.loads(json.dumps(asdict(tier), default=str))
    return targets


def summarise_run(
    scenario: Scenario,
    tier: Tier,
    events: Sequence[h.Event],
    *,
    run_id: str,
    started_at: str,
    ended_at: str,
    stack: dict[str, Any],
    signed_by: str | None = None,
    pages: int = PAGES,
) -> RunSummary:
    """A run judged and summed up: what every report is written from. The runner calls it at the end of a
    run and `odoo-chaos check` on a run directory, so the two cannot build the summary differently."""
    judged = judge_run(scenario, tier, events)
    return RunSummary(
        run_id=run_id,
        scenario=scenario.name,
        scenario_file=scenario.source,
        tier=tier.name,
        targets=targets_of(tier),
        started_at=started_at,
        ended_at=ended_at,
        stack=stack,
        verdicts=judged.verdicts,
        verdict=judged.verdict,
        aborted_reason=judged.aborted_reason,
        probe_period=judged.probe_period,
        scenario_summary=scenario.summary,
        scenario_steps=tuple(step_text(step, run_mode(events)) for step in scenario.steps),
        tested=tested_text(events, stack),
        signed_by=signed_by,
        pages=pages,
    )
