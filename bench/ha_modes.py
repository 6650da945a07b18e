"""Manual vs automatic failover, side by side: the figures behind the README's Tier 1 recommendation.

Runs the primary-kill drill N times on one stack per mode, warm-resetting between runs:

- `manual`: db-primary-kill on the reference stack (the runbook promotes after a 5 s detection delay);
- `patroni-default`: patroni-primary-kill with Patroni's own timings (ttl 30 s, loop_wait 10 s,
  retry_timeout 10 s), the kill held for 60 s of a 100 s drill so Patroni has time to act alone;
- `patroni-tuned`: patroni-primary-kill as shipped (ttl 10 s, loop_wait 1 s, retry_timeout 3 s).

Prints, per mode: RTO median / p90 / max (the worst journey), who brought the journeys back, lost
and indeterminate writes, and the time back to a streaming standby. Each run is a full run
directory under --out (judge any of them again with `odoo-chaos check`).

    .venv/bin/python bench/ha_modes.py --runs 5 [--db-endpoint libpq|haproxy] [--only manual,patroni-tuned]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.core.stats import nearest_rank
from harness.drill.reset import warm_reset
from harness.drill.runner import run_scenario
from harness.files.tiers import load_tiers
from harness.scenario.load import load_scenario
from harness.scenario.model import Scenario
from harness.stack.endpoints import StackConfig
from harness.stack.factory import make_stack

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ("manual", "patroni-default", "patroni-tuned")


def say(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def variant(name: str) -> Scenario:
    if name == "manual":
        return load_scenario(ROOT / "scenarios" / "db-primary-kill.yaml")
    shipped = load_scenario(ROOT / "scenarios" / "patroni-primary-kill.yaml")
    if name == "patroni-tuned":
        return shipped
    (kill,) = shipped.steps
    return replace(
        shipped, name="patroni-primary-kill-default", patroni={}, duration=100.0, steps=(replace(kill, duration=60.0),)
    )


def measure(name: str, runs: int, out: Path, db_endpoint: str) -> list[dict[str, Any]]:
    scenario = variant(name)
    config = StackConfig() if name == "manual" else StackConfig(ha="patroni", db_endpoint=db_endpoint)
    tier = load_tiers()[scenario.tier]
    rows: list[dict[str, Any]] = []
    with make_stack(config, progress=say) as stack:
        for i in range(runs):
            if i:
                warm_reset(stack, say)
            started = time.monotonic()
            outcome = run_scenario(scenario, tier, out / name, stack=stack, progress=say)
            report = outcome.report
            checks = {c["checker"]: c for c in report.get("checks", [])}
            rto = checks.get("rto", {}).get("metrics", {})
            redundancy = checks.get("redundancy", {}).get("metrics", {})
            rows.append(
                {
                    "rto": report.get("rto_seconds"),
                    "by": sorted({j["recovered_by"] for j in rto.get("rto_by_journey", {}).values()}),
                    "lost": report.get("lost_writes"),
                    "indeterminate": report.get("indeterminate_writes"),
                    "redundancy": redundancy.get("time_to_redundancy_seconds"),
                    "verdict": outcome.verdict,
                    "run_dir": str(outcome.run_dir),
                }
            )
            say(f"{name} run {i + 1}/{runs}: {rows[-1]} ({time.monotonic() - started:.0f} s)")
    return rows


def summary(name: str, rows: list[dict[str, Any]]) -> str:
    rtos = sorted(float(r["rto"]) for r in rows if r["rto"] is not None)
    figures = f"{statistics.median(rtos):.1f} / {nearest_rank(rtos, 90):.1f} / {max(rtos):.1f}" if rtos else "none"
    by = sorted({b for r in rows for b in r["by"]})
    lost = sum(int(r["lost"] or 0) for r in rows)
    indeterminate = sum(int(r["indeterminate"] or 0) for r in rows)
    back = sorted(float(r["redundancy"]) for r in rows if r["redundancy"] is not None)
    redundancy = f"{statistics.median(back):.1f}" if back else "never"
    return (
        f"| {name} | {len(rows)} | {figures} | {', '.join(by)} | {lost} | {indeterminate} | {redundancy} |"
        f" {', '.join(sorted({r['verdict'] for r in rows}))} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db-endpoint", choices=("libpq", "haproxy"), default="haproxy")
    parser.add_argument("--only", default=",".join(VARIANTS), help=f"comma-separated: {', '.join(VARIANTS)}")
    parser.add_argument("--out", type=Path, default=Path("/tmp/odoo-chaos-ha-modes"))
    args = parser.parse_args()
    chosen = [v.strip() for v in args.only.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant {unknown[0]!r}; variants are {', '.join(VARIANTS)}")
    results = {name: measure(name, args.runs, args.out, args.db_endpoint) for name in chosen}
    print(f"Odoo reaches the Patroni leader by {args.db_endpoint}; RTO is the worst journey's, in seconds.")
    columns = ("mode", "runs", "RTO median / p90 / max", "brought back by", "lost writes", "indeterminate")
    print("| " + " | ".join((*columns, "redundancy (median s)", "verdicts")) + " |")
    print("|---|---|---|---|---|---|---|---|")
    for name, rows in results.items():
        print(summary(name, rows))


if __name__ == "__main__":
    main()
