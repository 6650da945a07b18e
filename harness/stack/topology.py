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


STATIC_HEALTH_PATH = "/web/static/src/img/favicon.ico"  # served without DB or Redis (liveness)
MODERN_HEALTH_PATH = "/web/health"  # Odoo 15+: answers without touching the database


@dataclass(frozen=True, slots=True)
class OdooProfile:
    """How to run one Odoo image: the stack never depends on 11-only behaviour beyond this."""

    image: str
    health_path: str = STATIC_HEALTH_PATH
    longpolling_flag: str = "--longpolling-port"
    workers: int = 2

    @staticmethod
    def for_image(image: str, health_path: str | None = None) -> OdooProfile:
        """Odoo 16+ calls the longpolling port the gevent port and has /web/health."""
        tag = image.rsplit(":", 1)[-1] if ":" in image else ""
        major = int(tag.split(".")[0]) if tag.split(".")[0].isdigit() else 11
        if major >= 16:
            return OdooProfile(image, health_path or MODERN_HEALTH_PATH, "--gevent-port")
        return OdooProfile(image, health_path or STATIC_HEALTH_PATH)


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


def addons_path(release: str | None = None) -> str:
    """Odoo's addons path: a release's directory first (Odoo takes a module from the first path holding it)."""
    return f"{RELEASE_MOUNT},{ADDONS_MOUNT}" if release else ADDONS_MOUNT


def odoo_server_args(
    profile: OdooProfile, release: str | None = None, db_host: str | None = None, db_port: int = PG_PORT
) -> list[str]:
    """Odoo's command line; `db_host`/`db_port`: where it finds the database (libpq multi-host by default)."""
    return [
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
        f"--addons-path={addons_path(release)}",
        f"--load={SERVER_WIDE_MODULES}",
        "--proxy-mode",
        "--limit-time-real=120",
        "--log-level=info",
    ]


def odoo_seed_args(modules: str, db_host: str) -> list[str]:
    return [
        f"--db_host={db_host}",
        f"--db_port={PG_PORT}",
        "--db_user=odoo",
        f"--database={DB_NAME}",
        f"--init={modules}",
        "--without-demo=all",
        "--stop-after-init",
        "--max-cron-threads=0",
        f"--addons-path={ADDONS_MOUNT}",
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
