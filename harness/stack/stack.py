"""The reference HA Odoo stack as one context manager: up on enter, torn down on exit, always.

Order of `start()`: sweep dead runs' leftovers, make sure images and the database snapshot
exist, create the run's networks and volumes, start PostgreSQL primary (from the snapshot) and set
this run's passwords, then standby, backup, Redis, both Odoo nodes and Traefik. It returns only
when a business write through Traefik -> Odoo -> PostgreSQL was acknowledged and the row is
visible on the standby, and the backup repository holds a full backup (pgBackRest). Any failure or
interruption during start tears everything of the run down before the error propagates.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg
from docker.errors import ImageNotFound, NotFound
from docker.models.networks import Network

from harness import labels, state, watchdog
from harness.clock import poll_until
from harness.credentials import Credentials, pbkdf2_sha512_hash
from harness.docker_env import LOOPBACK, docker_client
from harness.errors import HarnessError, ImageBuildFailed, StackNotReady
from harness.images import COMPOSE, DEFAULT_ODOO_IMAGE, POSTGRES, REDIS, TRAEFIK, ensure_image
from harness.images import ODOO11 as ODOO11_IMAGE
from harness.odoo_api import OdooClient
from harness.stack import backup, cleanup, health, releases, topology
from harness.stack.containers import ServiceContainer, ensure_port_free, free_port
from harness.stack.seed import ensure_seed
from harness.tls import issue_run_tls

Progress = Callable[[str], None]

READY_TIMEOUT = 180.0
READINESS_SEQ = 0  # the ledger row `up` writes; probes start at 1
DATA_VOLUMES: tuple[str, ...] = ("pg-primary-data", "pg-standby-data", "redis-data")  # lost with their region
BACKUP_VOLUME = "backup-repo"  # the pgBackRest repository: "another region", never destroyed by a drill


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class StackConfig:
    odoo_image: str = DEFAULT_ODOO_IMAGE
    odoo_health_path: str | None = None
    https_port: int | None = None  # None: a free port chosen at start
    http_port: int | None = None
    build_images: bool = True

    @property
    def odoo(self) -> topology.OdooProfile:
        return topology.OdooProfile.for_image(self.odoo_image, self.odoo_health_path)


@dataclass(frozen=True, slots=True)
class Endpoints:
    run_id: str
    https_url: str
    http_url: str
    db: str
    login: str
    password: str = field(repr=False)
    ca_file: str
    pg_primary_port: int
    pg_standby_port: int
    postgres_password: str = field(repr=False)

    def odoo_client(self, timeout: float = 5.0) -> OdooClient:
        return OdooClient(self.https_url, self.db, self.login, self.password, Path(self.ca_file), timeout)

    def pg_dsn(self, service: str, dbname: str = topology.DB_NAME) -> str:
        port = self.pg_primary_port if service == topology.PG_PRIMARY else self.pg_standby_port
        return (
            f"host={LOOPBACK} port={port} dbname={dbname} user=postgres "
            f"password={self.postgres_password} connect_timeout=2"
        )

    @staticmethod
    def load(run_id: str) -> Endpoints | None:
        data = state.load_json(run_id, "endpoints.json")
        return Endpoints(**data) if data else None


class Stack:
    """One run's stack. `with Stack(config) as stack:` brings it up and always tears it down."""

    def __init__(
        self, config: StackConfig | None = None, *, run_id: str | None = None, progress: Progress = _quiet
    ) -> None:
        self.config = config or StackConfig()
        self.run_id = run_id or labels.new_run_id()
        self.progress = progress
        self.credentials = Credentials()
        self.containers: dict[str, ServiceContainer] = {}
        self.networks: dict[str, Network] = {}
        self.endpoints: Endpoints | None = None
        self.image_ids: dict[str, str] = {}
        self.timings: dict[str, float] = {}
        self.volumes: dict[str, str] = {}  # role (pg-primary-data, backup-repo, ...) -> docker volume name
        self.host_ports: dict[tuple[str, int], int] = {}  # (service, container port) -> 127.0.0.1 port, kept
        # Moments a fault leaves for the runbook, as an operator would read them from an audit log
        # (e.g. when a destructive statement began: the point-in-time-recovery target).
        self.marks: dict[str, Any] = {}
        # The release each Odoo node runs (harness.stack.releases); None: the shipped addons.
        self.releases: dict[str, str | None] = dict.fromkeys(topology.ODOO_NODES)
        self._seed_image = POSTGRES.tag

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.down()

    @classmethod
    def attach(cls, run_id: str, progress: Progress = _quiet) -> Stack:
        """A handle on a running stack another process brought up (`odoo-chaos up`), found by its labels.

        Credentials come back from the PostgreSQL containers' environment and the endpoints file;
        nothing is created. Tearing it down stays with `odoo-chaos down`.
        """
        labels.require_run_id(run_id)
        require_run(run_id)
        endpoints = Endpoints.load(run_id)
        if endpoints is None:
            raise HarnessError(f"run {run_id} has no endpoints file: it was not brought up by `odoo-chaos up`")
        client = docker_client()
        found = client.containers.list(all=True, filters={"label": f"{labels.RUN}={run_id}"})
        stack = cls(run_id=run_id, progress=progress)
        for container in found:
            service = container.labels.get(labels.SERVICE, "")
            if service in topology.SERVICE_NAMES:
                handle = ServiceContainer(container.image.tags[0] if container.image.tags else "", container.name, {})
                handle._container = container
                stack.containers[service] = handle
        for name in topology.NETWORKS:
            stack.networks[name] = _labelled(client.networks.get(labels.object_name(run_id, name)), run_id)
        for name in (*DATA_VOLUMES, BACKUP_VOLUME):
            with contextlib.suppress(NotFound):  # a destroyed region's volumes may be gone: nothing to check
                _labelled(client.volumes.get(labels.object_name(run_id, name)), run_id)
            stack.volumes[name] = labels.object_name(run_id, name)
        env = {}
        for service in (topology.BACKUP, topology.PG_PRIMARY, topology.PG_STANDBY):  # all carry the passwords
            if service in stack.containers:
                pairs = stack.containers[service].get_wrapped_container().attrs["Config"]["Env"] or []
                env = dict(item.split("=", 1) for item in pairs if "=" in item)
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
        docker_client()  # no engine: fail here, before anything exists that would need tearing down
        watchdog.claim(self.run_id)  # from here on, objects of this run may exist
        try:
            swept = cleanup.sweep_dead_runs()
            if swept:
                self.progress(f"removed leftovers of dead runs: {', '.join(swept)}")
            self._prepare_images()
            self.timings["images"] = time.monotonic() - started
            seed = ensure_seed(self.config.odoo_image, POSTGRES.tag, self.progress)
            self.timings["seed"] = time.monotonic() - started
            mark = time.monotonic()
            self._start_services(seed)
            self.endpoints = self._wait_until_ready()
            self.timings["up"] = time.monotonic() - mark
        except BaseException:
            if self.networks or self.containers:
                self.progress("start failed or interrupted: tearing the run down")
            self.down()
            raise
        return self.endpoints

    def down(self) -> float:
        """Remove every object labelled with this run; returns the seconds it took."""
        started = time.monotonic()
        for container in self.containers.values():
            with contextlib.suppress(Exception):  # remove_run below catches whatever is left, by label
                container.get_wrapped_container().remove(force=True, v=True)
        self.containers.clear()
        cleanup.remove_run(self.run_id)
        state.forget(self.run_id)
        watchdog.release(self.run_id)
        self.timings["down"] = time.monotonic() - started
        return self.timings["down"]

    def service_container(self, service: str) -> Any:
        """The docker container of one of this run's services; refuses anything without the run's label."""
        if service not in self.containers:
            raise HarnessError(
                f"unknown target {service!r}; services of this stack are {', '.join(topology.SERVICE_NAMES)}"
            )
        container = self.containers[service].get_wrapped_container()
        container.reload()
        if container.labels.get(labels.RUN) != self.run_id:
            raise HarnessError(f"refusing to touch {container.name}: it does not carry this run's label")
        return container

    def reconnect(self, service: str) -> list[str]:
        """Attach `service` to every network its spec names that it is off (with its alias); the networks attached."""
        container = self.service_container(service)
        attached = set(container.attrs["NetworkSettings"]["Networks"])
        spec = topology.service(service)
        joined = []
        for network in spec.networks:
            if self.networks[network].name not in attached:
                self.networks[network].connect(container, aliases=topology.aliases_on(spec, network) or None)
                joined.append(network)
        return joined

    def disconnect(self, service: str, network: str) -> bool:
        """Detach `service` from one of the run's networks; False when it was not attached."""
        container = self.service_container(service)
        if self.networks[network].name not in container.attrs["NetworkSettings"]["Networks"]:
            return False
        self.networks[network].disconnect(container, force=True)
        return True

    # --- steps -----------------------------------------------------------------------------
    def _prepare_images(self) -> None:
        wanted = [POSTGRES, REDIS, TRAEFIK]
        if self.config.odoo_image == ODOO11_IMAGE.tag:
            wanted.append(ODOO11_IMAGE)
        if self.config.build_images:
            for spec in wanted:
                self.image_ids[spec.tag] = ensure_image(spec, self.progress)
        for tag in [s.tag for s in wanted] + [self.config.odoo_image]:
            try:
                self.image_ids[tag] = str(docker_client().images.get(tag).id)
            except ImageNotFound:
                hint = (
                    "run `odoo-chaos images build`"
                    if tag.startswith("odoo-chaos/")
                    else f"build or load {tag} into the local Docker engine (no registry is used)"
                )
                raise ImageBuildFailed(f"image {tag} is not in the local Docker engine; {hint}") from None

    def _labels(self, service: str) -> dict[str, str]:
        return labels.service_labels(self.run_id, service)

    def _container(self, service: str, image: str) -> ServiceContainer:
        spec = topology.service(service)
        container = ServiceContainer(image, labels.object_name(self.run_id, service), self._labels(service))
        for network in spec.networks:
            container.on_network(self.networks[network], topology.aliases_on(spec, network))
        for port in spec.published:  # fixed host ports: a restarted or recreated container keeps them
            container.publish(port, self.host_ports.setdefault((service, port), free_port()))
        return container

    def _start(self, service: str, container: ServiceContainer) -> ServiceContainer:
        self.progress(f"starting {service}")
        self.containers[service] = container.start()
        return container

    def _odoo_container(self, node: str, release: str | None = None) -> ServiceContainer:
        profile = self.config.odoo
        container = (
            self._container(node, profile.image)
            .with_envs(**topology.odoo_env(node, self.credentials.odoo_db_password))
            .with_command(topology.odoo_server_args(profile, release))
            .with_volume_mapping(str(COMPOSE / "addons"), topology.ADDONS_MOUNT, "ro")
            .with_options(entrypoint=["odoo"])
            .with_file(topology.PG_SERVICE_FILE, topology.PG_SERVICE.encode())
        )
        if release:
            container.with_volume_mapping(str(releases.directory(release)), topology.RELEASE_MOUNT, "ro")
        return container

    def replace_odoo_node(self, node: str, timeout: float = 120.0, release: str | None = None) -> None:
        """Remove an Odoo node's container and start a fresh one like it; returns once it serves HTTP.

        `release` deploys a release directory on the fresh node (`harness.stack.releases`; None: the
        shipped addons). A fresh node whose container exits before it serves fails at once, with its
        last log line, instead of waiting out `timeout`.
        """
        if node not in topology.ODOO_NODES:
            raise HarnessError(f"replace-node works on Odoo nodes ({', '.join(topology.ODOO_NODES)}), not {node!r}")
        release = releases.resolve(release)
        self.service_container(node).remove(force=True)
        del self.containers[node]
        fresh = self._start(node, self._odoo_container(node, release)).get_wrapped_container()
        self.releases[node] = release

        def serving_or_exited() -> str | None:
            fresh.reload()
            if fresh.status in ("exited", "dead"):
                return "exited"
            return "serving" if health.check(node, fresh)[0] else None

        outcome = poll_until(
            serving_or_exited, timeout=timeout, what=f"fresh {node} serving HTTP", on_timeout=HarnessError
        )
        if outcome == "exited":
            code = fresh.attrs["State"].get("ExitCode")
            lines = fresh.logs(tail=5).decode(errors="replace").strip().splitlines()
            raise HarnessError(f"fresh {node} exited with code {code}: {lines[-1] if lines else 'no output'}")

    def _data_service(self, service: str) -> ServiceContainer:
        """The container of a stateful service (PostgreSQL nodes, backup repository, Redis) on its volumes."""
        pg_env = self.credentials.postgres_env()
        repo = self.volumes[BACKUP_VOLUME]
        if service == topology.REDIS:
            return self._container(service, REDIS.tag).with_volume_mapping(self.volumes["redis-data"], "/data", "rw")
        if service == topology.BACKUP:
            return (
                self._container(service, POSTGRES.tag)
                .with_envs(PG_ROLE="backup", PRIMARY_HOST=topology.PG_PRIMARY, **pg_env)
                .with_volume_mapping(repo, "/backup", "rw")
            )
        role = "primary" if service == topology.PG_PRIMARY else "standby"
        image = self._seed_image if service == topology.PG_PRIMARY else POSTGRES.tag
        return (
            self._container(service, image)
            .with_envs(PG_ROLE=role, PRIMARY_HOST=topology.PG_PRIMARY, **pg_env)
            .with_volume_mapping(self.volumes[f"{service}-data"], "/var/lib/postgresql/data", "rw")
            .with_volume_mapping(repo, "/backup", "rw")
        )

    def destroy(self, services: tuple[str, ...]) -> list[str]:
        """Remove services' containers and their data volumes for good (a lost region); the volumes removed.

        The backup repository's volume is never among them: it lives in "another region".
        """
        client = docker_client()
        for service in services:
            container = self.service_container(service)
            container.remove(force=True, v=True)
            del self.containers[service]
        removed = []
        for service in services:
            name = self.volumes.get(f"{service}-data")
            if name:
                client.volumes.get(name).remove(force=True)
                removed.append(name)
        return removed

    def recreate_volume(self, role: str) -> str:
        """A fresh, empty data volume under the same name (after `destroy`)."""
        name = self.volumes[role]
        with contextlib.suppress(Exception):
            docker_client().volumes.get(name).remove(force=True)
        docker_client().volumes.create(name, labels=labels.run_labels(self.run_id))
        return name

    def start_service(self, service: str) -> Any:
        """Create and start a destroyed service again (same configuration, volumes and published ports)."""
        if service in self.containers:
            raise HarnessError(f"{service} already exists; destroy it first")
        container = (
            self._odoo_container(service, self.releases.get(service))
            if service in topology.ODOO_NODES
            else self._data_service(service)
        )
        return self._start(service, container).get_wrapped_container()

    def _start_services(self, seed_image: str) -> None:
        client = docker_client()
        run_labels = labels.run_labels(self.run_id)
        https_port, http_port = self._choose_ports()
        self.progress(f"run {self.run_id}: creating networks and volumes")
        for name, internal in topology.NETWORKS.items():
            self.networks[name] = client.networks.create(
                labels.object_name(self.run_id, name), driver="bridge", internal=internal, labels=run_labels
            )
        for name in (*DATA_VOLUMES, BACKUP_VOLUME):
            self.volumes[name] = client.volumes.create(labels.object_name(self.run_id, name), labels=run_labels).name
        self._seed_image = seed_image
        creds = self.credentials
        primary = self._start(topology.PG_PRIMARY, self._data_service(topology.PG_PRIMARY))
        primary_port = primary.host_port(topology.PG_PORT)
        self._set_odoo_admin_password(primary_port)
        for service in (topology.PG_STANDBY, topology.BACKUP, topology.REDIS):
            self._start(service, self._data_service(service))
        profile = self.config.odoo
        for node in topology.ODOO_NODES:
            self._start(node, self._odoo_container(node))
        tls = issue_run_tls(self.run_id)
        ca_file = state.save(self.run_id, "ca.pem", tls.ca_pem)
        self.host_ports[(topology.TRAEFIK, topology.TRAEFIK_HTTPS_PORT)] = https_port
        self.host_ports[(topology.TRAEFIK, topology.TRAEFIK_HTTP_PORT)] = http_port
        traefik = (  # host ports chosen up front: the HTTP redirect must name the HTTPS port
            self._container(topology.TRAEFIK, TRAEFIK.tag)
            .publish(topology.TRAEFIK_HTTPS_PORT, https_port)
            .publish(topology.TRAEFIK_HTTP_PORT, http_port)
        )
        self._start(
            topology.TRAEFIK,
            traefik.with_file("/etc/traefik/traefik.yml", topology.traefik_static_config(https_port).encode())
            .with_file("/etc/traefik/dynamic/odoo.yml", topology.traefik_dynamic_config(profile).encode())
            .with_file("/etc/traefik/tls/cert.pem", tls.cert_pem)
            .with_file("/etc/traefik/tls/key.pem", tls.key_pem, 0o600),
        )
        self.endpoints = Endpoints(
            run_id=self.run_id,
            https_url=f"https://{LOOPBACK}:{https_port}",
            http_url=f"http://{LOOPBACK}:{http_port}",
            db=topology.DB_NAME,
            login=creds.odoo_login,
            password=creds.odoo_admin_password,
            ca_file=str(ca_file),
            pg_primary_port=primary_port,
            pg_standby_port=self.containers[topology.PG_STANDBY].host_port(topology.PG_PORT),
            postgres_password=creds.postgres_password,
        )
        state.save_json(self.run_id, "endpoints.json", asdict(self.endpoints), private=True)

    def _choose_ports(self) -> tuple[int, int]:
        if self.config.https_port:
            ensure_port_free(self.config.https_port, "--https-port")
        if self.config.http_port:
            ensure_port_free(self.config.http_port, "--http-port")
        return self.config.https_port or free_port(), self.config.http_port or free_port()

    def _set_odoo_admin_password(self, primary_port: int) -> None:
        """This run's Odoo admin password, written as a PBKDF2-SHA512 hash before Odoo starts."""
        dsn = (
            f"host={LOOPBACK} port={primary_port} dbname={topology.DB_NAME} user=postgres "
            f"password={self.credentials.postgres_password} connect_timeout=2"
        )

        def connect() -> psycopg.Connection[Any]:
            return psycopg.connect(dsn, autocommit=True)

        conn = poll_until(connect, timeout=READY_TIMEOUT, what="pg-primary", on_timeout=StackNotReady)
        hashed = pbkdf2_sha512_hash(self.credentials.odoo_admin_password)
        with conn:
            has_crypt = conn.execute(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_name = 'res_users' AND column_name = 'password_crypt'"
            ).fetchone()
            if has_crypt:  # Odoo 11 with auth_crypt
                conn.execute(
                    "UPDATE res_users SET password = '', password_crypt = %s WHERE login = %s",
                    (hashed, self.credentials.odoo_login),
                )
            else:
                conn.execute(
                    "UPDATE res_users SET password = %s WHERE login = %s", (hashed, self.credentials.odoo_login)
                )

    def _wait_until_ready(self) -> Endpoints:
        assert self.endpoints is not None
        endpoints = self.endpoints
        client = endpoints.odoo_client(timeout=5.0)
        self.progress("waiting for a business write through Traefik -> Odoo -> PostgreSQL")

        def business_write() -> int:
            existing = client.execute("chaos.ledger.entry", "search", [("seq", "=", READINESS_SEQ)])
            if existing:
                return int(existing[0])
            return client.write_ledger(READINESS_SEQ, "readiness", f"up {self.run_id}")

        row_id = poll_until(
            business_write,
            timeout=READY_TIMEOUT,
            what="business write via Traefik",
            on_timeout=lambda m: StackNotReady(self._explain(m)),
        )
        self.progress("waiting for the row on the standby")

        def on_standby() -> bool:
            with psycopg.connect(endpoints.pg_dsn(topology.PG_STANDBY)) as conn:
                return conn.execute("SELECT 1 FROM chaos_ledger_entry WHERE id = %s", (row_id,)).fetchone() is not None

        poll_until(on_standby, timeout=60, what="replicated row on pg-standby", on_timeout=StackNotReady)
        self.progress("taking the first full backup (pgBackRest) into the backup repository")
        started = time.monotonic()
        try:
            backup.take(self, "full")
        except HarnessError as exc:
            raise StackNotReady(f"first full backup: {exc}") from None
        self.timings["first_backup"] = time.monotonic() - started
        return endpoints

    def _explain(self, message: str) -> str:
        """Add what the containers say to a readiness timeout: the first stopped service's last line."""
        for service, container in self.containers.items():
            wrapped = container.get_wrapped_container()
            wrapped.reload()
            if wrapped.status != "running":
                last = wrapped.logs(tail=3).decode(errors="replace").strip().splitlines()
                return f"{message}; {service} is {wrapped.status}: {last[-1] if last else 'no output'}"
        return message


def _labelled(obj: Any, run_id: str) -> Any:
    """`obj` (a network or volume found by name) if it carries the run's label; a name alone proves nothing."""
    if (obj.attrs.get("Labels") or {}).get(labels.RUN) != run_id:
        raise HarnessError(f"{obj.name} does not carry {labels.RUN}={run_id}: not this run's, refusing to use it")
    return obj


def require_run(run_id: str) -> cleanup.RunObjects:
    for run in cleanup.list_runs():
        if run.run_id == run_id:
            return run
    raise HarnessError(f"no stack carries the run id {run_id!r}; `odoo-chaos status` lists the runs")
