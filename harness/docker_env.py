"""The Docker engine at the edge: connect with a clear error, and set Testcontainers up for it.

Testcontainers' reaper (Ryuk) is an image from a registry, so it is disabled and the harness
cleans up by label itself. On machines where `/.dockerenv` exists Testcontainers would connect to
the bridge gateway; the host override keeps every host-side connection on 127.0.0.1.
"""

from __future__ import annotations

import os
from functools import cache

import docker
from docker.errors import DockerException

from harness.errors import DockerUnavailable

LOOPBACK = "127.0.0.1"


def configure_testcontainers() -> None:
    os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
    os.environ.setdefault("TESTCONTAINERS_HOST_OVERRIDE", LOOPBACK)


@cache
def docker_client() -> docker.DockerClient:
    """A connected client, or DockerUnavailable naming the fix."""
    configure_testcontainers()
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except DockerException as exc:
        host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        raise DockerUnavailable(
            f"no Docker engine answers at {host} ({_short(exc)}); start one "
            "(`bash .ci/bootstrap` installs docker.io and starts dockerd) or set DOCKER_HOST"
        ) from None
    return client


def _short(exc: Exception) -> str:
    """The cause in a few words, not the SDK's nested repr."""
    text = str(exc)
    for needle, reason in (
        ("FileNotFoundError", "socket not found"),
        ("Connection refused", "connection refused"),
        ("Permission denied", "permission denied"),
        ("timed out", "timed out"),
    ):
        if needle in text:
            return reason
    return " ".join(text.split())[:120] or type(exc).__name__
