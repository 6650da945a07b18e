"""Trends: per scenario, RTO and RPO over time against the tier's targets, weekly percentiles, regressions.

Pure computations (`scenario_trends`) and one self-contained page (`trend_html`, like report.html:
inline CSS, plots as base64 PNG). For each scenario with runs in the window:

- every run's RTO (its lower bound when a journey was still down at the end, drawn hollow) and RPO
  over time, coloured by its verdict against the tier, with the tier's strict target (solid) and
  loose target (dashed) drawn, on a symmetric-log axis so 0.4 s and a 15 min target both read;
- per ISO week (Monday to Sunday, UTC): runs, pass rate, p50 and p90 (nearest rank) of RTO and RPO;
- a **regression** marker on a week whose p90 RTO is worse than `ratio` (default 1.5) times the p90
  RTO of the runs of the 28 days before that week began ("the previous month"). A previous month
  whose p90 is 0 (nothing was ever down) or that has no runs gives no ratio, so no marker.

The tier of a scenario is `tier` when given, else the tier its latest run in the window was judged
against; verdicts are read against that tier (judged again from the history when the run was judged
against another one: `harness.programme.records`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from harness import __version__
from harness.core.figures import duration_words
from harness.core.stats import nearest_rank
from harness.files.tiers import Tier
from harness.programme.pages import COLOURS, CSS, ENV, new_figure, png_uri, seconds_text
from harness.programme.records import RunRecord, iso

DEFAULT_RATIO = 1.5
BASELINE_DAYS = 28


@dataclass(frozen=True, slots=True)
class Week:
    label: str  # "2026-W48"
    start: date  # its Monday
    runs: int
    passes: int
    rto_p50: float | None
    rto_p90: float | None
    rpo_p50: float | None
    rpo_p90: float | None
    rto_bound: bool  # a lower bound (journey not back) is among the RTOs
    baseline_p90: float | None  # p90 RTO of the 28 days before the week
    regression: bool

    @property
    def pass_rate(self) -> float:
        return self.passes / self.runs if self.runs else 0.0


@dataclass(frozen=True, slots=True)
class ScenarioTrend:
    scenario: str
    tier: str
    targets: Tier | None
    runs: tuple[RunRecord, ...]
    verdicts: tuple[str, ...]  # each run's verdict against `tier`
    weeks: tuple[Week, ...]

    @property
    def pass_rate(self) -> float:
        return self.verdicts.count("pass") / len(self.verdicts) if self.verdicts else 0.0

    @property
    def regressions(self) -> list[Week]:
        return [week for week in self.weeks if week.regression]


def verdict_against(record: RunRecord, tier: str) -> str:
    judged = record.against(tier)
    return judged.verdict if judged is not None else "unknown"


def _monday(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def _p90_rto(runs: Sequence[RunRecord]) -> float | None:
    return nearest_rank([r.rto_value for r in runs if r.rto_value is not None], 90)


def weekly(runs: Sequence[RunRecord], tier: str, history: Sequence[RunRecord], ratio: float) -> list[Week]:
    """Per ISO week of `runs`; the regression baseline is read from `history` (runs before the window count)."""
    weeks: dict[date, list[RunRecord]] = {}
    for record in runs:
        weeks.setdefault(_monday(record.started), []).append(record)
    out: list[Week] = []
    for monday in sorted(weeks):
        members = weeks[monday]
        rtos = [r.rto_value for r in members if r.rto_value is not None]
        rpos = [r.rpo_seconds for r in members if r.rpo_seconds is not None]
        begin = datetime(monday.year, monday.month, monday.day, tzinfo=members[0].started.tzinfo)
        baseline_runs = [r for r in history if begin - timedelta(days=BASELINE_DAYS) <= r.started < begin]
        baseline = _p90_rto(baseline_runs)
        p90 = nearest_rank(rtos, 90)
        regression = baseline is not None and baseline > 0 and p90 is not None and p90 > ratio * baseline
        year, number, _ = monday.isocalendar()
        out.append(
            Week(
                label=f"{year}-W{number:02d}",
                start=monday,
                runs=len(members),
                passes=sum(verdict_against(r, tier) == "pass" for r in members),
                rto_p50=nearest_rank(rtos, 50),
                rto_p90=p90,
                rpo_p50=nearest_rank(rpos, 50),
                rpo_p90=nearest_rank(rpos, 90),
                rto_bound=any(r.rto_seconds is None and r.rto_seconds_at_least is not None for r in members),
                baseline_p90=baseline,
                regression=regression,
            )
        )
    return out


def scenario_trends(
    records: Sequence[RunRecord],
    tiers: Mapping[str, Tier],
    *,
    since: datetime | None,
    now: datetime,
    tier: str | None = None,
    ratio: float = DEFAULT_RATIO,
) -> list[ScenarioTrend]:
    """One trend per scenario with runs in [since, now], in name order. `records` may reach further back
    (the regression baseline of the first weeks reads them)."""
    by_scenario: dict[str, list[RunRecord]] = {}
    for record in sorted(records, key=lambda r: (r.started, r.path)):
        if record.started <= now:
            by_scenario.setdefault(record.scenario, []).append(record)
    trends = []
    for name in sorted(by_scenario):
        history = by_scenario[name]
        window = [r for r in history if since is None or r.started >= since]
        if not window:
            continue
        chosen = tier or window[-1].tier
        trends.append(
            ScenarioTrend(
                scenario=name,
                tier=chosen,
                targets=tiers.get(chosen),
                runs=tuple(window),
                verdicts=tuple(verdict_against(r, chosen) for r in window),
                weeks=tuple(weekly(window, chosen, history, ratio)),
            )
        )
    return trends


# --- the page ------------------------------------------------------------------------------------------------------


def trend_png(trend: ScenarioTrend, start: datetime, end: datetime) -> str:
    """RTO and RPO over time (two panels), targets drawn, weekly p90 per week, regression weeks shaded."""
    from matplotlib import dates as mdates

    fig = new_figure(11, 5.2)
    rto_ax, rpo_ax = fig.subplots(2, 1, sharex=True)
    fig.suptitle(f"{trend.scenario} \u2014 against {trend.tier}", fontsize=11)
    for ax, key, label in ((rto_ax, "rto", "RTO (s)"), (rpo_ax, "rpo", "RPO (s)")):
        for verdict in ("pass", "warn", "fail", "unknown"):
            xs: list[datetime] = []
            ys: list[float] = []
            hollow_x: list[datetime] = []
            hollow_y: list[float] = []
            for record, judged in zip(trend.runs, trend.verdicts, strict=True):
                if judged != verdict:
                    continue
                value = record.rto_value if key == "rto" else record.rpo_seconds
                if value is None:
                    continue
                bound = key == "rto" and record.rto_seconds is None
                (hollow_x if bound else xs).append(record.started)
                (hollow_y if bound else ys).append(value)
            if xs:
                ax.scatter(xs, ys, s=22, color=COLOURS[verdict], label=f"{verdict}", zorder=3)
            if hollow_x:
                ax.scatter(
                    hollow_x,
                    hollow_y,
                    s=30,
                    facecolors="none",
                    edgecolors=COLOURS[verdict],
                    label=f"{verdict} (at least)",
                )
        target = None if trend.targets is None else getattr(trend.targets, key)
        if target is not None:
            ax.axhline(target.strict, color="#0550ae", lw=1.2, label=f"target {duration_words(target.strict)}")
            if target.loose != target.strict:
                ax.axhline(
                    target.loose, color="#0550ae", lw=1, ls="--", label=f"warn up to {duration_words(target.loose)}"
                )
        p90 = [(w.start, w.rto_p90 if key == "rto" else w.rpo_p90) for w in trend.weeks]
        weeks = [(datetime(d.year, d.month, d.day, tzinfo=UTC), v) for d, v in p90 if v is not None]
        if weeks:  # each week's p90 over that week only: sparse weeks are not joined up
            ax.hlines(
                [v for _, v in weeks],
                [x for x, _ in weeks],
                [x + timedelta(days=7) for x, _ in weeks],
                color="#8250df",
                lw=1.5,
                label="weekly p90",
            )
        for week in trend.weeks:
            if week.regression and key == "rto":
                begin = datetime(week.start.year, week.start.month, week.start.day, tzinfo=UTC)
                ax.axvspan(begin, begin + timedelta(days=7), color="#cf222e", alpha=0.15, lw=0)
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_ylim(bottom=0)
        ax.set_xlim(start, end + (end - start) * 0.03)  # a run of today is drawn whole
        ax.set_ylabel(label)
        ax.grid(True, which="major", axis="y", color="#eaeef2")
        ax.legend(loc="upper left", fontsize=7, ncols=3)
    rpo_ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))  # type: ignore[no-untyped-call]
    rpo_ax.set_xlabel("run start (UTC); shaded: a week whose p90 RTO regressed")
    return png_uri(fig)


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>odoo-chaos trends {{ window }}</title>
<style>{{ css }}</style>
</head>
<body>
<h1>odoo-chaos: trends</h1>
<p class="meta">Runs from {{ window }} &middot; generated {{ generated }} &middot; odoo-chaos {{ version }}
 &middot; {{ total }} runs of {{ trends | length }} scenarios</p>
<p>RTO and RPO per run against the tier's targets (solid: strict, dashed: the warn band), weekly p50/p90
(nearest rank) and pass rate. A week is marked <span class="regression">REGRESSION</span> when its p90 RTO is
more than {{ ratio }}&times; the p90 RTO of the 28 days before it. A hollow point is a lower bound: a journey
was still down when the run ended.</p>
{% if regressions %}<div class="alert"><strong>Regressions:</strong>
{% for r in regressions %}{{ r }}{% if not loop.last %}; {% endif %}{% endfor %}</div>
{% else %}<div class="ok">No regression in the window.</div>{% endif %}
<table>
<tr><th>Scenario</th><th>Tier</th><th>Runs</th><th>Pass rate</th><th>Latest</th><th>Latest RTO</th>
<th>Latest RPO</th><th>Regressions</th></tr>
{% for t in rows %}<tr><td><a href="#{{ t.scenario }}">{{ t.scenario }}</a></td><td>{{ t.tier }}</td>
<td class="num">{{ t.runs }}</td><td class="num">{{ t.pass_rate }}</td>
<td><span class="badge" style="background: {{ colours[t.latest] }}">{{ t.latest }}</span> {{ t.latest_at }}</td>
<td class="num">{{ t.rto }}</td><td class="num">{{ t.rpo }}</td><td>{{ t.regressions }}</td></tr>
{% endfor %}</table>
{% for t in rows %}
<h2 id="{{ t.scenario }}">{{ t.scenario }} <span class="meta">against {{ t.tier }}</span></h2>
<p>{{ t.runs }} runs, pass rate {{ t.pass_rate }}. {% for s in t.targets %}{{ s }} {% endfor %}</p>
{% if t.plot %}<img class="plot" alt="RTO and RPO of {{ t.scenario }} over time" src="{{ t.plot }}">{% endif %}
<table>
<tr><th>Week</th><th>Runs</th><th>Pass rate</th><th>RTO p50</th><th>RTO p90</th><th>previous 28 d p90</th>
<th>RPO p50</th><th>RPO p90</th><th></th></tr>
{% for w in t.weeks %}<tr><td>{{ w.label }}</td><td class="num">{{ w.runs }}</td><td class="num">{{ w.pass_rate }}</td>
<td class="num">{{ w.rto_p50 }}</td><td class="num">{{ w.rto_p90 }}</td><td class="num">{{ w.baseline }}</td>
<td class="num">{{ w.rpo_p50 }}</td><td class="num">{{ w.rpo_p90 }}</td>
<td>{% if w.regression %}<span class="regression">REGRESSION</span>{% endif %}</td></tr>
{% endfor %}</table>
{% endfor %}
</body>
</html>
"""


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def _week_row(week: Week) -> dict[str, Any]:
    bound = "\u2265 " if week.rto_bound else ""
    return {
        "label": week.label,
        "runs": week.runs,
        "pass_rate": _pct(week.pass_rate),
        "rto_p50": bound + seconds_text(week.rto_p50) if week.rto_p50 is not None else seconds_text(None),
        "rto_p90": bound + seconds_text(week.rto_p90) if week.rto_p90 is not None else seconds_text(None),
        "baseline": seconds_text(week.baseline_p90),
        "rpo_p50": seconds_text(week.rpo_p50),
        "rpo_p90": seconds_text(week.rpo_p90),
        "regression": week.regression,
    }


def trend_html(
    trends: Sequence[ScenarioTrend],
    *,
    since: datetime | None,
    now: datetime,
    ratio: float = DEFAULT_RATIO,
    plots: bool = True,
) -> str:
    """The trends page: a summary table, then per scenario its plot and weekly table."""
    from harness.core.figures import target_sentences

    rows = []
    for trend in trends:
        latest = trend.runs[-1]
        targets: dict[str, Any] = {}
        if trend.targets is not None:
            t = trend.targets
            targets = {
                "rto": {"strict": t.rto.strict, "loose": t.rto.loose},
                "rpo": {"strict": t.rpo.strict, "loose": t.rpo.loose},
            }
        rows.append(
            {
                "scenario": trend.scenario,
                "tier": trend.tier,
                "runs": len(trend.runs),
                "pass_rate": _pct(trend.pass_rate),
                "latest": trend.verdicts[-1],
                "latest_at": latest.started_at[:16].replace("T", " "),
                "rto": seconds_text(latest.rto_value),
                "rpo": seconds_text(latest.rpo_seconds),
                "regressions": ", ".join(w.label for w in trend.regressions) or "none",
                "targets": target_sentences(targets),
                "plot": trend_png(trend, since or trend.runs[0].started, now) if plots else "",
                "weeks": [_week_row(w) for w in trend.weeks],
            }
        )
    regressions = [
        f"{t.scenario} {w.label} (p90 RTO {seconds_text(w.rto_p90)} vs {seconds_text(w.baseline_p90)})"
        for t in trends
        for w in t.regressions
    ]
    window = f"{iso(since)[:10] if since else 'the first run'} to {iso(now)[:10]}"
    return ENV.from_string(_TEMPLATE).render(
        css=CSS,
        window=window,
        generated=iso(now),
        version=__version__,
        total=sum(len(t.runs) for t in trends),
        trends=trends,
        rows=rows,
        ratio=f"{ratio:g}",
        regressions=regressions,
        colours=COLOURS,
    )
