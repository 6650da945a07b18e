"""Corruption: was physical damage detected, by what, and how was it recovered from?

Reads the `corrupt-relation` injection (which files and blocks, what `pg_checksums --check` said),
the first probe operation that failed on the damage ("invalid page in block ...", a checksum
mismatch), and the runbook: recovery by failover (`promote-standby`) or by restore
(`pitr-restore`, `restore-region`). Passes when the damage was detected and a recovery ran;
fails when the probes never saw it (the damage went unnoticed) or no recovery ran.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.checkers.base import CheckContext, ScenarioFacts, Verdict, ms, register
from harness.core.analysis import ops_of
from harness.core.history import ACTION, INJECT, Event

SIGNS = ("invalid page", "checksum", "could not read block")
RECOVERIES = {"promote-standby": "failover", "pitr-restore": "restore", "restore-region": "restore"}


def headline(metrics: Mapping[str, Any]) -> str:
    detection = metrics.get("detection_seconds")
    recovery = metrics.get("recovery")
    return (
        f"pg_checksums found {metrics.get('offline_check_found', '?')} damaged file(s)"
        + (f"; first hit {detection:.2f} s after" if isinstance(detection, int | float) else "; never hit")
        + (f"; recovered by {recovery}" if isinstance(recovery, str) else "")
    )


def applies(scenario: ScenarioFacts, events: Sequence[Event]) -> bool:
    return any(step.fault == "corrupt-relation" for step in scenario.steps)


@register("corruption", order=50, applies=applies, headline=headline)
def check_corruption(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    target = "the damage is detected (data checksums) and recovered from by failover or restore"
    ops = ops_of(events)
    injects = [op for op in ops if op.f == INJECT and op.invoke.value.get("fault") == "corrupt-relation"]
    if not injects or injects[0].kind != "ok" or injects[0].end is None:
        return Verdict("corruption", "unknown", {}, target, reason="no corrupt-relation injection succeeded")
    inject = injects[0]
    assert inject.end is not None
    checksums = [str(line) for line in inject.value.get("pg_checksums", [])]
    detected = next(
        (
            op
            for op in ops
            if op.start >= inject.start
            and op.completion is not None
            and op.completion.error
            and any(sign in op.completion.error for sign in SIGNS)
        ),
        None,
    )
    recoveries = [
        op for op in ops if op.f == ACTION and op.invoke.value.get("action") in RECOVERIES and op.kind == "ok"
    ]
    metrics: dict[str, Any] = {
        "files": inject.value.get("files", []),
        "block": inject.value.get("block"),
        "pg_checksums": checksums,
        "offline_check_found": sum(1 for line in checksums if "verification failed" in line),
    }
    if detected is not None and detected.completion is not None:
        metrics |= {
            "first_detection_at": ms(detected.completion.time),
            "detection_seconds": ms(detected.completion.time - inject.end),
            "detected_by": f"{detected.process} ({detected.f})",
            "error": (detected.completion.error or "")[:200],
        }
    if recoveries:
        first = recoveries[0]
        metrics |= {"recovery": RECOVERIES[str(first.invoke.value["action"])], "recovery_action_at": ms(first.start)}
    if detected is None:
        return Verdict("corruption", "fail", metrics, target, reason="no probe ever hit the damaged blocks")
    if not recoveries:
        return Verdict("corruption", "fail", metrics, target, reason="the damage was detected but nothing recovered")
    return Verdict("corruption", "pass", metrics, target)
