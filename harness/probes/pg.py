"""Direct PostgreSQL access for probes: the current primary through libpq multi-host.

`host=127.0.0.1,127.0.0.1 port=<primary>,<standby> target_session_attrs=read-write` connects to
whichever published node accepts writes, the same rule Odoo uses, so after a promotion the
probes follow the new primary without being told.
"""

from __future__ import annotations

import contextlib
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


class PrimaryConnection:
    """One kept-alive connection to the current primary; dropped on any error, reopened on next use."""

    def __init__(self, endpoints: Endpoints, timeout: float, setup: str | None = None) -> None:
        self.endpoints = endpoints
        self.timeout = timeout
        self.setup = setup
        self._conn: psycopg.Connection[Any] | None = None

    def get(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = connect_primary(self.endpoints, self.timeout)
            if self.setup:
                self._conn.execute(self.setup)
        return self._conn

    def node(self) -> str:
        return node_of(self.get(), self.endpoints)

    def drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
