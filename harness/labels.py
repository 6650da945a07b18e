"""Labels and names: how the harness marks, finds and refuses Docker objects.

Every container, network and volume the harness creates carries `odoo-chaos.run=<run id>`;
containers also carry `odoo-chaos.service=<service>`. Teardown and sweeps select by these labels
and nothing else, so objects without them are never touched.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import UTC, datetime

RUN = "odoo-chaos.run"
SERVICE = "odoo-chaos.service"
OWNER_PID = "odoo-chaos.owner-pid"
OWNER_HOST = "odoo-chaos.owner-host"
CREATED = "odoo-chaos.created"
IMAGE_HASH = "odoo-chaos.context-hash"
SEED_KEY = "odoo-chaos.seed-key"


def new_run_id(now: datetime | None = None) -> str:
    """A short, sortable, unique run id such as `20261123-1802-3fa9c1`."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M")
    return f"{stamp}-{secrets.token_hex(3)}"


def object_name(run_id: str, name: str) -> str:
    """Docker-wide unique name of one of a run's objects (`oc-<run>-<name>`)."""
    return f"oc-{run_id}-{name}"


def run_labels(run_id: str) -> dict[str, str]:
    """Labels every object of the run carries, with the process that created it."""
    return {
        RUN: run_id,
        OWNER_PID: str(os.getpid()),
        OWNER_HOST: socket.gethostname(),
        CREATED: datetime.now(UTC).isoformat(timespec="seconds"),
    }


def service_labels(run_id: str, service: str) -> dict[str, str]:
    return {**run_labels(run_id), SERVICE: service}


def owner_is_gone(labels: dict[str, str]) -> bool:
    """True when the process that created a run has ended (on this host).

    Whether that makes the run dead is the caller's call: `odoo-chaos up` ends on purpose and
    leaves a detached stack behind (see harness.state).
    """
    pid = labels.get(OWNER_PID, "")
    if not pid or labels.get(OWNER_HOST) != socket.gethostname():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, ValueError):
        return False
    return False
