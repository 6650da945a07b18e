"""The run's timeline as a PNG: what happened, second by second, in one picture for the report page.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no GUI backend, no global figure
registry: each figure is garbage once rendered, so repeated reports do not leak). Top panel:
business writes at their completion time (ok at their latency, fail/info in a band above), fault
inject/heal lines and runbook actions, the RTO bracket from the injection to recovery, outage
windows. Bottom panel: replication lag, or the Locust load when the run had one.

The x axis counts seconds since the probes started (`axis_origin`), not since the run's clock
started before the images and the stack (a first drill's probes start ~250 s in); each fault, heal
and runbook step is marked with its own second on that axis (`mark_label`), and the probes' start
is given in wall-clock UTC under the axis.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

from harness.core.analysis import ops_of, recoveries_of
from harness.core.figures import number
from harness.core.history import ACTION, HEAL, INJECT, LAG, PHASE, WRITE, Event, Op
from harness.core.journeys import phase_value
from harness.report.model import RTO, RunSummary, outages_of

FAULT_PROCESS = "fault"


def _fault_time(op: Op) -> float:
    """When a fault action took effect: its completion, or its invoke if it never completed."""
    return op.end if op.end is not None else op.start


def _injection_time(summary: RunSummary, events: Sequence[Event], faults: Sequence[Op]) -> float | None:
    """Where the RTO clock starts: the first injection the RTO checker judged, in run time, read from the
    same shared analysis of the history (not its wall time converted back); else the first fault's effect."""
    rto = summary.find(RTO)
    if rto is not None and rto.metrics:
        stable_for = phase_value(events, "probes").get("stable_for")
        window = float(stable_for) if isinstance(stable_for, int | float) and not isinstance(stable_for, bool) else 5.0
        found = recoveries_of(events, window, None)
        if found.injections:
            return found.injections[0].op.invoke.time
    injects = [op for op in faults if op.f == INJECT]
    return _fault_time(injects[0]) if injects else None


def axis_origin(events: Sequence[Event]) -> tuple[float, str]:
    """(run time the probes started, its wall clock `HH:MM:SS`): zero on the timeline's x axis."""
    probes = next((e for e in events if e.f == PHASE and e.value.get("phase") == "probes"), None)
    if probes is None:
        first = events[0] if events else None
        return (0.0, first.wall[11:19] if first else "")
    return probes.time, probes.wall[11:19]


def ticks(origin: float, low: float, high: float, most: int = 12) -> list[float]:
    """Run times of the x axis's ticks: whole seconds since `origin`, a round step, at most `most` of them."""
    span = max(high - low, 1.0)
    step = next((s for s in (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600) if span / s <= most), 1200)
    first = math.ceil((low - origin) / step)
    last = math.floor((high - origin) / step)
    return [origin + k * step for k in range(first, last + 1)]


def mark_label(op: Op, origin: float) -> str:
    """A fault, heal or runbook step as marked on the timeline: `inject partition → zone-a at 10.0 s`."""
    value = op.value
    what = f"{op.f} {value.get('fault') or value.get('action', '?')} \u2192 {value.get('target', '?')}"
    return f"{what} at {_fault_time(op) - origin:.1f} s"


def timeline_png(summary: RunSummary, events: Sequence[Event]) -> bytes:
    """The timeline plot as PNG bytes (raises if matplotlib cannot render it)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, FuncFormatter

    ops = ops_of(events)
    writes = [op for op in ops if op.f == WRITE and op.process != FAULT_PROCESS]
    faults = [op for op in ops if (op.process == FAULT_PROCESS and op.f in (INJECT, HEAL)) or op.f == ACTION]
    lag = [op for op in ops if op.f == LAG and op.kind == "ok" and op.end is not None]

    ok_x: list[float] = []
    ok_y: list[float] = []
    for op in writes:
        if op.kind == "ok" and op.end is not None and op.latency is not None:
            ok_x.append(op.end)
            ok_y.append(op.latency * 1000)
    peak = max(ok_y) if ok_y else 100.0
    band = {"fail": peak * 1.10 + 1, "info": peak * 1.20 + 2}
    bad: dict[str, list[float]] = {"fail": [], "info": []}
    for op in writes:
        if op.kind in bad:
            bad[op.kind].append(op.end if op.end is not None else op.start)

    x_max = max((e.time for e in events), default=1.0) or 1.0
    origin, origin_wall = axis_origin(events)
    x_min = max(0.0, origin - 1.0)  # not the image build or stack start

    fig = Figure(figsize=(12, 6.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    load_points = summary.metric("load", "timeline") or []
    if load_points:
        fig.set_size_inches(12, 8.5)
        top, bottom, load_ax = fig.subplots(3, 1, sharex=True, height_ratios=[3, 1, 1.5])
    else:
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
        load_ax = None
    fig.suptitle(f"{summary.scenario} \u2014 run {summary.run_id}", fontsize=11)

    for i, outage in enumerate(outages_of(summary)):
        start = number(outage.get("start"))
        end = number(outage.get("end"))
        if start is None:
            continue
        end = x_max if end is None else end
        for ax in (top, bottom):
            ax.axvspan(start, end, color="#cf222e", alpha=0.12, lw=0, label="outage" if i == 0 and ax is top else None)

    rto = number(summary.metric(RTO, "rto_seconds"))
    injected = _injection_time(summary, events, faults)
    if rto is not None and injected is not None:
        for ax in (top, bottom):
            ax.axvspan(
                injected,
                injected + rto,
                color="#bf8700",
                alpha=0.15,
                lw=0,
                label=f"RTO {rto:.2f} s" if ax is top else None,
            )

    for op in faults:
        t = _fault_time(op)
        colour = {INJECT: "#82071e", HEAL: "#0550ae"}.get(op.f, "#8250df")  # runbook actions in purple
        label = mark_label(op, origin)
        for ax in (top, bottom):
            ax.axvline(t, color=colour, ls="--", lw=1)
        top.text(
            t,
            0.98,
            label,
            transform=top.get_xaxis_transform(),
            rotation=90,
            va="top",
            ha="right",
            fontsize=7,
            color=colour,
        )

    if ok_x:
        top.scatter(ok_x, ok_y, s=6, color="#1a7f37", label="write ok (latency)")
    for kind, marker, colour, label in (
        ("fail", "x", "#cf222e", "write fail (no latency)"),
        ("info", "^", "#fb8500", "write info (outcome unknown)"),
    ):
        if bad[kind]:
            top.scatter(bad[kind], [band[kind]] * len(bad[kind]), s=14, marker=marker, color=colour, label=label)
    if not (ok_x or bad["fail"] or bad["info"]):
        top.text(
            0.5, 0.5, "no business writes recorded", transform=top.transAxes, ha="center", va="center", color="#6e7781"
        )
    top.set_ylabel("write latency (ms)")
    top.set_ylim(0, band["info"] * 1.08)
    handles, _labels = top.get_legend_handles_labels()
    if handles:
        fig.legend(handles=handles, loc="outside right upper", fontsize=7)

    lag_x: list[float] = []
    lag_y: list[float] = []
    for op in lag:
        seconds_behind = number(op.value.get("lag_seconds"))
        if seconds_behind is not None and op.end is not None:
            lag_x.append(op.end)
            lag_y.append(seconds_behind)
    if lag_x:
        bottom.plot(lag_x, lag_y, marker=".", ms=3, lw=1, color="#0550ae")
    else:
        bottom.text(
            0.5,
            0.5,
            "no replication lag samples",
            transform=bottom.transAxes,
            ha="center",
            va="center",
            color="#6e7781",
        )
    bottom.set_ylabel("replication lag (s)")
    bottom.set_ylim(bottom=0)
    bottom.set_xlim(x_min, max(x_max, x_min + 1.0))
    axes = [top, bottom]
    if load_ax is not None:
        _plot_load(load_ax, load_points, faults)
        axes.append(load_ax)
    axes[-1].xaxis.set_major_locator(FixedLocator(ticks(origin, x_min, max(x_max, x_min + 1.0))))
    axes[-1].xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value - origin:.0f}"))
    since = f" ({origin_wall} UTC)" if origin_wall else ""
    axes[-1].set_xlabel(f"seconds since the probes started{since}")

    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", metadata={"Software": None})
    finally:
        fig.clear()
    return buffer.getvalue()


def _plot_load(ax: Any, points: Sequence[dict[str, Any]], faults: Sequence[Op]) -> None:
    """Locust's requests/s (ok and failed) and p95 latency per second, with the fault markers."""
    xs = [float(p["at"]) for p in points]
    ok = [int(p["requests"]) - int(p["failures"]) for p in points]
    failed = [int(p["failures"]) for p in points]
    ax.bar(xs, ok, width=1.0, align="edge", color="#1a7f37", alpha=0.6, label="load ok req/s")
    ax.bar(xs, failed, width=1.0, align="edge", bottom=ok, color="#cf222e", alpha=0.8, label="load failed req/s")
    ax.set_ylabel("load (req/s)")
    p95 = ax.twinx()
    p95.plot(xs, [(p["p95"] or 0) * 1000 for p in points], color="#8250df", lw=1, label="load p95 (ms)")
    p95.set_ylabel("p95 (ms)")
    p95.set_ylim(bottom=0)
    for op in faults:
        ax.axvline(_fault_time(op), color="#6e7781", ls="--", lw=1)
    ax.legend(loc="upper left", fontsize=7)
