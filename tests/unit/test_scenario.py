from __future__ import annotations

from pathlib import Path

import pytest

from harness.actions import ACTIONS
from harness.conditions import CONDITIONS as CONDITION_REGISTRY
from harness.faults import FAULTS
from harness.files.params import record as record_params
from harness.probes import PROBES
from harness.scenario.load import InvalidScenario, load_scenario, parse_scenario, typed
from harness.scenario.model import Guard

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


TARGETS = "pg-primary, pg-standby, backup, redis, odoo-1, odoo-2, traefik, zone-a, zone-b, region, etcd-a, etcd-b, etcd-c, haproxy, zone-c"
FAULT_NAMES = ", ".join(sorted(FAULTS))
ACTION_NAMES = ", ".join(sorted(ACTIONS))
PROBE_NAMES = ", ".join(sorted(PROBES))
CONDITIONS = ", ".join(sorted(CONDITION_REGISTRY))


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
            f"f: field probes: unknown probe 'ping'; probes are {PROBE_NAMES}",
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


def test_expectations_and_verdict_checks() -> None:
    scenario = parse_scenario(
        {"name": "x", "summary": "s", "expect": "self-healing", "checks": {"rto_stable": "10s", "lost_writes": 0}}
    )
    assert (scenario.expect, scenario.stable_for, scenario.lost_writes_allowed, scenario.checks) == (
        "self-healing",
        10.0,
        0,
        {},
    )
    plain = parse_scenario({"name": "x", "summary": "s"})
    assert (plain.expect, plain.stable_for, plain.lost_writes_allowed) == (None, 5.0, None)


# --- typed params, bounds and cross-checks (issue 12) ---------------------------------------------


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            {"at": "5s", "fault": "loss", "target": "redis", "params": {"percent": 5000}},
            "f: field steps.0.params.percent: must be <= 100, not 5000",
        ),
        (
            {"at": "5s", "fault": "loss", "target": "redis", "params": {"prcent": 90}},
            "f: field steps.0.params.prcent: unknown param (loss takes percent)",
        ),
        (
            {"at": "5s", "fault": "latency", "target": "redis", "params": {"delay": "banana"}},
            "f: field steps.0.params.delay: must be a duration such as 200ms or 30s (from more than 0s to 1m), not 'banana'",
        ),
        (
            {"at": "5s", "fault": "corrupt-relation", "target": "pg-primary", "params": {"block": -5}},
            "f: field steps.0.params.block: must be >= 0, not -5",
        ),
        (
            {"at": "5s", "action": "rejoin-old-primary", "params": {"method": "bogus"}},
            "f: field steps.0.params.method: must be 'pg_rewind' or 're-clone', not 'bogus'",
        ),
        (
            {"at": "5s", "action": "take-backup", "params": {"type": "bogus"}},
            "f: field steps.0.params.type: must be 'full', 'diff' or 'incr', not 'bogus'",
        ),
        (
            {"at": "5s", "action": "pitr-restore", "params": {"target_epoch": 1e300}},
            "f: field steps.0.params.target_epoch: must be <= 4102444800, not 1e+300",
        ),
        (
            {"at": "5s", "fault": "pause", "target": "redis", "params": {"fault": "kill", "target": "pg-primary"}},
            "f: field steps.0.params.fault: 'fault' is a step key, not a parameter: write it beside 'pause', outside params",
        ),
        (
            {"at": "5s", "fault": "pause", "target": "redis", "params": {"seconds": 5}},
            "f: field steps.0.params.seconds: unknown param (pause takes no params)",
        ),
        (
            {"at": "5s", "fault": "corrupt-relation", "target": "pg-primary", "params": {"relations": ["x'); --"]}},
            'f: field steps.0.params.relations.0: relation "x\'); --" must be lower-case letters, digits and _ (at most 63)',
        ),
    ],
)
def test_params_are_typed_per_fault_and_action(step: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidScenario) as error:
        parse_scenario(_with_steps(step), "f")
    assert str(error.value) == message


def test_params_come_out_typed_with_defaults() -> None:
    scenario = parse_scenario(
        _with_steps(
            {"at": "5s", "fault": "latency", "target": "redis", "params": {"delay": "1s"}, "for": "5s"},
            {"at": "20s", "fault": "loss", "target": "redis", "params": {"percent": "50%"}, "for": "5s"},
            {"at": "30s", "action": "rejoin-old-primary"},
        ),
        "f",
    )
    latency, loss, rejoin = (step.params for step in scenario.steps)
    assert (latency.delay, latency.jitter, loss.percent, rejoin.method) == (1.0, 0.0, 50.0, "pg_rewind")


def test_no_params_model_declares_a_step_key() -> None:
    from dataclasses import fields

    from harness.files.params import RESERVED, params_model

    for owner in [*FAULTS.values(), *ACTIONS.values()]:
        names = {f.name for f in fields(params_model(owner))}
        assert not names & set(RESERVED), owner.name


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"name": "x", "summary": "s", "expect": "miracles"},
            "f: field expect: unknown expectation 'miracles'; expectations are self-healing",
        ),
        (
            {"name": "x", "summary": "s", "checks": {"rto_stable": "0s"}},
            "f: field checks.rto_stable: invalid value '0s' (a duration from 1s to 10m, such as 10s)",
        ),
        (
            {"name": "x", "summary": "s", "checks": {"lost_writes": -1}},
            "f: field checks.lost_writes: invalid value -1 (a count of writes from 0 to 1000000, such as 0)",
        ),
        (
            {"name": "x", "summary": "s", "checks": {"lost_writes": "none"}},
            "f: field checks.lost_writes: invalid value 'none' (a count of writes from 0 to 1000000, such as 0)",
        ),
    ],
)
def test_bad_expectations_and_checks(data: object, message: str) -> None:
    with pytest.raises(InvalidScenario) as info:
        parse_scenario(data, "f")
    assert str(info.value) == message


def test_a_recorded_scenario_reads_back_the_same() -> None:
    import json
    from dataclasses import asdict

    from harness.scenario.model import scenario_from_record

    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path)
        record = json.loads(json.dumps(asdict(scenario), default=str))
        back = scenario_from_record(record)  # pure: the params come back as plain data
        assert [json.loads(json.dumps(record_params(s.params))) for s in back.steps] == [
            json.loads(json.dumps(record_params(s.params))) for s in scenario.steps
        ]
        assert typed(scenario_from_record(record)) == scenario, path  # the params as plain data, typed again


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            _with_steps({"at": "10s", "fault": "pause", "target": "redis", "for": "90s"}, duration="60s"),
            "f: field steps.0.for: 90s is longer than the run (duration 60s)",
        ),
        (
            _with_steps({"at": "50s", "fault": "pause", "target": "redis", "for": "20s"}, duration="60s"),
            "f: field steps.0.for: 20s from 50s ends past the end of the run (duration 60s); shorten it, or leave it out to heal at the end",
        ),
        (
            _with_steps(
                {"at": "10s", "fault": "pause", "target": "redis", "for": "20s"},
                {"at": "15s", "fault": "kill", "target": "zone-a"},
            ),
            "f: field steps.1: kill on zone-a while pause on redis (steps.0) is still in force; give steps.0 a `for` that ends first, or another target",
        ),
        (
            _with_steps({"wait": "until writes-ok timeout 0s"}),
            "f: field steps.0.wait: the timeout must be longer than 0s",
        ),
        (
            {"name": "x", "summary": "s", "guard": "availability < 50% for 100ms"},
            "f: field guard: the window 100ms is shorter than 5s: it holds too few business writes and would trip on a healthy run",
        ),
        (
            {"name": "x", "summary": "s", "duration": "30s", "guard": "availability < 50% for 1m"},
            "f: field guard: the window 1m is longer than the run (duration 30s), so it would never be checked",
        ),
        (
            {"name": "x", "summary": "s", "checks": {"rto": {"strict": "10m", "loose": "1m"}}},
            "f: field checks.rto: strict (10m) must not be longer than loose (1m)",
        ),
        (
            {"name": "x", "summary": "s", "checks": {"availability": {"strict": "99%", "loose": "99.9%"}}},
            "f: field checks.availability: strict (99%) must not be lower than loose (99.9%)",
        ),
        (
            {"name": "x", "summary": "s", "duration": "9" * 30 + "d"},
            f"f: field duration: must be at most 1d, not {'9' * 30}d",
        ),
        ({"name": "x", "summary": "s", "settle": "1h"}, "f: field settle: must be at most 10m, not 1h"),
        (
            {"name": "a" * 65, "summary": "s"},
            f"f: field name: name '{'a' * 54}...a' must be lower-case letters, digits and dashes (at most 64)",
        ),
        (
            {"name": "x", "summary": "s", "probes": ["heartbeat", "heartbeat"]},
            "f: field probes: probe 'heartbeat' is listed twice",
        ),
        (
            {"name": "x", "summary": "s", "steps": [{"at": f"{i}s", "action": "take-backup"} for i in range(201)]},
            "f: field steps: may have at most 200 items",
        ),
    ],
)
def test_cross_checks_and_bounds(data: object, message: str) -> None:
    with pytest.raises(InvalidScenario) as error:
        parse_scenario(data, "f")
    assert str(error.value) == message


def test_a_one_shot_fault_does_not_hold_its_target() -> None:
    scenario = parse_scenario(
        _with_steps(
            {"at": "5s", "fault": "restart", "target": "redis"},
            {"at": "10s", "fault": "kill", "target": "redis", "for": "5s"},
            {"at": "20s", "fault": "pause", "target": "redis", "for": "5s"},
        ),
        "f",
    )
    assert [step.fault for step in scenario.steps] == ["restart", "kill", "pause"]


def test_duration_override_is_checked_like_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("name: x\nsummary: s\nsteps:\n  - {at: 10s, fault: pause, target: redis}\n")
    assert load_scenario(path, duration="30s").duration == 30.0
    with pytest.raises(InvalidScenario) as error:
        load_scenario(path, duration="5s")
    assert str(error.value) == f"{path}: field steps.0.at: 10s is past the end of the run (duration 5s from --duration)"


def test_a_step_built_in_code_gets_typed_params() -> None:
    from harness.faults.network import LossParams
    from harness.scenario.model import Scenario, Step

    def built(params: dict[str, object]) -> Scenario:
        return Scenario("x", "x", "tier-1", 30.0, 1.0, ("business-write",), (Step(1.0, "loss", "redis", params=params),))

    assert typed(built({"percent": 10})).steps[0].params == LossParams(10.0)
    with pytest.raises(InvalidScenario) as error:
        typed(built({"percent": 500}))
    assert str(error.value) == "x: field steps.0.params.percent: must be <= 100, not 500"



def test_a_scenario_of_both_modes_states_its_patroni_timings_for_its_patroni_runs() -> None:
    zone = load_scenario(ROOT / "scenarios" / "zone-outage.yaml")
    assert zone.modes == ("manual", "patroni")
    assert zone.patroni == {"ttl": 10, "loop_wait": 1, "retry_timeout": 3}
    both = parse_scenario({"name": "x", "summary": "s", "patroni": {"ttl": 40}}, "f")
    assert both.patroni == {"ttl": 40} and "patroni" in both.modes


def test_patroni_timings_on_a_scenario_that_never_runs_in_patroni_mode_are_refused_by_field() -> None:
    manual_only = {"name": "x", "summary": "s", "requires": {"ha": "manual"}, "patroni": {"ttl": 20}}
    with pytest.raises(InvalidScenario) as caught:
        parse_scenario(manual_only, "f")
    assert str(caught.value) == (
        "f: field patroni: Patroni settings on a scenario that runs in manual mode only; drop them, or let it run "
        "in patroni mode (`requires: {ha: patroni}`, or no `requires`)"
    )
