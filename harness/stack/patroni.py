"""The HA mode's shape as data (issue 14): three etcd members, two Patroni nodes, HAProxy.

Pure: nothing here talks to Docker. It is the groundwork for a `--ha patroni` stack mode: the
services, their networks and the exact container definitions (image, environment, networks with
their aliases, volumes, published ports) the stack has to create, and the Patroni settings a run
may choose, checked against Patroni's own rules before anything starts.

Placement: `etcd-a` and `pg-primary` in zone a, `etcd-b` and `pg-standby` in zone b, `etcd-c`
alone in a small zone c (the witness that gives either zone a quorum of 2 of 3); every one of them
also sits on `interzone`, so cutting a zone off (disconnecting its services from `interzone`) leaves
the other zone with 2 of 3 etcd members and the cut-off leader with 1 (it demotes, unless
`failsafe_mode` keeps it). HAProxy, like Traefik, sits in both zones.

The images read their configuration from the environment (compose/etcd/entrypoint.sh,
compose/patroni/patroni_config.py, compose/haproxy/haproxy.cfg); `HaSettings.env()` is what a
run passes to both Patroni nodes, and `problems()` applies the same rules as the image's renderer
(tests/unit/test_patroni.py checks that they agree).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from harness.edge.credentials import Credentials
from harness.stack import topology
from harness.stack.topology import EDGE, INTERZONE, PG_PORT, PG_PRIMARY, PG_STANDBY, ZONE_A, ZONE_B, Layout, ServiceSpec

ETCD_IMAGE = "odoo-chaos/etcd:3.4"  # harness.edge.images.ETCD / PATRONI / HAPROXY; kept as strings: this module is pure
PATRONI_IMAGE = "odoo-chaos/patroni:15"
HAPROXY_IMAGE = "odoo-chaos/haproxy:2.6"

ZONE_C = "zone-c"  # the witness zone: one etcd member, nothing else
HA_NETWORKS: dict[str, bool] = {ZONE_A: True, ZONE_B: True, ZONE_C: True, INTERZONE: True, EDGE: False}

ETCD_A, ETCD_B, ETCD_C = "etcd-a", "etcd-b", "etcd-c"
ETCD_MEMBERS: tuple[str, ...] = (ETCD_A, ETCD_B, ETCD_C)
HAPROXY = "haproxy"
PATRONI_NODES: tuple[str, ...] = (PG_PRIMARY, PG_STANDBY)
SCOPE = "odoo"  # the cluster's name in etcd (keys under /service/odoo/)

ETCD_CLIENT_PORT = 2379
ETCD_PEER_PORT = 2380
PATRONI_API_PORT = 8008
HAPROXY_PRIMARY_PORT = 5000  # writes: the node whose Patroni answers 200 on GET /primary
HAPROXY_REPLICA_PORT = 5001  # reads: nodes answering 200 on GET /replica
HAPROXY_STATS_PORT = 7000

PG_HOME = "/var/lib/postgresql"  # the data volume's mount point; PGDATA is its subdirectory `data`
BACKUP_MOUNT = "/backup"

HA_SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(ETCD_A, ZONE_A, (ZONE_A, INTERZONE)),
    ServiceSpec(ETCD_B, ZONE_B, (ZONE_B, INTERZONE)),
    ServiceSpec(ETCD_C, ZONE_C, (ZONE_C, INTERZONE)),
    ServiceSpec(PG_PRIMARY, ZONE_A, (ZONE_A, INTERZONE, EDGE), (PG_PORT, PATRONI_API_PORT)),
    ServiceSpec(PG_STANDBY, ZONE_B, (ZONE_B, INTERZONE, EDGE), (PG_PORT, PATRONI_API_PORT)),
    ServiceSpec(
        HAPROXY, None, (EDGE, ZONE_A, ZONE_B), (HAPROXY_PRIMARY_PORT, HAPROXY_REPLICA_PORT, HAPROXY_STATS_PORT)
    ),
)

# The whole stack in this mode: the HA services, then the reference stack's others (backup
# repository, Redis, the Odoo nodes, Traefik) exactly as in manual mode.
LAYOUT = Layout(
    "patroni",
    (*HA_SERVICES, *(spec for spec in topology.SERVICES if spec.name not in PATRONI_NODES)),
    tuple(HA_NETWORKS.items()),
    (ZONE_A, ZONE_B, ZONE_C),
    data_mount=PG_HOME,
)

SynchronousMode = Literal["off", "on", "strict"]
SYNCHRONOUS_MODES: tuple[str, ...] = ("off", "on", "strict")


@dataclass(frozen=True, slots=True)
class HaSettings:
    """Patroni's dynamic settings for one run (seconds and bytes, as Patroni counts them).

    The defaults are Patroni's. Rules (Patroni's documentation; 3.0.x itself checks none of them,
    later releases raise too-small values silently): loop_wait >= 1, retry_timeout >= 3,
    loop_wait + 2 * retry_timeout <= ttl. ttl >= 20 is enforced only by later releases, so a
    ttl of 10 is accepted here (it is what the tuned preset measures) with a note from `notes()`.
    """

    ttl: int = 30
    loop_wait: int = 10
    retry_timeout: int = 10
    maximum_lag_on_failover: int = 1048576
    synchronous_mode: SynchronousMode = "off"
    failsafe_mode: bool = False

    def problems(self) -> list[str]:
        """Why Patroni cannot run with these settings, each naming the setting; [] when they are fine."""
        found = []
        for name, value, minimum in (
            ("ttl", self.ttl, 1),
            ("loop_wait", self.loop_wait, 1),
            ("retry_timeout", self.retry_timeout, 3),
            ("maximum_lag_on_failover", self.maximum_lag_on_failover, 0),
        ):
            if not isinstance(value, int) or isinstance(value, bool):
                found.append(f"{name} must be a whole number, got {value!r}")
            elif value < minimum:
                found.append(f"{name} must be at least {minimum}, got {value}")
        if not found and self.loop_wait + 2 * self.retry_timeout > self.ttl:
            found.append(
                f"loop_wait + 2 * retry_timeout must be <= ttl (Patroni's rule), got "
                f"{self.loop_wait} + 2 * {self.retry_timeout} = {self.loop_wait + 2 * self.retry_timeout} > {self.ttl}"
            )
        if self.synchronous_mode not in SYNCHRONOUS_MODES:
            found.append(
                f"synchronous_mode must be one of {', '.join(SYNCHRONOUS_MODES)}, got {self.synchronous_mode!r}"
            )
        if not isinstance(self.failsafe_mode, bool):
            found.append(f"failsafe_mode must be true or false, got {self.failsafe_mode!r}")
        return found

    def notes(self) -> list[str]:
        """Valid for the shipped Patroni 3.0.4 but worth saying."""
        if self.ttl < 20:
            return [f"ttl {self.ttl} < 20: Patroni 3.0.4 uses it as given; later Patroni releases raise it to 20"]
        return []

    def env(self) -> dict[str, str]:
        """The HA_* variables both Patroni nodes get (read by compose/patroni/patroni_config.py)."""
        return {
            "HA_TTL": str(self.ttl),
            "HA_LOOP_WAIT": str(self.loop_wait),
            "HA_RETRY_TIMEOUT": str(self.retry_timeout),
            "HA_MAXIMUM_LAG_ON_FAILOVER": str(self.maximum_lag_on_failover),
            "HA_SYNCHRONOUS_MODE": self.synchronous_mode,
            "HA_FAILSAFE_MODE": "true" if self.failsafe_mode else "false",
        }

    def edit_config_args(self) -> list[str]:
        """`patronictl edit-config` arguments that set these values on a running cluster."""
        return [
            "-s", f"ttl={self.ttl}",
            "-s", f"loop_wait={self.loop_wait}",
            "-s", f"retry_timeout={self.retry_timeout}",
            "-s", f"maximum_lag_on_failover={self.maximum_lag_on_failover}",
            "-s", f"synchronous_mode={'true' if self.synchronous_mode != 'off' else 'false'}",
            "-s", f"synchronous_mode_strict={'true' if self.synchronous_mode == 'strict' else 'false'}",
            "-s", f"failsafe_mode={'true' if self.failsafe_mode else 'false'}",
        ]  # fmt: skip


DEFAULTS = HaSettings()
TUNED = HaSettings(ttl=10, loop_wait=1, retry_timeout=3)


@dataclass(frozen=True, slots=True)
class ContainerDef:
    """One container of the HA mode, exactly as the stack must create it.

    `networks`: the first is the one the container is created on; the service name is an alias on
    every network but `edge`. `volumes`: (volume role, mount point); the role names the run's volume
    (`pg-primary-data`, `backup-repo`). `published`: container ports published on 127.0.0.1.
    `command`: None keeps the image's entrypoint and command.
    """

    service: str
    image: str
    env: Mapping[str, str] = field(repr=False)  # holds the run's passwords for the Patroni nodes
    networks: tuple[str, ...]
    volumes: tuple[tuple[str, str], ...] = ()
    published: tuple[int, ...] = ()
    command: tuple[str, ...] | None = None

    def aliases_on(self, network: str) -> list[str]:
        return [] if network == EDGE else [self.service]


def ha_service(name: str) -> ServiceSpec:
    for spec in HA_SERVICES:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown HA service {name!r}; services are {', '.join(s.name for s in HA_SERVICES)}")


def etcd_hosts() -> str:
    return ",".join(f"{member}:{ETCD_CLIENT_PORT}" for member in ETCD_MEMBERS)


def etcd_definition(member: str, run_id: str, image: str = ETCD_IMAGE) -> ContainerDef:
    """An etcd member; the cluster token is the run id, so members of two runs never join each other."""
    spec = ha_service(member)
    env = {"ETCD_NAME": member, "MEMBERS": ",".join(ETCD_MEMBERS), "ETCD_INITIAL_CLUSTER_TOKEN": f"odoo-chaos-{run_id}"}
    return ContainerDef(member, image, env, spec.networks, published=spec.published)


def patroni_definition(
    node: str, settings: HaSettings, credentials: Credentials, image: str = PATRONI_IMAGE, *, bootstraps: bool
) -> ContainerDef:
    """A Patroni node. `bootstraps`: this node initialises the cluster from the seed snapshot
    (`image` must then be the node's `odoo-chaos/patroni-seed:<key>`); the other waits and clones it."""
    problems = settings.problems()
    if problems:
        raise ValueError("; ".join(problems))
    spec = ha_service(node)
    env = {
        "PATRONI_NAME": node,
        "PATRONI_SCOPE": SCOPE,
        "ETCD_HOSTS": etcd_hosts(),
        "HA_BOOTSTRAP": "seed" if bootstraps else "none",
        **settings.env(),
        **credentials.postgres_env(),
    }
    volumes = ((f"{node}-data", PG_HOME), ("backup-repo", BACKUP_MOUNT))
    return ContainerDef(node, image, env, spec.networks, volumes, spec.published)


def haproxy_definition(image: str = HAPROXY_IMAGE) -> ContainerDef:
    spec = ha_service(HAPROXY)
    return ContainerDef(HAPROXY, image, {}, spec.networks, published=spec.published)


def definitions(
    run_id: str, settings: HaSettings, credentials: Credentials, seed_image: str, patroni_image: str = PATRONI_IMAGE
) -> list[ContainerDef]:
    """Every container of the HA mode in start order: etcd x3, pg-primary (bootstraps from the seed),
    pg-standby, HAProxy.

    Start the etcd members and wait for `ETCD_HEALTH_COMMAND` (a Patroni that finds no etcd quorum
    sleeps 5 s before asking again); start pg-primary and wait until `LOCK_COMMAND` says 200 (a
    pg-standby that finds no leader sleeps loop_wait, 10 s by default, before looking again); then
    pg-standby and HAProxy.
    """
    return [
        *(etcd_definition(member, run_id) for member in ETCD_MEMBERS),
        patroni_definition(PG_PRIMARY, settings, credentials, seed_image, bootstraps=True),
        patroni_definition(PG_STANDBY, settings, credentials, patroni_image, bootstraps=False),
        haproxy_definition(),
    ]


# --- asking a node its role from inside its container (works while it is cut off) ------------------

ETCD_HEALTH_COMMAND: tuple[str, ...] = (
    "etcdctl", "--endpoints=" + ",".join(f"{m}:{ETCD_CLIENT_PORT}" for m in ETCD_MEMBERS), "endpoint", "health",
)  # fmt: skip  # exit 0 when every member answers; run inside any etcd container
# GET /patroni: PostgreSQL's own state as Patroni sees it ("role": "master"/"replica" in 3.0.x; no
# DCS needed, so it answers on a node cut off from etcd). It says nothing about the leader lock:
# a just-bootstrapped node reports "master" before it holds the lock.
ROLE_COMMAND: tuple[str, ...] = ("curl", "-s", "-m", "2", f"http://localhost:{PATRONI_API_PORT}/patroni")
# GET /leader: "200" only on the node holding the leader lock (what HAProxy's /primary check means too)
LOCK_COMMAND: tuple[str, ...] = (
    "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "2", f"http://localhost:{PATRONI_API_PORT}/leader",
)  # fmt: skip
# psql inside the container works as for the default stack (local trust, same socket): db.role_of applies as is
WAL_RECEIVER_SQL = "SELECT status FROM pg_stat_wal_receiver"  # "streaming" on a replica that streams
CLUSTER_COMMAND: tuple[str, ...] = ("patronictl", "list", "-f", "json")

PatroniRole = Literal["primary", "replica", "down"]


@dataclass(frozen=True, slots=True)
class NodeState:
    """What a node's own Patroni says about it (GET /patroni on localhost:8008)."""

    role: PatroniRole
    state: str  # running, starting, stopped, "crashed", "restarting", ... ("" when unknown)
    timeline: int | None
    replication_state: str  # "streaming" on a streaming replica (3.0.4 says it; 3.0.2 did not: then WAL_RECEIVER_SQL)


def parse_node_state(payload: str) -> NodeState:
    """Parse GET /patroni's JSON; anything unreadable (no answer, Patroni down) is `down`."""
    try:
        data = json.loads(payload)
    except ValueError:
        return NodeState("down", "", None, "")
    if not isinstance(data, dict):
        return NodeState("down", "", None, "")
    raw = str(data.get("role", ""))
    state = str(data.get("state", ""))
    role: PatroniRole = "down"
    if state == "running":
        role = (
            "primary" if raw in ("master", "primary") else "replica" if raw in ("replica", "standby_leader") else "down"
        )
    timeline = data.get("timeline")
    return NodeState(
        role, state, timeline if isinstance(timeline, int) else None, str(data.get("replication_state", ""))
    )


SETTING_NAMES: tuple[str, ...] = (
    "ttl",
    "loop_wait",
    "retry_timeout",
    "maximum_lag_on_failover",
    "synchronous_mode",
    "failsafe_mode",
)
_WHOLE = ("ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover")


def parse_settings(given: Mapping[str, object], base: HaSettings = DEFAULTS) -> HaSettings:
    """`base` with the settings `given` (from a scenario's `patroni:` or `--patroni key=value`), checked
    against Patroni's rules; ValueError naming the first bad setting and what would be valid."""
    values: dict[str, object] = {}
    for name, raw in given.items():
        if name not in SETTING_NAMES:
            raise ValueError(f"unknown Patroni setting {name!r}; settings are {', '.join(SETTING_NAMES)}")
        value: object = raw
        if name in _WHOLE:
            if isinstance(raw, str) and raw.strip().isdigit():
                value = int(raw.strip())
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be a whole number, got {raw!r}")
        elif name == "failsafe_mode":
            value = {"true": True, "false": False}.get(str(raw).strip().lower()) if not isinstance(raw, bool) else raw
            if value is None:
                raise ValueError(f"failsafe_mode must be true or false, got {raw!r}")
        elif name == "synchronous_mode":
            value = {"false": "off", "true": "on"}.get(str(raw).strip().lower(), str(raw).strip().lower())
            if raw is False:
                value = "off"
        values[name] = value
    settings = replace(base, **values)  # type: ignore[arg-type]
    problems = settings.problems()
    if problems:
        raise ValueError(problems[0])
    return settings
