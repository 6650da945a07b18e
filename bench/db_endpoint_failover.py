"""Benchmark: how Odoo finds the new primary after a failover with the libpq multi-host endpoint.

Odoo's `db_host` is `pg-primary,pg-standby` with `PGTARGETSESSIONATTRS=read-write`: libpq tries
each host and keeps the one that accepts writes. This script writes through Traefik at ~10 Hz,
SIGKILLs pg-primary, promotes pg-standby with `pg_promote()` at once, and prints how long after
the kill the first business write succeeded again, with no Odoo restart or config change.

    python bench/db_endpoint_failover.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from harness.stack import topology
from harness.stack.stack import Stack, StackConfig


def one_failover() -> tuple[float, int, int]:
    with Stack(StackConfig(build_images=False)) as stack:
        assert stack.endpoints is not None
        client = stack.endpoints.odoo_client(timeout=2.0)
        client.authenticate()
        seq = 100
        for _ in range(10):  # warm: both nodes have pooled connections to the primary
            seq += 1
            client.write_ledger(seq, "bench")
        primary = stack.service(topology.PG_PRIMARY)
        standby = stack.service(topology.PG_STANDBY)
        primary.kill()
        killed = time.monotonic()
        promoted = standby.exec(["psql", "-Atc", "SELECT pg_promote(true, 30)"])
        assert promoted.output.strip() == "t", promoted.output
        failures = 0
        while True:
            seq += 1
            started = time.monotonic()
            try:
                client.write_ledger(seq, "bench")
                break
            except Exception:
                failures += 1
                time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
            if time.monotonic() - killed > 120:
                raise TimeoutError("Odoo did not write to the promoted standby within 120 s")
        recovered = time.monotonic() - killed
        ok_after = 0
        for _ in range(20):  # and it stays recovered, through both nodes
            seq += 1
            client.write_ledger(seq, "bench")
            ok_after += 1
        return recovered, failures, ok_after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = [one_failover() for _ in range(args.runs)]
    times = [r[0] for r in results]
    print(
        f"kill primary + promote standby -> first ok business write (median of {args.runs}): "
        f"{statistics.median(times):.2f} s (all: {', '.join(f'{t:.2f}' for t in times)})"
    )
    print(
        f"failed writes during the switch: {', '.join(str(r[1]) for r in results)}; "
        f"ok writes right after: {', '.join(str(r[2]) for r in results)} of 20 each"
    )


if __name__ == "__main__":
    main()
