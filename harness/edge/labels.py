"""Labels and names: how the harness marks, finds and refuses Docker objects.

Every container, network and volume the harness creates carries `odoo-chaos.run=<run id>`;
containers also carry `odoo-chaos.service=<service>`. Teardown and sweeps select by these labels
and nothing else, so objects without them are never touched.

A run id has one shape (`RUN_ID`: `20261123-1802-3fa9c1`, or `seed-<8 hex>-<6 hex>` for the
throwaway database that builds a snapshot). Ids are checked against it wherever they come in --
a label read from Docker, a CLI argument -- because they become paths (`~/.cache/odoo-chaos/runs/
<id>/`, removed with the run): a label `../../../../etc` must never reach `shutil.rmtree`.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
from datetime import UTC, datetime

from harness.core.errors import HarnessError

RUN = "odoo-chaos.run"
SERVICE = "odoo-chaos.service"
OWNER_PID = "odoo-chaos.owner-pid"
OWNER_HOST = "odoo-chaos.owner-host"
CREATED = "odoo-chaos.created"
IMAGE_HASH = "odoo-chaos.context-hash"
SEED_KEY = "odoo-chaos.seed-key"


RUN_ID = re.compile(r"(?:\d{8}-\d{4}|seed-[0-9a-f]{8})-[0-9a-f]{6}")
RUN_ID_EXAMPLE = "20261123-1813-e436dd"


def is_run_id(text: object) -> bool:
    """True when `text` has the shape of a run id this harness makes (and so is safe as a file name)."""
    return isinstance(text, str) and RUN_ID.fullmatch(text) is not None


def require_run_id(text: str, where: str = "run id") -> str:
    """`text` if it is a run id, else a one-line HarnessError."""
    if not is_run_id(text):
        shown = repr(text) if len(text) <= 60 else repr(text[:55]) + "..."
        raise HarnessError(
            f"{where}: {shown} is not a run id (they look like {RUN_ID_EXAMPLE}; `odoo-chaos status` lists them)"
        )
    return text


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
    leaves a detached stack behind (see harness.edge.state).
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
