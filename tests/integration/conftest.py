"""Fixtures for tests against the real stack: one shared stack per session, torn down at the end."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from harness.edge import labels
from harness.edge.engine import client as docker_client
from harness.stack.stack import Stack

pytestmark = pytest.mark.docker


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.docker)


@pytest.fixture(scope="session")
def stack(odoo_stack: Stack) -> Stack:
    """The session's stack: the one the odoo-chaos pytest plugin's drills (`@pytest.mark.scenario`) use too."""
    return odoo_stack


def labelled(run_id: str) -> dict[str, list[str]]:
    """Every Docker object carrying the run's label, by kind."""
    client = docker_client()
    selector = {"label": f"{labels.RUN}={run_id}"}
    return {
        "containers": [c.name for c in client.containers.list(all=True, filters=selector)],
        "networks": [n.name for n in client.networks.list(filters=selector)],
        "volumes": [v.name for v in client.volumes.list(filters=selector)],
    }


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
