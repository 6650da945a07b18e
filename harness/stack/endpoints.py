"""What a running stack is called and reached by: its configuration and its endpoints (data only).

`StackConfig` is what `odoo-chaos up` was asked for; `Endpoints` are how the harness and a person
reach the stack once it is up (the HTTPS URL on 127.0.0.1, the database, the login, the CA to
trust, the PostgreSQL ports), saved in the run's state directory with mode 0600.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.edge import state
from harness.edge.images import DEFAULT_ODOO_IMAGE
from harness.edge.odoo_api import OdooClient
from harness.stack import topology
from harness.stack.patroni import HaSettings

LOOPBACK = "127.0.0.1"
READINESS_SEQ = 0  # the ledger row `up` writes; probes start at 1


@dataclass(frozen=True, slots=True)
class StackConfig:
    odoo_image: str = DEFAULT_ODOO_IMAGE
    odoo_health_path: str | None = None
    https_port: int | None = None  # None: a free port chosen at start
    http_port: int | None = None
    build_images: bool = True
    ha: str = "manual"  # how the database fails over: manual (by runbook) or patroni (automatic)
    patroni: HaSettings = field(default_factory=HaSettings)  # Patroni's timings and modes (ha=patroni)
    db_endpoint: str = "libpq"  # how Odoo finds the writable node: libpq multi-host, or haproxy (ha=patroni)
    odoo_addons: tuple[str, ...] = ()  # the team's addons folders (absolute host paths), after the harness's
    odoo_config: str | None = None  # the team's odoo.conf (host path); the harness's own keys are dropped
    install: tuple[str, ...] = ()  # the team's modules, installed into the database snapshot


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
        ca = Path(self.ca_file) if self.ca_file else None  # "": a target with a public certificate (system trust)
        return OdooClient(self.https_url, self.db, self.login, self.password, ca, timeout)

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
