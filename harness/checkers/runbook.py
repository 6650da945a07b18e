"""Runbook, steady state and guardrails: did the drill's own steps and conditions hold?

- `runbook`: every action (promote, rejoin, restart, replace) succeeded and every `wait until`
  held before its timeout. A failed action or a timed-out wait fails the drill: the recovery the
  runbook relies on did not happen. The metrics list each action with what it measured.
- `steady-state`: every steady-state condition held before the first step and after recovery.
- `guardrails`: the run was not halted. A tripped guard (`availability < X% for T`) fails; a stop
  switch thrown by an operator gives `unknown` (the drill was cut short, nothing was judged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.checkers.base import CheckContext, ScenarioFacts, Status, Verdict, ms, register
from harness.core.analysis import ops_of
from harness.core.history import ACTION, HALT, STEADY, WAIT, Event


def runbook_headline(metrics: Mapping[str, Any]) -> str:
    steps = metrics.get("steps")
    parts = []
    for step in steps if isinstance(steps, list | tuple) else []:
        if not isinstance(step, Mapping):
            continue
        took = step.get("seconds")
        method = f" by {step['method']}" if isinstance(step.get("method"), str) else ""
        timing = f" in {took:.1f} s" if isinstance(took, int | float) else ""
        parts.append(f"{step.get('step')}{method} {step.get('outcome')}{timing}")
    return "; ".join(parts)


def has_steps(scenario: ScenarioFacts, events: Sequence[Event]) -> bool:
    return any(step.kind != "fault" for step in scenario.steps)


@register("runbook", order=110, applies=has_steps, headline=runbook_headline)
def check_runbook(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    ops = [op for op in ops_of(events) if op.f in (ACTION, WAIT)]
    target = "every runbook action succeeds and every wait holds in time"
    steps: list[dict[str, Any]] = []
    problems = []
    for op in ops:
        outcome = op.completion.kind if op.completion is not None else "unfinished"
        step = {
            "step": op.value.get("action") or f"wait until {op.value.get('condition')}",
            "target": op.value.get("target"),
            "at": ms(op.start),
            "seconds": ms(op.latency) if op.latency is not None else None,
            "outcome": outcome,
        }
        if op.completion is not None:
            # what the step measured (a param it was given, like rejoin's method "auto", reads as what it did)
            reserved = {"step", "target", "at", "action", "condition", "repairs_data"}
            step |= {k: v for k, v in op.completion.value.items() if k not in reserved}
            if op.completion.error:
                step["error"] = op.completion.error
        steps.append(step)
        if outcome != "ok":
            problems.append(f"{step['step']} {outcome}" + (f" ({step['error']})" if "error" in step else ""))
    metrics = {"steps": steps}
    if problems:
        return Verdict("runbook", "fail", metrics, target, reason="; ".join(problems))
    return Verdict("runbook", "pass", metrics, target)


def steady_headline(metrics: Mapping[str, Any]) -> str:
    results = metrics.get("results")
    rows = [r for r in results if isinstance(r, Mapping)] if isinstance(results, list) else []
    return f"{sum(1 for r in rows if r.get('held'))} of {len(rows)} conditions held"


def has_steady_state(scenario: ScenarioFacts, events: Sequence[Event]) -> bool:
    return bool(scenario.steady_state)


@register("steady-state", order=120, applies=has_steady_state, headline=steady_headline)
def check_steady_state(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    ops = [op for op in ops_of(events) if op.f == STEADY]
    target = "steady-state conditions hold before the first fault and after recovery"
    results = [
        {"condition": op.value.get("condition"), "when": op.value.get("when"), "held": op.kind == "ok"} for op in ops
    ]
    broken = [f"{r['condition']} ({r['when']})" for r in results if not r["held"]]
    if not ops:
        return Verdict("steady-state", "unknown", {"results": []}, target, reason="no steady-state check ran")
    if broken:
        reason = "did not hold: " + ", ".join(broken)
        return Verdict("steady-state", "fail", {"results": results}, target, reason=reason)
    return Verdict("steady-state", "pass", {"results": results}, target)


def guard_headline(metrics: Mapping[str, Any]) -> str:
    if not metrics.get("halted"):
        return "not halted"
    return f"halted by {metrics.get('by')} at {metrics.get('at')} s"


def guarded(scenario: ScenarioFacts, events: Sequence[Event]) -> bool:
    return scenario.guard is not None or any(e.f == HALT for e in events)


@register("guardrails", order=130, applies=guarded, headline=guard_headline)
def check_guardrails(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    halts = [e for e in events if e.f == HALT]
    target = "the run is not halted by its guard or a stop switch"
    if not halts:
        return Verdict("guardrails", "pass", {"halted": False}, target)
    halt = halts[0]
    metrics = {"halted": True, "by": halt.value.get("by"), "at": ms(halt.time), "reason": halt.value.get("reason")}
    status: Status = "fail" if halt.value.get("by") == "guard" else "unknown"
    return Verdict("guardrails", status, metrics, target, reason=str(halt.value.get("reason")))
