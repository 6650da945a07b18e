"""Probe liveness: silence is never uptime.

Every figure of a run assumes its probes kept probing. The runner records the probe lanes and
their periods when the probes start (the `probes` phase); a lane whose invokes stop for more than
`GAP_PERIODS` periods while the observation goes on (its thread died, it stalled), or that recorded
a `probe-error`, makes the run `unknown`, with the lane named and the gap given. A lane whose every
slot still waits on the system records `lane-blocked` at each tick it skips: alive, and its calls in
flight are the evidence of the hang, so those ticks count as the lane probing. Slots of a lane
(`writer-1.3`) count for their lane.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from harness.checkers.base import CheckContext, Verdict, end_of_run, ms, register
from harness.core.history import LANE_BLOCKED, PROBE_ERROR, Event
from harness.core.journeys import observation, phase_value

GAP_PERIODS = 3.0
FIRST_INVOKE_SLACK = 1.0  # seconds: each lane's first invoke comes at its own offset after the probes start


def lane_of(process: str) -> str:
    return process.split(".", 1)[0]


def headline(metrics: Mapping[str, Any]) -> str:
    gaps = metrics.get("gaps")
    errors = metrics.get("probe_errors")
    silent = len(gaps) if isinstance(gaps, list) else 0
    broken = len(errors) if isinstance(errors, list) else 0
    return f"{metrics.get('lanes', 0)} probe lanes, {silent} fell silent, {broken} broke"


@register("liveness", order=75, headline=headline)
def check_liveness(events: Sequence[Event], ctx: CheckContext) -> Verdict:
    target = f"every probe lane invokes at least every {GAP_PERIODS:g} periods until the final read"
    lanes_raw = phase_value(events, "probes").get("lanes")
    if not isinstance(lanes_raw, dict) or not lanes_raw:
        return Verdict("liveness", "unknown", {}, target, reason="the history does not say which probe lanes ran")
    lanes = {str(k): float(v) for k, v in lanes_raw.items() if isinstance(v, int | float) and v > 0}
    start, end = observation(events, end_of_run(events, ctx))
    invokes: dict[str, list[float]] = {lane: [] for lane in lanes}
    for event in events:
        if event.kind == "invoke" and lane_of(event.process) in invokes and start <= event.time <= end:
            invokes[lane_of(event.process)].append(event.time)
        elif event.f == LANE_BLOCKED and str(event.value.get("lane")) in invokes and start <= event.time <= end:
            invokes[str(event.value["lane"])].append(event.time)  # alive, every slot waiting on the system
    gaps: list[dict[str, Any]] = []
    for lane, period in sorted(lanes.items()):
        times = [start, *sorted(invokes[lane]), end]
        allowed = GAP_PERIODS * period
        for i, (a, b) in enumerate(itertools.pairwise(times)):
            slack = FIRST_INVOKE_SLACK if i == 0 else 0.0  # lanes start staggered, up to a second apart
            if b - a > allowed + slack:
                gaps.append({"lane": lane, "gap_seconds": ms(b - a), "from": ms(a), "period_seconds": period})
                break
    errors = [
        {"lane": str(e.value.get("lane")), "at": ms(e.time), "error": str(e.value.get("error", ""))[:200]}
        for e in events
        if e.f == PROBE_ERROR
    ]
    metrics: dict[str, Any] = {"lanes": len(lanes), "gaps": gaps, "probe_errors": errors[:20]}
    problems = [f"{e['lane']} broke at {e['at']:.1f} s ({e['error']})" for e in errors[:3]]
    problems += [
        f"{g['lane']} invoked nothing for {g['gap_seconds']:.2f} s from {g['from']:.1f} s "
        f"(period {g['period_seconds']:g} s)"
        for g in gaps[:5]
    ]
    if problems:
        reason = "probes fell silent, so their silence was not measured as uptime: " + "; ".join(problems)
        return Verdict("liveness", "unknown", metrics, target, reason=reason)
    return Verdict("liveness", "pass", metrics, target)
