"""The run index: every run and campaign directory recorded in one SQLite file beside the reports.

`reports/index.sqlite` (created on first use) holds one row per verified run directory (`runs`), its
verdict against every tier (`verdicts`, see `harness.programme.records`), and one row per campaign
directory (`campaigns`). The index is a cache of the directories, never the evidence: `rebuild`
reads every directory again and produces exactly what recording each run as it finished produced,
so a lost or doubted index costs one command (`odoo-chaos index --rebuild`). Nothing in it depends
on when it was written.

Paths are stored relative to the reports directory, so the directory and its index can be moved
together. A run directory is `<reports>/<run>/` or, inside a campaign, `<reports>/<campaign>/<run>/`;
the reports directory of a run is found from that shape. Only directories whose SHA256SUMS verifies
are indexed; the others are reported as skipped, with the reason. A campaign's `summary.json` has no
manifest of its own: the campaign row is a convenience, its runs are the evidence.

Writes are transactions (a reader never sees half a run); a rebuild writes a new file beside the old
one and renames it over it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError
from harness.core.progress import Progress
from harness.files import resources
from harness.files.tiers import Tier, load_tiers
from harness.programme.records import (
    Issue,
    RunRecord,
    Skipped,
    TierVerdict,
    is_campaign_dir,
    iso,
    looks_like_run_dir,
    parse_time,
    read_run,
)

INDEX_FILE = "index.sqlite"
SCHEMA = 1

_TABLES = """
CREATE TABLE IF NOT EXISTS runs (
    path TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    scenario TEXT NOT NULL,
    tier TEXT NOT NULL,
    verdict TEXT NOT NULL,
    started_at TEXT NOT NULL,
    started_epoch REAL NOT NULL,
    ended_at TEXT NOT NULL,
    rto_seconds REAL,
    rto_seconds_at_least REAL,
    rto_journey TEXT,
    rpo_seconds REAL,
    rpo_censored INTEGER NOT NULL,
    lost_writes INTEGER,
    acknowledged_writes INTEGER,
    availability REAL,
    aborted_reason TEXT,
    signed_by TEXT,
    mode TEXT NOT NULL,
    campaign TEXT,
    versions TEXT NOT NULL,
    stack TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_scenario ON runs (scenario, started_epoch);
CREATE TABLE IF NOT EXISTS verdicts (
    path TEXT NOT NULL REFERENCES runs (path) ON DELETE CASCADE,
    tier TEXT NOT NULL,
    verdict TEXT NOT NULL,
    own INTEGER NOT NULL,
    issues TEXT NOT NULL,
    PRIMARY KEY (path, tier)
);
CREATE TABLE IF NOT EXISTS campaigns (
    path TEXT PRIMARY KEY,
    started_at TEXT,
    verdict TEXT,
    summary TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_RUN_COLUMNS = (
    "path",
    "run_id",
    "scenario",
    "tier",
    "verdict",
    "started_at",
    "started_epoch",
    "ended_at",
    "rto_seconds",
    "rto_seconds_at_least",
    "rto_journey",
    "rpo_seconds",
    "rpo_censored",
    "lost_writes",
    "acknowledged_writes",
    "availability",
    "aborted_reason",
    "signed_by",
    "mode",
    "campaign",
    "versions",
    "stack",
)


class RunIndexError(HarnessError):
    """The index file cannot be used (not SQLite, another schema, not writable)."""


@dataclass(frozen=True, slots=True)
class Campaign:
    path: str
    started_at: str | None
    verdict: str | None
    runs: int


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What a rebuild or a sync did: runs and campaigns indexed, directories skipped and why."""

    runs: int
    campaigns: int
    added: int = 0
    removed: int = 0
    skipped: tuple[Skipped, ...] = field(default=())


def index_path_for(reports: Path, index: Path | None = None) -> Path:
    return index if index is not None else reports / INDEX_FILE


def reports_root(run_dir: Path) -> Path:
    """The reports directory a run directory belongs to (its campaign's parent, or its own parent)."""
    parent = run_dir.parent
    return parent.parent if is_campaign_dir(parent) else parent


def tiers_digest(tiers_file: Path | None) -> str:
    path = resources.default(resources.TIERS_FILE) if tiers_file is None else tiers_file
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


# --- the file ------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def connect(path: Path, *, create: bool = True) -> Iterator[sqlite3.Connection]:
    """An open index (created with its tables when missing and `create`); one-line errors for a bad file."""
    if not path.exists() and not create:
        raise RunIndexError(f"{path}: no run index here yet (run `odoo-chaos index --rebuild`, or give --reports)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30)
    except (OSError, sqlite3.Error) as exc:
        raise RunIndexError(f"{path}: cannot open the run index ({exc})") from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA):
            raise RunIndexError(
                f"{path}: run index schema {version}, this harness reads {SCHEMA} (run `odoo-chaos index --rebuild`)"
            )
        if version == 0:
            with conn:
                conn.executescript(_TABLES)
                conn.execute(f"PRAGMA user_version = {SCHEMA}")
        yield conn
    except sqlite3.DatabaseError as exc:
        raise RunIndexError(f"{path}: not a usable run index ({exc}); run `odoo-chaos index --rebuild`") from None
    finally:
        conn.close()


def _run_row(record: RunRecord) -> tuple[Any, ...]:
    return (
        record.path,
        record.run_id,
        record.scenario,
        record.tier,
        record.verdict,
        record.started_at,
        record.started.timestamp(),
        record.ended_at,
        record.rto_seconds,
        record.rto_seconds_at_least,
        record.rto_journey,
        record.rpo_seconds,
        int(record.rpo_censored),
        record.lost_writes,
        record.acknowledged_writes,
        record.availability,
        record.aborted_reason,
        record.signed_by,
        record.mode,
        record.campaign,
        json.dumps(dict(record.versions), sort_keys=True),
        json.dumps(record.stack, sort_keys=True),
    )


def _store(conn: sqlite3.Connection, record: RunRecord) -> None:
    conn.execute("DELETE FROM verdicts WHERE path = ?", (record.path,))
    placeholders = ", ".join("?" for _ in _RUN_COLUMNS)
    conn.execute(f"INSERT OR REPLACE INTO runs ({', '.join(_RUN_COLUMNS)}) VALUES ({placeholders})", _run_row(record))
    conn.executemany(
        "INSERT INTO verdicts (path, tier, verdict, own, issues) VALUES (?, ?, ?, ?, ?)",
        [
            (
                record.path,
                v.tier,
                v.verdict,
                int(v.own),
                json.dumps([[i.checker, i.status, i.reason] for i in v.issues]),
            )
            for v in record.verdicts
        ],
    )


def _campaign_row(root: Path, directory: Path) -> tuple[str, str | None, str | None, str | None]:
    relative = directory.relative_to(root).as_posix()
    started: str | None = None
    with contextlib.suppress(ValueError):
        stamp = datetime.strptime(directory.name.split("-", 1)[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        started = iso(stamp)
    verdict: str | None = None
    summary: str | None = None
    with contextlib.suppress(OSError, ValueError):
        data = json.loads((directory / "summary.json").read_text(encoding="utf-8"))
        if isinstance(data, dict):
            verdict = str(data.get("verdict")) if data.get("verdict") is not None else None
            summary = json.dumps(data, sort_keys=True)
    return relative, started, verdict, summary


def _store_campaign(conn: sqlite3.Connection, root: Path, directory: Path) -> None:
    conn.execute("INSERT OR REPLACE INTO campaigns VALUES (?, ?, ?, ?)", _campaign_row(root, directory))


def _set_meta(conn: sqlite3.Connection, tiers_file: Path | None) -> None:
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('tiers_sha256', ?)", (tiers_digest(tiers_file),))


def _tiers(tiers_file: Path | None) -> dict[str, Tier]:
    return load_tiers(tiers_file)


# --- recording -----------------------------------------------------------------------------------------------------


def record_run(run_dir: Path, index_path: Path | None = None, *, tiers_file: Path | None = None) -> RunRecord | Skipped:
    """Record one finished run directory (the runner calls this after writing and signing it).

    The index defaults to `index.sqlite` in the run's reports directory. A directory that does not
    verify is not recorded: the `Skipped` says why. A run inside a campaign also records the campaign.
    """
    run_dir = run_dir.resolve()
    root = reports_root(run_dir)
    result = read_run(run_dir, root, _tiers(tiers_file))
    if isinstance(result, Skipped):
        return result
    with connect(index_path_for(root, index_path)) as conn, conn:
        _store(conn, result)
        if run_dir.parent != root:
            _store_campaign(conn, root, run_dir.parent)
        _set_meta(conn, tiers_file)
    return result


def record_finished(directory: Path, progress: Progress | None = None) -> None:
    """Record a finished run or campaign directory in its reports directory's index; never raises.

    The one call for the runner (after a run directory is written and signed) and for a campaign (after
    its summary.json): a run must never fail because its index could not be written. A problem is
    reported through `progress` and left for `odoo-chaos index` to repair.
    """
    say = progress or (lambda _: None)
    try:
        if is_campaign_dir(directory) and not looks_like_run_dir(directory):
            _, skipped = record_campaign(directory)
        else:
            result = record_run(directory)
            skipped = [result] if isinstance(result, Skipped) else []
        for item in skipped:
            say(f"run index: {item.path} not recorded: {item.reason}")
    except (HarnessError, OSError, sqlite3.Error) as exc:
        say(f"run index: {directory} not recorded ({exc}); `odoo-chaos index` records it later")


def record_campaign(
    campaign_dir: Path, index_path: Path | None = None, *, tiers_file: Path | None = None
) -> tuple[list[RunRecord], list[Skipped]]:
    """Record a campaign directory once its summary.json is written, and every run in it."""
    campaign_dir = campaign_dir.resolve()
    root = campaign_dir.parent
    tiers = _tiers(tiers_file)
    records, skipped = _read_all([d for d in sorted(campaign_dir.iterdir()) if looks_like_run_dir(d)], root, tiers)
    with connect(index_path_for(root, index_path)) as conn, conn:
        for record in records:
            _store(conn, record)
        _store_campaign(conn, root, campaign_dir)
        _set_meta(conn, tiers_file)
    return records, skipped


def _read_all(dirs: Sequence[Path], root: Path, tiers: dict[str, Tier]) -> tuple[list[RunRecord], list[Skipped]]:
    records: list[RunRecord] = []
    skipped: list[Skipped] = []
    for directory in dirs:
        result = read_run(directory, root, tiers)
        (skipped if isinstance(result, Skipped) else records).append(result)  # type: ignore[arg-type]
    return records, skipped


def scan(root: Path) -> tuple[list[Path], list[Path]]:
    """Every run directory and every campaign directory under `root` (runs at depth 1, or 2 inside a campaign)."""
    runs: list[Path] = []
    campaigns: list[Path] = []
    if not root.is_dir():
        return runs, campaigns
    for child in sorted(root.iterdir()):
        if looks_like_run_dir(child):
            runs.append(child)
        elif is_campaign_dir(child):
            campaigns.append(child)
            runs += [d for d in sorted(child.iterdir()) if looks_like_run_dir(d)]
    return runs, campaigns


def rebuild(root: Path, index_path: Path | None = None, *, tiers_file: Path | None = None) -> IndexReport:
    """Read every run and campaign directory under `root` again into a fresh index, then swap it in."""
    root = root.resolve()
    target = index_path_for(root, index_path)
    if not root.is_dir():
        raise RunIndexError(f"{root}: no such reports directory (give --reports DIR)")
    run_dirs, campaign_dirs = scan(root)
    records, skipped = _read_all(run_dirs, root, _tiers(tiers_file))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    os.unlink(tmp)  # sqlite creates it afresh
    try:
        with connect(Path(tmp)) as conn, conn:
            for record in records:
                _store(conn, record)
            for directory in campaign_dirs:
                _store_campaign(conn, root, directory)
            _set_meta(conn, tiers_file)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return IndexReport(len(records), len(campaign_dirs), added=len(records), skipped=tuple(skipped))


def sync(root: Path, index_path: Path | None = None, *, tiers_file: Path | None = None) -> IndexReport:
    """Add the run directories the index does not hold yet and drop those that are gone (no re-verification)."""
    root = root.resolve()
    if not root.is_dir():
        raise RunIndexError(f"{root}: no such reports directory (give --reports DIR)")
    run_dirs, campaign_dirs = scan(root)
    with connect(index_path_for(root, index_path)) as conn:
        known = {row[0] for row in conn.execute("SELECT path FROM runs")}
    present = {d.relative_to(root).as_posix(): d for d in run_dirs}
    new = [d for name, d in present.items() if name not in known]
    records, skipped = _read_all(new, root, _tiers(tiers_file))
    gone = sorted(known - set(present))
    with connect(index_path_for(root, index_path)) as conn, conn:
        for record in records:
            _store(conn, record)
        conn.executemany("DELETE FROM runs WHERE path = ?", [(name,) for name in gone])
        conn.execute("DELETE FROM campaigns")
        for directory in campaign_dirs:
            _store_campaign(conn, root, directory)
        if records:
            _set_meta(conn, tiers_file)
        total = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    return IndexReport(total, len(campaign_dirs), added=len(records), removed=len(gone), skipped=tuple(skipped))


# --- reading -------------------------------------------------------------------------------------------------------


def _record(row: sqlite3.Row, verdicts: Sequence[TierVerdict]) -> RunRecord:
    return RunRecord(
        path=row["path"],
        run_id=row["run_id"],
        scenario=row["scenario"],
        tier=row["tier"],
        verdict=row["verdict"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        rto_seconds=row["rto_seconds"],
        rto_seconds_at_least=row["rto_seconds_at_least"],
        rto_journey=row["rto_journey"],
        rpo_seconds=row["rpo_seconds"],
        rpo_censored=bool(row["rpo_censored"]),
        lost_writes=row["lost_writes"],
        acknowledged_writes=row["acknowledged_writes"],
        availability=row["availability"],
        aborted_reason=row["aborted_reason"],
        signed_by=row["signed_by"],
        mode=row["mode"],
        campaign=row["campaign"],
        versions=json.loads(row["versions"]),
        stack=json.loads(row["stack"]),
        verdicts=tuple(verdicts),
    )


def load_records(
    index_path: Path,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    scenarios: Sequence[str] | None = None,
) -> list[RunRecord]:
    """Indexed runs started in [since, until], oldest first (ties by path), optionally of some scenarios only."""
    query = "SELECT * FROM runs WHERE 1 = 1"
    args: list[Any] = []
    if since is not None:
        query += " AND started_epoch >= ?"
        args.append(since.timestamp())
    if until is not None:
        query += " AND started_epoch <= ?"
        args.append(until.timestamp())
    if scenarios is not None:
        query += f" AND scenario IN ({', '.join('?' for _ in scenarios)})"
        args += list(scenarios)
    query += " ORDER BY started_epoch, path"
    with connect(index_path, create=False) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(query, args).fetchall()
        verdicts: dict[str, list[TierVerdict]] = {}
        for v in conn.execute("SELECT path, tier, verdict, own, issues FROM verdicts ORDER BY path, tier"):
            issues = tuple(Issue(*map(str, item)) for item in json.loads(v["issues"]))
            verdicts.setdefault(v["path"], []).append(TierVerdict(v["tier"], v["verdict"], issues, bool(v["own"])))
    return [_record(row, verdicts.get(row["path"], ())) for row in rows]


def load_campaigns(index_path: Path) -> list[Campaign]:
    with connect(index_path, create=False) as conn:
        rows = conn.execute(
            "SELECT c.path, c.started_at, c.verdict, COUNT(r.path) FROM campaigns c "
            "LEFT JOIN runs r ON r.campaign = c.path GROUP BY c.path ORDER BY c.path"
        ).fetchall()
    return [Campaign(path, started, verdict, runs) for path, started, verdict, runs in rows]


def index_tiers_digest(index_path: Path) -> str | None:
    with connect(index_path, create=False) as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'tiers_sha256'").fetchone()
    return None if row is None else str(row[0])


def dump(index_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order (a live index and its rebuild compare equal)."""
    with connect(index_path, create=False) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("runs", "verdicts", "campaigns", "meta")
        }


def since_cutoff(now: datetime, since: str | None) -> datetime | None:
    """`now` minus a `--since` duration ("30d", "12h"); None when not given. ValueError for a bad duration."""
    if since is None:
        return None
    from datetime import timedelta

    from harness.core.durations import parse_duration

    return now - timedelta(seconds=parse_duration(since))


__all__ = [
    "INDEX_FILE",
    "Campaign",
    "IndexReport",
    "RunIndexError",
    "dump",
    "load_campaigns",
    "load_records",
    "parse_time",
    "rebuild",
    "record_campaign",
    "record_finished",
    "record_run",
    "sync",
]
