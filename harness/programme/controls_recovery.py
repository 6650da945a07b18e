"""Availability and backup controls, judged from what was observed (pure): the hot standby, the backups held
and where, the latest restore test, a manual backup restored. See `harness.programme.controls`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from harness.core.history import LAG, Event, pair
from harness.files.backup_policy import RepositoryRetention, RetentionPolicy, RetentionReport, check, simulate
from harness.programme.controls import (
    BACKUP_COPIES,
    BACKUP_RETENTION,
    HOT_STANDBY,
    MANUAL_BACKUP,
    RESTORE_TEST,
    Control,
    listing,
    size_text,
)
from harness.programme.freshness import DrillStatus, age_text

# "replicated in real-time": a streaming standby at most one WAL segment and one second behind.
REAL_TIME_LAG_BYTES = 16 * 1024 * 1024
REAL_TIME_LAG_SECONDS = 1.0
RESTORE_DRILL = "backup-restore-drill"  # the programme's restore test


# --- hot standby ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Replica:
    """One row of pg_stat_replication on the primary."""

    name: str  # application_name
    state: str
    lag_bytes: float | None
    lag_seconds: float | None


@dataclass(frozen=True, slots=True)
class LagSummary:
    """The replication probe's samples over one run (`history.jsonl`)."""

    run: str  # the run directory's name
    samples: int  # samples that reached the primary
    without_standby: int  # of those, samples with no streaming standby (a drill's faults)
    max_lag_seconds: float | None
    max_lag_bytes: float | None


def parse_replicas(text: str) -> list[Replica]:
    """`psql -At -F '|'` rows of pg_stat_replication: name|state|lag bytes|lag seconds (empty: NULL)."""

    def number(value: str) -> float | None:
        return float(value) if value.strip() else None

    found = []
    for line in text.splitlines():
        if line.strip():
            name, state, size, seconds = [*line.split("|"), "", "", ""][:4]
            found.append(Replica(name, state, number(size), number(seconds)))
    return found


def lag_summary(events: Iterable[Event], run: str) -> LagSummary | None:
    """The worst replication lag the run's `lag` probe saw while a standby streamed; None without samples."""
    samples = [op.completion.value for op in pair(events) if op.f == LAG and op.kind == "ok" and op.completion]
    if not samples:
        return None
    streaming = [v for v in samples if int(v.get("standbys") or 0) > 0]
    seconds = [float(v["lag_seconds"]) for v in streaming if isinstance(v.get("lag_seconds"), int | float)]
    sizes = [float(v["lag_bytes"]) for v in streaming if isinstance(v.get("lag_bytes"), int | float)]
    return LagSummary(
        run=run,
        samples=len(samples),
        without_standby=len(samples) - len(streaming),
        max_lag_seconds=max(seconds) if seconds else None,
        max_lag_bytes=max(sizes) if sizes else None,
    )


def _last_run_text(summary: LagSummary) -> str:
    worst = [] if summary.max_lag_seconds is None else [f"{summary.max_lag_seconds:.3f} s"]
    worst += [] if summary.max_lag_bytes is None else [size_text(summary.max_lag_bytes)]
    text = f"last run {summary.run}: worst lag {' / '.join(worst) or 'not measured'} over {summary.samples} samples"
    if summary.without_standby:
        text += f" ({summary.without_standby} without a streaming standby: judged by the run's redundancy check)"
    return text


def judge_hot_standby(
    primary: str | None,
    replicas: Sequence[Replica],
    hot: dict[str, bool],
    last_run: LagSummary | None,
    checked_at: str,
) -> Control:
    """A standby streams within REAL_TIME_LAG_* of the primary and answers queries (hot); the last run's worst
    lag above REAL_TIME_LAG_SECONDS is a warning (drills' deliberate outages are the redundancy check's)."""
    if primary is None:
        return Control(HOT_STANDBY, "fail", "no PostgreSQL primary is running", checked_at)
    streaming = [r for r in replicas if r.state == "streaming"]
    if not streaming:
        seen = ", ".join(f"{r.name} {r.state}" for r in replicas) or "no standby connected"
        return Control(HOT_STANDBY, "fail", f"no standby streams from {primary} ({seen})", checked_at)
    lagging = [
        r for r in streaming if (r.lag_bytes or 0) > REAL_TIME_LAG_BYTES or (r.lag_seconds or 0) > REAL_TIME_LAG_SECONDS
    ]
    limit = f"real time: at most {size_text(REAL_TIME_LAG_BYTES)} and {REAL_TIME_LAG_SECONDS:g} s"
    best = min(streaming, key=lambda r: (r in lagging, r.lag_bytes or 0))
    now = f"{size_text(best.lag_bytes or 0)} / {best.lag_seconds or 0:.3f} s"
    if best in lagging:
        return Control(HOT_STANDBY, "fail", f"{best.name} streams from {primary} {now} behind ({limit})", checked_at)
    if not hot.get(best.name, False):
        detail = f"{best.name} streams from {primary} but answers no query: not a hot standby"
        return Control(HOT_STANDBY, "fail", detail, checked_at)
    detail = f"{best.name} streams from {primary}, lag now {now}, answers queries (hot)"
    if last_run is None:
        return Control(HOT_STANDBY, "pass", detail + "; no run recorded to judge the lag over time", checked_at)
    detail += "; " + _last_run_text(last_run)
    if (last_run.max_lag_seconds or 0) > REAL_TIME_LAG_SECONDS:
        return Control(HOT_STANDBY, "warn", detail + f" (beyond {REAL_TIME_LAG_SECONDS:g} s)", checked_at)
    return Control(HOT_STANDBY, "pass", detail, checked_at)


# --- backups -------------------------------------------------------------------------------------------------------


def _buckets(report: RetentionReport) -> str:
    return ", ".join(f"{b.bucket} {b.covered}/{b.required}" for b in report.buckets if b.required)


def retention_ever_kept(policy: RetentionPolicy, repository: RepositoryRetention, now: datetime) -> bool:
    """Would the repository's schedule and expiry keep the promise once it has run long enough (simulated)?"""
    days = 400 + (
        repository.retention_full * repository.full_every_days
        if repository.retention_full_type == "count"
        else repository.retention_full
    )
    held = simulate(repository, days, now - timedelta(days=days))
    return bool(held) and check(policy, held, held[-1]).satisfied


def judge_retention(
    policy: RetentionPolicy, fulls: Sequence[datetime], now: datetime, kept_in_time: bool, checked_at: str
) -> Control:
    """The full backups held against the promise's slots; `kept_in_time`: the configured retention would keep it."""
    report = check(policy, fulls, now)
    plural = "" if report.held == 1 else "s"
    head = f"{report.held} full backup{plural} held, {report.counted}/{report.needed} slots filled ({_buckets(report)})"
    if report.satisfied:
        return Control(BACKUP_RETENTION, "pass", head, checked_at)
    if report.held < report.needed:
        head += ": spacing not yet met"
    else:
        missing = [label for b in report.buckets for label in b.missing]
        head += f": missing {listing(missing, 3)}"
    if not kept_in_time:
        head += "; the configured retention never keeps it (`odoo-chaos backup retention --simulate-days 120`)"
    return Control(BACKUP_RETENTION, "fail", head, checked_at)


def parse_repositories(text: str, stanza: str) -> list[int]:
    """The repositories (pgBackRest repo keys) of `stanza` that are healthy and hold at least one backup."""
    stanzas = json.loads(text or "[]")
    found = next((s for s in stanzas if isinstance(s, dict) and s.get("name") == stanza), None)
    if found is None:
        return []
    holding = {int(b.get("database", {}).get("repo-key", 1)) for b in found.get("backup", [])}
    repos = found.get("repo")
    if not isinstance(repos, list):  # pgBackRest before 2.33 has one repository and no `repo` list
        return sorted(holding)
    healthy = {int(r["key"]) for r in repos if (r.get("status") or {}).get("code") == 0}
    return sorted(holding & healthy)


def judge_copies(repositories: Sequence[int], promised: int, checked_at: str) -> Control:
    """Repositories (pgBackRest repo keys) holding backups, against the policy's `copies`."""
    held = ", ".join(f"repo{key}" for key in repositories) or "none"
    count = len(repositories)
    noun = "repository holds" if count == 1 else "repositories hold"
    detail = f"{count} {noun} backups ({held}); the policy promises {promised}"
    if count >= promised:
        return Control(BACKUP_COPIES, "pass", detail, checked_at)
    return Control(BACKUP_COPIES, "fail", detail + " (backup-policy.yaml promise.copies)", checked_at)


def judge_restore_test(statuses: Sequence[DrillStatus], checked_at: str, scenario: str = RESTORE_DRILL) -> Control:
    """The programme's restore drill: its latest proof within the drill's period (`freshness`)."""
    found = [s for s in statuses if s.drill.scenario == scenario]
    if not found:
        detail = f"the programme names no restore drill ({scenario})"
        return Control(RESTORE_TEST, "unknown", detail, checked_at)
    status = min(found, key=lambda s: (s.age_seconds is None, s.age_seconds or 0))
    allowed = status.drill.every_text
    if status.proof is None:
        latest = f"latest run: {status.why_not}" if status.latest is not None else "never run"
        return Control(RESTORE_TEST, "fail", f"no passing restore test ({scenario}) on record; {latest}", checked_at)
    when = status.proof.started_at[:16].replace("T", " ")
    detail = f"latest restore test ({scenario}) {when} UTC, {age_text(status.age_seconds)} old (allowed {allowed})"
    return Control(RESTORE_TEST, "pass" if status.state == "fresh" else "fail", detail, checked_at)


@dataclass(frozen=True, slots=True)
class ManualBackup:
    """A backup taken now and restored into a scratch PostgreSQL + Odoo."""

    kind: str  # incr, full
    backup_seconds: float
    restore_seconds: float
    live_rows: int  # ledger rows committed before the backup began
    copy_rows: int  # ledger rows on the restored copy
    read_rows: int  # ledger rows Odoo on the copy read
    attachments_in_a_filestore: int


def judge_manual_backup(taken: ManualBackup, checked_at: str) -> Control:
    head = (
        f"{taken.kind} backup taken in {taken.backup_seconds:.1f} s, restored into a scratch PostgreSQL + Odoo in "
        f"{taken.restore_seconds:.1f} s"
    )
    if taken.copy_rows < taken.live_rows:
        detail = f"{head}: the copy holds {taken.copy_rows} ledger rows, {taken.live_rows} were committed before it"
        return Control(MANUAL_BACKUP, "fail", detail, checked_at)
    if taken.read_rows != taken.copy_rows:
        detail = f"{head}: Odoo on the copy read {taken.read_rows} of its {taken.copy_rows} ledger rows"
        return Control(MANUAL_BACKUP, "fail", detail, checked_at)
    if taken.attachments_in_a_filestore:
        detail = f"{head}: {taken.attachments_in_a_filestore} attachments live in a filestore the backup lacks"
        return Control(MANUAL_BACKUP, "fail", detail, checked_at)
    rows = f"{taken.live_rows} ledger row{'' if taken.live_rows == 1 else 's'}"
    detail = f"{head}: the copy holds the {rows} committed before it; Odoo read {taken.read_rows}"
    return Control(MANUAL_BACKUP, "pass", detail, checked_at)
