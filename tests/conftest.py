"""Shared test setup: Docker-backed tests need a Docker engine and never skip silently.

Docker tests (marker `docker`) fail when no engine answers, unless ODOO_CHAOS_SKIP_DOCKER=1 is set
explicitly (never in CI: .ci/run starts an engine).
"""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("ODOO_CHAOS_SKIP_DOCKER") != "1":
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("ODOO_CHAOS_SKIP_DOCKER=1 is not allowed in CI: Docker tests must run")
    skip = pytest.mark.skip(reason="ODOO_CHAOS_SKIP_DOCKER=1")
    for item in items:
        if "docker" in item.keywords:
            item.add_marker(skip)


# --- where the suite's time goes (printed at the end of every run; .ci/run shows it) -------------------------------

_SPENT: dict[tuple[str, str], float] = {}
_PHASES = {
    "setup": "fixture setup (stack starts, warm resets)",
    "call": "test bodies (drills, checks)",
    "teardown": "teardown (stacks down)",
}


def _suite_of(nodeid: str) -> str:
    """`tests/integration/test_scenarios.py::x[y]` -> `integration/test_scenarios.py`."""
    path = nodeid.split("::", 1)[0]
    return path.removeprefix("tests/")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    key = (_suite_of(report.nodeid), report.when)
    _SPENT[key] = _SPENT.get(key, 0.0) + report.duration


def spent_table(spent: dict[tuple[str, str], float], top: int = 12) -> list[str]:
    """The time by phase, then the files that took longest (all phases), as aligned lines."""
    by_phase: dict[str, float] = {}
    by_file: dict[str, float] = {}
    for (file, when), seconds in spent.items():
        by_phase[when] = by_phase.get(when, 0.0) + seconds
        by_file[file] = by_file.get(file, 0.0) + seconds
    total = sum(by_phase.values())
    lines = [
        f"{_PHASES.get(when, when):<44} {seconds:8.1f} s"
        for when, seconds in sorted(by_phase.items(), key=lambda kv: -kv[1])
    ]
    lines.append(f"{'all tests (summed over workers)':<44} {total:8.1f} s")
    lines.append("")
    for file, seconds in sorted(by_file.items(), key=lambda kv: -kv[1])[:top]:
        setup = spent.get((file, "setup"), 0.0)
        lines.append(f"{file:<44} {seconds:8.1f} s  (setup {setup:.1f} s)")
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _SPENT:
        return
    terminalreporter.section("where the time went")
    for line in spent_table(_SPENT):
        terminalreporter.write_line(line)
