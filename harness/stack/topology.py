"""The reference stack's shape as data: services, zones, networks, and each service's config.

Pure: nothing here talks to Docker. Two zones (`zone-a`, `zone-b`) are internal networks; the
`interzone` network is the link between them (cutting a zone off = disconnecting its services
from `interzone`); `edge` is the only non-internal network and exists just so ports can be
published on 127.0.0.1. Service names are stable: scenarios, `status` and users rely on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from harness.core.errors import HarnessError
from harness.stack import odoo_versions

ZONE_A = "zone-a"
ZONE_B = "zone-b"
INTERZONE = "interzone"
EDGE = "edge"

NETWORKS: dict[str, bool] = {ZONE_A: True, ZONE_B: True, INTERZONE: True, EDGE: False}  # name -> internal

TRAEFIK = "traefik"
ODOO_1 = "odoo-1"
ODOO_2 = "odoo-2"
PG_PRIMARY = "pg-primary"
PG_STANDBY = "pg-standby"
REDIS = "redis"
BACKUP = "backup"

DB_NAME = "odoo"
PG_PORT = 5432
ODOO_HTTP_PORT = 8069
ODOO_LONGPOLLING_PORT = 8072
TRAEFIK_HTTP_PORT = 8080
TRAEFIK_HTTPS_PORT = 8443
ADDONS_MOUNT = "/mnt/odoo-chaos-addons"
RELEASE_MOUNT = "/mnt/odoo-chaos-release"  # a release directory (compose/releases/<name>), shadows ADDONS_MOUNT
TEAM_ADDONS_MOUNT = "/mnt/odoo-chaos-team"  # the team's --odoo-addons folders: /mnt/odoo-chaos-team/0, /1, ...
TEAM_CONFIG = "/etc/odoo-chaos/odoo.conf"  # the team's --odoo-config, without the keys the harness owns
SERVER_WIDE_MODULES = "base,web,chaos_redis_session,chaos_node_header"
SEED_MODULES = ("base,web", "chaos_ledger")  # installed in this order; see chaos_ledger's hook


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    name: str
    zone: str | None
    networks: tuple[str, ...]  # first one is the network the container is created on
    published: tuple[int, ...] = ()  # container ports published on 127.0.0.1


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(PG_PRIMARY, ZONE_A, (ZONE_A, INTERZONE, EDGE), (PG_PORT,)),
    ServiceSpec(PG_STANDBY, ZONE_B, (ZONE_B, INTERZONE, EDGE), (PG_PORT,)),
    ServiceSpec(BACKUP, None, (INTERZONE,)),
    ServiceSpec(REDIS, ZONE_A, (ZONE_A, INTERZONE)),
    ServiceSpec(ODOO_1, ZONE_A, (ZONE_A, INTERZONE)),
    ServiceSpec(ODOO_2, ZONE_B, (ZONE_B, INTERZONE)),
    ServiceSpec(TRAEFIK, None, (EDGE, ZONE_A, ZONE_B), (TRAEFIK_HTTPS_PORT, TRAEFIK_HTTP_PORT)),
)
SERVICE_NAMES: tuple[str, ...] = tuple(s.name for s in SERVICES)
ODOO_NODES: tuple[str, ...] = (ODOO_1, ODOO_2)


ZONES: tuple[str, ...] = (ZONE_A, ZONE_B)
REGION = "region"  # every zone: every service placed in a zone (not Traefik, the front door, nor the backup)
DATA_DIR = "/var/lib/postgresql/data"  # PGDATA in every mode


@dataclass(frozen=True, slots=True)
class Layout:
    """One kind of stack's shape: its services, networks and zones, and where a PostgreSQL volume mounts.

    The reference stack's manual mode is `MANUAL`; an HA mode has its own (`harness.stack.patroni`:
    three etcd members, HAProxy, a witness zone). Faults and the warm reset ask the stack's layout
    which services a target stands for, so one scenario grammar drives every kind of stack.
    """

    mode: str
    services: tuple[ServiceSpec, ...]
    networks: tuple[tuple[str, bool], ...]  # (name, internal), in creation order
    zones: tuple[str, ...]
    data_mount: str = DATA_DIR  # where a PostgreSQL node's data volume is mounted (PGDATA is DATA_DIR)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.services)

    @property
    def targets(self) -> tuple[str, ...]:
        """What a scenario step may name as its target on this kind of stack."""
        return (*self.names, *self.zones, REGION)

    def service(self, name: str) -> ServiceSpec:
        for spec in self.services:
            if spec.name == name:
                return spec
        raise KeyError(f"unknown service {name!r}; services are {', '.join(self.names)}")

    def members(self, target: str) -> tuple[str, ...]:
        """The services a target stands for: a service itself, every service placed in a zone, or in any zone."""
        if target == REGION:
            return tuple(s.name for s in self.services if s.zone is not None)
        if target in self.zones:
            return tuple(s.name for s in self.services if s.zone == target)
        if target in self.names:
            return (target,)
        raise HarnessError(f"unknown target {target!r}; targets of a {self.mode} stack are {', '.join(self.targets)}")

    def holds_database(self, target: str) -> bool:
        """Whether a target holds a PostgreSQL node (a fault on it can lose acknowledged writes)."""
        return any(member in (PG_PRIMARY, PG_STANDBY) for member in self.members(target))


MANUAL = Layout("manual", SERVICES, tuple(NETWORKS.items()), ZONES)
TARGET_NAMES: tuple[str, ...] = MANUAL.targets  # what a scenario step may name as its target (manual mode)


def members(target: str) -> tuple[str, ...]:
    """The manual stack's services a target stands for (`Layout.members` for another kind of stack)."""
    return MANUAL.members(target)


def holds_database(target: str) -> bool:
    """Whether a target holds a PostgreSQL node (a fault on it can lose acknowledged writes)."""
    return MANUAL.holds_database(target)


def service(name: str) -> ServiceSpec:
    return MANUAL.service(name)


def aliases_on(spec: ServiceSpec, network: str) -> list[str]:
    """Service-name aliases exist on the stack's own networks, never on `edge`."""
    return [] if network == EDGE else [spec.name]


STATIC_HEALTH_PATH = odoo_versions.STATIC_HEALTH_PATH  # served without DB or Redis (liveness)
MODERN_HEALTH_PATH = odoo_versions.MODERN_HEALTH_PATH  # Odoo 15+: answers without touching the database


@dataclass(frozen=True, slots=True)
class OdooProfile:
    """How to run one Odoo image: what its version changes (`odoo_versions.TRAITS`) and its executable.

    Built from what the image itself reports (`harness.stack.odoo_image`), never from its tag.
    """

    image: str
    version: str = "11.0"
    health_path: str = STATIC_HEALTH_PATH
    longpolling_flag: str = "--longpolling-port"
    command: str = "odoo"
    bus_path: str = "/longpolling/poll"
    workers: int = 2
    team_addons: int = 0  # how many --odoo-addons folders are mounted (after the harness's own)
    team_config: bool = False  # whether the team's odoo.conf is read (--config=TEAM_CONFIG)

    @staticmethod
    def for_version(
        image: str, version: odoo_versions.OdooVersion, command: str = "odoo", health_path: str | None = None
    ) -> OdooProfile:
        """The profile of an image holding `version`; `health_path` overrides the version's own."""
        row = odoo_versions.traits(version)
        return OdooProfile(
            image, version.series, health_path or row.health_path, row.gevent_flag, command, row.bus_path
        )


def odoo_db_hosts() -> str:
    """libpq multi-host list: the primary first; `target_session_attrs=read-write` picks the writable one."""
    return f"{PG_PRIMARY},{PG_STANDBY}"


PG_SERVICE_FILE = "/etc/odoo-chaos/pg_service.conf"
# libpq reads these for every Odoo connection (PGSERVICE): a query sent into a network cut fails
# after 5 s (tcp_user_timeout) and an idle pooled connection is found dead within ~8 s
# (keepalives), instead of an Odoo worker hanging on a half-open socket for the kernel's ~15 min.
PG_SERVICE = """[odoo]
keepalives=1
keepalives_idle=5
keepalives_interval=1
keepalives_count=3
tcp_user_timeout=5000
"""


def odoo_env(node: str, db_password: str) -> dict[str, str]:
    return {
        "PGSERVICEFILE": PG_SERVICE_FILE,
        "PGSERVICE": "odoo",
        "PGPASSWORD": db_password,
        "PGTARGETSESSIONATTRS": "read-write",
        "PGCONNECT_TIMEOUT": "2",
        "ODOO_SESSION_REDIS_URL": f"redis://{REDIS}:6379/0",
        "ODOO_CHAOS_NODE": node,
    }


def team_mounts(count: int) -> tuple[str, ...]:
    return tuple(f"{TEAM_ADDONS_MOUNT}/{i}" for i in range(count))


def addons_path(release: str | None = None, team_addons: int = 0) -> str:
    """Odoo's addons path: a release's directory first (Odoo takes a module from the first path holding
    it), the harness's addons, then the team's folders in the order given."""
    first = [RELEASE_MOUNT] if release else []
    return ",".join([*first, ADDONS_MOUNT, *team_mounts(team_addons)])


def team_volumes(folders: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """The team's addons folders (host paths) mounted read-only where `addons_path` expects them."""
    return {folder: (mount, "ro") for folder, mount in zip(folders, team_mounts(len(folders)), strict=True)}


def _config_args(profile: OdooProfile) -> list[str]:
    return [f"--config={TEAM_CONFIG}"] if profile.team_config else []


def odoo_server_args(
    profile: OdooProfile, release: str | None = None, db_host: str | None = None, db_port: int = PG_PORT
) -> list[str]:
    """Odoo's command line; `db_host`/`db_port`: where it finds the database (libpq multi-host by default)."""
    return [
        *_config_args(profile),
        f"--http-port={ODOO_HTTP_PORT}",
        f"{profile.longpolling_flag}={ODOO_LONGPOLLING_PORT}",
        f"--workers={profile.workers}",
        "--max-cron-threads=1",
        f"--db_host={db_host or odoo_db_hosts()}",
        f"--db_port={db_port}",
        "--db_user=odoo",
        f"--database={DB_NAME}",
        f"--db-filter=^{DB_NAME}$",
        "--no-database-list",
        f"--addons-path={addons_path(release, profile.team_addons)}",
        f"--load={SERVER_WIDE_MODULES}",
        "--proxy-mode",
        "--limit-time-real=120",
        "--log-level=info",
    ]


def odoo_seed_args(modules: str, db_host: str, profile: OdooProfile | None = None) -> list[str]:
    team_addons = profile.team_addons if profile else 0
    return [
        *(_config_args(profile) if profile else []),
        f"--db_host={db_host}",
        f"--db_port={PG_PORT}",
        "--db_user=odoo",
        f"--database={DB_NAME}",
        f"--init={modules}",
        "--without-demo=all",
        "--stop-after-init",
        "--max-cron-threads=0",
        f"--addons-path={addons_path(None, team_addons)}",
        "--log-level=warn",
    ]


def traefik_static_config(https_host_port: int) -> str:
    """Entry points, file provider, ping; the HTTP entry point redirects to the published HTTPS port."""
    config = {
        "entryPoints": {
            "web": {
                "address": f":{TRAEFIK_HTTP_PORT}",
                "http": {
                    "redirections": {"entryPoint": {"to": f":{https_host_port}", "scheme": "https", "permanent": True}}
                },
            },
            "websecure": {"address": f":{TRAEFIK_HTTPS_PORT}"},
            "ping": {"address": ":8082"},
        },
        "ping": {"entryPoint": "ping"},
        "providers": {"file": {"directory": "/etc/traefik/dynamic", "watch": False}},
        "log": {"level": "INFO"},
        "accessLog": {"format": "json", "fields": {"headers": {"defaultMode": "drop"}}},
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
    }
    return yaml.safe_dump(config, sort_keys=False)


def traefik_dynamic_config(profile: OdooProfile) -> str:
    """Routers, the load balancer over both Odoo nodes with an active health check, retry, TLS."""
    servers = [{"url": f"http://{node}:{ODOO_HTTP_PORT}"} for node in ODOO_NODES]
    lp_servers = [{"url": f"http://{node}:{ODOO_LONGPOLLING_PORT}"} for node in ODOO_NODES]
    # a node that is down is checked every 250 ms, so it is back in rotation that soon after it serves again
    # (more often would pile stale checks into a frozen node's listen queue, which it must answer first)
    health = {"path": profile.health_path, "interval": "1s", "unhealthyInterval": "250ms", "timeout": "1s"}
    cert = {"certFile": "/etc/traefik/tls/cert.pem", "keyFile": "/etc/traefik/tls/key.pem"}
    config = {
        "http": {
            "routers": {
                "odoo": {
                    "rule": "PathPrefix(`/`)",
                    "entryPoints": ["websecure"],
                    "service": "odoo",
                    "middlewares": ["retry"],
                    "tls": {},
                },
                "odoo-longpolling": {
                    "rule": "PathPrefix(`/longpolling`) || PathPrefix(`/websocket`)",
                    "entryPoints": ["websecure"],
                    "service": "odoo-longpolling",
                    "tls": {},
                },
            },
            "middlewares": {"retry": {"retry": {"attempts": 3, "initialInterval": "100ms"}}},
            "services": {
                "odoo": {
                    "loadBalancer": {
                        "servers": servers,
                        "healthCheck": health,
                        "passHostHeader": True,
                        "serversTransport": "odoo",
                    }
                },
                "odoo-longpolling": {"loadBalancer": {"servers": lp_servers, "serversTransport": "odoo"}},
            },
            "serversTransports": {"odoo": {"forwardingTimeouts": {"dialTimeout": "1s"}}},
        },
        "tls": {
            "certificates": [cert],
            "stores": {"default": {"defaultCertificate": cert}},
            "options": {"default": {"minVersion": "VersionTLS12"}},
        },
    }
    return yaml.safe_dump(config, sort_keys=False)
