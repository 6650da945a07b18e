from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from harness.core.errors import HarnessError
from harness.files.backup_policy import (
    DEFAULT_POLICY_FILE,
    InvalidBackupPolicy,
    RepositoryRetention,
    RetentionPolicy,
    check,
    expire,
    load_policy,
    render,
    settings_that_satisfy,
    simulate,
    slot_windows,
    steady_state_holds,
)

SEED = RetentionPolicy()  # 7 daily, 4 weekly, 3 monthly
DAY = timedelta(days=1)


def at(day: date, hour: int = 1) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def ending_on(repo: RepositoryRetention, last: date, days: int = 200) -> list[datetime]:
    """Simulated backups held right after the backup of `last` (a daily schedule at 01:00)."""
    return simulate(repo, days, at(last - (days - 1) * DAY, 0))


def gfs_backups(now: datetime) -> list[datetime]:
    """Exactly the 14 backups of the seed promise: one a day for 7 days, each of 4 past weeks, 3 past months."""
    today = now.date()
    monday = today - timedelta(days=today.weekday())
    days = [at(today - k * DAY) for k in range(7)]
    weeks = [at(monday - timedelta(weeks=k), 2) for k in range(1, 5)]
    first = today.replace(day=1)
    months = []
    for _ in range(3):
        first = (first - DAY).replace(day=1)
        months.append(at(first, 3))
    return days + weeks + months


# --- the shipped file -------------------------------------------------------------------------------------------


def test_shipped_file_holds_the_seed_promise_and_a_daily_count_7_repository() -> None:
    policy, repo = load_policy()
    assert DEFAULT_POLICY_FILE.name == "backup-policy.yaml"
    assert policy == RetentionPolicy(7, 4, 3, copies=3) and policy.needed == 14
    assert repo == RepositoryRetention(1, time(1, 0), "count", 7)
    assert repo.pgbackrest_options() == {"repo1-retention-full-type": "count", "repo1-retention-full": "7"}


# --- findings on simulated dates --------------------------------------------------------------------------------


@pytest.mark.parametrize("last", [date(2024, 7, 31), date(2024, 3, 1), date(2025, 1, 5), date(2024, 6, 17)])
def test_daily_full_count_7_keeps_the_days_but_no_week_or_month(last: date) -> None:
    held = ending_on(RepositoryRetention(1, time(1, 0), "count", 7), last)
    report = check(SEED, held, held[-1])
    assert report.held == 7 and held[-1] == at(last)
    assert report.bucket("daily").satisfied
    assert not report.bucket("weekly").satisfied and not report.bucket("monthly").satisfied
    assert report.bucket("monthly").covered == 0
    assert not report.satisfied


@pytest.mark.parametrize("last", [date(2024, 7, 31), date(2024, 3, 1), date(2025, 1, 5), date(2024, 12, 31)])
def test_daily_full_count_14_still_misses_months(last: date) -> None:
    held = ending_on(RepositoryRetention(1, time(1, 0), "count", 14), last)
    report = check(SEED, held, held[-1])
    assert report.held == 14
    assert report.bucket("daily").satisfied
    assert not report.bucket("monthly").satisfied
    assert not report.satisfied


def test_daily_full_time_92_keeps_the_promise_every_day_of_a_leap_year_at_the_price_of_94_fulls() -> None:
    repo = RepositoryRetention(1, time(1, 0), "time", 92)
    held: list[datetime] = []
    moment = at(date(2023, 9, 1))
    while moment < at(date(2025, 1, 1)):
        held = expire(repo, [*held, moment], moment)
        if moment >= at(date(2024, 1, 1)):
            report = check(SEED, held, moment)
            assert report.satisfied, "\n".join(render(report, simulated=True))
            assert report.held == 94
        moment += DAY


def test_time_90_is_short_on_the_31st_of_july() -> None:
    held = ending_on(RepositoryRetention(1, time(1, 0), "time", 90), date(2024, 7, 31))
    report = check(SEED, held, held[-1])
    assert report.bucket("monthly").missing == ("2024-04",)
    assert report.bucket("daily").satisfied and report.bucket("weekly").satisfied


def test_settings_that_satisfy_the_seed_are_a_daily_full_and_time_92() -> None:
    repo = settings_that_satisfy(SEED)
    assert repo == RepositoryRetention(1, time(1, 0), "time", 92)
    assert steady_state_holds(repo) == 94
    assert steady_state_holds(RepositoryRetention(1, time(1, 0), "count", 7)) == 7
    assert settings_that_satisfy(RetentionPolicy(7, 0, 0)).retention_full == 6


def test_every_other_day_fulls_cannot_keep_a_daily_promise() -> None:
    held = ending_on(RepositoryRetention(2, time(1, 0), "time", 120), date(2024, 7, 31))
    report = check(SEED, held, held[-1])
    assert report.bucket("daily").covered == 4
    assert report.bucket("weekly").satisfied and report.bucket("monthly").satisfied


# --- pgBackRest's expire rule -------------------------------------------------------------------------------------


def test_count_keeps_the_newest_n() -> None:
    fulls = [at(date(2024, 1, d)) for d in range(1, 11)]
    assert expire(RepositoryRetention(retention_full_type="count", retention_full=3), fulls, fulls[-1]) == fulls[-3:]


def test_time_keeps_the_newest_full_older_than_the_period_and_everything_newer() -> None:
    fulls = [at(date(2024, 1, d)) for d in range(1, 11)]
    repo = RepositoryRetention(retention_full_type="time", retention_full=3)
    # at 10 Jan 01:00 the limit is 7 Jan 01:00: the 7th is not older than it, the 6th is: it stays, 1..5 go
    assert expire(repo, fulls, fulls[-1]) == fulls[5:]
    assert expire(repo, fulls[:2], fulls[1]) == fulls[:2]  # nothing old enough: all stay


def test_simulate_starts_at_the_first_scheduled_time_and_is_pure() -> None:
    repo = RepositoryRetention(1, time(1, 0), "count", 100)
    held = simulate(repo, 3, datetime(2024, 5, 1, 2, 0, tzinfo=UTC))
    assert held == [at(date(2024, 5, 2)), at(date(2024, 5, 3)), at(date(2024, 5, 4))]
    assert simulate(repo, 3, datetime(2024, 5, 1, 2, 0, tzinfo=UTC)) == held


# --- hand-built lists -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", range(0, 366, 5))
def test_exactly_the_14_gfs_backups_satisfy_and_none_is_spare(offset: int) -> None:
    now = datetime(2024, 1, 1, 12, tzinfo=UTC) + offset * DAY
    backups = gfs_backups(now)
    report = check(SEED, backups, now)
    assert report.satisfied and report.held == report.counted == report.needed == 14
    for index in range(len(backups)):
        assert not check(SEED, backups[:index] + backups[index + 1 :], now).satisfied


def test_one_missing_day_fails_naming_the_day() -> None:
    now = datetime(2024, 6, 15, 12, tzinfo=UTC)
    backups = [moment for moment in gfs_backups(now) if moment.date() != date(2024, 6, 12)]
    report = check(SEED, backups, now)
    assert not report.satisfied
    assert report.bucket("daily").missing == ("2024-06-12",)
    assert report.bucket("weekly").satisfied and report.bucket("monthly").satisfied
    lines = render(report, simulated=False)
    assert "  daily    6/7 MISSING: 2024-06-12 (no full backup)" in lines
    assert lines[-1] == "verdict: NOT satisfied (13/14 slots filled)"


def test_a_backup_counts_for_one_slot_only() -> None:
    now = datetime(2024, 6, 15, 12, tzinfo=UTC)  # a Saturday: 9 June (Sunday) is both a day and week 2024-W23
    backups = [moment for moment in gfs_backups(now) if moment != at(date(2024, 6, 3), 2)]
    report = check(SEED, backups, now)
    assert report.bucket("daily").satisfied
    assert report.bucket("weekly").missing == ("2024-W23",)
    assert "2024-W23 (its one backup fills another slot)" in render(report, simulated=False)[4]


def test_empty_list_fails_everything() -> None:
    now = datetime(2024, 6, 15, 12, tzinfo=UTC)
    report = check(SEED, [], now)
    assert not report.satisfied and report.held == report.counted == 0
    assert report.oldest is None and report.newest is None
    assert [(b.bucket, b.covered, b.required) for b in report.buckets] == [
        ("daily", 0, 7),
        ("weekly", 0, 4),
        ("monthly", 0, 3),
    ]
    assert report.bucket("weekly").missing == ("2024-W23", "2024-W22", "2024-W21", "2024-W20")
    assert report.bucket("monthly").missing == ("2024-05", "2024-04", "2024-03")
    assert render(report, simulated=False)[2] == "held: 0 full backups (oldest -, newest -); 0 of them fill a slot"


def test_a_fresh_repository_with_one_backup_is_not_satisfied() -> None:
    now = datetime(2024, 6, 15, 12, tzinfo=UTC)
    report = check(SEED, [datetime(2024, 6, 15, 11, 58, tzinfo=UTC)], now)
    assert report.held == 1 and report.bucket("daily").covered == 1 and not report.satisfied


def test_backups_after_now_are_ignored_and_naive_times_are_utc() -> None:
    now = datetime(2024, 6, 15, 12, tzinfo=UTC)
    report = check(SEED, [datetime(2024, 6, 15, 11), datetime(2024, 6, 15, 13, tzinfo=UTC)], now)
    assert report.held == 1 and report.newest == datetime(2024, 6, 15, 11, tzinfo=UTC)


def test_windows_cross_the_year_with_iso_week_and_month_labels() -> None:
    windows = slot_windows(SEED, datetime(2025, 1, 2, tzinfo=UTC))
    labels = [label for _, label, _, _ in windows]
    assert labels[:2] == ["2025-01-02", "2025-01-01"]
    assert labels[7:] == ["2024-W52", "2024-W51", "2024-W50", "2024-W49", "2024-12", "2024-11", "2024-10"]
    assert windows[7][2] == datetime(2024, 12, 23, tzinfo=UTC)


# --- render -----------------------------------------------------------------------------------------------------


def test_render_says_simulated_dates_and_gives_the_settings_that_would_keep_the_promise() -> None:
    repo = RepositoryRetention(1, time(1, 0), "count", 7)
    held = ending_on(repo, date(2024, 6, 28))
    lines = render(check(SEED, held, held[-1]), simulated=True, suggestion=settings_that_satisfy(SEED))
    assert lines[0] == "backup retention at 2024-06-28 01:00 UTC (simulated dates)"
    assert lines[1] == "promise: 7 daily + 4 weekly + 3 monthly = 14 distinct full backups"
    assert lines[-1] == (
        "to keep the promise with pgBackRest (it has no grandfather-father-son retention): full backup every day at"
        " 01:00 UTC; repo1-retention-full-type=time, repo1-retention-full=92 -- this holds about 94 full backups,"
        " not 14"
    )
    real = render(check(SEED, gfs_backups(held[-1]), held[-1]), simulated=False, suggestion=RepositoryRetention())
    assert "(repository backups)" in real[0] and real[-1] == "verdict: satisfied (14/14 slots filled)"


# --- the file format --------------------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


GOOD = """
promise: {daily: 7, weekly: 4, monthly: 3}
repository:
  schedule: {full_every_days: 1, at: "02:30"}
  pgbackrest: {retention_full_type: time, retention_full: 92}
"""


def test_a_good_file_loads(tmp_path: Path) -> None:
    policy, repo = load_policy(write(tmp_path, GOOD))
    assert policy == SEED and repo == RepositoryRetention(1, time(2, 30), "time", 92)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.replace("retention_full: 92", "retention_full: 92, retention_diff: 3"),
            "field repository.pgbackrest.retention_diff: unknown field (remove it or check its spelling)",
        ),
        (GOOD + "extra: 1\n", "field extra: unknown field (remove it or check its spelling)"),
        (
            GOOD.replace("type: time", "type: gfs"),
            "field repository.pgbackrest.retention_full_type: must be 'count' or 'time', not 'gfs'",
        ),
        (
            GOOD.replace('"02:30"', "12:30"),
            'field repository.schedule.at: write the time of day in quotes, e.g. "12:30"'
            " (unquoted, YAML reads 12:30 as the number 750)",
        ),
        (
            GOOD.replace('"02:30"', '"25:00"'),
            "field repository.schedule.at: '25:00' is not a time of day such as \"01:00\" (HH:MM, UTC)",
        ),
        (
            GOOD.replace("retention_full: 92", "retention_full: 0"),
            "field repository.pgbackrest.retention_full: must be >= 1, not 0",
        ),
        (
            GOOD.replace("daily: 7, weekly: 4, monthly: 3", "daily: 0, weekly: 0, monthly: 0"),
            "field promise: daily, weekly and monthly are all 0: promise at least one backup",
        ),
        ("promise: {daily: 7}\n", "field repository: missing required field"),
        ("- 1\n", "a backup policy is a mapping with promise: and repository:"),
        ("promise: [\n", "not valid YAML at line 2"),
    ],
)
def test_bad_files_fail_in_one_line_naming_the_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InvalidBackupPolicy) as caught:
        load_policy(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, HarnessError)


def test_a_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(InvalidBackupPolicy, match=r"nope\.yaml: no such backup policy file"):
        load_policy(tmp_path / "nope.yaml")
