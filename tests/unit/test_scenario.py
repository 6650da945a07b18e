from __future__ import annotations

from pathlib import Path

import pytest

from harness.scenario import InvalidScenario, load_scenario, parse_scenario

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


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"summary": "s"}, "f: field name: missing required field"),
        (
            {"name": "x", "summary": "s", "colour": "red"},
            "f: field colour: unknown field (remove it or check its spelling)",
        ),
        (
            {"name": "Bad Name", "summary": "s"},
            "f: field name: name 'Bad Name' must be lower-case letters, digits and dashes",
        ),
        (
            {"name": "x", "summary": "s", "duration": "soon"},
            "f: field duration: invalid duration 'soon' (use e.g. 500ms, 30s, 2m)",
        ),
        (
            {"name": "x", "summary": "s", "probes": ["ping"]},
            "f: field probes: unknown probe 'ping'; probes are business-read, business-write, heartbeat, replication-lag, user-sessions",
        ),
        (
            {"name": "x", "summary": "s", "steps": [{"at": "5s", "fault": "pause", "target": "db"}]},
            "f: field steps.0.target: unknown target 'db'; targets are pg-primary, pg-standby, backup, redis, odoo-1, odoo-2, traefik",
        ),
        (
            {
                "name": "x",
                "summary": "s",
                "duration": "10s",
                "steps": [{"at": "20s", "fault": "pause", "target": "redis"}],
            },
            "f: steps.0.at: 20s is past the end of the run (duration 10s)",
        ),
        (
            {"name": "x", "summary": "s", "steps": [{"fault": "pause", "target": "redis"}]},
            "f: field steps.0.at: missing required field",
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
    with pytest.raises(InvalidScenario, match=r"broken.yaml: line 2 is not valid YAML"):
        load_scenario(broken)
