"""The CLI's promises that need no Docker engine: one-line errors and exit code 2."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


def test_help_explains_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    listed = re.findall(r"^│ ([a-z]+) ", result.stdout, flags=re.MULTILINE)  # the first word of each command row
    assert listed == [
        "up", "status", "down", "smoke", "images", "backup",
        "run", "load", "check", "keygen", "list",
        "index", "history", "trend", "freshness", "controls", "audit",
        "init", "validate",
        "version",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("up", "--bogus"), "No such option: --bogus"),
        (("up", "--https-port", "notaport"), "--https-port"),
        (("nosuchcommand",), "nosuchcommand"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(args: tuple[str, ...], needle: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("odoo-chaos: error:") and needle in lines[0]


@pytest.mark.parametrize("args", [("up",), ("status",), ("down", "--all"), ("images", "build")])
def test_unreachable_docker_gives_one_line_naming_the_fix(args: tuple[str, ...]) -> None:
    result = run(*args, env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no Docker engine answers at unix:///nonexistent/docker.sock" in lines[0]
    assert "dockerd" in lines[0]


def test_down_without_a_run_says_what_to_do() -> None:
    result = run("down")
    assert result.returncode == 2
    assert "odoo-chaos down RUN_ID" in result.stderr


def test_list_shows_every_part_one_line_each() -> None:
    result = run("list")
    assert result.returncode == 0, result.stderr
    for needle in (
        "scenarios/baseline.yaml",
        "kill ",
        "pause ",
        "business-write ",
        "rto, failover, rpo, split-brain",
        "tier-1 ",
        "odoo-online-dc",
    ):
        assert needle in result.stdout


def test_controls_on_a_target_file_is_not_supported_yet() -> None:
    result = run("controls", "--target", "targets/prod.yaml")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "odoo-chaos: error: --target targets/prod.yaml: not supported yet: controls run on a stack "
        "`odoo-chaos up` left running; give its RUN_ID"
    )
