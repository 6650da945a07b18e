"""A short Markdown summary of the run, to paste into a ticket, a change request or an audit file.

It opens with the verdict, what was tested (the stack and its images, the scenario's summary and
steps) and the two answers people look for first: which journey set the RTO, and whether any
acknowledged write was lost. Then the headline figures, one table row per check with a glossary
of the verdicts beside it, the tier's targets as sentences, and whether the evidence is signed.
Table cells are escaped so a reason containing `|` or a newline cannot break the table.
"""

from __future__ import annotations

from typing import Any

from harness.core.figures import (
    DASH,
    by_journey_text,
    downtime_label,
    downtime_text,
    integer,
    margin,
    rto_text,
    seconds,
    seq_list,
    target_sentences,
)
from harness.report.headline import GLOSSARY, headline, key_figure
from harness.report.model import AVAILABILITY, RPO, RTO, RunSummary, outages_of

_BADGE = {"pass": "PASS \u2705", "warn": "WARN \u26a0\ufe0f", "fail": "FAIL \u274c", "unknown": "UNKNOWN \u2754"}


def _cell(value: Any) -> str:
    text = str(value) if value not in (None, "") else DASH
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _line(value: Any) -> str:
    return str(value).replace("\r", " ").replace("\n", " ")


def signature_text(summary: RunSummary) -> str:
    if summary.signed_by:
        return (
            f"Evidence signed: SHA256SUMS.sig is an Ed25519 signature by key {summary.signed_by} over SHA256SUMS "
            "(verify with `odoo-chaos check RUNDIR --pubkey KEY.pub`)."
        )
    return (
        "Evidence unsigned: SHA256SUMS shows accidental damage only; anyone who can edit these files can regenerate "
        "it. Sign runs with `--sign-key` to make them tamper-evident."
    )


def report_md(summary: RunSummary) -> str:
    m = summary.metric
    rto = summary.find(RTO)
    availability = summary.find(AVAILABILITY)
    lost_seqs = seq_list(m(RPO, "lost_seqs"))
    lines = [
        f"## odoo-chaos: {_line(summary.scenario)} \u2014 {_BADGE.get(summary.verdict, summary.verdict.upper())}",
        "",
    ]
    lines += [f"**{_line(text)}**" for text in headline(summary)]
    lines += [
        "",
        f"- Tested: {_line(summary.tested or 'not recorded')}",
        f"- Scenario: {_line(summary.scenario_summary or summary.scenario)}"
        + (f" (`{_line(summary.scenario_file)}`)" if summary.scenario_file else ""),
    ]
    for step in summary.scenario_steps:
        lines.append(f"  - {_line(step)}")
    lines += [
        f"- Run `{summary.run_id}`, tier `{summary.tier}`; started {summary.started_at}, ended {summary.ended_at}",
    ]
    if summary.aborted_reason:
        lines.append(f"- **Aborted:** {_line(summary.aborted_reason)}")
    lines += [
        "",
        "| Figure | Value |",
        "| --- | --- |",
        f"| RTO | {_cell(rto_text(rto.metrics) if rto is not None else DASH)} |",
        f"| RTO per journey | {_cell(by_journey_text(rto.metrics) if rto is not None else '')} |",
        f"| RPO | {_cell(seconds(m(RPO, 'rpo_seconds')))}{' (at least: censored)' if m(RPO, 'rpo_censored') else ''} |",
        f"| Writes lost / acknowledged | {integer(m(RPO, 'lost_writes'))} / {integer(m(RPO, 'acknowledged_writes'))}"
        + (f" (first lost: {_cell(lost_seqs)})" if lost_seqs else "")
        + " |",
        f"| Writes indeterminate | {integer(m(RPO, 'indeterminate_writes'))} |",
        f"| {downtime_label(availability.metrics if availability is not None else None, summary.pages)} | "
        f"{_cell(downtime_text(availability.metrics) if availability is not None else DASH)} |",
        f"| Outages | {len(outages_of(summary))} |",
        "",
    ]
    if summary.verdicts:
        lines += ["| Check | Status | Target | Measured | Margin | Reason |", "| --- | --- | --- | --- | --- | --- |"]
        for v in summary.verdicts:
            lines.append(
                f"| {_cell(v.checker)} | {_cell(v.status)} | {_cell(v.target)} | {_cell(key_figure(v))}"
                f" | {_cell(margin(v.margin, v.unit))} | {_cell(v.reason)} |"
            )
        lines += ["", "How to read it: " + "; ".join(f"**{word}** {text}" for word, text in GLOSSARY) + "."]
    else:
        lines.append("_No checks reported._")
    sentences = target_sentences(summary.targets)
    if sentences:
        lines += ["", f"Targets of tier `{summary.tier}`: " + " ".join(sentences)]
    lines += ["", signature_text(summary)]
    return "\n".join(lines) + "\n"
