"""The reference stack's nodes: how each service's container is made, and the surgery the runbook does on them.

`spec(stack, service)` is the whole recipe of one service's container (image, networks with their
aliases, fixed 127.0.0.1 ports, volumes, environment, files), so a node started again after a
region loss, or replaced by a fresh one, is exactly the node it replaces. The surgery:
`replace_odoo_node` (a dead VM replaced by a new one, or a release deployed), `destroy` (a region
lost for good, volumes included), `recreate_volume` and `start_service` (rebuilding it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from harness.core.clock import poll_until
from harness.core.errors import HarnessError
from harness.edge import engine as docker
from harness.edge import labels
from harness.edge.images import COMPOSE, POSTGRES, REDIS, TRAEFIK
from harness.stack import health, patroni, releases, topology
from harness.stack.containers import free_port

if TYPE_CHECKING:
    from harness.edge.credentials import Credentials
    from harness.stack.endpoints import StackConfig
    from harness.stack.seed import TeamPieces

DATA_DIR = "/var/lib/postgresql/data"
DATA_VOLUMES: tuple[str, ...] = ("pg-primary-data", "pg-standby-data", "redis-data")  # lost with their region
BACKUP_VOLUME = "backup-repo"  # the pgBackRest repository: "another region", never destroyed by a drill


class Stack(Protocol):
    """What the recipes and the surgery touch of the reference stack (`harness.stack.stack.Stack`)."""

    run_id: str
    config: StackConfig
    credentials: Credentials
    containers: dict[str, docker.Container]
    networks: dict[str, docker.Network]
    volumes: dict[str, str]
    host_ports: dict[tuple[str, int], int]
    releases: dict[str, str | None]
    seed_image: str

    @property
    def layout(self) -> topology.Layout: ...

    @property
    def odoo(self) -> topology.OdooProfile: ...

    @property
    def team(self) -> TeamPieces: ...

    def service(self, name: str) -> docker.Container: ...

    def address_of(self, service: str, network: str) -> str | None: ...

    def start_container(self, service: str, spec: docker.ContainerSpec) -> docker.Container: ...


def _base(stack: Stack, service: str, image: str) -> docker.ContainerSpec:
    spec = stack.layout.service(service)
    ports = {port: stack.host_ports.setdefault((service, port), free_port()) for port in spec.published}
    return docker.ContainerSpec(
        image=image,
        name=labels.object_name(stack.run_id, service),
        labels=labels.service_labels(stack.run_id, service),
        networks=tuple(
            (stack.networks[net], tuple(topology.aliases_on(spec, net)), stack.address_of(service, net))
            for net in spec.networks
        ),
        ports=ports,  # fixed for the run: a restarted or recreated container keeps them
    )


def _with(spec: docker.ContainerSpec, **changes: object) -> docker.ContainerSpec:
    from dataclasses import replace

    return replace(spec, **changes)  # type: ignore[arg-type]


def _database_address(stack: Stack) -> tuple[str | None, int]:
    """Where Odoo connects: libpq multi-host read-write (every mode's default), or HAProxy's primary port."""
    if stack.config.db_endpoint == "haproxy":
        return patroni.HAPROXY, patroni.HAPROXY_PRIMARY_PORT
    return None, topology.PG_PORT


def odoo_spec(stack: Stack, node: str, release: str | None = None) -> docker.ContainerSpec:
    profile = stack.odoo
    team = stack.team
    volumes = {str(COMPOSE / "addons"): (topology.ADDONS_MOUNT, "ro"), **topology.team_volumes(team.addons)}
    if release:
        volumes[str(releases.directory(release))] = (topology.RELEASE_MOUNT, "ro")
    files = {topology.PG_SERVICE_FILE: (topology.PG_SERVICE.encode(), 0o644)}
    if team.config_text is not None:
        files[topology.TEAM_CONFIG] = (team.config_text.encode(), 0o644)
    return _with(
        _base(stack, node, profile.image),
        environment=topology.odoo_env(node, stack.credentials.odoo_db_password),
        command=tuple(topology.odoo_server_args(profile, release, *_database_address(stack))),
        entrypoint=(profile.command,),
        volumes=volumes,
        files=files,
    )


def data_spec(stack: Stack, service: str) -> docker.ContainerSpec:
    """A stateful service (PostgreSQL nodes, backup repository, Redis) on its volumes."""
    repo = stack.volumes[BACKUP_VOLUME]
    if service == topology.REDIS:
        return _with(_base(stack, service, REDIS.tag), volumes={stack.volumes["redis-data"]: ("/data", "rw")})
    environment = {"PRIMARY_HOST": topology.PG_PRIMARY, **stack.credentials.postgres_env()}
    if service == topology.BACKUP:
        return _with(
            _base(stack, service, POSTGRES.tag),
            environment={"PG_ROLE": "backup", **environment},
            volumes={repo: ("/backup", "rw")},
        )
    role = "primary" if service == topology.PG_PRIMARY else "standby"
    image = stack.seed_image if service == topology.PG_PRIMARY else POSTGRES.tag
    return _with(
        _base(stack, service, image),
        environment={"PG_ROLE": role, **environment},
        volumes={stack.volumes[f"{service}-data"]: (DATA_DIR, "rw"), repo: ("/backup", "rw")},
    )


def traefik_spec(
    stack: Stack, https_port: int, http_port: int, tls_files: dict[str, tuple[bytes, int]]
) -> docker.ContainerSpec:
    stack.host_ports[(topology.TRAEFIK, topology.TRAEFIK_HTTPS_PORT)] = https_port
    stack.host_ports[(topology.TRAEFIK, topology.TRAEFIK_HTTP_PORT)] = http_port
    files = {
        "/etc/traefik/traefik.yml": (topology.traefik_static_config(https_port).encode(), 0o644),
        "/etc/traefik/dynamic/odoo.yml": (topology.traefik_dynamic_config(stack.odoo).encode(), 0o644),
        **tls_files,
    }
    return _with(_base(stack, topology.TRAEFIK, TRAEFIK.tag), files=files)


def spec(stack: Stack, service: str) -> docker.ContainerSpec:
    """The container recipe of any service but Traefik (whose ports and certificate are chosen at start)."""
    if service in topology.ODOO_NODES:
        return odoo_spec(stack, service, stack.releases.get(service))
    return data_spec(stack, service)


def replace_odoo_node(stack: Stack, node: str, timeout: float = 120.0, release: str | None = None) -> None:
    """Remove an Odoo node's container and start a fresh one like it; returns once it serves HTTP.

    `release` deploys a release directory on the fresh node (`harness.stack.releases`; None: the
    shipped addons). A fresh node whose container exits before it serves fails at once, with its
    last log line, instead of waiting out `timeout`.
    """
    if node not in topology.ODOO_NODES:
        raise HarnessError(f"replace-node works on Odoo nodes ({', '.join(topology.ODOO_NODES)}), not {node!r}")
    release = releases.resolve(release)
    stack.service(node).remove()
    del stack.containers[node]
    fresh = stack.start_container(node, odoo_spec(stack, node, release))
    stack.releases[node] = release

    def serving_or_exited() -> str | None:
        if fresh.status in ("exited", "dead"):
            return "exited"
        return "serving" if health.check(node, fresh)[0] else None

    outcome = poll_until(serving_or_exited, timeout=timeout, what=f"fresh {node} serving HTTP", on_timeout=HarnessError)
    if outcome == "exited":
        lines = fresh.last_lines(5)
        raise HarnessError(f"fresh {node} exited with code {fresh.exit_code}: {lines[-1] if lines else 'no output'}")


def destroy(stack: Stack, services: tuple[str, ...]) -> list[str]:
    """Remove services' containers and their data volumes for good (a lost region); the volumes removed.

    The backup repository's volume is never among them: it lives in "another region".
    """
    for service in services:
        stack.service(service).remove()
        del stack.containers[service]
    removed = []
    for service in services:
        name = stack.volumes.get(f"{service}-data")
        if name:
            docker.volume(name).remove()
            removed.append(name)
    return removed


def recreate_volume(stack: Stack, role: str) -> str:
    """A fresh, empty data volume under the same name (after `destroy`)."""
    name = stack.volumes[role]
    with docker.quietly():
        docker.volume(name).remove()
    docker.create_volume(name, labels=labels.run_labels(stack.run_id))
    return name


def start_service(stack: Stack, service: str) -> docker.Container:
    """Create and start a destroyed service again (same configuration, volumes and published ports)."""
    if service in stack.containers:
        raise HarnessError(f"{service} already exists; destroy it first")
    return stack.start_container(service, spec(stack, service))
