"""The pytest plugin's contract without Docker: the drill runs before the body, fail fails, the run dir is attached."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = """
from pathlib import Path

import pytest

import harness.pytest_plugin as plugin
from harness.drill.runner import RunOutcome

RUNS = []


class FakeStack:
    run_id = "20260101-0000-fake00"
    endpoints = None


@pytest.fixture(scope="session")
def odoo_stack():
    return FakeStack()


def fake_run(scenario, tier, out, *, stack, progress, load=None):
    RUNS.append((scenario.name, tier.name))
    verdict = "fail" if scenario.name == "breaks" else "warn"
    checks = [{"checker": "rto", "status": verdict, "reason": "RTO 99 s over 30 s"}]
    return RunOutcome(Path(out) / scenario.name, verdict, 1 if verdict == "fail" else 0, {"checks": checks, "rto_seconds": 1.5})


# patched at import: the plugin's autouse fixture runs before any conftest fixture could patch it
# (safe: runpytest_subprocess gives this session its own interpreter)
plugin.run_scenario = fake_run
plugin.warm_reset = lambda stack, progress: RUNS.append(("reset", ""))
"""

SCENARIO = "name: {name}\nsummary: s\nduration: 10s\nsteps:\n  - at: 1s\n    fault: kill\n    target: odoo-1\n"


def test_marker_runs_the_drill_fails_on_fail_and_attaches_the_run_dir(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    scenarios = pytester.mkdir("scenarios")
    for name in ("holds", "breaks"):
        (scenarios / f"{name}.yaml").write_text(SCENARIO.format(name=name))
    pytester.makepyfile(
        test_drills="""
import pytest
from conftest import RUNS


@pytest.mark.scenario("holds", tier="tier-2")
def test_holds(scenario_outcome):
    assert scenario_outcome.report["rto_seconds"] == 1.5


@pytest.mark.scenario("breaks")
def test_breaks():
    raise AssertionError("the body must not run after a fail verdict")


@pytest.mark.scenario("missing")
def test_missing():
    pass


def test_order():
    # no reset between two drills on one stack (the second resets first); one before a test that is no drill
    assert RUNS == [("reset", ""), ("holds", "tier-2"), ("reset", ""), ("breaks", "tier-1"), ("reset", "")]
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--junitxml=junit.xml")
    result.assert_outcomes(passed=2, failed=1, errors=1)  # a missing scenario file is a setup error
    result.stdout.fnmatch_lines(["*drill verdict fail: rto: RTO 99 s over 30 s; run directory: *breaks*"])
    result.stdout.fnmatch_lines(["*odoo-chaos: *missing.yaml: no such scenario file*"])
    junit = Path(pytester.path / "junit.xml").read_text()
    assert 'name="odoo_chaos_run_dir"' in junit


STACKS_CONFTEST = """
import pytest

import harness.pytest_plugin as plugin
from harness.drill.runner import RunOutcome

EVENTS = []


class FakeStack:
    def __init__(self, mode):
        self.mode = mode

    def __enter__(self):
        EVENTS.append(f"{self.mode} up")
        return self

    def __exit__(self, *exc):
        EVENTS.append(f"{self.mode} down")


def fake_run(scenario, tier, out, *, stack, progress, load=None):
    EVENTS.append(f"{scenario.name} on {stack.mode}")
    return RunOutcome(out, "pass", 0, {"checks": []})


plugin.Stack = lambda config, progress: FakeStack("manual")
plugin.make_stack = lambda config, progress: FakeStack(config.ha)
plugin.run_scenario = fake_run
plugin.warm_reset = lambda stack, progress: None


def pytest_sessionfinish(session):
    print("EVENTS " + ", ".join(EVENTS))
"""


def test_each_session_stack_is_torn_down_after_the_last_test_that_needs_it(pytester: pytest.Pytester) -> None:
    """Two stacks share the machine only while both have tests left: the Patroni stack goes after
    the last Patroni drill, not at the end of the session."""
    pytester.makeconftest(STACKS_CONFTEST)
    scenarios = pytester.mkdir("scenarios")
    (scenarios / "on-manual.yaml").write_text(SCENARIO.format(name="on-manual"))
    (scenarios / "on-patroni.yaml").write_text(
        SCENARIO.format(name="on-patroni").replace("duration:", "requires: {ha: patroni}\nduration:")
    )
    pytester.makepyfile(
        test_order="""
import pytest


def test_uses_the_stack(odoo_stack):
    assert odoo_stack.mode == "manual"


@pytest.mark.scenario("on-patroni")
def test_patroni_drill():
    pass


@pytest.mark.scenario("on-manual")
def test_manual_drill():
    pass


def test_needs_no_stack():
    pass
"""
    )
    result = pytester.runpytest_subprocess("-s")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "*EVENTS manual up, patroni up, on-patroni on patroni, patroni down, on-manual on manual, manual down",
        ]
    )
