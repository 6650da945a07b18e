"""PITR: did the point-in-time restore land where it was asked to, and what did it cost in writes?

Inputs, all from the history: the `pitr-restore` action (requested target, server epoch seconds;
copy and replay seconds), the destructive statement (`bad-delete`: when it began and committed),
the heartbeat probe's rows (each with the server time it was written at) and the business writes,
and the final read (which heartbeat and ledger rows survived). Client wall times and PostgreSQL's
clock are the same host clock.

- Landing: the restore stopped between the last heartbeat it kept and the first it discarded;
  both must lie within `TOLERANCE` (1 s) of the target. Every heartbeat written before the target
  must survive and none written after it may (beats within `AMBIGUOUS` of the target are not
  judged: a row is stamped at insert, recovery stops at commits).
- Writes: no acknowledged business write completed before the target may be missing, and none
  invoked after it may survive.
- RPO of the recovery: acknowledged writes between the target and the destructive statement
  (lost by choosing a target before it) and that window in seconds.
- Discarded: acknowledged writes made after the statement committed and before the restore began;
  the restore throws them away with the damage (listed, so they can be re-entered).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from harness.checkers.base import CheckContext, ScenarioFacts, Verdict, register
from harness.checkers.rpo import capped
from harness.core.analysis import ops_of
from harness.core.history import ACTION, FINAL_READ, HEARTBEAT, INJECT, WRITE, Event, Op

TOLERANCE = 1.0  # seconds: the landing must be this close to the requested target
AMBIGUOUS = 0.1  # seconds either side of the target where a row's fate is not judged


def epoch(wall: str) -> float:
    return datetime.fromisoformat(wall).timestamp()


def _restore(ops: Sequence[Op]) -> Op | None:
    return next((op for op in ops if op.f == ACTION and op.invoke.value.get("action") == "pitr-restore"), None)


def _statement(ops: Sequence[Op]) -> dict[str, Any]:
    found = [op.value for op in ops if op.f == INJECT and op.kind == "ok" and op.value.get("fault") == "bad-delete"]
    return found[-1] if found else {}


def _ints(values: Any) -> set[int]:
    return {int(v) for v in values or [] if isinstance(v, int) and not isinstance(v, bool)}


def headline(metrics: Mapping[str, Any]) -> str:
    bound = metrics.get("landing_error_bound_s")
    lost = metrics.get("acked_writes_lost_before_the_statement", "?")
    landed = f"landed within {bound:.3f} s of the target; " if isinstance(bound, int | float) else ""
    return f"{landed}{lost} writes lost"


def applies(scenario: ScenarioFacts, events: Sequence[Event]) -> bool:
    return any(step.action == "pitr-restore" for step in scenario.steps)


@register("pitr", order=30, applies=applies, headline=headline)
def check_pitr(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    ops = ops_of(events)
    target_text = (
        f"restore lands within ±{TOLERANCE:g} s of its target; nothing before it missing, nothing after it kept"
    )
    restore = _restore(ops)
    if restore is None:
        return Verdict("pitr", "unknown", {}, target_text, reason="no pitr-restore action in the history")
    if restore.kind != "ok" or restore.completion is None:
        error = restore.completion.error if restore.completion else "it never finished"
        return Verdict("pitr", "fail", {}, target_text, reason=f"the point-in-time restore failed: {error}")
    value = restore.value
    target = float(value["restore_target_epoch"])
    began = epoch(restore.invoke.wall)
    statement = _statement(ops)
    metrics: dict[str, Any] = {
        "target_epoch": target,
        "copy_seconds": value.get("copy_seconds"),
        "replay_seconds": value.get("replay_seconds"),
        "recovery_stopped": value.get("recovery_stopped", ""),
        "neutralised": value.get("neutralised", {}),
        "rows_deleted_by_the_statement": statement.get("rows_deleted"),
    }
    reads = [
        op
        for op in ops
        if op.f == FINAL_READ
        and op.kind == "ok"
        and op.value.get("via") == "sql"
        and op.value.get("role", "primary") == "primary"
    ]
    if not reads or "heartbeats" not in reads[-1].value:
        return Verdict("pitr", "unknown", metrics, target_text, reason="no final read of the heartbeat rows")
    kept_beats = _ints(reads[-1].value.get("heartbeats"))
    present = _ints(reads[-1].value.get("seqs"))

    beats = [
        (int(op.value["seq"]), float(op.value["server_time"]))
        for op in ops
        if op.f == HEARTBEAT and op.kind == "ok" and float(op.value.get("server_time", 0)) < began
    ]
    kept = [t for seq, t in beats if seq in kept_beats]
    dropped = [t for seq, t in beats if seq not in kept_beats]
    problems: list[str] = []
    missing_beats = [s for s, t in beats if t < target - AMBIGUOUS and s not in kept_beats]
    surviving_beats = [s for s, t in beats if t > target + AMBIGUOUS and s in kept_beats]
    if missing_beats:
        problems.append(f"{len(missing_beats)} heartbeat(s) written before the target are missing")
    if surviving_beats:
        problems.append(f"{len(surviving_beats)} heartbeat(s) written after the target survived")
    last_kept = max(kept, default=None)
    first_dropped = min(dropped, default=None)
    if not beats:
        problems.append("no heartbeat was acknowledged before the restore: the landing cannot be verified")
    elif last_kept is None or first_dropped is None:
        problems.append("the heartbeats do not bracket the restore point (none kept or none discarded)")
    else:
        metrics |= {
            "last_kept_heartbeat_vs_target_s": round(last_kept - target, 3),
            "first_discarded_heartbeat_vs_target_s": round(first_dropped - target, 3),
            "landing_error_bound_s": round(max(target - last_kept, first_dropped - target), 3),
        }
        if target - last_kept > TOLERANCE or first_dropped - target > TOLERANCE:
            problems.append(
                f"landed between {last_kept - target:+.3f} s and {first_dropped - target:+.3f} s of the target "
                f"(more than ±{TOLERANCE:g} s)"
            )

    writes = [(op, int(op.invoke.value["seq"])) for op in ops if op.f == WRITE and "seq" in op.invoke.value]
    acked = [
        (op, s, epoch(op.invoke.wall), epoch(op.completion.wall))
        for op, s in writes
        if op.kind == "ok" and op.completion
    ]
    before = {s for _, s, _, done in acked if done < target - AMBIGUOUS}
    after = {s for op, s in writes if target + AMBIGUOUS < epoch(op.invoke.wall) < began}
    lost_before = before - present
    kept_after = after & present
    if lost_before:
        problems.append(f"{len(lost_before)} acknowledged write(s) from before the target are missing")
    if kept_after:
        problems.append(f"{len(kept_after)} write(s) invoked after the target survived")
    started = float(statement.get("started_at", target))
    committed = float(statement.get("committed_at", started))
    window = {s for _, s, sent, done in acked if sent > target and done < started}
    discarded = {s for _, s, sent, done in acked if sent > committed and done < began}
    metrics |= {
        "rpo_window_seconds": round(max(0.0, started - target), 3),
        "acked_writes_lost_before_the_statement": len(window),
        **capped("lost_seqs", window),
        "acked_writes_discarded_after_the_statement": len(discarded),
        **capped("discarded_seqs", discarded),
        "acked_before_target": len(before),
        "missing_before_target": len(lost_before),
        "invoked_after_target": len(after),
        "survived_after_target": len(kept_after),
        "heartbeats_judged": len(beats),
    }
    if problems:
        return Verdict("pitr", "fail", metrics, target_text, reason="; ".join(problems))
    return Verdict("pitr", "pass", metrics, target_text)
