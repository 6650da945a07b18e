"""Direct PostgreSQL access for probes: the current primary through libpq multi-host.

`host=127.0.0.1,127.0.0.1 port=<primary>,<standby> target_session_attrs=read-write` connects to
whichever published node accepts writes, the same rule Odoo uses, so after a promotion the
probes follow the new primary without being told.
"""

from __future__ import annotations

from typing import Any

import psycopg

from harness.stack import topology
from harness.stack.stack import Endpoints


def primary_dsn(endpoints: Endpoints, timeout: float = 1.0) -> str:
    return (
        f"host=127.0.0.1,127.0.0.1 port={endpoints.pg_primary_port},{endpoints.pg_standby_port} "
        f"dbname={topology.DB_NAME} user=postgres password={endpoints.postgres_password} "
        f"target_session_attrs=read-write connect_timeout={max(1, round(timeout))}"
    )


def connect_primary(endpoints: Endpoints, timeout: float = 1.0) -> psycopg.Connection[Any]:
    conn = psycopg.connect(primary_dsn(endpoints, timeout), autocommit=True)
    conn.execute(f"SET statement_timeout = {int(timeout * 1000)}")
    return conn


def node_of(conn: psycopg.Connection[Any], endpoints: Endpoints) -> str:
    port = conn.info.port
    return topology.PG_PRIMARY if port == endpoints.pg_primary_port else topology.PG_STANDBY
