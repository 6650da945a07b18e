"""RPO: Jepsen's set arithmetic over the business writes, the time span of what was lost, and split brain.

Every write carries a sequence number. `attempted` = every invoked seq; `acked` = completed ok;
`failed` = completed fail (definitely not done); `indeterminate` = info or no completion (unknown).
A seq written more than once takes its best-known outcome (ok, then unknown, then fail). Writes
acknowledged after the final read began are excluded (listed in `acked_after_final_read_seqs`).

The final read reads every reachable PostgreSQL node and Odoo. `present` = the seqs on the
surviving primary (the one node that accepts writes) *and* visible through Odoo; `invisible` = on
the primary but not visible through Odoo (counted as lost: users cannot see them); `diverged` =
attempted seqs found on another node but not on the primary (a split brain's writes). Then
`lost = acked - present`, `recovered = present ∩ indeterminate`, `unexpected = present -
attempted` and, listed apart but counted as unexpected, `present ∩ failed`. Indeterminate writes
are reported, never counted as lost.

`rpo_seconds` runs from the oldest lost acknowledged write (its invoke) to the moment of loss: the
first injection at or after it (or, with no injection after it, the last lost write's
acknowledgement). When the oldest acknowledged write of the run is itself lost, the figure only
bounds the loss from below (`rpo_censored`: at least the whole run, and whatever came before) and
fails. Any lost acknowledged write is at least a warning; it fails when no fault that can lose
data was injected (data disappearing on its own), when the scenario allows fewer
(`checks: {lost_writes: N}`), or when a write diverged or two nodes were primary at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.checkers.base import CheckContext, Status, Verdict, ms, register
from harness.core.analysis import ops_of
from harness.core.figures import card, count, integer, seconds
from harness.core.history import FINAL_READ, INJECT, WRITE, Event, Op
from harness.core.journeys import may_lose_data
from harness.files.tiers import describe, judge

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


def _worst(*statuses: Status) -> Status:
    order = {"pass": 0, "warn": 1, "unknown": 2, "fail": 3}
    return max(statuses, key=lambda s: order[s])


def headline(metrics: Mapping[str, Any]) -> str:
    censored = " at least" if metrics.get("rpo_censored") else ""
    text = (
        f"RPO{censored} {seconds(metrics.get('rpo_seconds'))}, lost {integer(metrics.get('lost_writes'))}"
        f" of {integer(metrics.get('acknowledged_writes'))} acknowledged"
    )
    diverged = count(metrics.get("diverged_writes"))
    return text + (f", {diverged} diverged" if diverged else "")


@register(
    "rpo",
    order=20,
    headline=headline,
    card=card(
        "rpo_seconds",
        "rpo_censored:json",
        "acknowledged_writes:count",
        "lost_writes:count",
        "lost_seqs:json",
        "invisible_writes:count",
        "diverged_writes:count",
        "indeterminate_writes:count",
        "recovered_writes:count",
        "unexpected_writes:count",
        "duplicate_writes:count",
    ),
)
def check_rpo(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    ops = ops_of(events)
    target = (
        describe("RPO", ctx.tier.rpo, higher_is_better=False) + "; any lost acknowledged write is at least a warning"
    )
    if ctx.lost_writes_allowed is not None:
        target += f"; more than {ctx.lost_writes_allowed} lost fails"
    reads = [op for op in ops if op.f == FINAL_READ]
    read_began = min((op.start for op in reads), default=None)
    writes = [(op, s) for op in ops if op.f == WRITE and (s := _seq(op.invoke.value.get("seq"))) is not None]
    late = {s for op, s in writes if op.kind == "ok" and read_began is not None and (op.end or 0.0) >= read_began}
    attempted = {s for _, s in writes}
    acked = {s for op, s in writes if op.kind == "ok"} - late
    indeterminate = {s for op, s in writes if op.kind == "info"} - acked - late
    failed = {s for op, s in writes if op.kind == "fail"} - acked - indeterminate - late
    injected = [op for op in ops if op.f == INJECT]
    can_lose = any(may_lose_data(op.invoke.value) for op in injected)
    metrics: dict[str, Any] = {
        "attempted_writes": len(attempted),
        "acknowledged_writes": len(acked),
        "failed_writes": len(failed),
        "indeterminate_writes": len(indeterminate),
        **capped("indeterminate_seqs", indeterminate),
        **capped("acked_after_final_read_seqs", late),
        "data_loss_fault_injected": can_lose,
    }
    ok_reads = [op for op in reads if op.kind == "ok"]
    sql = [op for op in ok_reads if op.value.get("via") == "sql"]
    primaries = [op for op in sql if op.value.get("role", "primary") == "primary"]
    others = [op for op in sql if op.value.get("role", "primary") != "primary"]
    odoo = [op for op in ok_reads if op.value.get("via") == "odoo"]
    metrics["final_read_nodes"] = {
        str(op.value.get("node", "?")): str(op.value.get("role", "primary")) for op in sql
    } | {
        str(op.value.get("node", "?")): "unreachable"
        for op in reads
        if op.kind != "ok" and op.value.get("via") == "sql"
    }
    if not primaries:
        reason = "no final read on a primary: lost writes cannot be counted"
        return Verdict("rpo", "unknown", metrics, target, reason=reason)
    nodes = {str(op.value.get("node", "?")) for op in primaries}
    if len(nodes) > 1:
        metrics["primaries_at_end"] = sorted(nodes)
        reason = f"two PostgreSQL nodes accept writes at the end of the run ({', '.join(sorted(nodes))}): split brain"
        return Verdict("rpo", "fail", metrics, target, reason=reason)
    if not odoo:
        reason = "the final read through Odoo failed: whether users can see the acknowledged writes is unknown"
        return Verdict("rpo", "unknown", metrics, target, reason=reason)
    primary = primaries[-1]
    on_primary = _seqs(primary.value.get("seqs"))
    visible = _union(odoo, "seqs")
    present = on_primary & visible
    invisible = (on_primary - visible) & acked
    elsewhere = _union(others, "seqs")
    diverged = (elsewhere - on_primary) & attempted
    duplicates = _seqs(primary.value.get("duplicates"))

    lost = acked - present
    recovered = present & indeterminate
    never_attempted = present - attempted
    present_but_failed = present & failed
    acked_ops = sorted((op for op, s in writes if s in acked and op.kind == "ok"), key=lambda op: op.start)
    lost_ops = [op for op in acked_ops if _seq(op.invoke.value.get("seq")) in lost]
    censored = bool(lost_ops) and lost_ops[0] is acked_ops[0]
    rpo = 0.0
    loss_moment = None
    if lost_ops:
        oldest = lost_ops[0].start
        after = [op.start for op in injected if op.start >= oldest]
        loss_moment = min(after) if after else max(op.end or op.start for op in lost_ops)
        rpo = ms(max(0.0, loss_moment - oldest))
    metrics.update(
        final_read_via="sql+odoo",
        final_read_primary=str(primary.value.get("node", "?")),
        present_writes=len(present),
        lost_writes=len(lost),
        **capped("lost_seqs", lost),
        invisible_writes=len(invisible),
        **capped("invisible_seqs", invisible),
        diverged_writes=len(diverged),
        **capped("diverged_seqs", diverged),
        recovered_writes=len(recovered),
        **capped("recovered_seqs", recovered),
        unexpected_writes=len(never_attempted) + len(present_but_failed),
        **capped("unexpected_seqs", never_attempted),
        **capped("present_but_failed_seqs", present_but_failed),
        duplicate_writes=len(duplicates),
        **capped("duplicate_seqs", duplicates),
        rpo_seconds=rpo,
        rpo_censored=censored,
        loss_moment=None if loss_moment is None else ms(loss_moment),
    )
    status, margin = judge(ctx.tier.rpo, rpo, higher_is_better=False)
    reasons: list[str] = []
    if lost:
        status = _worst(status, "warn")
        words = f"{len(lost)} acknowledged writes were lost" + (
            f" ({len(invisible)} not visible through Odoo)" if invisible else ""
        )
        if censored:
            status = "fail"
            reasons.append(
                f"{words}, including the oldest acknowledged write of the run: the RPO is at least {rpo:g} s "
                "(the whole run, and whatever came before)"
            )
        else:
            reasons.append(f"{words}, spanning {rpo:g} s before the moment of loss")
        if not can_lose:
            status = "fail"
            reasons.append("no fault that can lose data was injected: data disappeared on its own")
        if ctx.lost_writes_allowed is not None and len(lost) > ctx.lost_writes_allowed:
            status = "fail"
            reasons.append(f"the scenario allows at most {ctx.lost_writes_allowed} lost writes")
        tier_status, _ = judge(ctx.tier.rpo, rpo, higher_is_better=False)
        if tier_status != "pass":
            bound = ctx.tier.rpo.strict if tier_status == "warn" else ctx.tier.rpo.loose
            word = "target" if tier_status == "warn" else "warn limit"
            reasons.append(f"RPO {rpo:g} s is over the {ctx.tier.name} {word} of {bound:g} s")
    if diverged:
        status = "fail"
        reasons.append(f"{len(diverged)} writes exist only on a node that is not the primary (split brain)")
    if duplicates:
        status = _worst(status, "warn")
        reasons.append(f"{len(duplicates)} writes are stored twice")
    return Verdict("rpo", status, metrics, target, None if margin is None else ms(margin), "; ".join(reasons))
