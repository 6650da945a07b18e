"""Restores: every restore the runbook ran succeeded, was neutralised, and how long each phase took.

A restore action (`pitr-restore`, `restore-region`, `verify-backup`) reports pgBackRest's copy
time and PostgreSQL's WAL replay time apart, and what neutralising switched off (scheduled
actions, outgoing mail servers) before any client could connect. A restore that failed, or one
with no record of neutralisation, fails the check: an un-neutralised copy of production may run
its crons and send mail a second time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.checkers.base import CheckContext, ScenarioFacts, Verdict, ms, register
from harness.core.analysis import ops_of
from harness.core.history import ACTION, Event

RESTORE_ACTIONS: tuple[str, ...] = ("pitr-restore", "restore-region", "verify-backup")
_KEPT = ("copy_seconds", "replay_seconds", "primary_writable_seconds", "recovery_stopped", "neutralised", "backup")


def headline(metrics: Mapping[str, Any]) -> str:
    restores = metrics.get("restores")
    rows = [r for r in restores if isinstance(r, Mapping)] if isinstance(restores, list) else []

    def s(value: Any) -> str:
        return f"{value:.1f} s" if isinstance(value, int | float) else "\u2014"

    return "; ".join(
        f"{r.get('action')} {r.get('outcome')} in {s(r.get('seconds'))} "
        f"(copy {s(r.get('copy_seconds'))}, replay {s(r.get('replay_seconds'))})"
        for r in rows
    )


def applies(scenario: ScenarioFacts, events: Sequence[Event]) -> bool:
    return any(step.action in RESTORE_ACTIONS for step in scenario.steps)


@register("restore", order=40, applies=applies, headline=headline)
def check_restore(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    target = "every restore succeeds and is neutralised (no cron, no outgoing mail) before clients connect"
    restores: list[dict[str, Any]] = []
    problems: list[str] = []
    for op in ops_of(events):
        if op.f != ACTION or op.invoke.value.get("action") not in RESTORE_ACTIONS:
            continue
        name = str(op.invoke.value["action"])
        entry: dict[str, Any] = {"action": name, "at": ms(op.start), "outcome": op.kind}
        entry["seconds"] = ms(op.latency) if op.latency is not None else None
        if op.kind != "ok" or op.completion is None:
            problems.append(f"{name} {op.kind}: {op.completion.error if op.completion else 'never finished'}")
        else:
            entry |= {k: op.completion.value[k] for k in _KEPT if k in op.completion.value}
            neutralised = op.completion.value.get("neutralised")
            if not isinstance(neutralised, dict):
                problems.append(f"{name} did not neutralise the restored database")
            else:
                left = {k: v for k, v in neutralised.items() if k.endswith("_still_active") and v != 0}
                if left:
                    what = ", ".join(
                        f"{v} {k.removesuffix('_still_active').replace('_', ' ')}" for k, v in left.items()
                    )
                    problems.append(f"{name} left {what} active on the restored database")
        restores.append(entry)
    metrics: dict[str, Any] = {"restores": restores}
    if not restores:
        return Verdict("restore", "unknown", metrics, target, reason="no restore ran")
    if problems:
        return Verdict("restore", "fail", metrics, target, reason="; ".join(problems))
    return Verdict("restore", "pass", metrics, target)
