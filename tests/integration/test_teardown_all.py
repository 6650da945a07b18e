"""`down --all`, last of the suite (file order): it removes every run, the shared stack included."""

from __future__ import annotations

import os

from harness.docker_env import docker_client
from harness.stack import cleanup
from tests.integration.conftest import cli


def test_down_all_removes_every_run(stack: object) -> None:
    """Runs last (file order): it also removes the session's shared stack, as `--all` promises."""
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
