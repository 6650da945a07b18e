"""A short Markdown summary of the run, to paste into a ticket or a change request.

The verdict first, then the headline figures (RTO with its resolution, RPO, writes lost of those
acknowledged, availability, outages) and one table row per check. Table cells are escaped so a
reason containing `|` or a newline cannot break the table.
"""

from __future__ import annotations

from typing import Any

from harness.report.figures import DASH, integer, key_figure, margin, percent, rto_text, seconds, seq_list
from harness.report.model import AVAILABILITY, RPO, RTO, RunSummary, outages_of

_BADGE = {"pass": "PASS \u2705", "warn": "WARN \u26a0\ufe0f", "fail": "FAIL \u274c", "unknown": "UNKNOWN \u2754"}


def _cell(value: Any) -> str:
    text = str(value) if value not in (None, "") else DASH
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def report_md(summary: RunSummary) -> str:
    m = summary.metric
    rto = summary.find(RTO)
    lost_seqs = seq_list(m(RPO, "lost_seqs"))
    lines = [
        f"## odoo-chaos: {summary.scenario} \u2014 {_BADGE.get(summary.verdict, summary.verdict.upper())}",
        "",
        f"- Run: `{summary.run_id}`, tier `{summary.tier}`",
        f"- Started {summary.started_at}, ended {summary.ended_at}",
    ]
    if summary.aborted_reason:
        lines.append(f"- **Aborted:** {summary.aborted_reason}")
    lines += [
        "",
        "| Figure | Value |",
        "| --- | --- |",
        f"| RTO | {_cell(rto_text(rto.metrics) if rto is not None else DASH)} |",
        f"| RPO | {_cell(seconds(m(RPO, 'rpo_seconds')))} |",
        f"| Writes lost / acknowledged | {integer(m(RPO, 'lost_writes'))} / {integer(m(RPO, 'acknowledged_writes'))}"
        + (f" (first lost: {_cell(lost_seqs)})" if lost_seqs else "")
        + " |",
        f"| Writes indeterminate | {integer(m(RPO, 'indeterminate_writes'))} |",
        f"| Availability | {percent(m(AVAILABILITY, 'availability'))} |",
        f"| Outages | {len(outages_of(summary))} |",
        "",
    ]
    if summary.verdicts:
        lines += ["| Check | Status | Target | Measured | Margin | Reason |", "| --- | --- | --- | --- | --- | --- |"]
        for v in summary.verdicts:
            lines.append(
                f"| {_cell(v.checker)} | {_cell(v.status)} | {_cell(v.target)} | {_cell(key_figure(v))}"
                f" | {_cell(margin(v.margin))} | {_cell(v.reason)} |"
            )
    else:
        lines.append("_No checks reported._")
    return "\n".join(lines) + "\n"
