"""The run as one self-contained HTML page: readable offline, attachable to an audit as a single file.

No external URL anywhere: the CSS is inline and the timeline plot is a PNG embedded as a base64
`data:` URI. The page is a jinja2 template (autoescaped: reasons and errors are text, never markup)
filled with figures pre-formatted in Python, so the template has no logic that can fail.

The timeline is drawn with matplotlib's object API on an Agg canvas (no pyplot, no GUI backend, no
global figure registry: each figure is garbage once rendered, so repeated reports do not leak). Top
panel: business writes at their completion time (ok at their latency, fail/info in a band above),
fault inject/heal lines, the RTO bracket from the injection to recovery, outage windows. Bottom
panel: replication lag. A plot that fails to render leaves a note in its place, not a missing page;
`fallback_html` is the page of last resort when the template itself fails.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import jinja2

from harness import __version__
from harness.history import ACTION, HEAL, INJECT, LAG, PHASE, WRITE, Event, Op, pair
from harness.report.figures import (
    DASH,
    GLOSSARY,
    PHASES,
    by_journey_text,
    downtime_text,
    headline,
    integer,
    key_figure,
    margin,
    millis,
    percent,
    rto_text,
    seconds,
    seq_list,
    target_sentences,
)
from harness.report.markdown import signature_text
from harness.report.model import (
    AVAILABILITY,
    LATENCY,
    RPO,
    RTO,
    SCHEMA_VERSION,
    SESSIONS,
    RunSummary,
    number,
    outages_of,
)

FAULT_PROCESS = "fault"
STATUS_COLOURS = {"pass": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e", "unknown": "#6e7781"}


# --- timeline plot -------------------------------------------------------------------------------------------------


def _parse_wall(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _run_time_of(wall: Any, events: Sequence[Event]) -> float | None:
    """An ISO wall time as seconds since the run started, anchored on the event nearest in wall time
    (an exact match gives that event's own time; a wall-clock step elsewhere in the run does not matter)."""
    moment = _parse_wall(wall)
    if moment is None:
        return None
    best: tuple[float, float] | None = None  # (distance, run time)
    for event in events:
        anchor = _parse_wall(event.wall)
        if anchor is None or (moment.tzinfo is None) != (anchor.tzinfo is None):
            continue
        delta = (moment - anchor).total_seconds()
        if best is None or abs(delta) < best[0]:
            best = (abs(delta), event.time + delta)
            if delta == 0:
                break
    return None if best is None else best[1]


def _fault_time(op: Op) -> float:
    """When a fault action took effect: its completion, or its invoke if it never completed."""
    return op.end if op.end is not None else op.start


def _injection_time(summary: RunSummary, events: Sequence[Event], faults: Sequence[Op]) -> float | None:
    from_checker = _run_time_of(summary.metric(RTO, "fault_injected_at"), events)
    if from_checker is not None:
        return from_checker
    injects = [op for op in faults if op.f == INJECT]
    return _fault_time(injects[0]) if injects else None


def timeline_png(summary: RunSummary, events: Sequence[Event]) -> bytes:
    """The timeline plot as PNG bytes (raises if matplotlib cannot render it)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ops = pair(events)
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
    probes_at = next((e.time for e in events if e.f == PHASE and e.value.get("phase") == "probes"), None)
    x_min = 0.0 if probes_at is None else max(0.0, probes_at - 1.0)  # not the image build or stack start

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
        value = op.value
        label = f"{op.f} {value.get('fault') or value.get('action', '?')} \u2192 {value.get('target', '?')}"
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
    axes[-1].set_xlabel("seconds since run start")

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


# --- page ----------------------------------------------------------------------------------------------------------

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>odoo-chaos {{ scenario }} {{ run_id }}: {{ verdict | upper }}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1200px;
       padding: 0 1em; color: #1f2328; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin-top: 1.8em; border-bottom: 1px solid #d0d7de; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #d0d7de; padding: .3em .6em; text-align: left; vertical-align: top; font-size: .92em; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: .1em .6em; border-radius: 1em; color: #fff; font-weight: 600; }
.verdict { font-size: 1.3em; }
.meta { color: #59636e; }
.cards { display: flex; flex-wrap: wrap; gap: .8em; margin: 1em 0; }
.card { border: 1px solid #d0d7de; border-radius: .4em; padding: .5em .9em; min-width: 9em; }
.card .label { color: #59636e; font-size: .8em; }
.card .value { font-size: 1.15em; font-weight: 600; }
.aborted { border: 2px solid #cf222e; background: #ffebe9; padding: .6em 1em; border-radius: .4em; }
.note { color: #6e7781; font-style: italic; }
.headline { font-size: 1.1em; font-weight: 600; margin: .3em 0; }
dl.glossary { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; font-size: .88em; color: #414a53; }
dl.glossary dt { font-weight: 600; }
dl.glossary dd { margin: 0; }
img.plot { max-width: 100%; border: 1px solid #d0d7de; }
code { font-size: .9em; }
</style>
</head>
<body>
<h1>odoo-chaos: {{ scenario }}</h1>
<p class="verdict">Verdict <span class="badge" style="background: {{ colours[verdict] }}">{{ verdict | upper }}</span>
 &middot; tier <strong>{{ tier }}</strong></p>
<p class="meta">Run <code>{{ run_id }}</code>
{% if scenario_file %} &middot; scenario file <code>{{ scenario_file }}</code>{% endif %}
 &middot; started {{ started_at }} &middot; ended {{ ended_at }} &middot; probe period {{ probe_period }}</p>
{% if aborted_reason %}
<div class="aborted"><strong>Run aborted:</strong> {{ aborted_reason }}</div>
{% endif %}
{% for line in headline %}<p class="headline">{{ line }}</p>
{% endfor %}
<h2>What was tested</h2>
<p>{{ tested }}</p>
<p><strong>Scenario:</strong> {{ scenario_summary }}</p>
{% if steps %}<ol class="steps">{% for step in steps %}<li>{{ step }}</li>{% endfor %}</ol>{% endif %}

<div class="cards">
{% for label, value in cards %}<div class="card"><div class="label">{{ label }}</div>
<div class="value">{{ value }}</div></div>
{% endfor %}</div>

<h2>Checks</h2>
{% if checks %}
<table>
<tr><th>Checker</th><th>Status</th><th>Target</th><th>Measured</th><th>Margin</th><th>Reason</th></tr>
{% for c in checks %}<tr><td>{{ c.checker }}</td>
<td><span class="badge" style="background: {{ colours[c.status] }}">{{ c.status }}</span></td>
<td>{{ c.target }}</td><td>{{ c.figure }}</td><td class="num">{{ c.margin }}</td><td>{{ c.reason }}</td></tr>
{% endfor %}</table>
<dl class="glossary">{% for word, text in glossary %}<dt>{{ word }}</dt><dd>{{ text }}</dd>
{% endfor %}</dl>
{% else %}<p class="note">No checks reported.</p>{% endif %}
{% if targets %}
<p>Targets of tier <strong>{{ tier }}</strong>: {% for sentence in targets %}{{ sentence }} {% endfor %}</p>
{% endif %}

<h2>Timeline</h2>
{% if plot %}<img class="plot" alt="Timeline of the run: write outcomes, faults, RTO, outages, replication lag"
 src="{{ plot }}">
{% else %}<p class="note">Timeline plot unavailable: {{ plot_error }}</p>{% endif %}

<h2>Outages</h2>
{% if outages %}
<table>
<tr><th>#</th><th>Start (s)</th><th>End (s)</th><th>Duration</th><th>From (UTC)</th><th>To (UTC)</th>
<th>Failed probes</th><th>Failed ops</th><th>Open at end</th><th>Explained by</th></tr>
{% for o in outages %}<tr><td class="num">{{ loop.index }}</td><td class="num">{{ o.start }}</td>
<td class="num">{{ o.end }}</td><td class="num">{{ o.duration }}</td>
<td>{{ o.start_wall }}</td><td>{{ o.end_wall }}</td>
<td>{{ o.failed_probes }}</td><td class="num">{{ o.failed_ops }}</td><td>{{ o.open }}</td>
<td>{{ o.explained_by }}</td></tr>
{% endfor %}</table>
{% else %}<p class="note">No outage recorded.</p>{% endif %}

<h2>Data loss (RPO)</h2>
<table>
{% for label, value in rpo %}<tr><th>{{ label }}</th><td class="num">{{ value }}</td></tr>
{% endfor %}</table>
{% if lost_seqs %}<p>First lost write sequence numbers: <code>{{ lost_seqs }}</code></p>{% endif %}

<h2>Latency</h2>
{% if latency %}
<table>
<tr><th>Phase</th><th>p50</th><th>p95</th><th>p99</th><th>Samples</th></tr>
{% for row in latency %}<tr><td>{{ row.phase }}</td><td class="num">{{ row.p50 }}</td><td class="num">{{ row.p95 }}</td>
<td class="num">{{ row.p99 }}</td><td class="num">{{ row.count }}</td></tr>
{% endfor %}</table>
{% else %}<p class="note">No latency figures.</p>{% endif %}

<h2>Sessions</h2>
<p>{{ sessions }}</p>

{% if load %}
<h2>Load (Locust)</h2>
<table>
<tr><th>Window</th><th>Endpoint</th><th>Requests/s</th><th>Requests</th><th>Error rate</th>
<th>p50</th><th>p95</th><th>p99</th></tr>
{% for row in load %}<tr><td>{{ row.window }}</td><td>{{ row.endpoint }}</td><td class="num">{{ row.rps }}</td>
<td class="num">{{ row.requests }}</td><td class="num">{{ row.error_rate }}</td><td class="num">{{ row.p50 }}</td>
<td class="num">{{ row.p95 }}</td><td class="num">{{ row.p99 }}</td></tr>
{% endfor %}</table>
{% if load_capacity %}<p>{{ load_capacity }}</p>{% endif %}
{% endif %}

<h2>Stack as run</h2>
{% if stack %}
<table>
<tr><th>Service</th><th>Image</th><th>Image id</th><th>Version</th></tr>
{% for s in stack %}<tr><td>{{ s.service }}</td><td><code>{{ s.image }}</code></td>
<td><code title="{{ s.image_id_full }}">{{ s.image_id }}</code></td>
<td>{{ s.version }}</td></tr>
{% endfor %}</table>
{% else %}<p class="note">Stack not recorded.</p>{% endif %}

<p class="meta">{{ signature }}</p>
<p class="meta">Generated by odoo-chaos {{ version }}, report schema {{ schema_version }}.
Figures here are the same as in <code>report.json</code>; <code>SHA256SUMS</code> covers every file of the run.</p>
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def _text(value: Any) -> str:
    return DASH if value is None or value == "" else str(value)


def _short_id(image_id: Any) -> str:
    text = _text(image_id)
    if text.startswith("sha256:"):
        text = text[len("sha256:") :]
    return text[:12] if len(text) > 12 else text


def _context(summary: RunSummary, plot: str | None, plot_error: str) -> dict[str, Any]:
    m = summary.metric
    rto = summary.find(RTO)
    verdict = summary.verdict if summary.verdict in STATUS_COLOURS else "unknown"
    outages = outages_of(summary)

    availability = summary.find(AVAILABILITY)
    journey = m(RTO, "rto_journey")
    cards = [
        (
            "RTO" + (f" ({journey})" if isinstance(journey, str) else ""),
            rto_text(rto.metrics) if rto is not None else DASH,
        ),
        ("RPO" + (" (at least)" if m(RPO, "rpo_censored") else ""), seconds(m(RPO, "rpo_seconds"))),
        ("Writes lost / acknowledged", f"{integer(m(RPO, 'lost_writes'))} / {integer(m(RPO, 'acknowledged_writes'))}"),
        ("Indeterminate writes", integer(m(RPO, "indeterminate_writes"))),
        ("Downtime", downtime_text(availability.metrics) if availability is not None else DASH),
        ("Outages", str(len(outages))),
    ]
    per_journey = by_journey_text(rto.metrics) if rto is not None else ""
    if per_journey:
        cards.insert(1, ("RTO per journey", per_journey))

    checks = []
    for v in summary.verdicts:
        status = v.status if v.status in STATUS_COLOURS else "unknown"
        checks.append(
            {
                "checker": v.checker,
                "status": status,
                "target": _text(v.target),
                "figure": key_figure(v),
                "margin": margin(v.margin, v.unit),
                "reason": _text(v.reason),
            }
        )

    outage_rows = []
    for o in outages:
        failed_probes = o.get("failed_probes")
        outage_rows.append(
            {
                "start": seconds(o.get("start")),
                "end": seconds(o.get("end")),
                "duration": seconds(o.get("duration_seconds")),
                "start_wall": _text(o.get("start_wall")),
                "end_wall": _text(o.get("end_wall")),
                "failed_probes": ", ".join(map(str, failed_probes))
                if isinstance(failed_probes, list | tuple)
                else _text(failed_probes),
                "failed_ops": integer(o.get("failed_ops")),
                "open": "yes" if o.get("open") else "no",
                "explained_by": _text(o.get("explained_by"))
                if o.get("explained_by")
                else "nothing (the stack broke on its own)",
            }
        )

    rpo = [
        ("RPO", seconds(m(RPO, "rpo_seconds"))),
        ("Acknowledged writes", integer(m(RPO, "acknowledged_writes"))),
        ("Lost writes", integer(m(RPO, "lost_writes"))),
        ("Indeterminate writes", integer(m(RPO, "indeterminate_writes"))),
        ("Recovered writes", integer(m(RPO, "recovered_writes"))),
        ("Unexpected writes", integer(m(RPO, "unexpected_writes"))),
        ("Duplicate writes", integer(m(RPO, "duplicate_writes"))),
    ]

    latency = []
    latency_verdict = summary.find(LATENCY)
    if latency_verdict is not None and isinstance(latency_verdict.metrics, Mapping):
        for phase in PHASES:
            figures = latency_verdict.metrics.get(phase)
            if isinstance(figures, Mapping):
                latency.append(
                    {
                        "phase": phase,
                        "p50": millis(figures.get("p50")),
                        "p95": millis(figures.get("p95")),
                        "p99": millis(figures.get("p99")),
                        "count": integer(figures.get("count")),
                    }
                )

    sessions_verdict = summary.find(SESSIONS)
    if sessions_verdict is None or not sessions_verdict.metrics:
        sessions = "No session figures."
    else:
        share = m(SESSIONS, "sessions_lost_share")
        sessions = (
            f"{integer(m(SESSIONS, 'sessions_lost'))} of {integer(m(SESSIONS, 'sessions'))} logged-in sessions"
            f" lost ({percent(share, 1)})."
        )

    load_rows: list[dict[str, str]] = []
    for window in ("before", "during", "after"):
        figures = m("load", window)
        if not isinstance(figures, Mapping):
            continue
        endpoints = figures.get("endpoints")
        per_endpoint = sorted(endpoints.items()) if isinstance(endpoints, Mapping) else []
        for name, row in [("all", figures), *per_endpoint]:
            load_rows.append(
                {
                    "window": window if name == "all" else "",
                    "endpoint": str(name),
                    "rps": _text(row.get("requests_per_second")),
                    "requests": integer(row.get("requests")),
                    "error_rate": percent(row.get("error_rate"), 1),
                    "p50": millis(row.get("p50")),
                    "p95": millis(row.get("p95")),
                    "p99": millis(row.get("p99")),
                }
            )
    capacity = m("load", "capacity")
    load_capacity = ""
    if isinstance(capacity, Mapping):
        regained = capacity.get("regained_after_seconds")
        load_capacity = f"Capacity: {capacity.get('baseline_ok_per_second')} ok requests/s before the fault; " + (
            f"throughput back within the margin {regained} s after recovery."
            if regained is not None
            else "throughput not regained by the end of the run."
        )

    stack = [
        {
            "service": name,
            "image": _text(info.get("image")),
            "image_id": _short_id(info.get("image_id")),
            "image_id_full": _text(info.get("image_id")),
            "version": _text(info.get("version")),
        }
        for name, info in sorted(summary.stack.items())
        if isinstance(info, Mapping)
    ]

    return {
        "run_id": summary.run_id,
        "scenario": summary.scenario,
        "scenario_file": summary.scenario_file,
        "tier": summary.tier,
        "verdict": verdict,
        "colours": STATUS_COLOURS,
        "started_at": _text(summary.started_at),
        "ended_at": _text(summary.ended_at),
        "probe_period": seconds(summary.probe_period),
        "aborted_reason": summary.aborted_reason,
        "cards": cards,
        "checks": checks,
        "targets": target_sentences(summary.targets),
        "headline": headline(summary),
        "tested": summary.tested or "not recorded",
        "scenario_summary": summary.scenario_summary or summary.scenario,
        "steps": list(summary.scenario_steps),
        "glossary": list(GLOSSARY),
        "signature": signature_text(summary),
        "plot": plot,
        "plot_error": plot_error,
        "outages": outage_rows,
        "rpo": rpo,
        "lost_seqs": seq_list(m(RPO, "lost_seqs"), limit=20),
        "latency": latency,
        "sessions": sessions,
        "load": load_rows,
        "load_capacity": load_capacity,
        "stack": stack,
        "version": __version__,
        "schema_version": SCHEMA_VERSION,
    }


def report_html(summary: RunSummary, events: Sequence[Event]) -> str:
    """The report page. A failing plot becomes a note on the page; a failing template raises."""
    plot: str | None = None
    plot_error = ""
    try:
        png = timeline_png(summary, events)
        plot = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    except Exception as exc:  # the page must survive a plot failure
        plot_error = f"{type(exc).__name__}: {exc}"
    return render_page(summary, plot, plot_error)


def render_page(summary: RunSummary, plot: str | None, plot_error: str = "") -> str:
    """The page around a given plot (`odoo-chaos check` re-renders it to compare every figure but the image)."""
    return _ENV.from_string(_TEMPLATE).render(**_context(summary, plot, plot_error))


def fallback_html(summary: RunSummary, error: str) -> str:
    """A minimal page (no template, no plot) saying the report page could not be rendered and why."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>odoo-chaos {html.escape(summary.run_id)}: report page failed</title></head>\n<body>\n"
        f"<h1>odoo-chaos: {html.escape(summary.scenario)}</h1>\n"
        f"<p>Run <code>{html.escape(summary.run_id)}</code>, tier {html.escape(summary.tier)}, "
        f"verdict <strong>{html.escape(str(summary.verdict).upper())}</strong>.</p>\n"
        f"<p>The HTML report could not be rendered: <code>{html.escape(error)}</code></p>\n"
        "<p>The figures are in <code>report.json</code>, <code>report.md</code> and <code>junit.xml</code> "
        "next to this file.</p>\n</body></html>\n"
    )
