"""Benchmark: image build time (cold and cached), `up` time to the first acknowledged write
(median of N), and `down` time. Prints one figure per line.

    python bench/stack_up.py            # cached build + 3 up/down cycles
    python bench/stack_up.py --cold     # first removes the harness's images (debootstrap included)

Target (issue 2): `up` <= 30 s on 2 cores with images built and the database snapshot cached.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from harness.edge import images
from harness.edge.engine import client as docker_client
from harness.stack.seed import SEED_REPOSITORY
from harness.stack.stack import Stack, StackConfig


def remove_images() -> None:
    client = docker_client()
    for image in client.images.list():
        if any(tag.startswith(("odoo-chaos/",)) for tag in image.tags):
            client.images.remove(image.id, force=True)


def timed_build(label: str) -> float:
    started = time.monotonic()
    images.build_all(lambda m: print(f"  {m}", file=sys.stderr))
    elapsed = time.monotonic() - started
    print(f"image build ({label}): {elapsed:.1f} s")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold", action="store_true", help="remove the harness's images first")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.cold:
        remove_images()
        timed_build("cold")
    timed_build("cached")
    started = time.monotonic()
    with Stack(StackConfig()) as warmup:  # builds the database snapshot if missing
        pass
    print(
        f"first up incl. snapshot check/build: {warmup.timings.get('up', 0) + warmup.timings.get('seed', 0):.1f} s"
        f" (whole cycle {time.monotonic() - started:.1f} s)"
    )
    ups, downs = [], []
    for _ in range(args.runs):
        stack = Stack(StackConfig(build_images=False))
        stack.start()
        ups.append(stack.timings["up"])
        downs.append(stack.down())
    print(
        f"up to first acknowledged write, visible on standby (median of {args.runs}): "
        f"{statistics.median(ups):.1f} s  (all: {', '.join(f'{u:.1f}' for u in ups)})"
    )
    print(f"down (median of {args.runs}): {statistics.median(downs):.1f} s")
    seeds = [i for i in docker_client().images.list() if any(t.startswith(SEED_REPOSITORY) for t in i.tags)]
    print(f"database snapshots cached: {len(seeds)}")


if __name__ == "__main__":
    main()
