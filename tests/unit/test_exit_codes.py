"""The CLI's manners: the exit-code table, --fail-on, one JUnit file for a whole run, --version and -h."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from harness.core import exit_codes
from harness.drill.campaign import summarise
from harness.drill.runner import EXIT_CODES, RunOutcome
from harness.report.ci_junit import campaign_junit, write_campaign_junit

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("verdict", "fail_on", "code"),
    [
        ("pass", "fail", 0),
        ("warn", "fail", 0),
        ("fail", "fail", 1),
        ("unknown", "fail", 3),
        ("pass", "warn", 0),
        ("warn", "warn", 1),
        ("fail", "warn", 1),
        ("unknown", "warn", 3),
    ],
)
def test_the_exit_code_table(verdict: str, fail_on: str, code: int) -> None:
    assert exit_codes.for_verdict(verdict, fail_on) == code


def test_the_runner_and_campaigns_use_the_table() -> None:
    assert EXIT_CODES == {"pass": 0, "warn": 0, "fail": 1, "unknown": 3}
    runs = [("a", RunOutcome(Path("a"), "warn", 0)), ("b", RunOutcome(Path("b"), "unknown", 3))]
    assert summarise(runs, [])["verdict"] == "unknown"  # a campaign exits with its worst verdict: here 3
    runs.append(("c", RunOutcome(Path("c"), "fail", 1)))
    assert summarise(runs, [])["verdict"] == "fail"
    assert (exit_codes.USAGE, exit_codes.UNKNOWN, exit_codes.INTERRUPTED) == (2, 3, 130)


def _check(checker: str, status: str, reason: str = "") -> dict[str, Any]:
    return {
        "checker": checker,
        "status": status,
        "reason": reason,
        "target": "<= 5 s",
        "margin": 1.0,
        "metrics": {"x": 1},
    }


def _report(scenario: str, checks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "tier": "tier-1",
        "verdict": "warn",
        "run_id": "20261123-1813-e436dd",
        "started_at": "2026-11-23T18:13:00.000Z",
        "ended_at": "2026-11-23T18:14:30.500Z",
        "checks": checks,
        **extra,
    }


RUNS = [
    (Path("reports/c/r1"), _report("kill", [_check("rto", "pass"), _check("outages", "warn", "one outage window")])),
    (
        Path("reports/c/r2"),
        _report("kill", [_check("rpo", "fail", "2 lost"), _check("sessions", "unknown", "no probe")]),
    ),
    (Path("reports/c/r3"), _report("hang", [], aborted_reason="StackNotReady: pg-primary not ready")),
]


def test_one_junit_file_has_a_suite_per_run_and_a_case_per_check() -> None:
    root = ET.fromstring(campaign_junit(RUNS))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["odoo-chaos.kill", "odoo-chaos.kill.2", "odoo-chaos.hang"]
    assert suites[0].get("time") == "90.500"
    props = {
        p.get("name"): p.get("value") for p in suites[0].iter("property") if p.get("name") in ("run_dir", "verdict")
    }
    assert props == {"run_dir": "reports/c/r1", "verdict": "warn"}
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    warn = cases[("odoo-chaos.kill", "outages")]
    skipped = warn.find("skipped")
    assert skipped is not None and skipped.get("message") == "warn: one outage window"
    assert warn.find("properties/property[@name='status']").get("value") == "warn"  # type: ignore[union-attr]
    assert "one outage window" in (warn.findtext("system-out") or "")
    assert cases[("odoo-chaos.kill", "rto")].find("skipped") is None
    assert cases[("odoo-chaos.kill.2", "rpo")].find("failure").get("type") == "fail"  # type: ignore[union-attr]
    assert cases[("odoo-chaos.kill.2", "sessions")].find("error").get("type") == "unknown"  # type: ignore[union-attr]
    assert cases[("odoo-chaos.hang", "run")].find("error").get("type") == "aborted"  # type: ignore[union-attr]
    totals = [root.get(k) for k in ("tests", "failures", "errors", "skipped")]
    assert totals == ["5", "1", "2", "1"]


def test_with_fail_on_warn_a_warning_is_a_failure() -> None:
    root = ET.fromstring(campaign_junit(RUNS[:1], fail_on="warn"))
    case = next(c for c in root.iter("testcase") if c.get("name") == "outages")
    assert case.find("skipped") is None
    assert case.find("failure").get("type") == "warn"  # type: ignore[union-attr]
    assert root.get("failures") == "1" and root.get("skipped") == "0"


def test_the_junit_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "junit.xml"
    target.write_text("old")
    write_campaign_junit(target, RUNS)
    assert ET.parse(target).getroot().tag == "testsuites"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("run", "scenarios/baseline.yaml", "--fail-on", "sometimes"),
            "--fail-on: 'sometimes' is not a verdict to fail on; use warn or fail",
        ),
        (("run", "scenarios/baseline.yaml", "--junit", "/proc/junit.xml"), "--junit: cannot write into /proc"),
        (
            ("run", "scenarios/baseline.yaml", "--junit", "tests"),
            "--junit: tests is a directory; give a file name such as tests/odoo-chaos.xml",
        ),
    ],
)
def test_run_options_are_checked_before_anything_starts(args: tuple[str, ...], line: str) -> None:
    done = run(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"odoo-chaos: error: {line}"), done.stderr


def test_version_and_short_help() -> None:
    from harness import __version__

    version = run("--version")
    assert version.returncode == 0 and version.stdout == f"odoo-chaos {__version__}\n"
    for args in (("-h",), ("run", "-h"), ("images", "-h"), ("validate", "-h")):
        shown = run(*args)
        assert shown.returncode == 0 and "Usage: odoo-chaos" in shown.stdout, args
    bare = run()
    assert bare.returncode == 2 and "Usage: odoo-chaos" in bare.stdout and bare.stderr == ""


def test_images_save_and_load_give_one_line_errors(tmp_path: Path) -> None:
    missing = run("images", "load", str(tmp_path / "nope.tar"))
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        f"odoo-chaos: error: cannot read {tmp_path / 'nope.tar'} (No such file or directory)"
    ]
    no_engine = run("images", "save", str(tmp_path / "x.tar"))
    assert no_engine.returncode == 2 and "no Docker engine answers" in no_engine.stderr
    assert len(no_engine.stderr.strip().splitlines()) == 1


def test_a_whole_directory_of_mixed_modes_runs_one_stack_per_mode() -> None:
    from harness.cli.drills import _mode_groups
    from harness.core.errors import HarnessError
    from harness.files.tiers import get_tier, load_tiers
    from harness.scenario.load import load_scenario

    tier = get_tier("tier-1", load_tiers())
    plan = [(load_scenario(path), tier) for path in sorted((ROOT / "scenarios").glob("*.yaml"))]
    groups = _mode_groups(plan, None)
    if all("manual" in s.modes for s, _ in plan):
        assert len(groups) == 1
        return
    assert [config.ha for config, _ in groups] == ["manual", "patroni"]
    manual, patroni = ([s.name for s, _ in part] for _, part in groups)
    assert sorted(manual + patroni) == sorted(s.name for s, _ in plan)  # every drill runs, once
    assert all("manual" in s.modes for s, _ in groups[0][1])
    assert all(s.modes == ("patroni",) for s, _ in groups[1][1])
    both = [(s, t) for s, t in plan if len(s.modes) == 2][:2]
    assert [len(part) for _, part in _mode_groups(both, None)] == [2]  # a shared mode: one stack, as before
    manual_only = next((s, t) for s, t in plan if s.modes == ("manual",))
    with pytest.raises(HarnessError, match="--ha patroni: scenario"):
        _mode_groups([manual_only], "patroni")
