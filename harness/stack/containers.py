"""One container of the stack, started the Testcontainers way but attached to several networks.

Testcontainers' `DockerContainer` creates a container on one network; the stack's services sit
on two or three (their zone, the inter-zone link, the edge). `ServiceContainer` creates the
container, connects the other networks with the service-name alias, copies files in, then starts
it, so a service never runs before all its networks exist. Published ports bind 127.0.0.1 only.

Name lookups fail fast (`timeout:1 attempts:1`): Docker's embedded DNS does not answer for a
stopped container's name, and glibc's default (5 s x 2) would turn a dead Redis or PostgreSQL into
10-second hangs of every request instead of a quick error (what production's service addresses give).
"""

from __future__ import annotations

import contextlib
import io
import socket
import tarfile
from typing import Any

from docker.errors import APIError
from docker.models.networks import Network
from testcontainers.core.container import DockerContainer

from harness.docker_env import LOOPBACK, docker_client
from harness.errors import HarnessError, PortInUse


class ServiceContainer(DockerContainer):
    def __init__(self, image: str, name: str, labels: dict[str, str]) -> None:
        super().__init__(image, docker_client_kw={"timeout": 120})
        self.with_name(name)
        self._labels = labels
        self._networks: list[tuple[Network, list[str]]] = []
        self._published: dict[str, tuple[str, int | None]] = {}
        self._files: dict[str, tuple[bytes, int]] = {}
        self._extra: dict[str, Any] = {}

    def on_network(self, network: Network, aliases: list[str]) -> ServiceContainer:
        self._networks.append((network, aliases))
        return self

    def publish(self, container_port: int, host_port: int | None = None) -> ServiceContainer:
        self._published[f"{container_port}/tcp"] = (LOOPBACK, host_port)
        return self

    def with_file(self, path: str, content: bytes, mode: int = 0o644) -> ServiceContainer:
        self._files[path] = (content, mode)
        return self

    def with_options(self, **options: Any) -> ServiceContainer:
        self._extra.update(options)
        return self

    def start(self) -> ServiceContainer:
        client = docker_client()
        first, first_aliases = self._networks[0]
        endpoint = client.api.create_endpoint_config(aliases=first_aliases or None)
        create: dict[str, Any] = {
            "name": self._name,
            "command": self._command,
            "environment": self.env,
            "labels": self._labels,
            "ports": self._published,
            "volumes": self.volumes,
            "network": first.name,
            "networking_config": {first.name: endpoint},
            "detach": True,
            "dns_opt": ["timeout:1", "attempts:1", "ndots:0"],
            **self._extra,
        }
        container = client.containers.create(self.image, **create)
        self._container = container
        for network, aliases in self._networks[1:]:
            network.connect(container, aliases=aliases or None)
        if self._files:
            container.put_archive("/", _tar(self._files))
        try:
            container.start()
        except APIError as exc:
            text = str(exc.explanation or exc)
            if "port is already allocated" in text or "address already in use" in text:
                ports = ", ".join(str(p[1]) for p in self._published.values() if p[1])
                raise PortInUse(
                    f"port {ports or '?'} on 127.0.0.1 is already in use; pick another with the port "
                    "options (see --help) or stop what is listening there"
                ) from None
            raise
        container.reload()
        return self

    def host_port(self, container_port: int) -> int:
        """The 127.0.0.1 port Docker published for `container_port` (read from the container)."""
        assert self._container is not None
        self._container.reload()
        bindings = self._container.attrs["NetworkSettings"]["Ports"][f"{container_port}/tcp"]
        return int(bindings[0]["HostPort"])


def free_port() -> int:
    """A port free on 127.0.0.1 right now (for ports a config must name before the container starts)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def ensure_port_free(port: int, option: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            raise PortInUse(
                f"port {port} on 127.0.0.1 is already in use; choose another with {option} "
                "or stop what is listening there"
            ) from None


def _tar(files: dict[str, tuple[bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path, (content, mode) in files.items():
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size = len(content)
            info.mode = mode
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def exec_checked(container: Any, command: list[str], what: str, user: str = "postgres") -> str:
    """Run a command in a container; its output, or HarnessError `<what> failed: <last line>`."""
    result = container.exec_run(command, user=user)
    output = str(result.output.decode(errors="replace")).strip()
    if result.exit_code != 0:
        last = output.splitlines()[-1] if output else "no output"
        raise HarnessError(f"{what} failed: {last}")
    return output


def run_once(image: str, script: str, *, timeout: float, **options: Any) -> tuple[int, str]:
    """Run a bash script in a one-off container (labels, name, volumes, user... in `options`) and
    remove it whatever happened; its exit code and output. A restore, a rewind, a corruption."""
    container = docker_client().containers.create(image, entrypoint=["bash", "-c"], command=[script], **options)
    try:
        container.start()
        status = container.wait(timeout=timeout)
        return int(status.get("StatusCode", -1)), str(container.logs().decode(errors="replace"))
    finally:
        with contextlib.suppress(Exception):
            container.remove(force=True)
