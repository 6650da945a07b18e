"""The nightly proof that backups restore: the latest backup in a throwaway PostgreSQL + Odoo pair.

`scratch_restore` restores the latest backup (and all archived WAL) into a fresh volume, starts a
PostgreSQL and an Odoo on their own internal network (they cannot reach the live stack's Redis or
database, and the repository is mounted read-only), verifies the ledger, the attachments and a
business read through Odoo, and removes them whatever happened.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from harness.core.errors import HarnessError
from harness.core.progress import Progress, quiet
from harness.edge import engine, labels
from harness.edge.images import COMPOSE, POSTGRES
from harness.stack import db, topology
from harness.stack import odoo_image as look_inside
from harness.stack.backup import attachments, info, ledger
from harness.stack.handle import OdooFleet, StackHandle, capable
from harness.stack.restore import SCRATCH_SETTINGS, Restore, mounts, restore_into, wait_writable


@dataclass(frozen=True, slots=True)
class Verification:
    backup: str
    restore: Restore
    ledger_rows: int
    ledger_max_seq: int
    business_read: int  # ledger entries Odoo on the restored copy counted
    seconds: float
    attachments: dict[str, int] = field(default_factory=dict)

    def as_value(self) -> dict[str, Any]:
        return {
            "backup": self.backup,
            **self.restore.as_value(),
            "ledger_rows": self.ledger_rows,
            "ledger_max_seq": self.ledger_max_seq,
            "business_read": self.business_read,
            "scratch_seconds": round(self.seconds, 3),
            **self.attachments,
        }


_BUSINESS_READ = """
import sys, xmlrpc.client
url = "http://127.0.0.1:8069/xmlrpc/2/"
db, login, password = sys.argv[1:4]
for _ in range(600):
    try:
        uid = xmlrpc.client.ServerProxy(url + "common").authenticate(db, login, password, {})
        break
    except Exception:
        import time; time.sleep(0.2)
else:
    raise SystemExit("Odoo on the restored copy never answered")
models = xmlrpc.client.ServerProxy(url + "object")
print(models.execute_kw(db, uid, password, "chaos.ledger.entry", "search_count", [[]]))
"""


def scratch_restore(stack: StackHandle, progress: Progress = quiet, odoo_image: str | None = None) -> Verification:
    """Restore the latest backup (and all archived WAL) into a scratch PostgreSQL + Odoo and verify it.

    The scratch pair sits on its own internal network (it cannot reach the live stack's Redis or
    database), mounts the repository read-only (it can never archive into it) and is removed
    afterwards, whatever happened.
    """
    started = time.monotonic()
    run_labels = labels.run_labels(stack.run_id)
    suffix = str(time.monotonic_ns())[-6:]
    backups = info(stack).backups
    if not backups:
        raise HarnessError("the repository holds no backup to restore; take one with `odoo-chaos backup run`")
    network = engine.create_network(
        labels.object_name(stack.run_id, f"scratch-{suffix}"), internal=True, labels=run_labels
    )
    volume = engine.create_volume(labels.object_name(stack.run_id, f"scratch-data-{suffix}"), labels=run_labels).name
    created: list[engine.Container] = []
    try:
        progress(f"restoring backup {backups[-1].label} and the archived WAL into a scratch volume")
        restored = restore_into(stack, volume, None, delta=False, archive=False)
        pg = engine.create_container(
            engine.ContainerSpec(
                image=POSTGRES.tag,
                name=labels.object_name(stack.run_id, f"scratch-pg-{suffix}"),
                labels=labels.service_labels(stack.run_id, "scratch-pg"),
                networks=((network, ("scratch-pg",), None),),
                entrypoint=("postgres",),
                command=("-D", db.DATA_DIR, *SCRATCH_SETTINGS),
                volumes=mounts(stack, volume, archive=False),
                user="postgres",
            )
        )
        created.append(pg)
        wait_writable(pg)
        rows, top = ledger(pg)
        files = attachments(pg)
        copy, replay = restored.copy_seconds, restored.replay_seconds
        progress(f"scratch copy up (copy {copy:.1f}s, replay {replay:.1f}s): {rows} ledger rows; reading via Odoo")
        image = odoo_image or capable(stack, OdooFleet).odoo_image
        checked = look_inside.check(image, stack.run_id)
        profile = topology.OdooProfile.for_version(image, checked.version, checked.command)
        dropped = ("--db_host", "--workers", "--load", "--max-cron")
        args = [a for a in topology.odoo_server_args(profile) if not a.startswith(dropped)]
        odoo = engine.create_container(
            engine.ContainerSpec(
                image=profile.image,
                name=labels.object_name(stack.run_id, f"scratch-odoo-{suffix}"),
                labels=labels.service_labels(stack.run_id, "scratch-odoo"),
                networks=((network, (), None),),
                entrypoint=(profile.command,),
                command=(*args, "--db_host=scratch-pg", "--workers=0", "--max-cron-threads=0", "--load=base,web"),
                environment={"PGPASSWORD": stack.credentials.odoo_db_password, "PGCONNECT_TIMEOUT": "2"},
                volumes={str(COMPOSE / "addons"): (topology.ADDONS_MOUNT, "ro")},
                fast_resolver=False,
            )
        )
        created.append(odoo)
        assert stack.endpoints is not None
        result = odoo.exec(
            ["python3", "-c", _BUSINESS_READ, topology.DB_NAME, stack.endpoints.login, stack.endpoints.password]
        )
        output = result.output.strip()
        if result.exit_code != 0:
            last = output.splitlines()[-1] if output else "no output"
            raise HarnessError(f"business read on the restored copy failed: {last}")
        read = int(output.splitlines()[-1])
        return Verification(backups[-1].label, restored, rows, top, read, time.monotonic() - started, files)
    finally:
        for container in created:
            with engine.quietly():
                container.remove()
        with engine.quietly():
            network.remove()
        with engine.quietly():
            engine.volume(volume).remove()
