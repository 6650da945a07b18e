"""Hand-built node-roles histories for the split-brain and failover tests (on top of `Rows`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.core.history import FINAL_READ, HEAL, LAG, ROLE, Kind
from tests.unit.test_checkers import Rows

PERIOD = 0.5
LANES = {"roles-pg-primary": PERIOD, "roles-pg-standby": PERIOD, "w1": 0.2, "w2": 0.2}

STATES: dict[str, dict[str, Any]] = {
    "primary": {"reachable": True, "writable": True, "in_recovery": False, "timeline": 1, "streaming": None},
    "standby": {"reachable": True, "writable": False, "in_recovery": True, "timeline": 1, "streaming": True},
    "waiting": {"reachable": True, "writable": False, "in_recovery": True, "timeline": 1, "streaming": False},
    "down": {
        "reachable": False,
        "writable": False,
        "in_recovery": None,
        "timeline": None,
        "streaming": None,
        "error": "container is not running",
    },
}


def sample(rows: Rows, node: str, t: float, state: str, slot: str = "", latency: float = 0.05, **extra: Any) -> None:
    """One sample of `node` that came back at `t` saying `state` (`extra`: Patroni's fields)."""
    value = {
        "node": node,
        "patroni_role": None,
        "patroni_state": None,
        "leader_lock": None,
        "error": None,
        **STATES[state],
        **extra,
    }
    rows.op(f"roles-{node}{slot}", ROLE, round(t - latency, 6), round(t, 6), "ok", {"node": node}, value)


def series(rows: Rows, node: str, start: float, end: float, state: str, **extra: Any) -> None:
    """Samples every PERIOD from `start` to before `end`."""
    k = 0
    while (t := round(start + k * PERIOD, 6)) < end - 1e-9:
        sample(rows, node, t, state, **extra)
        k += 1


def sql_read(rows: Rows, t: float, node: str, seqs: Sequence[int], role: str = "primary", kind: Kind = "ok") -> None:
    result = {"via": "sql", "node": node, "role": role, "seqs": list(seqs)} if kind == "ok" else {}
    rows.op("final-read", FINAL_READ, t, t + 0.2, kind, {"via": "sql", "node": node}, result)


def lag(rows: Rows, t: float, primary: str | None, standbys: int = 1) -> None:
    """A replication-lag sample completing at `t` (primary None: no primary reachable, a failed sample)."""
    if primary is None:
        rows.op("lag", LAG, t - 0.05, t, "fail")
    else:
        value = {"primary": primary, "standbys": standbys, "lag_bytes": 0.0, "lag_seconds": 0.0}
        rows.op("lag", LAG, t - 0.05, t, "ok", {}, value)


def heal(rows: Rows, start: float, end: float, fault: str, target: str) -> None:
    rows.op("fault", HEAL, start, end, "ok", {"fault": fault, "target": target})
