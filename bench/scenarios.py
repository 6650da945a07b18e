"""Benchmark: wall time of every shipped scenario and of the whole set on one stack, and warm resets.

Brings the stack up once, then runs each `scenarios/*.yaml` in name order with a warm reset
before every run but the first (the way `odoo-chaos run scenarios/*.yaml` does), and prints:

- stack up (seconds), each scenario's wall time (reset excluded) with its verdict, RTO and lost
  writes, each warm reset's time, and the whole set's wall time (stack up to stack down).

Targets (issue 4): the whole set <= 15 min on 2 cores; a warm reset <= 10 s.

    python bench/scenarios.py [--repeat 1] [--out /tmp/odoo-chaos-bench]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from harness.drill.reset import warm_reset
from harness.drill.runner import run_scenario
from harness.files.tiers import get_tier, load_tiers
from harness.scenario.load import load_scenario
from harness.stack.stack import Stack, StackConfig

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("/tmp/odoo-chaos-bench"))
    args = parser.parse_args()
    scenarios = [load_scenario(p) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
    tiers = load_tiers()
    started = time.monotonic()
    resets: list[float] = []
    rows: list[tuple[str, float, str, object, object]] = []
    with Stack(StackConfig(), progress=lambda m: print(f"  [stack] {m}", file=sys.stderr)) as stack:
        up = time.monotonic() - started
        print(f"stack up: {up:.1f}s")
        for _ in range(args.repeat):
            for scenario in scenarios:
                if rows:
                    resets.append(warm_reset(stack, lambda m: None))
                    print(f"  warm reset: {resets[-1]:.1f}s")
                mark = time.monotonic()
                outcome = run_scenario(scenario, get_tier(scenario.tier, tiers), args.out, stack=stack)
                wall = time.monotonic() - mark
                report = outcome.report
                rows.append(
                    (scenario.name, wall, outcome.verdict, report.get("rto_seconds"), report.get("lost_writes"))
                )
                rto, lost = report.get("rto_seconds"), report.get("lost_writes")
                planned = f"duration {scenario.duration:g}s + settle {scenario.settle:g}s"
                print(
                    f"{scenario.name:<22} {wall:6.1f}s verdict {outcome.verdict:<5} RTO {rto} s lost {lost} ({planned})"
                )
    total = time.monotonic() - started
    print(f"whole set: {total:.1f}s ({total / 60:.1f} min) for {len(rows)} runs, stack up and down included")
    print("target: the whole set <= 15 min on 2 cores")
    if resets:
        print(
            f"warm reset: median {statistics.median(resets):.1f}s, max {max(resets):.1f}s over {len(resets)}; "
            "target <= 10 s"
        )


if __name__ == "__main__":
    main()
