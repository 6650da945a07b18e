"""The run as one self-contained HTML page: readable offline, attachable to an audit as a single file.

No external URL anywhere: the CSS is inline and the timeline plot is a PNG embedded as a base64
`data:` URI. The page is a jinja2 template (autoescaped: reasons and errors are text, never markup)
filled with figures pre-formatted in Python, so the template has no logic that can fail.

The template is `templates/report.html.j2` (package data); the plot is `harness.report.timeline`.
A plot that fails to render leaves a note in its place, not a missing page; `fallback_html` is the
page of last resort when the template itself fails.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2

from harness import __version__
from harness.core.figures import (
    DASH,
    by_journey_text,
    downtime_label,
    downtime_text,
    integer,
    margin,
    millis,
    percent,
    rto_text,
    seconds,
    seq_list,
    target_sentences,
)
from harness.core.history import Event
from harness.report.headline import GLOSSARY, PHASES, headline, key_figure
from harness.report.markdown import signature_text
from harness.report.model import AVAILABILITY, LATENCY, RPO, RTO, SCHEMA_VERSION, SESSIONS, RunSummary, outages_of
from harness.report.timeline import timeline_png

STATUS_COLOURS = {"pass": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e", "unknown": "#6e7781"}


# --- page ----------------------------------------------------------------------------------------------------------

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("harness.report", "templates"),  # report.html.j2, shipped as package data
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


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
        (
            downtime_label(availability.metrics if availability is not None else None, summary.pages),
            downtime_text(availability.metrics) if availability is not None else DASH,
        ),
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
            "version": _text(info.get("version"))
            + (f"; the image's release: {_text(info['version_in_image'])}" if info.get("version_in_image") else ""),
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
    return _ENV.get_template("report.html.j2").render(**_context(summary, plot, plot_error))


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
