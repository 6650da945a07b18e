"""What a finished run is, as one value, and the `report.json` every other report is checked against.

`RunSummary` gathers what the runner knows at the end of a run (scenario, tier, targets, the stack as
it ran, the checkers' verdicts, the overall verdict). `report_json` flattens it into a stable,
versioned document: the headline figures at the top level (RTO, RPO, lost writes, availability...),
every verdict under `checks`. Any verdict may be missing or `unknown` with empty metrics (an aborted
run, a checker that could not decide): the figure is then `null`, never an exception, so a report is
always written. Verdicts are typed structurally (`VerdictLike`); the top-level figures come from the
checkers' report cards (`harness.checkers` registry, one floor down), so a checker's figures are named
where the checker is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from harness.checkers import CHECKERS, Checker, checker_names
from harness.core.figures import jsonable, number

Status = Literal["pass", "warn", "fail", "unknown"]
STATUSES: tuple[str, ...] = ("pass", "warn", "fail", "unknown")

PAGES = 2  # 2: the figures table says Availability (not Downtime) for a run without an incident
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
    pages: int = 2  # how report.md / report.html lay the figures out (PAGES); 1: as before `pages` existed

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

    Every top-level figure is copied from the check that owns it (each checker's report card, declared
    where it is registered; never computed apart), so the headline cannot contradict a check, and this
    module names no checker's metric; `odoo-chaos check` recomputes both from the history.
    """
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
        "targets": jsonable(summary.targets),
        "stack": jsonable(summary.stack),
        "checks": [check_entry(v) for v in summary.verdicts],
    }
    if summary.pages != 1:  # a run directory written before `pages` existed is rechecked as it was laid out
        document["pages"] = summary.pages
    figures = {f.key: f.read(summary.metric(c.name, f.source)) for c in report_cards() for f in c.card}
    head = list(document)[: list(document).index("signed_by") + 1]
    return {key: document[key] for key in head} | figures | {k: v for k, v in document.items() if k not in head}


def report_cards() -> list[Checker]:
    """Every registered checker that owns report.json figures, in report order (the figures' order too)."""
    return [CHECKERS[name] for name in checker_names(CHECKERS) if CHECKERS[name].card]
