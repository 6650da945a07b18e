"""Benchmark: point-in-time recovery of a generated database, copy and WAL replay timed apart.

For each size (default 100 MB and 1 GB) a fresh stack is brought up and a table of that size is
generated in the Odoo database; pgBackRest takes a full backup; then ~10 % of the rows are
updated (WAL to replay), the restore target is noted, more updates follow (WAL the restore must
not apply), and the segment is archived. Two restores to that target are timed:

- `empty volume`: pgBackRest restore into a fresh volume (every file copied), WAL replay to the
  target, neutralise, then a PostgreSQL started on it until it accepts a write -- the
  "restored and writable" figure the target (1 GB <= 60 s on 2 cores) is about;
- `in place`: the stack's own primary restored with --delta (only changed files copied), as the
  db-logical-corruption-pitr drill does.

    python bench/pitr.py [--sizes-mb 100 1000]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import psycopg

from harness.edge import engine, labels
from harness.edge.images import POSTGRES
from harness.stack import backup, db, restore, topology
from harness.stack.stack import Stack, StackConfig

ROW_BYTES = 560  # generated row: int + 512 characters, with tuple overhead


def generate(dsn: str, megabytes: int) -> tuple[int, float]:
    rows = megabytes * 1_000_000 // ROW_BYTES
    started = time.monotonic()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            # 16 different digests per row: hex text that lz4 shrinks by about half, like real rows,
            # not a repeated string that compresses to nothing
            "CREATE TABLE bench_ledger AS SELECT g AS id, "
            "(SELECT string_agg(md5(g::text || '-' || i::text), '') FROM generate_series(1, 16) AS i) AS body "
            "FROM generate_series(1, %s) AS g",
            (rows,),
        )
        conn.execute("ALTER TABLE bench_ledger ADD PRIMARY KEY (id)")
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    assert size is not None
    return int(size[0]), time.monotonic() - started


def churn(dsn: str, rows: int, fraction: float) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        step = max(1, int(rows * fraction / 20))
        for start in range(1, int(rows * fraction), step):  # 20 transactions: several commits to stop between
            conn.execute("UPDATE bench_ledger SET body = md5(body) WHERE id >= %s AND id < %s", (start, start + step))


def restore_to_empty(stack: Stack, target: datetime) -> dict[str, float]:
    volume = engine.create_volume(
        labels.object_name(stack.run_id, "bench-restore"), labels=labels.run_labels(stack.run_id)
    )
    started = time.monotonic()
    container = None
    try:
        restored = restore.restore_into(stack, volume.name, target, delta=False, archive=False)
        container = engine.create_container(
            engine.ContainerSpec(
                image=POSTGRES.tag,
                name=labels.object_name(stack.run_id, "bench-restored"),
                labels=labels.service_labels(stack.run_id, "bench-restored"),
                entrypoint=("postgres",),
                command=("-D", db.DATA_DIR, *restore.SCRATCH_SETTINGS),
                volumes={volume.name: (db.DATA_DIR, "rw")},
                user="postgres",
                network_disabled=True,
            )
        )
        restore.wait_writable(container)
        write = container.exec(
            ["psql", "-XAtc", "CREATE TABLE bench_written (x int); INSERT INTO bench_written VALUES (1)"]
        )
        assert write.exit_code == 0, write.output
        writable = time.monotonic() - started
        return {"copy": restored.copy_seconds, "replay": restored.replay_seconds, "writable": writable}
    finally:
        if container is not None:
            container.remove()
        volume.remove()


def one_size(megabytes: int) -> None:
    with Stack(StackConfig(build_images=False)) as stack:
        assert stack.endpoints is not None
        dsn = stack.endpoints.pg_dsn(topology.PG_PRIMARY)
        size, generated = generate(dsn, megabytes)
        rows = megabytes * 1_000_000 // ROW_BYTES
        started = time.monotonic()
        taken = backup.take(stack, "full")
        backed_up = time.monotonic() - started
        churn(dsn, rows, 0.05)
        time.sleep(0.5)
        target = datetime.now(UTC)
        time.sleep(0.5)
        churn(dsn, rows, 0.05)
        backup.wal_switch(stack, timeout=120)
        empty = restore_to_empty(stack, target)
        started = time.monotonic()
        in_place = restore.restore_in_place(stack, target)
        in_place_total = time.monotonic() - started
        print(
            f"{megabytes:>5} MB asked, database {size / 1e6:.0f} MB (generated in {generated:.0f}s); "
            f"full backup {backed_up:.1f}s ({taken.repository_bytes / 1e6:.0f} MB stored)\n"
            f"      empty volume: copy {empty['copy']:.1f}s, replay {empty['replay']:.1f}s, "
            f"restored and writable {empty['writable']:.1f}s\n"
            f"      in place (--delta): copy {in_place.copy_seconds:.1f}s, replay {in_place.replay_seconds:.1f}s, "
            f"primary writable {in_place_total:.1f}s",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    for megabytes in args.sizes_mb:
        one_size(megabytes)


if __name__ == "__main__":
    main()
