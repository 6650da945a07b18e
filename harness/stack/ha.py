"""Asking and steering Patroni through the stack seam: who leads, a switchover, the cluster listing.

Every question is asked inside the node's own container (`ServiceHandle.exec`), so it works on a
node cut off from every network, and the same functions serve the Patroni stack, its runbook
action (`patroni-switchover`) and the warm reset.
"""

from __future__ import annotations

import json
from typing import Any

from harness.core.clock import poll_until
from harness.core.errors import HarnessError
from harness.stack import db, patroni
from harness.stack.containers import exec_checked
from harness.stack.handle import StackHandle

SWITCHOVER_TIMEOUT = 60.0
LEADER_TIMEOUT = 90.0


def leader(stack: StackHandle) -> str | None:
    """The node whose own Patroni says it holds the leader lock (GET /leader answers 200), or None."""
    for node in patroni.PATRONI_NODES:
        if node not in stack.services():
            continue
        container = stack.service(node)
        if container.status == "running" and container.exec(list(patroni.LOCK_COMMAND)).output.strip() == "200":
            return node
    return None


def writable_leader(stack: StackHandle, timeout: float = LEADER_TIMEOUT) -> str:
    """The leader once it holds the lock and its PostgreSQL takes writes."""

    def found() -> str | None:
        node = leader(stack)
        return node if node is not None and db.role(stack, node) == "primary" else None

    node: str = poll_until(found, timeout=timeout, what="a Patroni leader taking writes", on_timeout=HarnessError)
    return node


def switchover(stack: StackHandle, candidate: str, timeout: float = SWITCHOVER_TIMEOUT) -> str:
    """`patronictl switchover` to `candidate`; returns the former leader once the candidate leads and takes writes."""
    current = writable_leader(stack)
    if current == candidate:
        raise HarnessError(f"patroni switchover: {candidate} already leads")
    command = ["patronictl", "switchover", patroni.SCOPE, "--leader", current, "--candidate", candidate, "--force"]
    exec_checked(stack.service(candidate), command, f"patronictl switchover to {candidate}")
    poll_until(
        lambda: leader(stack) == candidate and db.role(stack, candidate) == "primary",
        timeout=timeout,
        what=f"{candidate} leading after the switchover",
        on_timeout=HarnessError,
        period=0.1,
    )
    return current


def edit_config(stack: StackHandle, settings: patroni.HaSettings) -> None:
    """Patroni's dynamic configuration on the running cluster (`patronictl edit-config`), asked of the leader."""
    problems = settings.problems()
    if problems:
        raise HarnessError("Patroni settings: " + "; ".join(problems))
    node = writable_leader(stack)
    command = ["patronictl", "edit-config", patroni.SCOPE, "--force", "--quiet", *settings.edit_config_args()]
    exec_checked(stack.service(node), command, "patronictl edit-config")


def cluster(stack: StackHandle) -> list[dict[str, Any]]:
    """`patronictl list` as data (member, role, state, timeline, lag); needs etcd, so asked of any node that answers."""
    for node in patroni.PATRONI_NODES:
        if node not in stack.services() or stack.service(node).status != "running":
            continue
        done = stack.service(node).exec(list(patroni.CLUSTER_COMMAND))
        if done.exit_code == 0:
            members = json.loads(done.output or "[]")
            return [m for m in members if isinstance(m, dict)]
    return []


def etcd_healthy(stack: StackHandle) -> bool:
    """Every etcd member answers (asked of the first member that runs)."""
    for member in patroni.ETCD_MEMBERS:
        if member in stack.services() and stack.service(member).status == "running":
            return stack.service(member).exec(list(patroni.ETCD_HEALTH_COMMAND)).exit_code == 0
    return False
