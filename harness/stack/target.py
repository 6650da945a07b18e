"""A deployment the harness did not create, reached as its target file says, and looked at without changing it.

`reach(target)` connects to the target's Docker engine (the local socket, `tcp://` with TLS client
certificates, or `ssh://`), lists its containers and resolves the file's allow-list with
`target_shape.match`: each service is then exactly one container, found by name or by its one
label. `TargetDeployment.service(name)` hands out only those containers; any other name is refused,
naming the allow-list. `look()` is what `status --target` prints: each service's container, state
and image, whether Odoo answers at its URL and takes the login (the password read from the
variable the file names), and which PostgreSQL node is the primary (`psql` inside a node's
container, or the DSN in the variable the file names). Nothing is started, stopped or written.

This is the first part of a target as a `StackHandle` (issue 18, part 2): `service`, `services`,
`inventory` and `serving` are the protocol's; driving drills on it (probes on `res.partner`,
faults through the engine) builds on them.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError
from harness.edge import engine
from harness.edge.business_rows import BusinessRows, parse_seqs
from harness.edge.credentials import Credentials
from harness.edge.odoo_api import OdooClient
from harness.files.target import Target
from harness.stack.endpoints import Endpoints
from harness.stack.target_shape import KIND, Listed, layout_of, match
from harness.stack.topology import Layout

PG_SERVICES = ("pg-primary", "pg-standby")
ROLE_SQL = "SELECT CASE WHEN pg_is_in_recovery() THEN 'standby' ELSE 'primary' END"


@dataclass(frozen=True, slots=True)
class ServiceLook:
    service: str
    container: str
    short_id: str
    status: str
    image: str
    zone: str | None
    role: str | None = None  # PostgreSQL nodes: primary or standby, when it could be asked


@dataclass(frozen=True, slots=True)
class Look:
    """What `status --target` saw, each figure read from the target just now."""

    target: str
    engine: str
    engine_version: str
    services: tuple[ServiceLook, ...]
    odoo_url: str
    odoo_version: str | None
    odoo_uid: int | None
    odoo_problem: str | None
    database: str  # how the PostgreSQL roles were read, or why they could not be

    @property
    def healthy(self) -> bool:
        running = all(s.status == "running" for s in self.services)
        return running and self.odoo_uid is not None

    def lines(self) -> list[str]:
        out = [f"target {self.target}: Docker engine {self.engine} (Docker {self.engine_version})"]
        for s in self.services:
            zone = f", {s.zone}" if s.zone else ""
            role = f", {s.role}" if s.role else ""
            out.append(f"  {s.service:<11} {s.container} ({s.short_id}) {s.status}{role}{zone}, image {s.image}")
        if self.odoo_uid is not None:
            out.append(f"Odoo at {self.odoo_url}: {self.odoo_version}, login ok (uid {self.odoo_uid})")
        else:
            out.append(f"Odoo at {self.odoo_url}: {self.odoo_problem}")
        out.append(f"PostgreSQL: {self.database}")
        out.append("nothing was changed on the target")
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "engine": self.engine,
            "engine_version": self.engine_version,
            "healthy": self.healthy,
            "services": [
                {
                    "service": s.service,
                    "container": s.container,
                    "id": s.short_id,
                    "status": s.status,
                    "image": s.image,
                    "zone": s.zone,
                    "role": s.role,
                }
                for s in self.services
            ],
            "odoo": {
                "url": self.odoo_url,
                "version": self.odoo_version,
                "uid": self.odoo_uid,
                "problem": self.odoo_problem,
            },
            "postgresql": self.database,
        }


def secret(target: Target, variable: str, what: str) -> str:
    value = os.environ.get(variable)
    if not value:
        raise HarnessError(f"target {target.name}: ${variable} is not set: export {what} in it ({target.source})")
    return value


class TargetDeployment:
    """A target's engine and its allow-listed containers: the only ones the harness may touch."""

    def __init__(self, target: Target, connection: engine.Engine, found: dict[str, Listed]) -> None:
        self.target = target
        self._engine = connection
        self._found = found

    @property
    def mode(self) -> str:
        return "target"

    def services(self) -> tuple[str, ...]:
        return tuple(self._found)

    def service(self, name: str) -> engine.Container:
        """The container playing `name`; anything the file does not map is refused by name."""
        listed = self._found.get(name)
        if listed is None:
            raise HarnessError(
                f"{name} is not in target {self.target.name}'s allow-list ({', '.join(self._found)}); the harness "
                "acts only on the containers its file names"
            )
        return self._engine.container(listed.id)

    def inventory(self) -> dict[str, dict[str, str]]:
        return {s: {"container": c.name, "image": c.image, "image_id": c.id[:12]} for s, c in self._found.items()}

    def odoo_client(self, timeout: float = 10.0) -> OdooClient:
        t = self.target
        password = secret(t, t.odoo_password_env, f"the Odoo password of {t.odoo_login}")
        ca = Path(t.odoo_ca_file) if t.odoo_ca_file else None
        return OdooClient(t.odoo_url, t.odoo_database, t.odoo_login, password, ca, timeout)

    def serving(self) -> bool:
        try:
            self.odoo_client().authenticate()
        except Exception:
            return False
        return True

    def pg_role(self, service: str) -> str:
        """`primary` or `standby`, asked with psql inside the node's container (read only)."""
        text = self.psql(service, ROLE_SQL, database="postgres")
        if text not in ("primary", "standby"):
            raise HarnessError(f"psql in {self._found[service].name}: {text[:200] or 'no answer'}")
        return text

    def psql(self, service: str, sql: str, database: str | None = None) -> str:
        """One statement with psql inside the node's container, as postgres; its unaligned output."""
        dbname = database or self.target.odoo_database
        done = self.service(service).exec(["psql", "-U", "postgres", "-d", dbname, "-XtAc", sql], user="postgres")
        text = done.output.strip()
        if done.exit_code != 0:
            last = text.splitlines()[-1] if text else f"exit {done.exit_code}"
            raise HarnessError(f"psql in {self._found[service].name}: {last[:200]}")
        return text

    def seqs(
        self, rows: BusinessRows, run_id: str, seq_base: int = 1, service: str = "pg-primary"
    ) -> tuple[list[int], list[int]]:
        """This run's business sequence numbers on a PostgreSQL node, and those stored twice, the way the target
        file says: psql in the node's container, or (for the primary) the DSN in the variable it names."""
        sql = rows.sql_seqs(run_id, seq_base)
        how, value = self.target.final_read
        if how == "dsn_env" and service == "pg-primary":
            import psycopg

            dsn = secret(self.target, value, "a PostgreSQL DSN of the primary")
            with psycopg.connect(dsn, connect_timeout=5) as conn:
                found = conn.execute(sql).fetchall()
            return parse_seqs("\n".join(f"{a}|{b}" for a, b in found), seq_base)
        return parse_seqs(self.psql(service, sql), seq_base)

    def look(self) -> Look:
        roles: dict[str, str] = {}
        how, value = self.target.final_read
        if how == "psql_in":
            asked = [s for s in PG_SERVICES if s in self._found]
            problems = []
            for service in asked:
                try:
                    roles[service] = self.pg_role(service)
                except HarnessError as exc:
                    problems.append(str(exc))
            said = ", ".join(f"{s} is the {r}" for s, r in roles.items())
            database = f"{said} (psql inside each node's container)" if said else "no node answered"
            if problems:
                database += "; " + "; ".join(problems)
            primaries = [s for s, r in roles.items() if r == "primary"]
            if len(primaries) > 1:
                database += "; TWO PRIMARIES: " + ", ".join(primaries)
        else:
            database = self._dsn_role(value)
        services = []
        for service, listed in self._found.items():
            container = self._engine.container(listed.id)
            spec = next(s for s in self.target.services if s.name == service)
            services.append(
                ServiceLook(
                    service, listed.name, container.short_id, container.status, listed.image, spec.zone,
                    roles.get(service),
                )
            )
        version: str | None = None
        uid: int | None = None
        problem: str | None = None
        try:
            client = self.odoo_client()
            version = f"Odoo {client.version().get('server_version', '?')}"
            uid = client.authenticate()
        except HarnessError:
            raise
        except Exception as exc:  # what the user must fix, in one line
            problem = " ".join(f"{type(exc).__name__}: {exc}".split())[:240]
        return Look(
            self.target.name,
            self._engine.host,
            self._engine.version(),
            tuple(services),
            self.target.odoo_url,
            version,
            uid,
            problem,
            database,
        )

    def _dsn_role(self, variable: str) -> str:
        import psycopg

        dsn = secret(self.target, variable, "a PostgreSQL DSN of the primary")
        try:
            with psycopg.connect(dsn, connect_timeout=5) as conn:
                row = conn.execute(ROLE_SQL).fetchone()
        except psycopg.Error as exc:
            return f"the DSN in ${variable} does not connect ({' '.join(str(exc).split())[:160]})"
        return f"the DSN in ${variable} reaches a {row[0] if row else '?'}"

    def close(self) -> None:
        self._engine.close()


def reach(target: Target) -> TargetDeployment:
    """Connect to the target's engine and resolve its allow-list; one line naming what is wrong otherwise."""
    connection = engine.connect(target.engine_host, target.tls, f"target {target.name}'s engine ({target.source})")
    try:
        listed = [Listed(*row) for row in connection.listed()]
        found = match(target, listed)
    except BaseException:
        connection.close()
        raise
    return TargetDeployment(target, connection, found)


class TargetStack:
    """A target as the runner drives it: the `StackHandle` of a deployment the harness did not create.

    It has none of the capability protocols (`target_shape`): its faults are the engine's container
    operations on allow-listed containers. Its endpoints are the target's Odoo URL and login (no
    PostgreSQL ports: the final read asks each node with psql inside it, `NodeSql`); its business
    rows are chosen when it starts (`rows_for`), and `down()` removes only what the run wrote there
    (tagged partner rows) and closes the engine connection; nothing of the deployment is stopped.
    """

    def __init__(self, deployment: TargetDeployment, run_id: str, progress: Any = None) -> None:
        from harness.edge.business_rows import LEDGER, safe_run_id

        self.deployment = deployment
        self._run_id = safe_run_id(run_id)
        self._endpoints: Endpoints | None = None
        self.rows: BusinessRows = LEDGER
        self._progress = progress or (lambda _: None)
        self._credentials = Credentials(odoo_login=deployment.target.odoo_login)
        self.timings: dict[str, float] = {}

    @property
    def run_id(self) -> str:
        return self._run_id

    @property
    def mode(self) -> str:
        return KIND

    @property
    def description(self) -> str:
        t = self.deployment.target
        about = f": {t.description}" if t.description else ""
        return f"target {t.name} ({t.source}){about}, Docker engine {t.engine_host}"

    @property
    def layout(self) -> Layout:
        return layout_of(self.deployment.target)

    @property
    def automatic_failover(self) -> bool:
        return False  # not known; drills that need either are refused on a target (`target_plan.check`)

    @property
    def endpoints(self) -> Endpoints | None:
        return self._endpoints

    @property
    def credentials(self) -> Credentials:
        return self._credentials

    def service(self, name: str) -> engine.Container:
        return self.deployment.service(name)

    def services(self) -> tuple[str, ...]:
        return self.deployment.services()

    def pg_role(self, service: str) -> str:
        return self.deployment.pg_role(service)

    def seqs(
        self, rows: BusinessRows, run_id: str, seq_base: int = 1, service: str = "pg-primary"
    ) -> tuple[list[int], list[int]]:
        return self.deployment.seqs(rows, run_id, seq_base, service)

    def start(self) -> Endpoints:
        from harness.edge.business_rows import PARTNERS, rows_for, tag_of

        t = self.deployment.target
        client = self.deployment.odoo_client()
        client.authenticate()
        self.rows = rows_for(client)
        tagged = f" rows tagged ref={tag_of(self._run_id)}<seq>, removed after the run" if self.rows is PARTNERS else ""
        self._progress(f"target {t.name}: business writes go to {self.rows.model}{tagged}")
        self._endpoints = Endpoints(
            run_id=self._run_id,
            https_url=t.odoo_url,
            http_url=t.odoo_url,
            db=t.odoo_database,
            login=t.odoo_login,
            password=client.password,
            ca_file=t.odoo_ca_file or "",
            pg_primary_port=0,
            pg_standby_port=0,
            postgres_password="",
        )
        return self._endpoints

    def first_seq(self) -> int:
        """The run's first business sequence number: 1 for its own tagged rows; after the ledger's last one."""
        from harness.edge.business_rows import LEDGER

        if self.rows is not LEDGER:
            return 1
        top = self.deployment.psql("pg-primary", "SELECT coalesce(max(seq), 0) + 1 FROM chaos_ledger_entry")
        return int(top or 1)

    def down(self) -> float:
        started = time.monotonic()
        try:
            if self._endpoints is not None:
                removed = self.rows.remove(self.deployment.odoo_client(timeout=60.0), self._run_id)
                if removed:
                    self._progress(f"removed this run's {removed} {self.rows.model} rows from the target")
        finally:
            self.deployment.close()
        self.timings["down"] = time.monotonic() - started
        return self.timings["down"]

    def inventory(self) -> dict[str, dict[str, str]]:
        return self.deployment.inventory()

    def serving(self) -> bool:
        return self.deployment.serving()
