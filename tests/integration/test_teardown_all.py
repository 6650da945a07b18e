"""`down --all`, last of the suite (file order): it removes every run, the shared stack included."""

from __future__ import annotations

import os

import pytest

from harness.docker_env import docker_client
from harness.stack import Stack, cleanup
from tests.integration.conftest import cli


def test_down_all_removes_every_run(stack: Stack) -> None:
    """Runs last (file order): it also removes the session's shared stack, as `--all` promises.

    On a developer's machine with stacks of their own, it refuses to remove them (skips); in CI
    there are none, and a skip there would hide the test, so it fails instead.
    """
    others = [r.run_id for r in cleanup.list_runs() if r.run_id != stack.run_id]
    if others:
        message = f"other odoo-chaos runs exist ({', '.join(others)}); `down --all` would remove them"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    up = cli("up", timeout=900)
    assert up.returncode == 0, up.stderr
    foreign = docker_client().networks.create(f"not-ours-{os.getpid()}", internal=True)
    try:
        result = cli("down", "--all")
        assert result.returncode == 0, result.stderr
        assert cleanup.list_runs() == []
        assert docker_client().networks.list(names=[foreign.name]), "an unlabelled network was touched"
    finally:
        foreign.remove()
