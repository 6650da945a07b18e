"""What a report opens with, shared by the HTML and Markdown reports (the formatters are `harness.core.figures`).

`key_figure` is the one figure a check is about, as its checker's registered `headline` wrote it
(the RTO and the journey that set it for `rto`, lost/acknowledged for `rpo`, the method and seconds
of each runbook step...), so no "Measured" cell is empty when the check measured something;
`headline` is what the first lines of a report say: which journey set the RTO and whether any
acknowledged write was lost. `GLOSSARY` is the words a verdict uses.
"""

from __future__ import annotations

from collections.abc import Mapping

from harness.core.figures import DASH, by_journey_text, count, rto_text, seconds
from harness.report.model import RPO, RTO, RunSummary, VerdictLike

PHASES: tuple[str, ...] = ("before", "during", "after")

GLOSSARY: tuple[tuple[str, str], ...] = (
    ("pass", "the figure met the strict target"),
    (
        "warn",
        "within the loose band between the strict and the loose target, or a finding to look at "
        "(an acknowledged write lost in a drill that can lose data, an outage nothing explains)",
    ),
    (
        "fail",
        "beyond the loose target, or a rule broken: data lost with no fault that can lose it, a split "
        "brain, a journey still down past its target, recovery by the harness where self-healing was expected",
    ),
    ("unknown", "the harness could not measure it (a probe fell silent, the run was too short or aborted): not a pass"),
    (
        "indeterminate",
        "a write whose outcome the client never learned (a timeout, a connection lost mid-commit); "
        "reported apart, never counted as lost",
    ),
    (
        "margin",
        "target minus measured, in the target's unit (seconds for RTO, RPO and downtime, percentage "
        "points for availability); positive is headroom",
    ),
)


def key_figure(verdict: VerdictLike) -> str:
    """The figure the check judges, in words (its checker's `headline`, filled in by `run_checkers`);
    an em dash when the check measured nothing."""
    figure = verdict.figure
    return figure if isinstance(figure, str) and figure else DASH


def headline(summary: RunSummary) -> list[str]:
    """The first lines of a report: which journey set the RTO, and whether any acknowledged write was lost."""
    m = summary.metric
    lines: list[str] = []
    if summary.aborted_reason:
        return [f"The run aborted: {summary.aborted_reason}. Nothing was judged."]
    rto = summary.find(RTO)
    if rto is not None and isinstance(rto.metrics, Mapping):
        metrics = rto.metrics
        if not metrics.get("injected"):
            lines.append("No fault was injected: there was nothing to recover from.")
        else:
            journey = metrics.get("rto_journey")
            by = metrics.get("recovered_by_detail")
            others = by_journey_text(metrics)
            lines.append(
                f"RTO {rto_text(metrics)}"
                + (f", set by {journey}" if isinstance(journey, str) else "")
                + (
                    ", never interrupted"
                    if metrics.get("recovered_by") == "unaffected"
                    else f", brought back by {by}"
                    if isinstance(by, str) and by
                    else ""
                )
                + (f". Per journey: {others}." if others else ".")
            )
    lost, acked = count(m(RPO, "lost_writes")), count(m(RPO, "acknowledged_writes"))
    if lost is None:
        lines.append("Lost writes: not counted (no final read).")
    elif lost == 0:
        lines.append(f"No acknowledged write was lost (0 of {acked}).")
    else:
        lines.append(f"{lost} of {acked} acknowledged writes were LOST (RPO {seconds(m(RPO, 'rpo_seconds'))}).")
    return lines
