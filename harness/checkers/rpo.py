"""RPO: Jepsen's set arithmetic over the business writes, and the time span of what was lost.

Every write carries a sequence number. `attempted` = every invoked seq; `acked` = completed ok;
`failed` = completed fail (definitely not done); `indeterminate` = info or no completion (unknown).
A seq written more than once takes its best-known outcome (ok, then unknown, then fail). `present`
= the seqs the final read found in the ledger on the surviving primary (reads via SQL preferred,
via Odoo otherwise). Then `lost = acked - present`, `recovered = present ∩ indeterminate`,
`unexpected = present - attempted` and, listed apart but counted as unexpected, `present ∩ failed`.
Indeterminate writes are reported, never counted as lost. `rpo_seconds` is the span of the lost
acknowledged writes: latest completion minus earliest invoke among them (0 when nothing was lost).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from harness.checkers.base import CheckContext, Verdict, ms, register
from harness.history import FINAL_READ, WRITE, Event, Op, pair
from harness.tiers import describe, judge

SEQ_LIST_CAP = 1000


def _seq(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _seqs(values: Any) -> set[int]:
    if not isinstance(values, list | tuple | set | frozenset):
        return set()
    return {s for v in values if (s := _seq(v)) is not None}


def capped(name: str, seqs: Iterable[int], cap: int = SEQ_LIST_CAP) -> dict[str, Any]:
    """`{name: sorted list (at most cap), name_truncated: bool}`."""
    ordered = sorted(seqs)
    return {name: ordered[:cap], f"{name}_truncated": len(ordered) > cap}


def _union(reads: Iterable[Op], key: str) -> set[int]:
    out: set[int] = set()
    for op in reads:
        out |= _seqs(op.value.get(key))
    return out


@register("rpo")
def check_rpo(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    ops = pair(events)
    target = describe("RPO", ctx.tier.rpo, higher_is_better=False)
    writes = [(op, s) for op in ops if op.f == WRITE and (s := _seq(op.invoke.value.get("seq"))) is not None]
    attempted = {s for _, s in writes}
    acked = {s for op, s in writes if op.kind == "ok"}
    indeterminate = {s for op, s in writes if op.kind == "info"} - acked
    failed = {s for op, s in writes if op.kind == "fail"} - acked - indeterminate
    metrics: dict[str, Any] = {
        "attempted_writes": len(attempted),
        "acknowledged_writes": len(acked),
        "failed_writes": len(failed),
        "indeterminate_writes": len(indeterminate),
        **capped("indeterminate_seqs", indeterminate),
    }
    reads = [op for op in ops if op.f == FINAL_READ and op.kind == "ok"]
    if not reads:
        reason = "no final read: the run recorded no successful final read, so lost writes cannot be counted"
        return Verdict("rpo", "unknown", metrics, target, reason=reason)
    via_sql = [op for op in reads if op.value.get("via") == "sql"]
    via_odoo = [op for op in reads if op.value.get("via") == "odoo"]
    used = via_sql or reads
    present = _union(used, "seqs")
    duplicates = _union(used, "duplicates")
    mismatch = _union(via_sql, "seqs") ^ _union(via_odoo, "seqs") if via_sql and via_odoo else None

    lost = acked - present
    recovered = present & indeterminate
    never_attempted = present - attempted
    present_but_failed = present & failed
    lost_ops = [op for op, s in writes if s in lost and op.kind == "ok"]
    span = max(op.end or op.start for op in lost_ops) - min(op.start for op in lost_ops) if lost_ops else 0.0
    rpo = ms(span)
    metrics.update(
        final_read_via="sql" if via_sql else "any",
        present_writes=len(present),
        lost_writes=len(lost),
        **capped("lost_seqs", lost),
        recovered_writes=len(recovered),
        **capped("recovered_seqs", recovered),
        unexpected_writes=len(never_attempted) + len(present_but_failed),
        **capped("unexpected_seqs", never_attempted),
        **capped("present_but_failed_seqs", present_but_failed),
        duplicate_writes=len(duplicates),
        **capped("duplicate_seqs", duplicates),
        odoo_sql_mismatch=None if mismatch is None else sorted(mismatch)[:SEQ_LIST_CAP],
        rpo_seconds=rpo,
    )
    status, margin = judge(ctx.tier.rpo, rpo, higher_is_better=False)
    reason = ""
    if lost:
        reason = f"{len(lost)} acknowledged writes were lost, spanning {rpo:g} s"
        if status != "pass":
            bound = ctx.tier.rpo.strict if status == "warn" else ctx.tier.rpo.loose
            reason += f" (over the {ctx.tier.name} {'target' if status == 'warn' else 'warn limit'} of {bound:g} s)"
    return Verdict("rpo", status, metrics, target, None if margin is None else ms(margin), reason)
