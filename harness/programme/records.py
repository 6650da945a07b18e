"""One run directory as one `RunRecord`: what the index, trends, freshness and the audit pack read.

Only a directory whose `SHA256SUMS` verifies becomes a record (`harness.report.writer.verify_run_dir`);
anything else is a `Skipped` with the reason, never an exception. A record holds the headline figures
of `report.json` (schema 2), the stack's versions, and the run's verdict against *every* tier of the
tiers file:

- against the tier the run was judged with, the verdict and checks stored in `report.json`;
- against any other tier, the verdict its history earns when judged again with that tier
  (`harness.verdict.judgement.judge_run`, with the scenario's own `checks` applied, exactly as
  `odoo-chaos check --tier` does). One region-loss drill thus proves Odoo Online's data-center
  promise *and* Tier 1's regional-outage row without running twice.

The stack mode (`manual` failover by runbook on the reference stack, or e.g. `patroni`) comes from a
`mode` field of report.json when a future schema writes one, else it is `manual`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.core.figures import count, number
from harness.files.tiers import Tier
from harness.report.model import SCHEMA_VERSION
from harness.report.writer import verify_run_dir

DEFAULT_MODE = "manual"
CAMPAIGN_NAME = re.compile(r"^\d{8}T\d{6}Z-campaign-[A-Za-z0-9]+$")
VERDICTS: tuple[str, ...] = ("pass", "warn", "fail", "unknown")

# Which component a service of the stack belongs to, by its name (the reference stack's names).
_COMPONENTS: tuple[tuple[str, str], ...] = (
    ("odoo", "odoo"),
    ("pg-", "postgresql"),
    ("backup", "postgresql"),
    ("redis", "redis"),
    ("traefik", "traefik"),
    ("etcd", "etcd"),
    ("patroni", "patroni"),
    ("haproxy", "haproxy"),
)
_VERSION = re.compile(r"\d+(?:\.\d+)+")


@dataclass(frozen=True, slots=True)
class Issue:
    """A check that did not pass: `sessions warn "3 of 4 logged-in users were logged out"`."""

    checker: str
    status: str
    reason: str


@dataclass(frozen=True, slots=True)
class TierVerdict:
    """The run's verdict against one tier, and every check that did not pass."""

    tier: str
    verdict: str
    issues: tuple[Issue, ...] = ()
    own: bool = False  # the tier the run was judged with (stored verdict), not judged again


@dataclass(frozen=True, slots=True)
class RunRecord:
    path: str  # the run directory relative to the reports directory (POSIX)
    run_id: str
    scenario: str
    tier: str  # the tier the run was judged with
    verdict: str  # against that tier
    started_at: str  # UTC ISO 8601, as report.json says
    ended_at: str
    rto_seconds: float | None
    rto_seconds_at_least: float | None
    rto_journey: str | None
    rpo_seconds: float | None
    rpo_censored: bool
    lost_writes: int | None
    acknowledged_writes: int | None
    availability: float | None
    aborted_reason: str | None
    signed_by: str | None
    mode: str
    campaign: str | None  # the campaign directory (relative), when the run was part of one
    versions: Mapping[str, str]  # component -> version(s), e.g. {"odoo": "11.0", "postgresql": "15.18"}
    stack: Mapping[str, Any]  # service -> {image, image_id, version}, as report.json says
    verdicts: tuple[TierVerdict, ...] = field(default=())

    @property
    def started(self) -> datetime:
        return parse_time(self.started_at)

    @property
    def rto_value(self) -> float | None:
        """The RTO, or its lower bound when the journey was still down at the end."""
        return self.rto_seconds if self.rto_seconds is not None else self.rto_seconds_at_least

    def against(self, tier: str) -> TierVerdict | None:
        return next((v for v in self.verdicts if v.tier == tier), None)

    def versions_text(self) -> str:
        return ", ".join(f"{name} {version}" for name, version in sorted(self.versions.items())) or "-"


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (`Z` or an offset) as an aware UTC datetime; ValueError otherwise."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_campaign_dir(path: Path) -> bool:
    """A campaign directory: named `<UTC>-campaign-<run>` by `harness.drill.campaign`, or holding its summary.json."""
    return path.is_dir() and (bool(CAMPAIGN_NAME.match(path.name)) or (path / "summary.json").is_file())


def looks_like_run_dir(path: Path) -> bool:
    """A run directory, finished or not (an audit pack kept beside the reports is not one)."""
    if not path.is_dir() or (path / "pack.json").exists():
        return False
    return any((path / name).exists() for name in ("report.json", "SHA256SUMS", "history.jsonl"))


def component_versions(stack: Mapping[str, Any]) -> dict[str, str]:
    """{"odoo": "11.0", "postgresql": "15.18", "redis": "7.0.15", "traefik": "3.7.15"} from report.json's stack."""
    found: dict[str, set[str]] = {}
    for service, info in stack.items():
        if not isinstance(info, Mapping):
            continue
        component = next((name for prefix, name in _COMPONENTS if service.startswith(prefix)), service)
        text = str(info.get("version") or "")
        match = _VERSION.search(text)
        found.setdefault(component, set()).add(match.group(0) if match else (text or "?"))
    return {name: "/".join(sorted(versions)) for name, versions in sorted(found.items())}


def _issues(checks: Any) -> tuple[Issue, ...]:
    if not isinstance(checks, list):
        return ()
    return tuple(
        Issue(str(c.get("checker")), str(c.get("status")), str(c.get("reason") or ""))
        for c in checks
        if isinstance(c, Mapping) and c.get("status") != "pass"
    )


def _read_json(path: Path) -> Any:
    from harness.verdict.recheck import read_json

    return read_json(path)


def judge_again(run_dir: Path, tiers: Sequence[Tier]) -> list[TierVerdict]:
    """The run's verdict against each of `tiers`, judged again from its history (`check --tier`'s recipe)."""
    from harness.core.history import load
    from harness.scenario.model import scenario_from_record
    from harness.verdict.judgement import judge_run, with_checks

    scenario = scenario_from_record(_read_json(run_dir / "evidence" / "scenario.json"))
    events = load(run_dir / "history.jsonl")
    judged = []
    for tier in tiers:
        result = judge_run(scenario, with_checks(tier, scenario), events)
        issues = tuple(Issue(v.checker, v.status, v.reason) for v in result.verdicts if v.status != "pass")
        if result.aborted_reason is not None:
            issues = (Issue("run", "unknown", f"aborted: {result.aborted_reason}"),)
        judged.append(TierVerdict(tier.name, result.verdict, issues))
    return judged


def read_run(run_dir: Path, root: Path, tiers: Mapping[str, Tier]) -> RunRecord | Skipped:
    """The record of `run_dir` (relative to `root`), or why it is skipped. Never raises for a bad directory."""
    relative = run_dir.relative_to(root).as_posix()
    problems = verify_run_dir(run_dir)
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        return Skipped(relative, f"does not verify: {problems[0]}{more}")
    try:
        report = _read_json(run_dir / "report.json")
    except ValueError as exc:
        return Skipped(relative, f"report.json: {exc}")
    if not isinstance(report, dict):
        return Skipped(relative, "report.json: not a JSON object")
    if report.get("schema_version") != SCHEMA_VERSION:
        return Skipped(relative, f"report.json: schema_version {report.get('schema_version')!r}, the index reads 2")
    try:
        parse_time(str(report.get("started_at")))
    except ValueError:
        return Skipped(relative, f"report.json: started_at {report.get('started_at')!r} is not a UTC time")
    own = str(report.get("tier") or "")
    verdict = str(report.get("verdict")) if report.get("verdict") in VERDICTS else "unknown"
    verdicts = [TierVerdict(own, verdict, _issues(report.get("checks")), own=True)]
    others = [tier for name, tier in sorted(tiers.items()) if name != own]
    try:
        verdicts += judge_again(run_dir, others)
    except (ValueError, OSError) as exc:  # a malformed history or scenario record: the stored verdict only
        return Skipped(relative, f"cannot judge it against the other tiers: {exc}")
    raw_stack = report.get("stack")
    stack: dict[str, Any] = raw_stack if isinstance(raw_stack, dict) else {}
    parent = run_dir.parent
    campaign = parent.relative_to(root).as_posix() if parent != root and is_campaign_dir(parent) else None
    journey = report.get("rto_journey")
    return RunRecord(
        path=relative,
        run_id=str(report.get("run_id") or ""),
        scenario=str(report.get("scenario") or ""),
        tier=own,
        verdict=verdict,
        started_at=str(report.get("started_at")),
        ended_at=str(report.get("ended_at") or ""),
        rto_seconds=number(report.get("rto_seconds")),
        rto_seconds_at_least=number(report.get("rto_seconds_at_least")),
        rto_journey=journey if isinstance(journey, str) else None,
        rpo_seconds=number(report.get("rpo_seconds")),
        rpo_censored=bool(report.get("rpo_censored")),
        lost_writes=count(report.get("lost_writes")),
        acknowledged_writes=count(report.get("acknowledged_writes")),
        availability=number(report.get("availability")),
        aborted_reason=str(report["aborted_reason"]) if report.get("aborted_reason") else None,
        signed_by=str(report["signed_by"]) if report.get("signed_by") else None,
        mode=str(report.get("mode") or DEFAULT_MODE),
        campaign=campaign,
        versions=component_versions(stack),
        stack=stack,
        verdicts=tuple(sorted(verdicts, key=lambda v: v.tier)),
    )


def record_to_json(record: RunRecord) -> dict[str, Any]:
    """A record as plain JSON (the audit pack's pack.json holds these)."""
    return {
        "path": record.path,
        "run_id": record.run_id,
        "scenario": record.scenario,
        "tier": record.tier,
        "verdict": record.verdict,
        "started_at": record.started_at,
        "ended_at": record.ended_at,
        "rto_seconds": record.rto_seconds,
        "rto_seconds_at_least": record.rto_seconds_at_least,
        "rto_journey": record.rto_journey,
        "rpo_seconds": record.rpo_seconds,
        "rpo_censored": record.rpo_censored,
        "lost_writes": record.lost_writes,
        "acknowledged_writes": record.acknowledged_writes,
        "availability": record.availability,
        "aborted_reason": record.aborted_reason,
        "signed_by": record.signed_by,
        "mode": record.mode,
        "campaign": record.campaign,
        "versions": dict(record.versions),
        "stack": json.loads(json.dumps(record.stack)),
        "verdicts": [
            {
                "tier": v.tier,
                "verdict": v.verdict,
                "own": v.own,
                "issues": [[i.checker, i.status, i.reason] for i in v.issues],
            }
            for v in record.verdicts
        ],
    }


def record_from_json(data: Mapping[str, Any]) -> RunRecord:
    """The inverse of `record_to_json` (KeyError/TypeError on a malformed document)."""
    return RunRecord(
        path=str(data["path"]),
        run_id=str(data["run_id"]),
        scenario=str(data["scenario"]),
        tier=str(data["tier"]),
        verdict=str(data["verdict"]),
        started_at=str(data["started_at"]),
        ended_at=str(data["ended_at"]),
        rto_seconds=number(data["rto_seconds"]),
        rto_seconds_at_least=number(data["rto_seconds_at_least"]),
        rto_journey=data["rto_journey"] if isinstance(data["rto_journey"], str) else None,
        rpo_seconds=number(data["rpo_seconds"]),
        rpo_censored=bool(data["rpo_censored"]),
        lost_writes=count(data["lost_writes"]),
        acknowledged_writes=count(data["acknowledged_writes"]),
        availability=number(data["availability"]),
        aborted_reason=data["aborted_reason"],
        signed_by=data["signed_by"],
        mode=str(data["mode"]),
        campaign=data["campaign"],
        versions=dict(data["versions"]),
        stack=dict(data["stack"]),
        verdicts=tuple(
            TierVerdict(
                str(v["tier"]), str(v["verdict"]), tuple(Issue(*map(str, i)) for i in v["issues"]), bool(v["own"])
            )
            for v in data["verdicts"]
        ),
    )
