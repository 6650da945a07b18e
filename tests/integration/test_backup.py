"""The backup repository against the real stack: the `backup` commands, and point-in-time recovery
calibrated against rows whose commit times are known (the true answer is counted, not estimated).
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime

import psycopg
from typer.testing import CliRunner

from harness.cli import app
from harness.stack import db, restore, topology
from harness.stack.stack import Stack

MARKERS = 40


def test_backup_commands_list_take_and_verify(stack: Stack) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["backup", "list", stack.run_id])
    assert listed.exit_code == 0, listed.output
    assert "status ok" in listed.output and " full " in listed.output
    taken = runner.invoke(app, ["backup", "run", stack.run_id, "--type", "incr"])
    assert taken.exit_code == 0, taken.output
    assert "(incr)" in taken.output
    verified = runner.invoke(app, ["backup", "verify", stack.run_id])
    assert verified.exit_code == 0, verified.output
    assert "business_read" in verified.output and "neutralised" in verified.output
    assert "attachments_in_a_filestore 0" in verified.output  # attachments travel inside the database backup
    retention = runner.invoke(app, ["backup", "retention", stack.run_id])
    assert retention.exit_code == 1  # a fresh repository holds today's backups only: the promise is not kept
    assert "NOT satisfied" in retention.output and "simulated" not in retention.output
    bad = subprocess.run(
        [sys.executable, "-m", "harness", "backup", "run", stack.run_id, "--type", "weekly"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == "odoo-chaos: error: --type: 'weekly' is not a backup type (full, diff, incr)"


def test_pitr_lands_between_two_known_commits(stack: Stack) -> None:
    """40 rows committed 50 ms apart; restoring to a moment between the 20th and the 21st must keep
    exactly the first 20 (the true size of what the restore should discard is known: 20 rows)."""
    assert stack.endpoints is not None
    with psycopg.connect(stack.endpoints.pg_dsn(topology.PG_PRIMARY), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS calibration_marker (n int PRIMARY KEY, run text NOT NULL)")
        conn.execute("DELETE FROM calibration_marker")
        bounds = []
        for n in range(1, MARKERS + 1):
            before = conn.execute("SELECT extract(epoch FROM clock_timestamp())").fetchone()
            conn.execute("INSERT INTO calibration_marker VALUES (%s, %s)", (n, stack.run_id))
            after = conn.execute("SELECT extract(epoch FROM clock_timestamp())").fetchone()
            assert before is not None and after is not None
            bounds.append((float(before[0]), float(after[0])))  # the commit lies between the two
            time.sleep(0.05)
    half = MARKERS // 2
    target = (bounds[half - 1][1] + bounds[half][0]) / 2  # after the 20th commit, before the 21st insert
    restored = restore.restore_in_place(stack, datetime.fromtimestamp(target, UTC))
    print(
        f"PITR: copy {restored.copy_seconds:.2f}s, replay {restored.replay_seconds:.2f}s; "
        f"{restored.stopped}; neutralised {restored.neutralised}"
    )
    with psycopg.connect(stack.endpoints.pg_dsn(topology.PG_PRIMARY), autocommit=True) as conn:
        kept = [int(r[0]) for r in conn.execute("SELECT n FROM calibration_marker ORDER BY n")]
        crons = conn.execute("SELECT count(*) FROM ir_cron WHERE active").fetchone()
        auto_conf = conn.execute("SELECT count(*) FROM pg_file_settings WHERE name LIKE 'recovery_target%'").fetchone()
    assert kept == list(range(1, half + 1))
    assert crons == (0,)  # neutralised before anything could connect
    assert auto_conf == (0,)  # the restore target is gone: a standby cloned from here will not stop at it
    assert "recovery stopping before commit" in restored.stopped
    rejoin = db.follow(stack, topology.PG_STANDBY, topology.PG_PRIMARY)
    print(f"pg-standby rejoined by {rejoin.method} in {rejoin.seconds:.1f}s")
    assert db.streaming_to(stack, topology.PG_PRIMARY, topology.PG_STANDBY)
