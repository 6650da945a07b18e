"""Releases and the rolling-release action without Docker: addons path order, fixtures, params, gates, rollback."""

from __future__ import annotations

import ast
import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from harness.actions import ACTIONS
from harness.actions.release import CANARY_WRITER, ReleaseParams, RollingRelease, rollout_order
from harness.checkers import run_checkers
from harness.checkers.base import CheckContext
from harness.core import history as h
from harness.core.errors import HarnessError
from harness.core.history import History
from harness.drill.executor import Executor
from harness.edge.images import COMPOSE
from harness.files.params import InvalidParams, validate_params
from harness.files.tiers import load_tiers
from harness.scenario.load import InvalidScenario, parse_scenario
from harness.scenario.model import Scenario, Step
from harness.stack import releases, topology
from harness.stack.handle import Exec
from tests.unit.fakes import FakeService, FakeStack


def test_a_release_directory_comes_first_on_the_addons_path() -> None:
    profile = topology.OdooProfile("odoo-chaos/odoo:11.0")
    assert topology.addons_path() == topology.ADDONS_MOUNT
    assert topology.addons_path("broken-write") == f"{topology.RELEASE_MOUNT},{topology.ADDONS_MOUNT}"
    assert f"--addons-path={topology.ADDONS_MOUNT}" in topology.odoo_server_args(profile)
    with_release = topology.odoo_server_args(profile, "broken-start")
    assert "--addons-path=/mnt/odoo-chaos-release,/mnt/odoo-chaos-addons" in with_release
    assert len(with_release) == len(topology.odoo_server_args(profile))  # only the addons path differs


def _version(manifest: Path) -> str:
    return str(ast.literal_eval(manifest.read_text())["version"])


def test_each_shipped_release_is_a_new_version_of_shipped_addons() -> None:
    assert releases.available() == ("broken-start", "broken-write")
    for name in releases.available():
        modules = [p for p in releases.directory(name).iterdir() if p.is_dir()]
        assert modules, name
        for module in modules:
            shipped = COMPOSE / "addons" / module.name / "__manifest__.py"
            assert shipped.is_file(), f"{name}/{module.name} shadows no shipped addon"
            assert _version(module / "__manifest__.py") != _version(shipped)
    assert (releases.RELEASES_DIR / "README.md").is_file()


def test_previous_and_none_are_the_shipped_addons() -> None:
    assert releases.resolve(None) is None
    assert releases.resolve("previous") is None
    assert releases.resolve("broken-write") == "broken-write"
    with pytest.raises(HarnessError, match="unknown release 'v2'; releases are broken-start, broken-write, previous"):
        releases.resolve("v2")
    with pytest.raises(HarnessError, match="not a release directory"):
        releases.directory("previous")


def plan_release(params: dict[str, Any]) -> ReleaseParams:
    plan: ReleaseParams = validate_params(ACTIONS["rolling-release"], params)
    return plan


def test_params_are_validated_with_defaults() -> None:
    assert plan_release({"release": "broken-write"}) == ReleaseParams("broken-write", 3, 60.0)
    previous = plan_release({"release": "previous", "canary_writes": 0, "start_timeout": "2m"})
    assert previous == ReleaseParams("previous", 0, 120.0) and previous.resolved is None
    assert plan_release({"release": "broken-start", "start_timeout": 30}).start_timeout == 30.0


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({}, "release", "missing required field"),
        ({"release": "v2"}, "release", "unknown release 'v2'; releases are broken-start, broken-write, previous"),
        (
            {"release": "broken-write", "canary": 3},
            "canary",
            "unknown param (rolling-release takes release, canary_writes, start_timeout)",
        ),
        ({"release": "broken-write", "canary_writes": True}, "canary_writes", "must be a whole number, not True"),
        ({"release": "broken-write", "canary_writes": -1}, "canary_writes", "must be >= 0, not -1"),
        (
            {"release": "broken-write", "start_timeout": "soon"},
            "start_timeout",
            "must be a duration such as 200ms or 30s (from more than 0s to 10m), not 'soon'",
        ),
        (
            {"release": "broken-write", "start_timeout": 0},
            "start_timeout",
            "must be a duration from more than 0s to 10m, not 0",
        ),
    ],
)
def test_bad_params_name_the_param_and_the_valid_values(params: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidParams) as error:
        plan_release(params)
    assert (error.value.field, error.value.message) == (field, message)


def test_a_scenario_with_an_unknown_release_is_refused_before_anything_starts() -> None:
    data = {
        "name": "x",
        "summary": "s",
        "steps": [{"at": "1s", "action": "rolling-release", "params": {"release": "v2"}}],
    }
    with pytest.raises(InvalidScenario) as error:
        parse_scenario(data, "f")
    assert str(error.value) == (
        "f: field steps.0.params.release: unknown release 'v2'; releases are broken-start, broken-write, previous"
    )


def test_the_rollout_starts_at_the_target() -> None:
    assert rollout_order("odoo-1") == ("odoo-1", "odoo-2")
    assert rollout_order("odoo-2") == ("odoo-2", "odoo-1")
    assert ACTIONS["rolling-release"].default_target == "odoo-1"


# --- the action against a fake stack --------------------------------------------------------------
def _canary(node: FakeService, command: Sequence[str], environment: Mapping[str, str]) -> Exec | None:
    """The canary writes a node runs: refused by the broken-write release, accepted otherwise."""
    if list(command[:2]) != ["python3", "-c"]:
        return None
    assert list(command[3:]) == ["odoo", CANARY_WRITER, "3"]
    assert dict(environment) == {"ODOO_CHAOS_LOGIN": "admin", "ODOO_CHAOS_PASSWORD": "secret"}
    node.stack.calls.append(("canary", node.name, ""))
    if node.stack.releases[node.name] == "broken-write":
        return Exec(1, json.dumps({"written": [], "error": "odoo.exceptions.ValidationError: the ledger is locked"}))
    return Exec(0, json.dumps({"written": [7, 8, 9], "error": None}) + "\n")


def release_stack() -> FakeStack:
    """A fake stack whose Odoo nodes answer the canary writes."""
    stack = FakeStack()
    stack.on_exec.append(_canary)
    return stack


def _rollout(stack: FakeStack) -> list[tuple[str, str]]:
    return [
        (what, f"{node}={release}" if what == "replace" else node)
        for what, node, release in stack.calls
        if what in ("replace", "canary")
    ]


def test_a_release_that_cannot_start_is_rolled_back_at_its_first_node() -> None:
    stack = release_stack()
    result = RollingRelease().run(stack, "odoo-1", plan_release({"release": "broken-start"}), [])
    assert _rollout(stack) == [("replace", "odoo-1=broken-start"), ("replace", "odoo-1=None")]
    assert stack.releases == {"odoo-1": None, "odoo-2": None}
    assert result["outcome"] == "rolled-back" and result["release"] == "broken-start"
    assert (result["failed_node"], result["failed_gate"]) == ("odoo-1", "serves-http")
    assert result["reason"].endswith("KEY is not set")
    assert result["nodes_rolled"] == ["odoo-1"] and result["rolled_back"] == ["odoo-1"]
    assert result["detect_seconds"] >= 0 and result["rollback_seconds"] >= 0
    json.dumps(result)  # recorded in the history as is


def test_a_release_that_breaks_writes_fails_the_canary_and_is_rolled_back() -> None:
    stack = release_stack()
    result = RollingRelease().run(stack, "odoo-2", plan_release({"release": "broken-write"}), [])
    assert _rollout(stack) == [("replace", "odoo-2=broken-write"), ("canary", "odoo-2"), ("replace", "odoo-2=None")]
    assert (result["failed_node"], result["failed_gate"]) == ("odoo-2", "canary-writes")
    assert result["reason"] == "canary write 1 of 3 failed: odoo.exceptions.ValidationError: the ledger is locked"
    assert set(result["serve_seconds"]) == {"odoo-2"}


def test_a_good_release_rolls_out_to_every_node_and_the_rollback_goes_newest_first() -> None:
    stack = release_stack()
    result = RollingRelease().run(stack, "odoo-1", plan_release({"release": "previous"}), [])
    assert result["outcome"] == "rolled-out" and result["nodes_rolled"] == ["odoo-1", "odoo-2"]
    assert result["failed_gate"] is None and result["rolled_back"] == []

    stack = release_stack()
    original = stack.replace_odoo_node
    starts: list[str] = []

    def second_node_never_starts(node: str, timeout: float = 120.0, release: str | None = None) -> None:
        starts.append(node)
        original(node, timeout, "broken-start" if starts == ["odoo-1", "odoo-2"] else release)

    stack.replace_odoo_node = second_node_never_starts  # type: ignore[method-assign]
    result = RollingRelease().run(stack, "odoo-1", plan_release({"release": "previous"}), [])
    assert result["failed_node"] == "odoo-2"
    assert result["rolled_back"] == ["odoo-2", "odoo-1"]
    assert [c for c in _rollout(stack) if c[0] == "replace"][-2:] == [
        ("replace", "odoo-2=None"),
        ("replace", "odoo-1=None"),
    ]


def test_a_failed_rollback_fails_the_action() -> None:
    stack = release_stack()
    original = stack.replace_odoo_node

    def never_back(node: str, timeout: float = 120.0, release: str | None = None) -> None:
        original(node, timeout, "broken-start")

    stack.replace_odoo_node = never_back  # type: ignore[method-assign]
    with pytest.raises(HarnessError, match="rollback of odoo-1 to previous failed: fresh odoo-1 exited"):
        RollingRelease().run(stack, "odoo-1", plan_release({"release": "broken-start"}), [])


def test_the_executor_records_a_release_as_the_injection_at_its_start(tmp_path: Path) -> None:
    stack = release_stack()
    plan = Scenario(
        "t",
        "s",
        "tier-1",
        0.2,
        0.0,
        ("business-write",),
        (Step(0.0, target="odoo-1", params={"release": "broken-write"}, action="rolling-release"),),
    )
    history = History()
    executor = Executor(plan, stack, history, threading.Event(), lambda _: None, tmp_path / "STOP")  # type: ignore[arg-type]
    executor.run_steps()
    events = history.events()
    assert [(e.process, e.kind, e.f) for e in events[:3]] == [
        ("fault", "invoke", h.INJECT),
        ("fault", "ok", h.INJECT),
        ("runbook", "invoke", h.ACTION),
    ]
    assert events[0].value == {
        "fault": "rolling-release",
        "target": "odoo-1",
        "release": "broken-write",
        "canary_writes": 3,
        "start_timeout": 60.0,
        "takes_effect": "start",
        "damages_data": False,  # a change to production: it can break users' journeys, not their data
        "may_lose_data": False,
    }
    (runbook,) = run_checkers(events, CheckContext(tier=load_tiers()["tier-1"]), ["runbook"])
    assert runbook.status == "pass"
    assert runbook.metrics["steps"][0]["outcome"] == "rolled-back"
    assert runbook.metrics["steps"][0]["failed_gate"] == "canary-writes"


def test_a_node_that_dies_after_it_served_fails_the_canary_gate() -> None:
    def gone(node: FakeService, command: Sequence[str], environment: Mapping[str, str]) -> Exec | None:
        raise RuntimeError("container is not running")

    stack = FakeStack()
    stack.on_exec.append(gone)
    result = RollingRelease().run(stack, "odoo-1", plan_release({"release": "broken-write"}), [])
    assert result["failed_gate"] == "canary-writes"
    assert result["reason"] == "canary write 1 of 3 failed: RuntimeError: container is not running"
