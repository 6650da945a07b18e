"""The node-roles probe against a FakeStack: what it records for a primary, a standby, a frozen, a stopped node."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from harness.core import history as h
from harness.core.commands import Exec
from harness.core.history import History
from harness.probes import PROBES
from harness.probes.base import Lane, ProbeContext
from harness.probes.node_roles import MARK, ROLE_SQL, parse_sample, sample_command
from tests.unit.fakes import FakeService, FakeStack

PSQL_ANSWER = {"primary": "f|3|t|", "standby": "t|3|f|streaming"}
PATRONI_ANSWER = {
    "primary": ('{"state": "running", "role": "master", "timeline": 3}', "200"),
    "standby": ('{"state": "running", "role": "replica", "timeline": 3, "replication_state": "streaming"}', "503"),
}


def cluster_answers(service: FakeService, command: Sequence[str], environment: Mapping[str, str]) -> Exec | None:
    """Answer a sample's script like the node would: its psql line, then (if asked) Patroni's role and lock."""
    script = command[-1]
    if MARK not in script or service.role is None:
        return None
    out = f"{PSQL_ANSWER[service.role]}\n{MARK}psql 0\n"
    if "8008/patroni" in script:
        role, lock = PATRONI_ANSWER[service.role]
        out += f"{role}\n{MARK}role 0\n{lock}\n{MARK}lock 0\n"
    return Exec(0, out)


def probe(stack: FakeStack | None) -> tuple[ProbeContext, list[Callable[[], None]]]:
    ctx = ProbeContext(History(), None, "run", threading.Event(), stack=stack)  # type: ignore[arg-type]
    return ctx, PROBES["node-roles"](ctx)


def sample_once(stack: FakeStack) -> dict[str, dict[str, Any]]:
    """One sample of every lane, run directly (no schedule): node -> the ok op's value."""
    ctx, lanes = probe(stack)
    for run in lanes:
        lane: Lane[str] = run.__self__  # type: ignore[attr-defined]
        lane.operation(lane.name, lane.resource())
    ops = h.pair(ctx.history.events())
    assert all(op.kind == "ok" and op.f == h.ROLE for op in ops)
    assert [op.invoke.value for op in ops] == [{"node": op.value["node"]} for op in ops]
    return {op.process: op.completion.value for op in ops if op.completion is not None}


PRIMARY = {
    "node": "pg-primary",
    "reachable": True,
    "writable": True,
    "in_recovery": False,
    "timeline": 3,
    "streaming": None,
    "patroni_role": None,
    "patroni_state": None,
    "leader_lock": None,
    "error": None,
}
STANDBY = PRIMARY | {"node": "pg-standby", "writable": False, "in_recovery": True, "streaming": True}


def test_registered_as_system_probe_with_role_ops() -> None:
    registered = PROBES["node-roles"]
    assert (registered.f, registered.journey) == ("role", None)


def test_a_running_primary_and_a_streaming_standby() -> None:
    stack = FakeStack(on_exec=[cluster_answers])
    assert sample_once(stack) == {"roles-pg-primary": PRIMARY, "roles-pg-standby": STANDBY}
    commands = [call for call in stack.calls if call[0] == "exec"]
    assert [call[1] for call in commands] == ["pg-primary", "pg-standby"]  # one exec per node and sample
    assert "8008" not in commands[0][2]  # manual mode: PostgreSQL only


def test_psql_runs_as_postgres_inside_the_node() -> None:
    stack = FakeStack(on_exec=[cluster_answers])
    users: list[str | None] = []
    node = stack.nodes["pg-primary"]
    original = node.exec

    def spy(command: Sequence[str], user: str | None = None, environment: Mapping[str, str] | None = None) -> Exec:
        users.append(user)
        return original(command, user, environment)

    node.exec = spy  # type: ignore[method-assign]
    sample_once(stack)
    assert users == ["postgres"]


def test_patroni_mode_adds_patronis_view_and_the_leader_lock() -> None:
    stack = FakeStack(mode="patroni", on_exec=[cluster_answers])
    found = sample_once(stack)
    assert found["roles-pg-primary"] == PRIMARY | {
        "patroni_role": "primary",
        "patroni_state": "running",
        "leader_lock": True,
    }
    assert found["roles-pg-standby"] == STANDBY | {
        "patroni_role": "replica",
        "patroni_state": "running",
        "leader_lock": False,
    }


def test_a_stopped_node_is_recorded_unreachable_and_not_writable() -> None:
    stack = FakeStack(on_exec=[cluster_answers])
    stack.nodes["pg-primary"].stop(10)
    found = sample_once(stack)
    assert found["roles-pg-primary"] == {
        "node": "pg-primary",
        "reachable": False,
        "writable": False,
        "in_recovery": None,
        "timeline": None,
        "streaming": None,
        "patroni_role": None,
        "patroni_state": None,
        "leader_lock": None,
        "error": "container pg-primary is not running",
    }
    assert found["roles-pg-standby"] == STANDBY


def test_an_exec_the_engine_refuses_is_an_unreachable_node() -> None:
    """The real engine raises on an exec into a paused container (HTTP 409) or a removed one."""

    def refuse(service: FakeService, command: Sequence[str], environment: Mapping[str, str]) -> Exec | None:
        if service.name == "pg-standby":
            raise RuntimeError("409 Client Error: Container oc-x-pg-standby is paused, unpause the container")
        return None

    stack = FakeStack(on_exec=[refuse, cluster_answers])
    found = sample_once(stack)
    assert found["roles-pg-standby"]["reachable"] is False
    assert found["roles-pg-standby"]["writable"] is False
    assert found["roles-pg-standby"]["error"] == (
        "RuntimeError: 409 Client Error: Container oc-x-pg-standby is paused, unpause the container"
    )
    assert found["roles-pg-primary"] == PRIMARY


def test_a_destroyed_node_is_unreachable() -> None:
    stack = FakeStack(on_exec=[cluster_answers])
    ctx, lanes = probe(stack)
    del stack.nodes["pg-standby"]  # destroyed after the probes started (a region loss)
    lane: Lane[str] = lanes[1].__self__  # type: ignore[attr-defined]
    lane.operation(lane.name, lane.resource())
    value = h.pair(ctx.history.events())[0].value
    assert (value["reachable"], value["writable"], value["error"]) == (
        False,
        False,
        "HarnessError: unknown target 'pg-standby'",
    )


def test_only_the_nodes_the_stack_has_get_a_lane() -> None:
    stack = FakeStack(on_exec=[cluster_answers])
    del stack.nodes["pg-standby"]
    ctx, lanes = probe(stack)
    assert len(lanes) == 1
    assert ctx.lanes == {"roles-pg-primary": 0.5}


def test_without_the_stack_handle_it_says_so_instead_of_falling_silent() -> None:
    ctx, lanes = probe(None)
    assert lanes == []
    [event] = ctx.history.events()
    assert (event.process, event.f, event.value["lane"]) == ("monitor", h.PROBE_ERROR, "roles")
    assert event.value["error"] == "HarnessError: node-roles needs the stack handle: ProbeContext(..., stack=stack)"


def test_a_frozen_node_does_not_stall_the_other_nodes_samples() -> None:
    """pg-primary's exec hangs (frozen mid-call); pg-standby is still sampled every 0.5 s."""
    release = threading.Event()

    def hang(service: FakeService, command: Sequence[str], environment: Mapping[str, str]) -> Exec | None:
        if service.name == "pg-primary":
            release.wait(5.0)
        return None

    stack = FakeStack(on_exec=[hang, cluster_answers])
    ctx, lanes = probe(stack)
    threads = [threading.Thread(target=run, daemon=True) for run in lanes]
    for thread in threads:
        thread.start()
    time.sleep(1.4)
    during = h.pair(ctx.history.events())
    release.set()
    ctx.stop.set()
    for thread in threads:
        thread.join(timeout=5)
        assert not thread.is_alive()
    primary = [op for op in during if op.process.startswith("roles-pg-primary")]
    standby = [op for op in during if op.process.startswith("roles-pg-standby")]
    # scheduled at 0.05, 0.55, 1.05 s: each on its own slot, all hung
    assert len(primary) >= 2 and all(op.completion is None for op in primary)
    assert [op.process for op in primary][:2] == ["roles-pg-primary", "roles-pg-primary.1"]
    # scheduled at 0.30, 0.80, 1.30 s: answered on time although pg-primary hangs
    assert len(standby) >= 2 and all(op.kind == "ok" and op.value == STANDBY for op in standby)
    assert all(op.latency is not None and op.latency < 0.1 for op in standby)
    done = h.pair(ctx.history.events())
    assert all(op.completion is not None for op in done)  # once thawed, every hung sample completes


# --- the answer, parsed (pure) -------------------------------------------------------------------


def test_the_sample_script_carries_the_query_and_patronis_commands() -> None:
    manual = sample_command(False)
    assert manual[:2] == ["sh", "-c"]
    assert manual[2].startswith("timeout 2 psql -XAtq -v ON_ERROR_STOP=1 -c 'SELECT pg_is_in_recovery(), ")
    assert manual[2].endswith(f'2>&1; echo "{MARK}psql $?"')
    ha = sample_command(True)[2]
    assert "curl -s -m 2 http://localhost:8008/patroni; rc=$?" in ha
    assert "curl -s -o /dev/null -w '%{http_code}' -m 2 http://localhost:8008/leader; rc=$?" in ha
    assert "default_transaction_read_only" in ROLE_SQL and "pg_control_checkpoint()" in ROLE_SQL


@pytest.mark.parametrize(
    ("output", "error"),
    [
        (f"{MARK}psql 124\n", "psql did not answer within 2 s"),
        (
            'psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: '
            f"FATAL:  sorry, too many clients already\n{MARK}psql 2\n",
            'psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: '
            "FATAL:  sorry, too many clients already",
        ),
        (f"{MARK}psql 3\n", "psql exited with 3"),
        (f"t|3\n{MARK}psql 0\n", "unexpected answer from psql: 't|3'"),
        (
            "OCI runtime exec failed: exec failed: unable to start container process\n",
            "OCI runtime exec failed: exec failed: unable to start container process",
        ),
        ("", "exec exited with 126 and said nothing"),
    ],
)
def test_a_node_that_does_not_answer_says_why(output: str, error: str) -> None:
    role = parse_sample("pg-standby", 126 if not output else 0, output, ha=False)
    assert (role.reachable, role.writable, role.in_recovery, role.error) == (False, False, None, error)


def test_patroni_not_answering_leaves_the_lock_unknown() -> None:
    output = f"{PSQL_ANSWER['primary']}\n{MARK}psql 0\n\n{MARK}role 7\n000\n{MARK}lock 7\n"
    role = parse_sample("pg-primary", 0, output, ha=True)
    assert role.value() == PRIMARY | {"patroni_role": "down", "patroni_state": None, "leader_lock": None}


def test_postgres_down_under_a_running_patroni() -> None:
    output = (
        f"psql: error: connection to server failed: No such file or directory\n{MARK}psql 2\n"
        f'{{"state": "starting", "role": "replica"}}\n{MARK}role 0\n503\n{MARK}lock 0\n'
    )
    role = parse_sample("pg-primary", 0, output, ha=True)
    assert role.value() == {
        "node": "pg-primary",
        "reachable": False,
        "writable": False,
        "in_recovery": None,
        "timeline": None,
        "streaming": None,
        "patroni_role": "down",
        "patroni_state": "starting",
        "leader_lock": False,
        "error": "psql: error: connection to server failed: No such file or directory",
    }


def test_a_standby_that_does_not_stream_and_a_read_only_primary() -> None:
    waiting = parse_sample("pg-standby", 0, f"t|2|f|\n{MARK}psql 0\n", ha=False)
    assert (waiting.in_recovery, waiting.streaming, waiting.timeline, waiting.writable) == (True, False, 2, False)
    fenced = parse_sample("pg-primary", 0, f"f|4|f|\n{MARK}psql 0\n", ha=False)  # default_transaction_read_only on
    assert (fenced.reachable, fenced.in_recovery, fenced.writable, fenced.streaming) == (True, False, False, None)
