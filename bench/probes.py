"""Benchmark: what the probes cost the machine, and how close the measured RTO is to the truth.

    python bench/probes.py [--seconds 60] [--calibration-runs 5]

1. All probes at the default rate (business writes at 10 Hz, reads, heartbeats at 5 Hz, lag,
   4 user sessions) for --seconds against a healthy stack: CPU of this process as % of one core
   between "probes running" and "final read" (only the probe threads run then) and peak RSS.
2. --calibration-runs times: pause Traefik for T = 5 s as a recorded fault, report |RTO - T|,
   T being the real frozen time (the pause call's return to the unpause call's return).
Targets (issue 3): <= 3 % of a core, <= 150 MB, calibration error <= probe period + 50 ms.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from harness.core.history import HEAL, INJECT, load, pair
from harness.drill.runner import run_scenario
from harness.files.tiers import get_tier, load_tiers
from harness.scenario.model import Scenario, Step
from harness.stack import topology
from harness.stack.stack import Stack, StackConfig

PROBES = ("business-write", "business-read", "heartbeat", "replication-lag", "user-sessions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--calibration-runs", type=int, default=5)
    args = parser.parse_args()
    tier = get_tier("tier-1", load_tiers())
    out = Path(tempfile.mkdtemp(prefix="odoo-chaos-bench-"))
    with Stack(StackConfig(build_images=False), progress=lambda m: print(f"  {m}", file=sys.stderr)) as stack:
        marks: dict[str, tuple[float, float]] = {}

        def mark(message: str) -> None:
            for key in ("probes running", "final read"):
                if message.startswith(key):
                    marks[key] = (time.process_time(), time.monotonic())

        scenario = Scenario("bench-probes", "probe cost", "tier-1", args.seconds, 0.0, PROBES)
        outcome = run_scenario(scenario, tier, out, stack=stack, progress=mark)
        (cpu0, wall0), (cpu1, wall1) = marks["probes running"], marks["final read"]
        cpu, wall = cpu1 - cpu0, wall1 - wall0
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        writes = outcome.report["acknowledged_writes"]
        print(f"probe CPU: {100 * cpu / wall:.1f} % of one core over {wall:.0f} s of probing")
        print(f"probe process peak RSS: {rss_mb:.0f} MB")
        print(f"business writes acknowledged: {writes} ({writes / args.seconds:.1f}/s)")
        errors = []
        for i in range(args.calibration_runs):
            truth = 5.0
            scenario = Scenario(
                f"bench-calibration-{i}",
                "calibration",
                "tier-1",
                14.0,
                1.0,
                PROBES,
                (Step(4.0, "pause", topology.TRAEFIK, truth),),
            )
            outcome = run_scenario(scenario, tier, out, stack=stack)
            rto = outcome.report["rto_seconds"]
            ops = [op for op in pair(load(outcome.run_dir / "history.jsonl")) if op.process == "fault"]
            inject_end = next(op.end for op in ops if op.f == INJECT)
            heal_end = next(op.end for op in ops if op.f == HEAL)
            frozen = (heal_end or 0.0) - (inject_end or 0.0)  # pause call returned -> unpause call returned
            errors.append(abs((rto if rto is not None else float("inf")) - frozen))
            print(f"  calibration run {i + 1}: RTO {rto} s for a {frozen:.3f} s outage", file=sys.stderr)
        print(
            f"calibration error |RTO - T| over {len(errors)} runs: median {statistics.median(errors) * 1000:.0f} ms, "
            f"max {max(errors) * 1000:.0f} ms (bound 150 ms)"
        )


if __name__ == "__main__":
    main()
