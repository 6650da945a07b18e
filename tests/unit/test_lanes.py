"""Probe lanes: operations invoked on schedule while earlier ones hang, slots named apart, errors recorded."""

from __future__ import annotations

import threading
import time
from typing import Any

from harness.checkers import CheckContext
from harness.checkers.liveness import check_liveness
from harness.core import history as h
from harness.core.history import History
from harness.files.tiers import load_tiers
from harness.probes.base import Lane, ProbeContext, lane_of


def _ctx() -> ProbeContext:
    return ProbeContext(History(), None, "run", threading.Event(), timeout=0.5)  # type: ignore[arg-type]


def _run(lane: Lane[Any], ctx: ProbeContext, seconds: float) -> None:
    """Run the lane for `seconds`, then stop it as the runner does (`probes-stopped` first, then stop)."""
    thread = threading.Thread(target=lane.run, daemon=True)
    thread.start()
    time.sleep(seconds)
    ctx.history.record("runner", "ok", h.PHASE, {"phase": "probes-stopped"})
    ctx.stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_a_hanging_operation_does_not_stop_the_schedule() -> None:
    ctx = _ctx()
    release = threading.Event()
    made: list[int] = []

    def operation(process: str, client: int) -> None:
        ctx.history.invoke(process, h.WRITE, {"client": client})
        if process == "writer":  # the first slot hangs until released
            release.wait(1.0)
        ctx.history.record(process, "ok", h.WRITE, {"client": client})

    def resource() -> int:
        made.append(len(made))
        return made[-1]

    lane: Lane[int] = Lane(ctx, "writer", 0.05, 0.0, operation, resource, max_in_flight=20)
    _run(lane, ctx, 0.6)
    release.set()
    invokes = [e for e in ctx.history.events() if e.kind == "invoke"]
    assert len(invokes) >= 8  # about one every 50 ms although the first call hung
    assert {lane_of(e.process) for e in invokes} == {"writer"}
    assert len({e.process for e in invokes}) >= 2  # overlapping calls run on slots of their own
    assert ctx.lanes == {"writer": 0.05}
    ops = h.pair(ctx.history.events())
    assert all(op.completion is not None for op in ops)  # the lane waits for its calls before it ends
    assert len(made) == len({e.process for e in invokes})  # one client per slot


def test_a_full_lane_says_it_is_blocked_and_is_not_silent() -> None:
    """Every slot waiting on the system (a commit stuck on a frozen synchronous standby): the skipped ticks
    are recorded as `lane-blocked`, so liveness sees a lane alive and blocked, not a silent one."""
    ctx = _ctx()
    ctx.history.record("runner", "ok", h.PHASE, {"phase": "probes", "lanes": {"writer": 0.05}, "period": 0.05})

    def operation(process: str, _: None) -> None:
        ctx.history.invoke(process, h.WRITE)
        time.sleep(0.4)
        ctx.history.record(process, "info", h.WRITE)

    lane: Lane[None] = Lane(ctx, "writer", 0.05, 0.0, operation, lambda: None, max_in_flight=1)
    _run(lane, ctx, 0.7)
    blocked = [e for e in ctx.history.events() if e.f == h.LANE_BLOCKED]
    assert len(blocked) >= 5 and blocked[0].value == {"lane": "writer", "in_flight": 1}
    verdict = check_liveness(ctx.history.events(), CheckContext(tier=load_tiers()["tier-1"]))
    assert (verdict.status, verdict.metrics["gaps"]) == ("pass", [])


def test_a_lane_that_stops_invoking_is_still_silence() -> None:
    ctx = _ctx()
    ctx.history.record("runner", "ok", h.PHASE, {"phase": "probes", "lanes": {"writer": 0.05}, "period": 0.05})
    ctx.history.invoke("writer", h.WRITE)
    ctx.history.record("writer", "ok", h.WRITE)
    time.sleep(0.4)  # nothing invoked, nothing blocked: the lane's thread is gone
    ctx.history.record("runner", "ok", h.PHASE, {"phase": "probes-stopped"})
    verdict = check_liveness(ctx.history.events(), CheckContext(tier=load_tiers()["tier-1"]))
    assert verdict.status == "unknown" and verdict.metrics["gaps"][0]["lane"] == "writer"


def test_an_operation_that_raises_is_recorded_as_a_probe_error() -> None:
    ctx = _ctx()

    def operation(process: str, _: None) -> None:
        ctx.history.invoke(process, h.WRITE)
        raise KeyError("id")

    lane: Lane[None] = Lane(ctx, "writer", 0.05, 0.0, operation, lambda: None)
    _run(lane, ctx, 0.2)
    errors = [e for e in ctx.history.events() if e.f == h.PROBE_ERROR]
    assert errors and errors[0].process == "monitor"
    assert errors[0].value == {"lane": "writer", "error": "KeyError: 'id'"}
