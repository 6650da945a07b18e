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
