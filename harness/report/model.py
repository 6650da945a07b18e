"""What a finished run is, as one value, and the `report.json` every other report is checked against.

`RunSummary` gathers what the runner knows at the end of a run (scenario, tier, targets, the stack as
it ran, the checkers' verdicts, the overall verdict). `report_json` flattens it into a stable,
versioned document: the headline figures at the top level (RTO, RPO, lost writes, availability...),
every verdict under `checks`. Any verdict may be missing or `unknown` with empty metrics (an aborted
run, a checker that could not decide): the figure is then `null`, never an exception, so a report is
always written. Verdicts are typed structurally (`VerdictLike`), so this package does not depend on
`harness.checkers`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from harness.core.figures import count, jsonable, number

Status = Literal["pass", "warn", "fail", "unknown"]
STATUSES: tuple[str, ...] = ("pass", "warn", "fail", "unknown")

SCHEMA_VERSION = 2  # 2: RTO per journey (stable), lower bounds, censored RPO, invisible/diverged writes, signing

# Checker names (`Verdict.checker`) the reports know how to present.
RTO = "rto"
RPO = "rpo"
OUTAGES = "outages"
AVAILABILITY = "availability"
LATENCY = "latency"
SESSIONS = "sessions"


class VerdictLike(Protocol):
    """The shape of `harness.checkers.base.Verdict` (read-only, so frozen dataclasses match)."""

    @property
    def checker(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def metrics(self) -> Mapping[str, Any]: ...

    @property
    def target(self) -> str: ...

    @property
    def margin(self) -> float | None: ...

    @property
    def reason(self) -> str: ...

    @property
    def unit(self) -> str: ...

    @property
    def figure(self) -> str: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    run_id: str
    scenario: str  # scenario name
    tier: str  # tier name
    targets: dict[str, Any]  # the tier's targets as checked, JSON-ready
    started_at: str  # UTC ISO 8601
    ended_at: str  # UTC ISO 8601
    stack: dict[str, dict[str, str]]  # service -> {"image", "image_id", "version"}
    verdicts: Sequence[VerdictLike]
    verdict: Status  # overall
    probe_period: float  # seconds between probe operations
    scenario_file: str | None = None
    aborted_reason: str | None = None
    scenario_summary: str = ""
    scenario_steps: tuple[str, ...] = ()
    tested: str = ""  # what was tested, in words (the reference stack and its images, or a named target)
    signed_by: str | None = None  # the signing key's fingerprint; None: unsigned

    def find(self, checker: str) -> VerdictLike | None:
        """The first verdict of `checker`, or None when that checker did not report."""
        return next((v for v in self.verdicts if v.checker == checker), None)

    def metric(self, checker: str, key: str) -> Any:
        """`metrics[key]` of the `checker` verdict; None when the verdict or the key is missing."""
        found = self.find(checker)
        if found is None:
            return None
        try:
            return found.metrics.get(key)
        except AttributeError:  # metrics not a mapping: treat as missing
            return None


def outages_of(summary: RunSummary) -> list[dict[str, Any]]:
    """The outages verdict's windows (dicts only), [] when absent."""
    raw = summary.metric(OUTAGES, "outages")
    if not isinstance(raw, list | tuple):
        return []
    return [dict(item) for item in raw if isinstance(item, Mapping)]


def check_entry(verdict: VerdictLike) -> dict[str, Any]:
    return {
        "checker": str(verdict.checker),
        "status": verdict.status if verdict.status in STATUSES else "unknown",
        "target": str(verdict.target or ""),
        "margin": number(verdict.margin),
        "margin_unit": "fraction" if verdict.unit == "fraction" else "s",
        "reason": str(verdict.reason or ""),
        "figure": str(verdict.figure or ""),
        "metrics": jsonable(verdict.metrics) if isinstance(verdict.metrics, Mapping) else {},
    }


def report_json(summary: RunSummary) -> dict[str, Any]:
    """The content of `report.json` (schema_version 2): headline figures, then every check.

    Every top-level figure is copied from the check it belongs to (never computed apart), so the
    headline cannot contradict a check; `odoo-chaos check` recomputes both from the history.
    """
    m = summary.metric
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "run_id": summary.run_id,
        "scenario": summary.scenario,
        "scenario_file": summary.scenario_file,
        "scenario_summary": summary.scenario_summary,
        "scenario_steps": list(summary.scenario_steps),
        "tested": summary.tested,
        "tier": summary.tier,
        "verdict": summary.verdict if summary.verdict in STATUSES else "unknown",
        "aborted_reason": summary.aborted_reason,
        "started_at": summary.started_at,
        "ended_at": summary.ended_at,
        "probe_period": number(summary.probe_period),
        "signed_by": summary.signed_by,
        "rto_seconds": number(m(RTO, "rto_seconds")),
        "rto_seconds_at_least": number(m(RTO, "rto_seconds_at_least")),
        "rto_journey": jsonable(m(RTO, "rto_journey")),
        "rto_by_journey": jsonable(m(RTO, "rto_by_journey")),
        "recovered_by": jsonable(m(RTO, "recovered_by")),
        "rto_first_success_seconds": number(m(RTO, "rto_first_success_seconds")),
        "rto_resolution_seconds": number(m(RTO, "rto_resolution_seconds")),
        "oracle_rto_seconds": number(m(RTO, "oracle_rto_seconds")),
        "fault_injected_at": jsonable(m(RTO, "fault_injected_at")),
        "recovered_at": jsonable(m(RTO, "recovered_at")),
        "rpo_seconds": number(m(RPO, "rpo_seconds")),
        "rpo_censored": jsonable(m(RPO, "rpo_censored")),
        "acknowledged_writes": count(m(RPO, "acknowledged_writes")),
        "lost_writes": count(m(RPO, "lost_writes")),
        "lost_seqs": jsonable(m(RPO, "lost_seqs")),
        "invisible_writes": count(m(RPO, "invisible_writes")),
        "diverged_writes": count(m(RPO, "diverged_writes")),
        "indeterminate_writes": count(m(RPO, "indeterminate_writes")),
        "recovered_writes": count(m(RPO, "recovered_writes")),
        "unexpected_writes": count(m(RPO, "unexpected_writes")),
        "duplicate_writes": count(m(RPO, "duplicate_writes")),
        "availability": number(m(AVAILABILITY, "availability")),
        "availability_journey": jsonable(m(AVAILABILITY, "availability_journey")),
        "downtime_seconds": number(m(AVAILABILITY, "downtime_seconds")),
        "monthly_budget_seconds": number(m(AVAILABILITY, "monthly_budget_seconds")),
        "error_budget_used": number(m(AVAILABILITY, "error_budget_used")),
        "sessions": count(m(SESSIONS, "sessions")),
        "sessions_lost": count(m(SESSIONS, "sessions_lost")),
        "outages": jsonable(outages_of(summary)),
        "targets": jsonable(summary.targets),
        "stack": jsonable(summary.stack),
        "checks": [check_entry(v) for v in summary.verdicts],
    }
    return document
