"""Live health of a run's services, for `odoo-chaos status`: container state plus a cheap check.

PostgreSQL: whether it answers and is in recovery (`db.role_of`); Redis: `redis-cli ping`; Odoo: its HTTP
port answers the liveness path (static file, or /web/health on 16+) from inside the container;
Traefik: `traefik healthcheck` against its ping entry point; backup: the pgBackRest repository holds a backup.
"""

from __future__ import annotations

from typing import Any

from harness import engine, labels
from harness.stack import db, topology
from harness.stack.handle import ServiceHandle


def _exec(container: ServiceHandle, command: list[str]) -> tuple[bool, str]:
    result = container.exec(command)
    return result.exit_code == 0, result.output.strip()


def check(service: str, container: ServiceHandle) -> tuple[bool, str]:
    if service in db.PG_NODES:
        current = db.role_of(container)
        if current == "down":
            return False, "not accepting connections"
        return True, "standby (in recovery)" if current == "standby" else "primary (read-write)"
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
    if service == topology.TRAEFIK:
        ok, output = _exec(container, ["traefik", "healthcheck", "--configFile=/etc/traefik/traefik.yml"])
        return ok, "ping OK" if ok else (output.splitlines() or ["no answer"])[-1]
    return True, "running"


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
    order = {name: i for i, name in enumerate(topology.SERVICE_NAMES)}
    return sorted(rows, key=lambda r: order.get(str(r["service"]), 99))
