"""Does the backup repository keep the SLA's backups? A pure check of full-backup dates against a GFS promise.

The promise (seed: Odoo Online SLA) is "14 full backups up to 3 months: 1/day for 7 days, 1/week for 4 weeks,
1/month for 3 months". It is read as 14 *slots*, each a calendar window in UTC that needs its own full backup:

    daily   k = 0..daily-1     the calendar day k days before `now`'s day (today included)
    weekly  k = 1..weekly      the ISO week (Monday..Sunday) k weeks before `now`'s week
    monthly k = 1..monthly     the calendar month k months before `now`'s month

The current week and month are not weekly/monthly slots: the daily slots cover them. Windows overlap (yesterday
may lie in last week and last month), but one backup fills one slot only, so the promise needs
`daily + weekly + monthly` distinct full backups (7 + 4 + 3 = 14). It holds at `now` when every slot gets its own
backup taken at or before `now`; `check` finds that assignment (a bipartite matching, daily slots served first,
then weekly, then monthly, newest first) and names the slots left empty. A slot's need is met by any full
backup in its window: the newest backup of last March fills March.

The repository is pgBackRest, which has no grandfather-father-son retention. It keeps full backups by count
(`repo1-retention-full-type=count`, `repo1-retention-full=N`: the newest N) or by time (`...-type=time`,
`...=D`: walking from the newest full backup, the first one whose stop time is more than D days before the
expire keeps itself and everything newer; older ones go). Expire runs after every backup; differential and
incremental backups belong to their full backup and go with it, so only full backups count here. `simulate`
replays a schedule with that rule, in simulated time; `settings_that_satisfy` gives the pgBackRest settings that
keep the promise (daily fulls and time-based retention of about 3 months: ~94 full backups held, not 14).

The policy file (`backup-policy.yaml` at the repository root) is validated whole with pydantic; errors name the
file and the field in one line (`InvalidBackupPolicy`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, field_validator, model_validator

from harness.core.errors import HarnessError, shown
from harness.files import resources
from harness.files.validation import first_problem, load_yaml

Bucket = Literal["daily", "weekly", "monthly"]
RetentionType = Literal["count", "time"]

BUCKETS: tuple[Bucket, ...] = ("daily", "weekly", "monthly")
DEFAULT_POLICY_FILE = resources.default(resources.BACKUP_POLICY)  # the working directory's, else the shipped one
MAX_RETENTION_FULL = 9_999_999  # pgBackRest's upper bound for repo-retention-full
MAX_RETENTION_DAYS = 3660  # retention_full_type time: ten years of days (simulated dates stay in range)
MAX_DAILY, MAX_WEEKLY, MAX_MONTHLY = 31, 52, 36  # a month of days, a year of weeks, three years of months
MAX_COPIES = 10  # repositories (places) holding the backups
MAX_SIMULATED_DAYS = 3660

_DAY = timedelta(days=1)
# Calendar span over which `settings_that_satisfy` verifies its answer: a leap year and the next one, so every
# weekday/month-length combination of the slots is met.
_VERIFY_FROM = date(2028, 1, 1)
_VERIFY_DAYS = 731


class InvalidBackupPolicy(HarnessError):
    """A backup policy file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """The promise: full backups for the last `daily` days, `weekly` ISO weeks and `monthly` months (see above),
    held in `copies` places (repositories; the seed SLA: "replicated on at least 3 different machines")."""

    daily: int = 7
    weekly: int = 4
    monthly: int = 3
    copies: int = 1

    def __post_init__(self) -> None:
        if min(self.daily, self.weekly, self.monthly) < 0 or self.needed == 0:
            raise ValueError(f"a retention policy needs counts >= 0, not all 0: {self}")
        if not 1 <= self.copies <= MAX_COPIES:
            raise ValueError(f"a retention policy keeps 1 to {MAX_COPIES} copies: {self}")

    @property
    def needed(self) -> int:
        """Distinct full backups the promise needs: one per slot."""
        return self.daily + self.weekly + self.monthly


@dataclass(frozen=True, slots=True)
class RepositoryRetention:
    """What the repository does: a full backup every `full_every_days` days at `at` (UTC), pgBackRest expire."""

    full_every_days: int = 1
    at: time = time(1, 0)
    retention_full_type: RetentionType = "count"
    retention_full: int = 7

    def __post_init__(self) -> None:
        if self.full_every_days < 1 or not 1 <= self.retention_full <= MAX_RETENTION_FULL:
            raise ValueError(f"full_every_days >= 1 and retention_full in 1..{MAX_RETENTION_FULL}: {self}")

    def pgbackrest_options(self) -> dict[str, str]:
        """The pgBackRest configuration lines of this retention (repository 1)."""
        return {
            "repo1-retention-full-type": self.retention_full_type,
            "repo1-retention-full": str(self.retention_full),
        }

    def describe(self) -> str:
        every = "every day" if self.full_every_days == 1 else f"every {self.full_every_days} days"
        options = ", ".join(f"{key}={value}" for key, value in self.pgbackrest_options().items())
        return f"full backup {every} at {self.at:%H:%M} UTC; {options}"


@dataclass(frozen=True, slots=True)
class Slot:
    """One window of the promise and the backup counted for it (None: the slot is empty)."""

    bucket: Bucket
    label: str  # "2024-06-15", "2024-W23", "2024-05"
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC
    backup: datetime | None
    in_window: int  # held backups inside the window, counted here or for another slot


@dataclass(frozen=True, slots=True)
class BucketReport:
    bucket: Bucket
    required: int
    covered: int
    missing: tuple[str, ...]  # labels of the empty slots, newest first

    @property
    def satisfied(self) -> bool:
        return self.covered == self.required


@dataclass(frozen=True, slots=True)
class RetentionReport:
    now: datetime
    policy: RetentionPolicy
    buckets: tuple[BucketReport, ...]  # daily, weekly, monthly
    slots: tuple[Slot, ...]
    needed: int  # distinct full backups the promise needs
    held: int  # full backups held at `now`
    counted: int  # distinct held backups that fill a slot
    oldest: datetime | None
    newest: datetime | None

    @property
    def satisfied(self) -> bool:
        return self.counted == self.needed

    def bucket(self, name: Bucket) -> BucketReport:
        return next(report for report in self.buckets if report.bucket == name)


def _utc(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _month_start(year: int, month: int) -> date:
    """First day of `month` (may be out of 1..12: it carries into the year)."""
    years, index = divmod(month - 1, 12)
    return date(year + years, index + 1, 1)


def slot_windows(policy: RetentionPolicy, now: datetime) -> list[tuple[Bucket, str, datetime, datetime]]:
    """The promise's windows at `now`, in the order they are served: daily, weekly, monthly, newest first."""
    today = _utc(now).date()
    windows: list[tuple[Bucket, str, datetime, datetime]] = []
    for k in range(policy.daily):
        day = today - k * _DAY
        windows.append(("daily", day.isoformat(), _midnight(day), _midnight(day + _DAY)))
    monday = today - timedelta(days=today.weekday())
    for k in range(1, policy.weekly + 1):
        first = monday - timedelta(weeks=k)
        year, week, _ = first.isocalendar()
        windows.append(("weekly", f"{year}-W{week:02d}", _midnight(first), _midnight(first + timedelta(weeks=1))))
    for k in range(1, policy.monthly + 1):
        first = _month_start(today.year, today.month - k)
        after = _month_start(first.year, first.month + 1)
        windows.append(("monthly", f"{first:%Y-%m}", _midnight(first), _midnight(after)))
    return windows


def check(policy: RetentionPolicy, backups: Sequence[datetime], now: datetime) -> RetentionReport:
    """Judge the full backups' stop times `backups` against `policy` at `now` (later backups are ignored)."""
    now = _utc(now)
    held = sorted(moment for moment in map(_utc, backups) if moment <= now)
    windows = slot_windows(policy, now)
    candidates = [
        [index for index in range(len(held) - 1, -1, -1) if start <= held[index] < end] for _, _, start, end in windows
    ]
    owner: dict[int, int] = {}  # backup index -> slot index

    def augment(slot: int, seen: set[int]) -> bool:
        for backup in candidates[slot]:
            if backup in seen:
                continue
            seen.add(backup)
            if backup not in owner or augment(owner[backup], seen):
                owner[backup] = slot
                return True
        return False

    for slot in range(len(windows)):  # served in priority order; a matched slot stays matched
        augment(slot, set())
    counted_for = {slot: held[backup] for backup, slot in owner.items()}
    slots = tuple(
        Slot(bucket, label, start, end, counted_for.get(index), len(candidates[index]))
        for index, (bucket, label, start, end) in enumerate(windows)
    )
    buckets = tuple(
        BucketReport(
            bucket=name,
            required=sum(1 for slot in slots if slot.bucket == name),
            covered=sum(1 for slot in slots if slot.bucket == name and slot.backup is not None),
            missing=tuple(slot.label for slot in slots if slot.bucket == name and slot.backup is None),
        )
        for name in BUCKETS
    )
    return RetentionReport(
        now=now,
        policy=policy,
        buckets=buckets,
        slots=slots,
        needed=policy.needed,
        held=len(held),
        counted=len(owner),
        oldest=held[0] if held else None,
        newest=held[-1] if held else None,
    )


def expire(repo: RepositoryRetention, fulls: Sequence[datetime], now: datetime) -> list[datetime]:
    """The full backups pgBackRest keeps when expire runs at `now` (its count or time rule), oldest first."""
    kept = sorted(map(_utc, fulls))
    if repo.retention_full_type == "count":
        return kept[-repo.retention_full :]
    threshold = _utc(now) - timedelta(days=repo.retention_full)
    for index in range(len(kept) - 1, -1, -1):
        if kept[index] < threshold:  # the newest full older than the period stays, older ones go
            return kept[index:]
    return kept


def simulate(repo: RepositoryRetention, days: int, start: datetime) -> list[datetime]:
    """Full backups held after `days` days of the schedule from `start`, expiring after each backup (simulated).

    The first backup is the first `repo.at` (UTC) at or after `start`, then one every `full_every_days` days,
    up to (excluding) `start + days`. A backup's stop time is its scheduled time and expire runs at that instant.
    Check the result at its last backup (`check(policy, held, held[-1])`) to see the steady state.
    """
    start = _utc(start)
    end = start + timedelta(days=days)
    moment = datetime.combine(start.date(), repo.at, tzinfo=UTC)
    if moment < start:
        moment += _DAY
    held: list[datetime] = []
    while moment < end:
        held = expire(repo, [*held, moment], moment)
        moment += timedelta(days=repo.full_every_days)
    return held


def _required_age(policy: RetentionPolicy, today: date) -> int:
    """Days between `today` and the last day of the promise's oldest slot: a daily full must live that long."""
    return max(
        (today - (window_end - _DAY).date()).days for _, _, _, window_end in slot_windows(policy, _midnight(today))
    )


def _always_satisfied(policy: RetentionPolicy, repo: RepositoryRetention, warmup: int) -> bool:
    start = _midnight(_VERIFY_FROM - timedelta(days=warmup))
    held: list[datetime] = []
    moment = datetime.combine(start.date(), repo.at, tzinfo=UTC)
    while moment.date() < _VERIFY_FROM + timedelta(days=_VERIFY_DAYS):
        held = expire(repo, [*held, moment], moment)
        if moment.date() >= _VERIFY_FROM and not check(policy, held, moment).satisfied:
            return False
        moment += _DAY
    return True


def settings_that_satisfy(policy: RetentionPolicy, at: time = time(1, 0)) -> RepositoryRetention | None:
    """pgBackRest settings that keep `policy` on every day of the year: a daily full, time-based retention.

    D is the largest age (in days) the newest backup of the oldest slot can have (92 for 3 months: on 31 July
    the April slot's newest daily backup is from 30 April). With `time D` that backup is kept whatever the
    backups' durations; pgBackRest then holds about D + 2 full backups, since it has no GFS thinning.
    None when no retention keeps it: with one full backup a day, daily slots reaching past the current week
    (or month) use every backup of a week (or month) that a weekly (or monthly) slot needs as well.
    """
    days = max(_required_age(policy, _VERIFY_FROM + timedelta(days=k)) for k in range(_VERIFY_DAYS))
    for retention in range(max(days, 1), days + 32):
        repo = RepositoryRetention(1, at, "time", retention)
        if _always_satisfied(policy, repo, warmup=retention + 40):
            return repo
    return None


def steady_state_holds(repo: RepositoryRetention) -> int:
    """How many full backups `repo` holds once its retention is reached (simulated)."""
    span = repo.retention_full * repo.full_every_days if repo.retention_full_type == "count" else repo.retention_full
    return len(simulate(repo, span + 3 * repo.full_every_days + 1, _midnight(_VERIFY_FROM)))


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


def render(
    report: RetentionReport, *, simulated: bool, suggestion: RepositoryRetention | None = None, searched: bool = False
) -> list[str]:
    """Human lines of `report`; `simulated` says the dates come from `simulate`, not from a repository.

    `searched` with no `suggestion`: `settings_that_satisfy` found no setting that keeps the promise.
    """
    policy = report.policy
    source = "simulated dates" if simulated else "repository backups"
    lines = [
        f"backup retention at {report.now:%Y-%m-%d %H:%M} UTC ({source})",
        f"promise: {policy.daily} daily + {policy.weekly} weekly + {policy.monthly} monthly"
        f" = {report.needed} distinct full backups",
        f"held: {report.held} full backups (oldest {_when(report.oldest)}, newest {_when(report.newest)});"
        f" {report.counted} of them fill a slot",
    ]
    for bucket in report.buckets:
        if not bucket.required:
            continue
        status = "ok" if bucket.satisfied else "MISSING"
        line = f"  {bucket.bucket:<8} {bucket.covered}/{bucket.required} {status}"
        if bucket.missing:
            empty = (slot for slot in report.slots if slot.bucket == bucket.bucket and slot.backup is None)
            line += ": " + ", ".join(_missing(slot) for slot in empty)
        lines.append(line)
    verdict = "satisfied" if report.satisfied else "NOT satisfied"
    lines.append(f"verdict: {verdict} ({report.counted}/{report.needed} slots filled)")
    if suggestion is not None and not report.satisfied:
        lines.append(
            f"to keep the promise with pgBackRest (it has no grandfather-father-son retention): {suggestion.describe()}"
            f" -- this holds about {steady_state_holds(suggestion)} full backups, not {report.needed}"
        )
    elif searched and not report.satisfied:
        lines.append(
            "no pgBackRest retention with a daily full backup keeps this promise: its daily slots use every backup"
            " of a week or month that a weekly or monthly slot needs too (promise fewer daily backups)"
        )
    return lines


def _missing(slot: Slot) -> str:
    if not slot.in_window:
        return f"{slot.label} (no full backup)"
    if slot.in_window == 1:
        return f"{slot.label} (its one backup fills another slot)"
    return f"{slot.label} (its {slot.in_window} backups fill other slots)"


class _Promise(BaseModel):
    model_config = ConfigDict(extra="forbid")
    daily: Annotated[int, Strict(), Field(ge=0, le=MAX_DAILY)] = 7
    weekly: Annotated[int, Strict(), Field(ge=0, le=MAX_WEEKLY)] = 4
    monthly: Annotated[int, Strict(), Field(ge=0, le=MAX_MONTHLY)] = 3
    copies: Annotated[int, Strict(), Field(ge=1, le=MAX_COPIES)] = 1

    @model_validator(mode="after")
    def _something(self) -> _Promise:
        if self.daily + self.weekly + self.monthly == 0:
            raise ValueError("daily, weekly and monthly are all 0: promise at least one backup")
        return self


class _Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full_every_days: Annotated[int, Strict(), Field(ge=1, le=366)] = 1
    at: time = time(1, 0)

    @field_validator("at", mode="before")
    @classmethod
    def _clock(cls, value: Any) -> time:
        if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads an unquoted 12:30 as base-60 750
            hours, minutes = divmod(value, 60)
            raise ValueError(
                f'write the time of day in quotes, e.g. "{hours:02d}:{minutes:02d}"'
                f" (unquoted, YAML reads {hours}:{minutes:02d} as the number {value})"
            )
        if not isinstance(value, str):
            raise ValueError(f'{shown(value)} is not a time of day such as "01:00"')
        try:
            return datetime.strptime(value.strip(), "%H:%M").time()
        except ValueError:
            raise ValueError(f'{shown(value)} is not a time of day such as "01:00" (HH:MM, UTC)') from None


class _Pgbackrest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    retention_full_type: RetentionType
    retention_full: Annotated[int, Strict(), Field(ge=1, le=MAX_RETENTION_FULL)]

    @model_validator(mode="after")
    def _days(self) -> _Pgbackrest:
        if self.retention_full_type == "time" and self.retention_full > MAX_RETENTION_DAYS:
            raise ValueError(
                f"retention_full counts days with retention_full_type time: at most {MAX_RETENTION_DAYS}"
                f" (10 years), not {self.retention_full}"
            )
        return self


class _Repository(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schedule: _Schedule = Field(default_factory=_Schedule)
    pgbackrest: _Pgbackrest


class _PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    promise: _Promise = Field(default_factory=_Promise)
    repository: _Repository


def parse_policy(data: Any, source: str = "<backup policy>") -> tuple[RetentionPolicy, RepositoryRetention]:
    """Validate an already-parsed policy document (a mapping with `promise:` and `repository:`)."""
    if not isinstance(data, dict):
        raise InvalidBackupPolicy(f"{source}: a backup policy is a mapping with promise: and repository:")
    try:
        model = _PolicyFile.model_validate(data)
    except ValidationError as exc:
        raise InvalidBackupPolicy(first_problem(exc, source)) from None
    promise, repository = model.promise, model.repository
    return (
        RetentionPolicy(promise.daily, promise.weekly, promise.monthly, promise.copies),
        RepositoryRetention(
            full_every_days=repository.schedule.full_every_days,
            at=repository.schedule.at,
            retention_full_type=repository.pgbackrest.retention_full_type,
            retention_full=repository.pgbackrest.retention_full,
        ),
    )


def load_policy(path: Path | None = None) -> tuple[RetentionPolicy, RepositoryRetention]:
    """The promise and the repository's retention from `path` (default: backup-policy.yaml here, else shipped)."""
    path = resources.default(resources.BACKUP_POLICY) if path is None else path
    data = load_yaml(path, "backup policy file", InvalidBackupPolicy)
    return parse_policy(data, str(path))
