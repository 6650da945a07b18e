"""Node roles: every PostgreSQL node asked what it is, from inside its own container, twice a second.

Each sample is one `exec` into the node (as user `postgres`, psql over the local socket), so a
network partition does not blind it: a node cut off from every network still answers. One psql
query returns whether the node is in recovery, its timeline, whether it accepts writes and, on a
standby, whether its WAL receiver streams. In the Patroni mode (`stack.mode == "patroni"`) the same
exec also asks the node's own Patroni (`patroni.ROLE_COMMAND`, read with `parse_node_state`) and
whether it holds the leader lock (`patroni.LOCK_COMMAND` says 200), so the three answers are from
the same moment and a sample costs one exec, not three.

**What it records.** One operation per node per sample, process `roles-<node>`, `f = role`,
invoke `{"node"}`, always completed `ok` (the probe did its job even when the node did not answer):

- `reachable`: PostgreSQL answered the query. `writable`: it accepts writes (not in recovery and
  `default_transaction_read_only` off: the setting Odoo's sessions start their transactions with).
- `in_recovery`, `timeline` (a primary's from its current WAL file, as the heartbeat reads it:
  `pg_control_checkpoint()` lags on a just-promoted primary until its first checkpoint ends; a
  standby's from its WAL receiver, else from its last restartpoint), `streaming` (a standby's WAL
  receiver says `streaming`; None on a primary).
- `patroni_role` (`primary`, `replica`, `down`; None outside the Patroni mode), `patroni_state`
  (Patroni's word for PostgreSQL: `running`, `starting`, ...; None when Patroni gave no readable
  answer), `leader_lock` (True on 200, False on another HTTP status, None when Patroni did not
  answer).
- `error`: why the node did not answer (None when it did).

**A node that does not answer** (container stopped, frozen by `docker pause`, removed, psql
failing or hanging past its 2 s `timeout`) is recorded with `reachable: false`, `writable: false`
and every other PostgreSQL field None. That is honest for a stopped, frozen or removed node: it
can acknowledge no write. It is *not* proof for a node whose server runs but refuses the probe's
own connection (`too many clients`): its old sessions may still commit. The split-brain checker
counts such a sample as not writable, so `error` is kept on every such sample for a reader to
tell the two apart.

**Never waiting.** Each node has its own lane (`roles-pg-primary`, `roles-pg-standby`, staggered
by a quarter of a second), so an exec that hangs on one node (frozen mid-call) never delays the
other node's samples; the next samples of the hung node are still invoked on time.

The probe needs the stack handle (`ProbeContext.stack`); without it, it records a `probe-error`
(the liveness checker then says the run cannot be trusted) rather than falling silent.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.core.errors import HarnessError
from harness.core.history import ROLE
from harness.probes.base import Lane, ProbeContext, register, report_probe_error, short_error
from harness.stack import patroni, topology
from harness.stack.handle import StackHandle

PERIOD = 0.5  # seconds between two samples of one node: the resolution of every figure built on them
PG_NODES: tuple[str, ...] = (topology.PG_PRIMARY, topology.PG_STANDBY)
QUERY_TIMEOUT = 2  # seconds: `timeout` inside the container ends a psql that hangs
MAX_IN_FLIGHT = 16  # per node: 8 s in flight; a Patroni-mode sample may take 6 s (psql and two curls, 2 s each)
MARK = "@@node-roles "  # the line that closes each answer's section in the exec's output

ROLE_SQL = (
    "SELECT pg_is_in_recovery(), "
    "CASE WHEN pg_is_in_recovery() "
    "THEN coalesce((SELECT received_tli FROM pg_stat_wal_receiver), "
    "(SELECT timeline_id FROM pg_control_checkpoint())) "
    "ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END, "
    "NOT pg_is_in_recovery() AND current_setting('default_transaction_read_only') = 'off', "
    "coalesce((SELECT status FROM pg_stat_wal_receiver), '')"
)


@dataclass(frozen=True, slots=True)
class NodeRole:
    """One node's answer (or silence) at one sample."""

    node: str
    reachable: bool
    writable: bool
    in_recovery: bool | None = None
    timeline: int | None = None
    streaming: bool | None = None
    patroni_role: str | None = None
    patroni_state: str | None = None
    leader_lock: bool | None = None
    error: str | None = None

    def value(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "reachable": self.reachable,
            "writable": self.writable,
            "in_recovery": self.in_recovery,
            "timeline": self.timeline,
            "streaming": self.streaming,
            "patroni_role": self.patroni_role,
            "patroni_state": self.patroni_state,
            "leader_lock": self.leader_lock,
            "error": self.error,
        }


def sample_command(ha: bool, timeout: int = QUERY_TIMEOUT) -> list[str]:
    """The one command a sample runs inside a node: psql, then (Patroni mode) Patroni's role and lock.

    Each answer is followed by a `MARK <name> <exit code>` line, so one exec carries all three.
    """
    psql = ["timeout", str(timeout), "psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", ROLE_SQL]
    script = f'{shlex.join(psql)} 2>&1; echo "{MARK}psql $?"'
    if ha:
        for name, command in (("role", patroni.ROLE_COMMAND), ("lock", patroni.LOCK_COMMAND)):
            script += f'; {shlex.join(command)}; rc=$?; echo; echo "{MARK}{name} $rc"'
    return ["sh", "-c", script]


def sections(output: str) -> dict[str, tuple[int, str]]:
    """`name -> (exit code, output)` of each answer in a sample's output (an exit code that is no number: -1)."""
    found: dict[str, tuple[int, str]] = {}
    lines: list[str] = []
    for line in output.splitlines():
        if line.startswith(MARK):
            name, _, code = line[len(MARK) :].partition(" ")
            code = code.strip()
            found[name] = (int(code) if code.lstrip("-").isdigit() else -1, "\n".join(lines).strip())
            lines = []
        else:
            lines.append(line)
    return found


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def _psql_answer(code: int, text: str, timeout: int) -> NodeRole | str:
    """The PostgreSQL half of a sample (node left empty), or why there is none."""
    if code == 124:
        return f"psql did not answer within {timeout} s"
    if code != 0:
        return _last_line(text) or f"psql exited with {code}"
    fields = _last_line(text).split("|")
    if len(fields) != 4 or fields[0] not in ("t", "f") or fields[2] not in ("t", "f"):
        return f"unexpected answer from psql: {_last_line(text)[:200]!r}"
    in_recovery = fields[0] == "t"
    timeline = int(fields[1]) if fields[1].isdigit() else None
    streaming = (fields[3] == "streaming") if in_recovery else None
    return NodeRole("", True, fields[2] == "t", in_recovery, timeline, streaming)


def parse_sample(node: str, exit_code: int, output: str, ha: bool, timeout: int = QUERY_TIMEOUT) -> NodeRole:
    """What one sample's exec said about `node` (pure): its exit code and output."""
    found = sections(output)
    role: NodeRole
    if "psql" in found:
        answer = _psql_answer(*found["psql"], timeout)
        role = unreachable(node, answer) if isinstance(answer, str) else _named(answer, node)
    else:  # the script never ran: the container refused the exec
        role = unreachable(node, _last_line(output) or f"exec exited with {exit_code} and said nothing")
    if not ha:
        return role
    patroni_role = patroni_state = None
    leader_lock = None
    if "role" in found:
        state = patroni.parse_node_state(found["role"][1])
        patroni_role, patroni_state = state.role, state.state or None
    if "lock" in found:
        status = found["lock"][1].strip()
        if status.isdigit() and len(status) == 3 and status != "000":  # 000: curl got no HTTP answer
            leader_lock = status == "200"
    return NodeRole(
        node,
        role.reachable,
        role.writable,
        role.in_recovery,
        role.timeline,
        role.streaming,
        patroni_role,
        patroni_state,
        leader_lock,
        role.error,
    )


def _named(role: NodeRole, node: str) -> NodeRole:
    return NodeRole(node, role.reachable, role.writable, role.in_recovery, role.timeline, role.streaming)


def unreachable(node: str, error: str) -> NodeRole:
    """A node that did not answer: not writable (it acknowledges nothing), everything else unknown."""
    return NodeRole(node, False, False, error=error)


def ask(stack: StackHandle, node: str, ha: bool) -> NodeRole:
    """One sample of `node`, from inside its container; any failure to reach it is an unreachable node."""
    try:
        answer = stack.service(node).exec(sample_command(ha), user="postgres")
    except Exception as exc:  # stopped, frozen, removed: the engine refuses the exec
        return unreachable(node, short_error(exc))
    return parse_sample(node, answer.exit_code, answer.output, ha)


@register(
    "node-roles",
    f=ROLE,
    summary="each PostgreSQL node's role, asked inside its container, twice a second (listed only)",
    default=False,  # four docker execs a second: a drill asks for it (the Patroni drills do)
)
def node_roles(ctx: ProbeContext) -> list[Callable[[], None]]:
    stack = ctx.stack
    if stack is None:
        reason = HarnessError("node-roles needs the stack handle: ProbeContext(..., stack=stack)")
        report_probe_error(ctx.history, "roles", reason)
        return []
    ha = stack.mode == "patroni"
    present = set(stack.services())

    def sample(process: str, node: str) -> None:
        ctx.history.invoke(process, ROLE, {"node": node})
        ctx.history.record(process, "ok", ROLE, ask(stack, node, ha).value())

    lanes = []
    for i, node in enumerate(n for n in PG_NODES if n in present):
        offset = 0.05 + i * PERIOD / 2

        def resource(node: str = node) -> str:
            return node

        lanes.append(Lane(ctx, f"roles-{node}", PERIOD, offset, sample, resource, MAX_IN_FLIGHT).run)
    return lanes
