"""When the reference stack counts as up: a business write through the front door, replicated, and backed up.

`up` returns only when a business write through Traefik -> Odoo -> PostgreSQL was acknowledged,
the row is visible on the standby, and the backup repository holds a full backup. Before Odoo
starts, this run's Odoo admin password is written into the database as a PBKDF2-SHA512 hash.
A readiness timeout names the first service that stopped, with its last log line.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import psycopg

from harness.core.clock import poll_until
from harness.core.errors import HarnessError, StackNotReady
from harness.core.progress import Progress
from harness.edge.credentials import pbkdf2_sha512_hash
from harness.stack import backup, topology
from harness.stack.endpoints import LOOPBACK, READINESS_SEQ, Endpoints

if TYPE_CHECKING:
    from harness.edge.credentials import Credentials
    from harness.stack.handle import StackHandle

READY_TIMEOUT = 180.0


def set_odoo_admin_password(credentials: Credentials, primary_port: int) -> None:
    """This run's Odoo admin password, written as a PBKDF2-SHA512 hash before Odoo starts."""
    dsn = (
        f"host={LOOPBACK} port={primary_port} dbname={topology.DB_NAME} user=postgres "
        f"password={credentials.postgres_password} connect_timeout=2"
    )

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(dsn, autocommit=True)

    conn = poll_until(connect, timeout=READY_TIMEOUT, what="pg-primary", on_timeout=StackNotReady)
    hashed = pbkdf2_sha512_hash(credentials.odoo_admin_password)
    with conn:
        has_crypt = conn.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'res_users' AND column_name = 'password_crypt'"
        ).fetchone()
        if has_crypt:  # Odoo 11 with auth_crypt
            conn.execute(
                "UPDATE res_users SET password = '', password_crypt = %s WHERE login = %s",
                (hashed, credentials.odoo_login),
            )
        else:
            conn.execute("UPDATE res_users SET password = %s WHERE login = %s", (hashed, credentials.odoo_login))


def wait_until_ready(stack: StackHandle, endpoints: Endpoints, progress: Progress) -> float:
    """Wait for a business write end to end, its row on the standby, and the first full backup.

    Returns the seconds the first backup took."""
    client = endpoints.odoo_client(timeout=5.0)
    progress("waiting for a business write through Traefik -> Odoo -> PostgreSQL")

    def business_write() -> int:
        existing = client.execute("chaos.ledger.entry", "search", [("seq", "=", READINESS_SEQ)])
        if existing:
            return int(existing[0])
        return client.write_ledger(READINESS_SEQ, "readiness", f"up {stack.run_id}")

    row_id = poll_until(
        business_write,
        timeout=READY_TIMEOUT,
        what="business write via Traefik",
        on_timeout=lambda m: StackNotReady(explain(stack, m)),
    )
    progress("waiting for the row on the standby")

    def on_standby() -> bool:
        with psycopg.connect(endpoints.pg_dsn(topology.PG_STANDBY)) as conn:
            return conn.execute("SELECT 1 FROM chaos_ledger_entry WHERE id = %s", (row_id,)).fetchone() is not None

    poll_until(on_standby, timeout=60, what="replicated row on pg-standby", on_timeout=StackNotReady)
    progress("taking the first full backup (pgBackRest) into the backup repository")
    started = time.monotonic()
    try:
        backup.take(stack, "full")
    except HarnessError as exc:
        raise StackNotReady(f"first full backup: {exc}") from None
    return time.monotonic() - started


def explain(stack: StackHandle, message: str) -> str:
    """Add what the containers say to a readiness timeout: the first stopped service's last line."""
    for service in stack.services():
        node = stack.service(service)
        if node.status != "running":
            last = node.last_lines(3)
            return f"{message}; {service} is {node.status}: {last[-1] if last else 'no output'}"
    return message
