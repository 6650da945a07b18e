"""Hostile input gets one line and exit 2: never a traceback, a warning, a hang or a started stack.

The whole corpus (`expected.yaml`) runs once through `harness.cli.main` in a `python -X dev`
process (development mode: warnings shown, so a ResourceWarning or DeprecationWarning would add a
line); each case is then checked on its own. A few cases also run as real `python -X dev -m harness`
processes. No Docker: the corpus points DOCKER_HOST at a socket that does not exist.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.hostile.corpus import HERE, NO_DOCKER, PREFIX, ROOT

MANIFEST: dict[str, Any] = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))
NAMES = [*MANIFEST["files"], *MANIFEST["generated"], *MANIFEST["arguments"]]
KINDS = ("scenarios", "tiers", "profiles", "policies", "targets")


def _env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
    return {**os.environ, "PYTHONPATH": path, "DOCKER_HOST": NO_DOCKER, "COLUMNS": "400"}


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-m", "tests.hostile.corpus"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr == "", f"the corpus process wrote outside its cases:\n{done.stderr[-3000:]}"
    assert elapsed < 60, f"the corpus took {elapsed:.1f}s"
    return {result["name"]: result for result in json.loads(done.stdout)}


def test_the_corpus_is_large_and_every_file_is_pinned() -> None:
    on_disk = {str(p.relative_to(HERE)) for kind in KINDS for p in (HERE / kind).iterdir()}
    assert on_disk == set(MANIFEST["files"]), "every corpus file has a pinned message, and every pin a file"
    assert len(on_disk) >= 110
    assert {name.split("/")[0] for name in on_disk} == set(KINDS)


@pytest.mark.parametrize("name", NAMES)
def test_hostile_input_gets_one_line_and_exit_2(results: dict[str, dict[str, Any]], name: str) -> None:
    result = results[name]
    assert "Traceback" not in result["stdout"] + result["stderr"], result["stderr"]
    assert result["stderr"].splitlines() == [PREFIX + result["expected_message"]], result["args"]
    assert result["exit"] == result["expected_exit"]


def test_the_whole_corpus_takes_under_a_minute(results: dict[str, dict[str, Any]]) -> None:
    assert sum(result["seconds"] for result in results.values()) < 60
    assert max(result["seconds"] for result in results.values()) < 5


@pytest.mark.parametrize(
    "name",
    [
        "scenarios/alias-billion-laughs.yaml",
        "scenarios/params-shadow-fault-target.yaml",
        "scenarios/deep-flow-nesting.yaml",
        "tiers/utf16.yaml",
        "profiles/task-weight-1e23.yaml",
        "policies/promise-366-260-120.yaml",
        "run-out-proc-self",
    ],
)
def test_the_real_entry_point_agrees(results: dict[str, dict[str, Any]], name: str) -> None:
    """The in-process runner takes the same path as the command: check a few as real processes."""
    result = results[name]
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-m", "harness", *result["args"]],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.splitlines() == [PREFIX + result["expected_message"]]
    assert done.returncode == result["expected_exit"]


def test_a_fifo_is_refused_without_reading_it(tmp_path: Path) -> None:
    """A FIFO with no writer would block a plain open() forever: the command must answer at once."""
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "harness", "run", str(fifo)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2 and time.monotonic() - started < 10
    assert "not a regular file" in done.stderr


def test_list_names_each_bad_scenario_goes_on_and_exits_1() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "harness", "list", "--scenarios-dir", str(HERE / "scenarios")],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.endswith("scenario file(s) in " + str(HERE / "scenarios") + " do not validate\n")
    invalid = [line for line in done.stdout.splitlines() if "  INVALID: " in line]
    assert len(invalid) == len(list((HERE / "scenarios").glob("*.yaml")))
    assert "faults:" in done.stdout and "param percent" in done.stdout
