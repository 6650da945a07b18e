"""From a run's history, its scenario and its tier to the run's verdicts: the one recipe, used twice.

The runner judges a run with it as the run ends, and `odoo-chaos check` judges the stored run again
with it, from `history.jsonl` and `evidence/scenario.json` + `evidence/tier.json` alone, so the two
can only differ if something was changed. Pure: no Docker, no files.

- which checkers apply follows from the scenario and the history (no sessions verdict without the
  session probe, no pitr verdict without a point-in-time restore, ...);
- the checkers' context (stability window, `expect`, allowed lost writes, probe period) comes from
  the scenario and from what the runner recorded when the probes started;
- an aborted run (an `abort` event in the history) is judged `unknown` with its reason, and no
  checker runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness import history as h
from harness.checkers import CheckContext, Verdict, overall, run_checkers
from harness.checkers import applicable as applicable_checkers
from harness.checkers.journeys import phase_value
from harness.tiers import Status, Tier

if TYPE_CHECKING:
    from harness.scenario import Scenario

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


def judge_run(scenario: Scenario, tier: Tier, events: Sequence[h.Event]) -> Judgement:
    """Every applicable verdict and the overall one (`unknown` with the reason for an aborted run)."""
    aborted = aborted_reason(events)
    period = probe_period(events)
    if aborted is not None:
        return Judgement((), "unknown", aborted, period)
    verdicts = run_checkers(events, context_for(scenario, tier, events), applicable(scenario, events))
    return Judgement(tuple(verdicts), overall(verdicts), None, period)
