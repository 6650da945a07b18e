"""The reference HA Odoo stack as one context manager: up on enter, torn down on exit, always.

Order of `start()`: sweep dead runs' leftovers, make sure images and the database snapshot
exist, create the run's networks and volumes, start PostgreSQL primary (from the snapshot) and set
this run's passwords, then standby, backup, Redis, both Odoo nodes and Traefik; then wait until it
is ready (`harness.stack.readiness`). Any failure or interruption during start tears everything of
the run down before the error propagates.

`Stack` implements `StackHandle` (`harness.stack.handle`): the faults, the runbook and the checks
of the stack's state reach it only through that seam. How each service's container is made, and the
surgery on nodes, is `harness.stack.nodes`; every Docker call goes through `harness.stack.docker`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import time
from dataclasses import asdict, replace
from pathlib import Path
from types import TracebackType
from typing import Self

from harness.core.errors import HarnessError, ImageBuildFailed
from harness.core.progress import Progress, quiet
from harness.edge import cleanup, labels, state, watchdog
from harness.edge import engine as docker
from harness.edge.credentials import Credentials
from harness.edge.images import ODOO11 as ODOO11_IMAGE
from harness.edge.images import POSTGRES, REDIS, TRAEFIK, ensure_image
from harness.edge.tls import issue_run_tls
from harness.files import odoo_files
from harness.stack import backup, db, health, nodes, odoo_image, readiness, topology
from harness.stack.containers import ensure_port_free, free_port, run_task
from harness.stack.endpoints import LOOPBACK, READINESS_SEQ, Endpoints, StackConfig
from harness.stack.handle import Task
from harness.stack.nodes import BACKUP_VOLUME, DATA_VOLUMES
from harness.stack.odoo_preflight import Preflight
from harness.stack.seed import TeamPieces, ensure_seed

__all__ = ["BACKUP_VOLUME", "DATA_VOLUMES", "READINESS_SEQ", "Endpoints", "Stack", "StackConfig", "require_run"]


CONFIG_FILE = "stack.json"  # the run's mode and Patroni settings, as `up` was asked (state directory)


class Stack:
    """One run's stack. `with Stack(config) as stack:` brings it up and always tears it down."""

    def __init__(
        self, config: StackConfig | None = None, *, run_id: str | None = None, progress: Progress = quiet
    ) -> None:
        self.config = config or StackConfig()
        self.run_id = run_id or labels.new_run_id()
        self.progress = progress
        self.credentials = Credentials()
        self.containers: dict[str, docker.Container] = {}
        self.networks: dict[str, docker.Network] = {}
        self.endpoints: Endpoints | None = None
        self.image_ids: dict[str, str] = {}
        self.timings: dict[str, float] = {}
        self.volumes: dict[str, str] = {}  # role (pg-primary-data, backup-repo, ...) -> the engine's volume name
        self.host_ports: dict[tuple[str, int], int] = {}  # (service, container port) -> 127.0.0.1 port, kept
        # The release each Odoo node runs (harness.stack.releases); None: the shipped addons.
        self.releases: dict[str, str | None] = dict.fromkeys(topology.ODOO_NODES)
        self.seed_image = POSTGRES.tag
        self._odoo: topology.OdooProfile | None = None
        self.odoo_preflight: Preflight | None = None  # what the Odoo image's pre-flight found
        self._team: TeamPieces | None = None
        self.team_config_note: str | None = None

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.down()

    @classmethod
    def attach(cls, run_id: str, progress: Progress = quiet) -> Self:
        """A handle on a running stack another process brought up (`odoo-chaos up`), found by its labels.

        Credentials come back from the PostgreSQL containers' environment and the endpoints file;
        nothing is created. Tearing it down stays with `odoo-chaos down`.
        """
        labels.require_run_id(run_id)
        require_run(run_id)
        endpoints = Endpoints.load(run_id)
        if endpoints is None:
            raise HarnessError(f"run {run_id} has no endpoints file: it was not brought up by `odoo-chaos up`")
        stack = cls(run_id=run_id, progress=progress)
        for found in docker.containers(f"{labels.RUN}={run_id}"):
            service = found.labels.get(labels.SERVICE, "")
            if service in stack.layout.names:
                stack.containers[service] = found
        for name, _ in stack.layout.networks:
            found_network = docker.network(labels.object_name(run_id, name))
            _labelled(found_network, run_id)
            stack.networks[name] = found_network
        for name in (*DATA_VOLUMES, BACKUP_VOLUME):
            with contextlib.suppress(docker.Gone):  # a destroyed region's volumes may be gone: nothing to check
                _labelled(docker.volume(labels.object_name(run_id, name)), run_id)
            stack.volumes[name] = labels.object_name(run_id, name)
        env: dict[str, str] = {}
        for service in (topology.BACKUP, topology.PG_PRIMARY, topology.PG_STANDBY):  # all carry the passwords
            if service in stack.containers:
                env = stack.containers[service].env()
                break
        if "ODOO_DB_PASSWORD" not in env:
            raise HarnessError(f"run {run_id}: no PostgreSQL or backup container left to read its credentials from")
        stack.credentials = Credentials(
            postgres_password=env["POSTGRES_PASSWORD"],
            replication_password=env["REPLICATION_PASSWORD"],
            odoo_db_password=env["ODOO_DB_PASSWORD"],
            odoo_admin_password=endpoints.password,
            odoo_login=endpoints.login,
        )
        stack.endpoints = endpoints
        return stack

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> Endpoints:
        started = time.monotonic()
        docker.client()  # no engine: fail here, before anything exists that would need tearing down
        watchdog.claim(self.run_id)  # from here on, objects of this run may exist
        try:
            swept = cleanup.sweep_dead_runs()
            if swept:
                self.progress(f"removed leftovers of dead runs: {', '.join(swept)}")
            self._prepare_images()
            self._check_odoo_image()
            self.timings["images"] = time.monotonic() - started
            self.seed_image = ensure_seed(self.config.odoo_image, POSTGRES.tag, self.progress, self.odoo, self.team)
            self.timings["seed"] = time.monotonic() - started
            mark = time.monotonic()
            endpoints = self._start_services()
            self.timings["first_backup"] = readiness.wait_until_ready(self, endpoints, self.progress)
            self.endpoints = endpoints
            self.timings["up"] = time.monotonic() - mark
        except BaseException:
            if self.networks or self.containers:
                self.progress("start failed or interrupted: tearing the run down")
            self.down()
            raise
        return endpoints

    def down(self) -> float:
        """Remove every object labelled with this run; returns the seconds it took."""
        started = time.monotonic()
        for container in self.containers.values():
            with docker.quietly():  # remove_run below catches whatever is left, by label
                container.remove()
        self.containers.clear()
        self.networks.clear()
        self.volumes.clear()
        self.endpoints = None  # the same object may start again (a fresh stack under the same run id)
        cleanup.remove_run(self.run_id)
        state.forget(self.run_id)
        watchdog.release(self.run_id)
        self.timings["down"] = time.monotonic() - started
        return self.timings["down"]

    # --- StackHandle -----------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return "manual"

    @property
    def description(self) -> str:
        return "the harness's reference stack (manual failover by runbook)"

    @property
    def layout(self) -> topology.Layout:
        return topology.MANUAL

    @property
    def automatic_failover(self) -> bool:
        return False

    @property
    def backup_stanza(self) -> str:
        return backup.STANZA

    @property
    def odoo_image(self) -> str:
        return self.config.odoo_image

    @property
    def odoo(self) -> topology.OdooProfile:
        """How this stack runs its Odoo image: from what the image reports (looked at once per image)."""
        if self._odoo is None:
            self._odoo = self._check_odoo_image(quiet_notes=True)
        return self._odoo

    @property
    def team(self) -> TeamPieces:
        """The team's addons, modules and odoo.conf this stack runs with (none: the harness's own only)."""
        if self._team is None:
            config = odoo_files.team_config(Path(self.config.odoo_config)) if self.config.odoo_config else None
            self.team_config_note = config.note if config else None
            self._team = TeamPieces(
                addons=tuple(str(odoo_files.addons_dir(Path(p))) for p in self.config.odoo_addons),
                install=self.config.install,
                config_text=config.text if config else None,
            )
        return self._team

    def _check_odoo_image(self, quiet_notes: bool = False) -> topology.OdooProfile:
        checked = odoo_image.check(self.config.odoo_image, self.run_id)
        team = self.team
        if not quiet_notes:
            self.progress(checked.summary)
            for note in (*checked.notes, *([self.team_config_note] if self.team_config_note else [])):
                self.progress(note)
        self.odoo_preflight = checked
        profile = topology.OdooProfile.for_version(
            checked.image, checked.version, checked.command, self.config.odoo_health_path
        )
        self._odoo = replace(profile, team_addons=len(team.addons), team_config=team.config_text is not None)
        return self._odoo

    def switch_back(self) -> str | None:
        switched = db.switch_back(self)
        if switched is None:
            return None
        return f"pg-primary is primary again; pg-standby {switched.method} in {switched.seconds:.1f}s"

    def inventory(self) -> dict[str, dict[str, str]]:
        """Service -> image, image id and the version the service itself reports."""
        info: dict[str, dict[str, str]] = {}
        for service, container in self.containers.items():
            with contextlib.suppress(Exception):
                image = container.image()
                info[service] = {
                    "image": image.tags[0] if image.tags else image.id,
                    "image_id": image.id,
                    "version": self._version(service, container),
                }
                if service in topology.ODOO_NODES and self.odoo_preflight is not None:
                    checked = self.odoo_preflight  # what the image itself said before it ran
                    info[service]["version_in_image"] = f"{checked.version} ({checked.version_source})"
                    info[service]["started_as"] = checked.command
        return info

    def _version(self, service: str, container: docker.Container) -> str:
        try:
            if service in topology.ODOO_NODES and self.endpoints is not None:
                return str(self.endpoints.odoo_client(timeout=5).version().get("server_version", "?"))
            if service in (topology.PG_PRIMARY, topology.PG_STANDBY, topology.BACKUP):
                return container.exec(["postgres", "--version"]).output.strip()
            if service == topology.REDIS:
                return container.exec(["redis-server", "--version"]).output.split(" sha=")[0]
            if service == topology.TRAEFIK:
                out = container.exec(["traefik", "version"]).output
                return next((line.split()[-1] for line in out.splitlines() if line.startswith("Version")), "?")
        except Exception:
            return "?"
        return "?"

    def service(self, name: str) -> docker.Container:
        """The container of one of this run's services; refuses anything without the run's label."""
        if name not in self.containers:
            raise HarnessError(f"unknown target {name!r}; services of this stack are {', '.join(self.layout.names)}")
        container = self.containers[name]
        container.refresh()
        if container.labels.get(labels.RUN) != self.run_id:
            raise HarnessError(f"refusing to touch {container.name}: it does not carry this run's label")
        return container

    def services(self) -> tuple[str, ...]:
        return tuple(name for name in self.layout.names if name in self.containers)

    def network_name(self, network: str) -> str:
        return self.networks[network].name

    def volume_name(self, role: str) -> str:
        return self.volumes[role]

    def reconnect(self, service: str) -> list[str]:
        """Attach `service` to every network its spec names that it is off (with its alias); the networks attached."""
        node = self.service(service)
        attached = set(node.addresses())
        spec = self.layout.service(service)
        joined = []
        for network in spec.networks:
            if self.networks[network].name not in attached:
                address = self.address_of(service, network)
                self.networks[network].connect(node, topology.aliases_on(spec, network), address)
                joined.append(network)
        return joined

    def address_of(self, service: str, network: str) -> str | None:
        """The fixed IPv4 address of `service` on `network` (host 10 + its place in the layout): a node keeps
        its address across a restart or a healed partition, as a real one does. None: the network has
        no subnet of its own (Docker chose one), so the address is Docker's too."""
        subnet = self.networks[network].subnet if network in self.networks else None
        if subnet is None:
            return None
        hosts = ipaddress.ip_network(subnet, strict=False)
        return str(hosts[10 + self.layout.names.index(service)])

    def disconnect(self, service: str, network: str) -> bool:
        """Detach `service` from one of the run's networks; False when it was not attached."""
        node = self.service(service)
        if self.networks[network].name not in node.addresses():
            return False
        self.networks[network].disconnect(node)
        return True

    def replace_odoo_node(self, node: str, timeout: float = 120.0, release: str | None = None) -> None:
        nodes.replace_odoo_node(self, node, timeout, release)

    def destroy(self, services: tuple[str, ...]) -> list[str]:
        return nodes.destroy(self, services)

    def recreate_volume(self, role: str) -> str:
        return nodes.recreate_volume(self, role)

    def start_service(self, service: str) -> docker.Container:
        return nodes.start_service(self, service)

    def run_task(self, task: Task) -> tuple[int, str]:
        return run_task(
            task.image,
            task.script,
            name=labels.object_name(self.run_id, f"{task.name}-{time.monotonic_ns()}"),
            labels=labels.service_labels(self.run_id, task.name),
            timeout=task.timeout,
            volumes=task.volumes,
            environment=task.environment,
            network=self.networks[task.network].name if task.network else None,
            user=task.user,
        )

    def serving(self) -> bool:
        """Both Odoo nodes serve HTTP and a business read through Traefik finds `up`'s own ledger row."""
        if self.endpoints is None:
            return False
        if not all(health.check(node, self.service(node))[0] for node in topology.ODOO_NODES):
            return False
        client = self.endpoints.odoo_client(timeout=5.0)
        return bool(client.execute("chaos.ledger.entry", "search", [("seq", "=", READINESS_SEQ)]))

    def start_container(self, service: str, spec: docker.ContainerSpec) -> docker.Container:
        """Create and start one service's container from its recipe, and keep it as the service."""
        self.progress(f"starting {service}")
        self.containers[service] = docker.create_container(spec)
        return self.containers[service]

    # --- steps -----------------------------------------------------------------------------
    def _prepare_images(self) -> None:
        wanted = [POSTGRES, REDIS, TRAEFIK]
        if self.config.odoo_image == ODOO11_IMAGE.tag:
            wanted.append(ODOO11_IMAGE)
        if self.config.build_images:
            for spec in wanted:
                self.image_ids[spec.tag] = ensure_image(spec, self.progress)
        for tag in [s.tag for s in wanted] + [self.config.odoo_image]:
            found = docker.image(tag)
            if found is None:
                hint = (
                    "run `odoo-chaos images build`"
                    if tag.startswith("odoo-chaos/")
                    else f"build or load {tag} into the local Docker engine (no registry is used)"
                )
                raise ImageBuildFailed(f"image {tag} is not in the local Docker engine; {hint}")
            self.image_ids[tag] = found.id

    def _start_services(self) -> Endpoints:
        run_labels = labels.run_labels(self.run_id)
        https_port, http_port = self._choose_ports()
        self.progress(f"run {self.run_id}: creating networks and volumes")
        for name, internal in self.layout.networks:
            self.networks[name] = docker.create_network(
                labels.object_name(self.run_id, name), internal=internal, labels=run_labels
            )
        for name in (*DATA_VOLUMES, BACKUP_VOLUME):
            self.volumes[name] = docker.create_volume(labels.object_name(self.run_id, name), labels=run_labels).name
        self.start_container(topology.PG_PRIMARY, nodes.data_spec(self, topology.PG_PRIMARY))
        primary_port = self.host_ports[(topology.PG_PRIMARY, topology.PG_PORT)]
        readiness.set_odoo_admin_password(self.credentials, primary_port)
        for service in (topology.PG_STANDBY, topology.BACKUP, topology.REDIS):
            self.start_container(service, nodes.data_spec(self, service))
        for node in topology.ODOO_NODES:
            self.start_container(node, nodes.odoo_spec(self, node))
        return self._start_front(https_port, http_port, primary_port)

    def _start_front(self, https_port: int, http_port: int, primary_port: int) -> Endpoints:
        """Traefik with this run's certificate, and the endpoints file (every mode's last step)."""
        tls = issue_run_tls(self.run_id)
        ca_file = state.save(self.run_id, "ca.pem", tls.ca_pem)
        certificate = {
            "/etc/traefik/tls/cert.pem": (tls.cert_pem, 0o644),
            "/etc/traefik/tls/key.pem": (tls.key_pem, 0o600),
        }
        self.start_container(topology.TRAEFIK, nodes.traefik_spec(self, https_port, http_port, certificate))
        creds = self.credentials
        endpoints = Endpoints(
            run_id=self.run_id,
            https_url=f"https://{LOOPBACK}:{https_port}",
            http_url=f"http://{LOOPBACK}:{http_port}",
            db=topology.DB_NAME,
            login=creds.odoo_login,
            password=creds.odoo_admin_password,
            ca_file=str(ca_file),
            pg_primary_port=primary_port,
            pg_standby_port=self.host_ports[(topology.PG_STANDBY, topology.PG_PORT)],
            postgres_password=creds.postgres_password,
        )
        state.save_json(self.run_id, "endpoints.json", asdict(endpoints), private=True)
        config = {"ha": self.config.ha, "db_endpoint": self.config.db_endpoint, "patroni": asdict(self.config.patroni)}
        state.save_json(self.run_id, CONFIG_FILE, config)  # how `up` was asked: `attach` gives the same stack back
        return endpoints

    def _choose_ports(self) -> tuple[int, int]:
        if self.config.https_port:
            ensure_port_free(self.config.https_port, "--https-port")
        if self.config.http_port:
            ensure_port_free(self.config.http_port, "--http-port")
        return self.config.https_port or free_port(), self.config.http_port or free_port()


def _labelled(obj: docker.Network | docker.Volume, run_id: str) -> docker.Network | docker.Volume:
    """`obj` (a network or volume found by name) if it carries the run's label; a name alone proves nothing."""
    if obj.labels.get(labels.RUN) != run_id:
        raise HarnessError(f"{obj.name} does not carry {labels.RUN}={run_id}: not this run's, refusing to use it")
    return obj


def require_run(run_id: str) -> cleanup.RunObjects:
    for run in cleanup.list_runs():
        if run.run_id == run_id:
            return run
    raise HarnessError(f"no stack carries the run id {run_id!r}; `odoo-chaos status` lists the runs")
