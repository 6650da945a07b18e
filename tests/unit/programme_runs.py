"""Fabricated run directories for the programme tests: real run directories (the runner's own report
writer, real checkers, SHA256SUMS), each from a hand-built history, dated where the test wants them.

`fabricate(root, "db-primary-kill", started, outage=2.0)` writes
`root/<UTC>-db-primary-kill-<n>/` (written elsewhere and moved in whole, so it is in no index until the
test records it): writers at 10 Hz, the primary killed at 10 s, writes failing for
`outage` seconds, so the RTO is about `outage`; `lost` acknowledged writes missing from the final
read make the rpo check warn (the kill can lose data); `lost` with `fault_on="odoo-1"` fails it (a
fault on an Odoo node cannot lose data).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness.core import history as h
from harness.drill.runner import scenario_evidence, write_report
from harness.files.tiers import load_tiers
from harness.scenario.model import Scenario, Step
from tests.unit.test_checkers import Rows, two_writers

STACK = {
    "odoo-1": {"image": "odoo-chaos/odoo:11.0", "image_id": "sha256:" + "4d" * 32, "version": "11.0"},
    "odoo-2": {"image": "odoo-chaos/odoo:11.0", "image_id": "sha256:" + "4d" * 32, "version": "11.0"},
    "pg-primary": {
        "image": "odoo-chaos/pg-seed:f8b2915234dbec27",
        "image_id": "sha256:" + "71" * 32,
        "version": "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)",
    },
    "redis": {"image": "odoo-chaos/redis:7", "image_id": "sha256:" + "9d" * 32, "version": "Redis server v=7.0.15"},
    "traefik": {"image": "odoo-chaos/traefik:3", "image_id": "sha256:" + "43" * 32, "version": "3.7.15"},
}
T0 = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)  # a Monday, 02:00 UTC

_counter = [0]


def history(outage: float, lost: int = 0, fault_on: str = "pg-primary", until: float = 30.0) -> list[h.Event]:
    rows = Rows()
    rows.probes(0.0)
    rows.inject(10.0, 10.05, target=fault_on, takes_effect="start")
    two_writers(rows, until, down=(10.05, 10.05 + outage))
    rows.stopped(until)
    kept = rows.acked[: len(rows.acked) - lost] if lost else rows.acked
    rows.final_read(until + 1, kept)
    return rows.events()


def fabricate(
    root: Path,
    scenario: str,
    started: datetime,
    outage: float = 2.0,
    *,
    lost: int = 0,
    fault_on: str = "pg-primary",
    tier: str = "tier-1",
    sign_key: Path | None = None,
) -> Path:
    _counter[0] += 1
    chosen = load_tiers()[tier]
    steps = (Step(10.0, "kill", fault_on),)
    record = Scenario(scenario, f"fabricated {scenario}", tier, 30.0, 1.0, ("business-write",), steps)
    target = root / f"{started:%Y%m%dT%H%M%SZ}-{scenario}-{_counter[0]:06d}"
    staging = Path(tempfile.mkdtemp(prefix=".staging-"))  # not under `root`: a runner that records every
    run_dir = staging / target.name  # run it writes records it in the staging index, never in the test's
    run_dir.mkdir()
    events = history(outage, lost, fault_on)
    (run_dir / "history.jsonl").write_text("".join(e.to_json() + "\n" for e in events))
    evidence = scenario_evidence(record, chosen) | {"versions.json": json.dumps(STACK, indent=2).encode()}
    run_id = f"{started:%Y%m%d-%H%M}-{_counter[0]:06d}"
    write_report(run_dir, record, chosen, events, run_id, h.iso(started), STACK, evidence, sign_key)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(run_dir, target)
    shutil.rmtree(staging)
    return target


def days(n: float) -> timedelta:
    return timedelta(days=n)
