"""Sessions: did logged-in users stay logged in through the fault?

Each session probe keeps one Odoo login (`value["session"]`) and checks it; an ok completion says
whether the session was still `logged_in`. A session is lost when an ok check finds it logged out
after an earlier ok check found it logged in (a failed or unknown check proves nothing either way).
Lost sessions mean the session store (Redis or the filestore) did not survive the fault or the
failover: users must log in again and may lose unsaved work. Reported as a warning, not a failure.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from harness.checkers.base import CheckContext, ScenarioFacts, Verdict, register
from harness.checkers.rto import ok_end
from harness.core.analysis import ops_of
from harness.core.figures import card
from harness.core.history import SESSION, Event


def _order(session: Hashable) -> tuple[int, float, str]:
    """Numbers first, in numeric order, then anything else by its text."""
    if isinstance(session, int | float) and not isinstance(session, bool):
        return 0, float(session), ""
    return 1, 0.0, str(session)


def headline(metrics: Mapping[str, Any]) -> str:
    return f"{metrics.get('sessions_lost', '?')} of {metrics.get('sessions', '?')} sessions lost"


def applies(scenario: ScenarioFacts, events: Sequence[Event]) -> bool:
    return "user-sessions" in scenario.probes


@register("sessions", order=90, applies=applies, headline=headline, card=card("sessions:count", "sessions_lost:count"))
def check_sessions(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    ops = [op for op in ops_of(events) if op.f == SESSION]
    target = "no logged-in user is logged out"
    if not ops:
        return Verdict("sessions", "unknown", {}, target, reason="no session probe ran in this run")
    sessions = {op.invoke.value.get("session") for op in ops}
    checks = [
        (end, op.invoke.value.get("session"), op.completion.value.get("logged_in"))
        for op in ops
        if (end := ok_end(op)) is not None and op.completion is not None
    ]
    checks.sort(key=lambda check: check[0])
    logged_in: set[Any] = set()
    lost: set[Any] = set()
    for _, session, state in checks:
        if state is True:
            logged_in.add(session)
        elif state is False and session in logged_in:
            lost.add(session)
    n, k = len(sessions), len(lost)
    metrics: dict[str, Any] = {
        "sessions": n,
        "sessions_logged_in": len(logged_in),
        "sessions_lost": k,
        "sessions_lost_share": round(k / n, 4),
        "lost_sessions": sorted(lost, key=_order),
    }
    if k == 0:
        return Verdict("sessions", "pass", metrics, target)
    return Verdict("sessions", "warn", metrics, target, reason=f"{k} of {n} logged-in users were logged out")
