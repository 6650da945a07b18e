from __future__ import annotations

from pathlib import Path

import pytest

from harness.actions import ACTIONS
from harness.faults import FAULTS
from harness.scenario import Guard, InvalidScenario, load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]


def test_baseline_ships_and_loads() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    assert scenario.name == "baseline" and scenario.duration == 60.0 and scenario.steps == ()
    assert "business-write" in scenario.probes and "heartbeat" in scenario.probes


def test_steps_become_seconds() -> None:
    scenario = parse_scenario(
        {
            "name": "x",
            "summary": "s",
            "duration": "1m",
            "steps": [{"at": "10s", "fault": "pause", "target": "odoo-1", "for": "1500ms"}],
        }
    )
    (step,) = scenario.steps
    assert (step.at, step.fault, step.target, step.duration) == (10.0, "pause", "odoo-1", 1.5)


def _with_steps(*steps: dict[str, object], **extra: object) -> dict[str, object]:
    return {"name": "x", "summary": "s", "steps": list(steps), **extra}


TARGETS = "pg-primary, pg-standby, backup, redis, odoo-1, odoo-2, traefik, zone-a, zone-b, region"
FAULT_NAMES = ", ".join(sorted(FAULTS))
ACTION_NAMES = ", ".join(sorted(ACTIONS))
CONDITIONS = "no-primary, one-primary, replication-streaming, services-running, writes-failing, writes-ok"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"summary": "s"}, "f: field name: missing required field"),
        ({"name": "x"}, "f: field summary: missing required field"),
        (
            {"name": "x", "summary": "s", "colour": "red"},
            "f: field colour: unknown field (remove it or check its spelling)",
        ),
        (
            {"name": "Bad Name", "summary": "s"},
            "f: field name: name 'Bad Name' must be lower-case letters, digits and dashes (at most 64)",
        ),
        (
            {"name": "x", "summary": "s", "duration": "soon"},
            "f: field duration: invalid duration 'soon' (use e.g. 500ms, 30s, 2m)",
        ),
        ({"name": "x", "summary": "s", "duration": "0s"}, "f: field duration: must be longer than 0s"),
        (
            {"name": "x", "summary": "s", "settle": "-1s"},
            "f: field settle: invalid duration '-1s' (use e.g. 500ms, 30s, 2m)",
        ),
        (
            {"name": "x", "summary": "s", "probes": ["ping"]},
            "f: field probes: unknown probe 'ping'; probes are business-read, business-write, heartbeat, replication-lag, user-sessions",
        ),
        (
            _with_steps({"at": "5s", "fault": "pause", "target": "db"}),
            f"f: field steps.0.target: unknown target 'db'; targets are {TARGETS}",
        ),
        (
            _with_steps({"at": "5s", "fault": "explode", "target": "redis"}),
            f"f: field steps.0.fault: unknown fault 'explode'; faults are {FAULT_NAMES}",
        ),
        (
            _with_steps({"at": "5s", "action": "reboot-world"}),
            f"f: field steps.0.action: unknown action 'reboot-world'; actions are {ACTION_NAMES}",
        ),
        (
            _with_steps({"at": "20s", "fault": "pause", "target": "redis"}, duration="10s"),
            "f: field steps.0.at: 20s is past the end of the run (duration 10s)",
        ),
        (
            _with_steps(
                {"at": "5s", "fault": "pause", "target": "redis"},
                {"after": "4s", "action": "restart-service", "target": "redis"},
                {"after": "2s", "action": "restart-service", "target": "redis"},
                duration="10s",
            ),
            "f: field steps.2.at: 11s (counting the `after`s) is past the end of the run (duration 10s)",
        ),
        (
            _with_steps({"at": "5s", "target": "redis"}),
            "f: field steps.0: a step has exactly one of fault, action, wait (found none)",
        ),
        (
            _with_steps({"at": "5s", "fault": "kill", "action": "promote-standby", "target": "pg-standby"}),
            "f: field steps.0: a step has exactly one of fault, action, wait (found fault and action)",
        ),
        (
            _with_steps({"at": "5s", "after": "1s", "fault": "kill", "target": "redis"}),
            "f: field steps.0: a step has `at` or `after`, not both",
        ),
        (
            _with_steps({"at": "5s", "fault": "kill"}),
            f"f: field steps.0: fault 'kill' needs a target; targets are {TARGETS}",
        ),
        (
            _with_steps({"at": "5s", "action": "promote-standby", "for": "5s"}),
            "f: field steps.0: `for` belongs to faults only (actions and waits are not healed)",
        ),
        (
            _with_steps({"at": "5s", "action": "replace-node", "target": "pg-primary"}),
            "f: field steps.0: action 'replace-node' cannot act on 'pg-primary'; targets are odoo-1, odoo-2",
        ),
        (
            _with_steps({"at": "5s", "action": "restart-service"}),
            "f: field steps.0: action 'restart-service' needs a target; one of pg-primary, pg-standby, backup, redis, odoo-1, odoo-2, traefik",
        ),
        (
            _with_steps({"wait": "writes-ok within 5s"}),
            "f: field steps.0.wait: wait 'writes-ok within 5s' must read 'until <condition> timeout <duration>'",
        ),
        (
            _with_steps({"wait": "until sunrise timeout 5s"}),
            f"f: field steps.0.wait: unknown condition 'sunrise'; conditions are {CONDITIONS}",
        ),
        (
            _with_steps({"wait": "until writes-ok timeout soon"}),
            "f: field steps.0.wait: invalid duration 'soon' (use e.g. 500ms, 30s, 2m)",
        ),
        (
            _with_steps({"wait": "until writes-ok timeout 5s", "target": "redis"}),
            "f: field steps.0: a wait step takes no target or params",
        ),
        (
            _with_steps({"at": "5s", "fault": "kill", "target": "redis", "for": "a while"}),
            "f: field steps.0.for: invalid duration 'a while' (use e.g. 500ms, 30s, 2m)",
        ),
        (
            {"name": "x", "summary": "s", "steady_state": ["healthy"]},
            f"f: field steady_state: unknown condition 'healthy'; conditions are {CONDITIONS}",
        ),
        (
            {"name": "x", "summary": "s", "checks": {"latency": "1s"}},
            "f: field checks: unknown check 'latency'; checks are rto, rpo, availability, rto_stable, lost_writes",
        ),
        (
            {"name": "x", "summary": "s", "checks": {"rto": "quick"}},
            "f: field checks.rto: invalid value 'quick' (use a duration such as 30s or 15m)",
        ),
        (
            {"name": "x", "summary": "s", "checks": {"availability": {"strict": "99%"}}},
            "f: field checks.availability: give one value or a mapping with strict and loose",
        ),
        (
            {"name": "x", "summary": "s", "guard": "abort when bad"},
            "f: field guard: 'abort when bad' must read 'availability < <percent>% for <duration>'",
        ),
        (
            {"name": "x", "summary": "s", "guard": "availability < 50% for ever"},
            "f: field guard: invalid duration 'ever' (use e.g. 500ms, 30s, 2m)",
        ),
        ([1, 2], "f: a scenario is a mapping with name, summary, duration, steps"),
    ],
)
def test_malformed_scenarios_name_the_file_and_field(data: object, message: str) -> None:
    with pytest.raises(InvalidScenario) as error:
        parse_scenario(data, "f")
    assert str(error.value) == message


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(InvalidScenario, match="no such scenario file"):
        load_scenario(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(InvalidScenario, match=r"broken.yaml: not valid YAML at line 2"):
        load_scenario(broken)


def test_full_grammar_becomes_a_plan() -> None:
    scenario = parse_scenario(
        {
            "name": "db-primary-kill",
            "summary": "s",
            "duration": "90s",
            "steady_state": ["writes-ok", "replication-streaming"],
            "checks": {"rto": "2m", "availability": {"strict": "99.9%", "loose": "99%"}},
            "guard": "availability < 50% for 60s",
            "steps": [
                {"at": "10s", "fault": "kill", "target": "pg-primary"},
                {"wait": "until writes-failing timeout 30s"},
                {"after": "5s", "action": "promote-standby"},
                {"after": "10s", "action": "rejoin-old-primary"},
                {"at": "60s", "fault": "partition", "target": "zone-b", "for": "5s"},
            ],
        }
    )
    kill, wait, promote, rejoin, cut = scenario.steps
    assert (kill.kind, kill.at, kill.target, kill.duration) == ("fault", 10.0, "pg-primary", None)
    assert (wait.kind, wait.wait, wait.timeout, wait.at) == ("wait", "writes-failing", 30.0, None)
    assert (promote.kind, promote.target, promote.after) == ("action", "pg-standby", 5.0)
    assert (rejoin.target, rejoin.after) == ("pg-primary", 10.0)
    assert (cut.target, cut.duration) == ("zone-b", 5.0)
    assert scenario.steady_state == ("writes-ok", "replication-streaming")
    assert scenario.checks == {"rto": (120.0, 120.0), "availability": (0.999, 0.99)}
    assert scenario.guard == Guard(0.5, 60.0, "availability < 50% for 60s")


def test_every_shipped_scenario_loads() -> None:
    shipped = sorted((ROOT / "scenarios").glob("*.yaml"))
    assert len(shipped) >= 7
    for path in shipped:
        assert load_scenario(path).name == path.stem
