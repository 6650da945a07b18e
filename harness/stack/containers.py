"""Small helpers at the container edge: free 127.0.0.1 ports, a checked command, one-off task containers.

`run_task` runs a one-off task next to the stack (a `pg_rewind`, a restore, a corruption): a
labelled container on one of the stack's networks (or none), with its volumes, run to its end and
always removed. Containers are created through `harness.stack.docker`, the typed Docker edge.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence

from harness.core.errors import HarnessError, PortInUse
from harness.edge import engine as docker
from harness.stack.handle import ServiceHandle


def free_port() -> int:
    """A port free on 127.0.0.1 right now (for ports a config must name before the container starts)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((docker.LOOPBACK, 0))
        return int(sock.getsockname()[1])


def ensure_port_free(port: int, option: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((docker.LOOPBACK, port))
        except OSError:
            raise PortInUse(
                f"port {port} on 127.0.0.1 is already in use; choose another with {option} "
                "or stop what is listening there"
            ) from None


def exec_checked(service: ServiceHandle, command: Sequence[str], what: str, user: str = "postgres") -> str:
    """Run a command in a service; its output, or HarnessError `<what> failed: <last line>`."""
    result = service.exec(command, user=user)
    output = result.output.strip()
    if result.exit_code != 0:
        last = output.splitlines()[-1] if output else "no output"
        raise HarnessError(f"{what} failed: {last}")
    return output


def run_task(
    image: str,
    script: str,
    *,
    name: str,
    labels: Mapping[str, str],
    timeout: float,
    volumes: Mapping[str, tuple[str, str]],
    environment: Mapping[str, str],
    network: str | None,
    user: str,
) -> tuple[int, str]:
    """Run a bash script in a one-off container and remove it whatever happened: its exit code and output."""
    spec = docker.ContainerSpec(
        image=image,
        name=name,
        labels=dict(labels),
        networks=((docker.network(network), (), None),) if network else (),
        entrypoint=("bash", "-c"),
        command=(script,),
        environment=dict(environment),
        volumes=dict(volumes),
        user=user,
        network_disabled=network is None,
    )
    task = docker.create_container(spec)
    try:
        code = task.wait(timeout=timeout)
        return code, task.logs(tail=10_000).decode(errors="replace")
    finally:
        task.remove()
