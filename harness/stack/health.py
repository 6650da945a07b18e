"""Live health of a run's services, for `odoo-chaos status`: container state plus a cheap check.

PostgreSQL: whether it answers and is in recovery (`db.role_of`); Redis: `redis-cli ping`; Odoo: its HTTP
port answers the liveness path (static file, or /web/health on 16+) from inside the container;
Traefik: `traefik healthcheck` against its ping entry point; backup: the pgBackRest repository holds a backup.
Patroni mode: each PostgreSQL node also says whether it holds Patroni's leader lock; an etcd member
answers `etcdctl endpoint health`; HAProxy names the node it routes writes to.
"""

from __future__ import annotations

from typing import Any

from harness.edge import engine, labels
from harness.stack import db, patroni, topology
from harness.stack.handle import ServiceHandle


def _exec(container: ServiceHandle, command: list[str]) -> tuple[bool, str]:
    result = container.exec(command)
    return result.exit_code == 0, result.output.strip()


def check(service: str, container: ServiceHandle) -> tuple[bool, str]:
    if service in db.PG_NODES:
        current = db.role_of(container)
        if current == "down":
            return False, "not accepting connections"
        said = "standby (in recovery)" if current == "standby" else "primary (read-write)"
        lock = container.exec(list(patroni.LOCK_COMMAND))  # Patroni's leader lock, when this node runs Patroni
        if lock.exit_code == 0 and lock.output.strip().isdigit():
            said += ", Patroni leader" if lock.output.strip() == "200" else ", Patroni replica"
        return True, said
    if service == topology.REDIS:
        ok, output = _exec(container, ["redis-cli", "ping"])
        return ok and output == "PONG", output or "no answer"
    if service == topology.BACKUP:
        ok, output = _exec(container, ["pgbackrest", "--stanza=odoo", "--output=json", "info"])
        count = output.count('"label"') if ok else 0
        return count > 0, f"pgBackRest: {count} backup(s)" if count else "no backup in the repository yet"
    if service in topology.ODOO_NODES:
        ok, output = _exec(container, ["python3", "-c", _ODOO_LIVENESS])
        return ok, output or "no answer"
    if service in patroni.ETCD_MEMBERS:
        endpoint = f"--endpoints=localhost:{patroni.ETCD_CLIENT_PORT}"
        ok, output = _exec(container, ["etcdctl", endpoint, "endpoint", "health"])
        return ok, "etcd member healthy" if ok else (output.splitlines() or ["no answer"])[-1]
    if service == patroni.HAPROXY:
        ok, output = _exec(container, ["bash", "-c", _HAPROXY_STATS])
        leaders = [row[1] for row in (line.split(",") for line in output.splitlines()) if _routes_writes(row)]
        return bool(leaders), f"routes writes to {leaders[0]}" if leaders else "no leader behind it"
    if service == topology.TRAEFIK:
        ok, output = _exec(container, ["traefik", "healthcheck", "--configFile=/etc/traefik/traefik.yml"])
        return ok, "ping OK" if ok else (output.splitlines() or ["no answer"])[-1]
    return True, "running"


# HAProxy's stats as CSV from its own stats port (bash's /dev/tcp: the image has no HTTP client)
_HAPROXY_STATS = (
    f"exec 3<>/dev/tcp/127.0.0.1/{patroni.HAPROXY_STATS_PORT}; printf 'GET /;csv HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3"
)


def _routes_writes(row: list[str]) -> bool:
    """A stats row of the `primary` listener's server that is UP (CSV column 18 is the status)."""
    return len(row) > 17 and row[0] == "primary" and row[1] not in ("FRONTEND", "BACKEND") and row[17] == "UP"


_ODOO_LIVENESS = f"""
import urllib.request
for path in ({topology.STATIC_HEALTH_PATH!r}, {topology.MODERN_HEALTH_PATH!r}):
    try:
        with urllib.request.urlopen("http://127.0.0.1:{topology.ODOO_HTTP_PORT}" + path, timeout=2) as r:
            print("HTTP", r.status, path)
            raise SystemExit(0)
    except OSError:
        pass
print("HTTP port does not answer")
raise SystemExit(1)
"""


def service_health(run_id: str) -> list[dict[str, Any]]:
    rows = []
    for container in engine.containers(f"{labels.RUN}={run_id}"):
        service = container.labels.get(labels.SERVICE, "?")
        state = container.status
        if state != "running":
            rows.append({"service": service, "state": state, "healthy": False, "detail": ""})
            continue
        try:
            healthy, detail = check(service, container)
        except Exception as exc:  # a check that cannot run says so instead of crashing status
            healthy, detail = False, f"check failed: {exc}"
        rows.append({"service": service, "state": state, "healthy": healthy, "detail": detail})
    order = {name: i for i, name in enumerate(patroni.LAYOUT.names)}  # every service of every mode
    return sorted(rows, key=lambda r: order.get(str(r["service"]), 99))
