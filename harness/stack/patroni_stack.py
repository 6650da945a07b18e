"""The reference stack in Patroni mode: automatic failover by Patroni 3.0.4 over a three-member etcd.

Same front (Traefik, two Odoo nodes, Redis, the backup repository) as the manual stack; the two
PostgreSQL nodes run under Patroni (`harness.stack.patroni` holds the shape and the container
definitions as data), three etcd members sit one per zone (`zone-c` is a witness holding only
`etcd-c`, so losing one zone keeps quorum), and HAProxy routes to the leader by Patroni's REST
`/primary` check. Odoo finds the writable node by libpq multi-host (`target_session_attrs=
read-write`, as in manual mode) or through HAProxy (`StackConfig.db_endpoint`).

Start order, each wait measured on this machine class (bench/patroni_cluster.py): the etcd
members, then their quorum; pg-primary (it bootstraps the cluster from the Odoo snapshot), then
its leader lock and a writable server; then pg-standby (it clones the leader at once), HAProxy and
the rest. Without the waits Patroni sleeps 5 s (no quorum) or a full loop_wait (no leader).

What differs from manual mode for the harness: `automatic_failover` is True (heal only brings a
node back; Patroni demotes and rewinds it), the warm reset's switch back is a `patronictl
switchover`, and a scenario's Patroni settings are applied to the running cluster with
`patronictl edit-config` (`apply_settings`) and put back by the reset.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Self

from harness.core.clock import poll_until
from harness.core.errors import HarnessError, StackNotReady
from harness.core.progress import Progress, quiet
from harness.edge import engine as docker
from harness.edge import labels, state
from harness.edge.images import ETCD, HAPROXY, PATRONI, ensure_image
from harness.stack import db, ha, nodes, patroni, readiness, topology
from harness.stack.containers import free_port
from harness.stack.endpoints import Endpoints, StackConfig
from harness.stack.nodes import BACKUP_VOLUME, DATA_VOLUMES
from harness.stack.patroni import ContainerDef, HaSettings
from harness.stack.seed import ensure_seed_on
from harness.stack.stack import CONFIG_FILE, Stack

QUORUM_TIMEOUT = 60.0
LEADER_TIMEOUT = 90.0
SWITCHOVER_TIMEOUT = 60.0


class PatroniStack(Stack):
    """One run's stack in Patroni mode (see the module doc); `with PatroniStack(config) as stack:`."""

    def __init__(
        self, config: StackConfig | None = None, *, run_id: str | None = None, progress: Progress = quiet
    ) -> None:
        super().__init__(config or StackConfig(ha="patroni"), run_id=run_id, progress=progress)
        self.settings: HaSettings = self.config.patroni  # what the cluster runs with now (apply_settings)

    @classmethod
    def attach(cls, run_id: str, progress: Progress = quiet) -> Self:
        """A handle on a running Patroni stack, with the settings and endpoint `up` saved for it."""
        stack = super().attach(run_id, progress)
        saved: dict[str, Any] = state.load_json(run_id, CONFIG_FILE) or {}
        try:
            settings = patroni.parse_settings(saved.get("patroni") or {})
        except ValueError:
            settings = patroni.DEFAULTS
        endpoint = str(saved.get("db_endpoint", "libpq"))
        stack.config = replace(StackConfig(), ha="patroni", patroni=settings, db_endpoint=endpoint)
        stack.settings = settings
        return stack

    # --- StackHandle -----------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return "patroni"

    @property
    def description(self) -> str:
        s = self.settings  # as the cluster runs now (a scenario may have changed them for its run)
        return (
            "the harness's reference stack in Patroni mode (automatic failover: Patroni 3.0.4, etcd 3.4 x3, "
            f"ttl {s.ttl} s, loop_wait {s.loop_wait} s, retry_timeout {s.retry_timeout} s, "
            f"synchronous_mode {s.synchronous_mode}, failsafe_mode {str(s.failsafe_mode).lower()}; "
            f"Odoo reaches the leader by {'HAProxy' if self.config.db_endpoint == 'haproxy' else 'libpq multi-host'})"
        )

    @property
    def layout(self) -> topology.Layout:
        return patroni.LAYOUT

    @property
    def automatic_failover(self) -> bool:
        return True

    def configure_ha(self, given: Mapping[str, object]) -> str:
        try:
            settings = patroni.parse_settings(given, base=self.config.patroni)
        except ValueError as exc:
            raise HarnessError(f"Patroni settings: {exc}") from None
        if settings != self.settings:
            self.apply_settings(settings)
        return ", ".join(f"{name} {getattr(settings, name)}" for name in patroni.SETTING_NAMES)

    def switch_back(self) -> str | None:
        """Patroni's own switchover back to pg-primary (never a hand promotion), then pg-standby streaming."""
        said: list[str] = []
        if self.settings != self.config.patroni:
            self.apply_settings(self.config.patroni)
            said.append("the stack's Patroni settings are back")
        started = time.monotonic()
        if ha.writable_leader(self) != topology.PG_PRIMARY:
            ha.switchover(self, topology.PG_PRIMARY)
            said.append(f"switched over to pg-primary in {time.monotonic() - started:.1f}s")
        poll_until(
            lambda: db.streaming_to(self, topology.PG_PRIMARY, topology.PG_STANDBY),
            timeout=SWITCHOVER_TIMEOUT,
            what="pg-standby streaming from pg-primary",
            on_timeout=HarnessError,
        )
        return "; ".join(said) or None

    # --- Patroni ---------------------------------------------------------------------------
    def leader(self) -> str | None:
        return ha.leader(self)

    def apply_settings(self, settings: HaSettings) -> None:
        """Change Patroni's dynamic configuration on the running cluster (`patronictl edit-config`)."""
        ha.edit_config(self, settings)
        self.settings = settings

    def cluster(self) -> list[dict[str, Any]]:
        return ha.cluster(self)

    # --- start -----------------------------------------------------------------------------
    def _prepare_images(self) -> None:
        super()._prepare_images()
        for spec in (ETCD, PATRONI, HAPROXY):
            if self.config.build_images:
                self.image_ids[spec.tag] = ensure_image(spec, self.progress)
            found = docker.image(spec.tag)
            if found is None:
                raise HarnessError(f"image {spec.tag} is not in the local Docker engine; run `odoo-chaos images build`")
            self.image_ids[spec.tag] = found.id

    def _start_services(self) -> Endpoints:
        problems = self.config.patroni.problems()
        if problems:
            raise HarnessError("Patroni settings: " + "; ".join(problems))
        run_labels = labels.run_labels(self.run_id)
        https_port, http_port = self._choose_ports()
        self.progress(f"run {self.run_id}: creating networks and volumes (Patroni mode)")
        for name, internal in self.layout.networks:
            self.networks[name] = docker.create_network(
                labels.object_name(self.run_id, name), internal=internal, labels=run_labels
            )
        for name in (*DATA_VOLUMES, BACKUP_VOLUME):
            self.volumes[name] = docker.create_volume(labels.object_name(self.run_id, name), labels=run_labels).name
        seed = ensure_seed_on(PATRONI.tag, self.seed_image, self.progress)
        definitions = {
            d.service: d for d in patroni.definitions(self.run_id, self.config.patroni, self.credentials, seed)
        }
        for member in patroni.ETCD_MEMBERS:
            self.start_container(member, self._spec(definitions[member]))
        self.progress("waiting for the etcd quorum")
        poll_until(
            lambda: ha.etcd_healthy(self),
            timeout=QUORUM_TIMEOUT,
            what="etcd quorum",
            on_timeout=StackNotReady,
            period=0.2,
        )
        self.start_container(topology.PG_PRIMARY, self._spec(definitions[topology.PG_PRIMARY]))
        self.progress("waiting for pg-primary to bootstrap the cluster and hold the leader lock")
        poll_until(
            lambda: self.leader() == topology.PG_PRIMARY and db.role(self, topology.PG_PRIMARY) == "primary",
            timeout=LEADER_TIMEOUT,
            what="pg-primary leading",
            on_timeout=lambda m: StackNotReady(readiness.explain(self, m)),
            period=0.2,
        )
        primary_port = self.host_ports[(topology.PG_PRIMARY, topology.PG_PORT)]
        readiness.set_odoo_admin_password(self.credentials, primary_port)
        for service in (topology.PG_STANDBY, patroni.HAPROXY):
            self.start_container(service, self._spec(definitions[service]))
        for service in (topology.BACKUP, topology.REDIS):
            self.start_container(service, nodes.data_spec(self, service))
        for node in topology.ODOO_NODES:
            self.start_container(node, nodes.odoo_spec(self, node))
        return self._start_front(https_port, http_port, primary_port)

    def _spec(self, definition: ContainerDef) -> docker.ContainerSpec:
        """A container definition of the HA mode as the engine creates it (fixed 127.0.0.1 ports for the run)."""
        ports = {
            port: self.host_ports.setdefault((definition.service, port), free_port()) for port in definition.published
        }
        return docker.ContainerSpec(
            image=definition.image,
            name=labels.object_name(self.run_id, definition.service),
            labels=labels.service_labels(self.run_id, definition.service),
            networks=tuple(
                (self.networks[n], tuple(definition.aliases_on(n)), self.address_of(definition.service, n))
                for n in definition.networks
            ),
            command=definition.command,
            environment=dict(definition.env),
            ports=ports,
            volumes={self.volumes[role]: (mount, "rw") for role, mount in definition.volumes},
        )
