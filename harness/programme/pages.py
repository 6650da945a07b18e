"""What trend.html and audit.html share with report.html: the look, verdict colours, and plots as data: URIs.

Pages are self-contained (no external URL): inline CSS, plots drawn with matplotlib's object API on
an Agg canvas (no pyplot, no global figure registry) and embedded as base64 PNG. `PLOT` finds them
again, so a checker can compare a page with its re-rendering while ignoring the pixels.
"""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import jinja2

from harness.report.html import STATUS_COLOURS

COLOURS = {**STATUS_COLOURS, "fresh": "#1a7f37", "stale": "#cf222e", "missing": "#cf222e"}
PLOT = re.compile(r'src="data:image/png;base64,[A-Za-z0-9+/=]*"')
PLOT_PLACEHOLDER = 'src="data:image/png;base64,PLOT"'

ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1200px;
       padding: 0 1em; color: #1f2328; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #d0d7de; padding-bottom: .2em; }
h3 { font-size: 1.02em; margin: 1.2em 0 .3em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #d0d7de; padding: .3em .6em; text-align: left; vertical-align: top; font-size: .9em; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: .1em .6em; border-radius: 1em; color: #fff; font-weight: 600;
         font-size: .9em; }
.meta { color: #59636e; }
.note { color: #6e7781; font-style: italic; }
.alert { border: 2px solid #cf222e; background: #ffebe9; padding: .6em 1em; border-radius: .4em; margin: 1em 0; }
.ok { border: 2px solid #1a7f37; background: #dafbe1; padding: .6em 1em; border-radius: .4em; margin: 1em 0; }
.regression { color: #cf222e; font-weight: 600; }
img.plot { max-width: 100%; border: 1px solid #d0d7de; }
code { font-size: .9em; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; margin: .5em 0; }
dl.facts dt { font-weight: 600; color: #414a53; }
dl.facts dd { margin: 0; }
"""


def png_uri(fig: Any) -> str:
    """Render a matplotlib Figure (Agg canvas attached) to a PNG data: URI, then free it."""
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", metadata={"Software": None})
    finally:
        fig.clear()
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def new_figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def without_plots(page: str) -> str:
    """The page with every embedded PNG replaced by a placeholder (to compare figures, not pixels)."""
    return PLOT.sub(PLOT_PLACEHOLDER, page)


def seconds_text(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "\u2014"
    if value >= 3600:
        return f"{value / 3600:.1f} h"
    if value >= 600:
        return f"{value / 60:.0f} min"
    return f"{value:.{digits}f} s"
