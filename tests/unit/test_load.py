"""Load profiles (validated like scenarios) and the load checker on hand-built Locust statistics."""

from __future__ import annotations

from typing import Any

import pytest

from harness.checkers.base import CheckContext
from harness.checkers.load import check_load, percentile_of, regained_at
from harness.core import history as h
from harness.core.history import make
from harness.files.tiers import load_tiers
from harness.load.profile import InvalidLoadProfile, LoadProfile, parse_profile

CTX = CheckContext(tier=load_tiers()["tier-1"])


def test_a_full_profile_becomes_seconds_and_shares() -> None:
    profile = parse_profile(
        {
            "name": "office-day",
            "users": 30,
            "spawn_rate": 5,
            "think_time": {"min": "500ms", "max": "2s"},
            "tasks": {"browse-partners": 2, "create-partner": 1},
            "capacity": {"within": "15%", "deadline": "90s"},
            "slo": {"p95": "1s"},
            "workers": 2,
        },
        "p.yaml",
    )
    assert profile == LoadProfile(
        "office-day",
        30,
        5.0,
        (0.5, 2.0),
        "fast",
        {"browse-partners": 2, "create-partner": 1},
        0.15,
        90.0,
        1.0,
        2,
        "p.yaml",
    )
    assert parse_profile({}).tasks["browse-partners"] == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"users": 0}, "p: field users: must be >= 1, not 0"),
        (
            {"tasks": {"dance": 1}},
            "p: field tasks: unknown task 'dance'; tasks are browse-partners, search-partners, open-partner, create-partner, update-partner",
        ),
        ({"tasks": {"browse-partners": 0}}, "p: field tasks: at least one task needs a weight above 0"),
        ({"think_time": {"min": "3s", "max": "1s"}}, "p: field think_time: min 3s is above max 1s"),
        (
            {"think_time": {"min": "soon", "max": "1s"}},
            "p: field think_time.min: invalid duration 'soon' (use e.g. 500ms, 30s, 2m)",
        ),
        ({"capacity": {"within": "ten"}}, "p: field capacity.within: 'ten' is not a percentage such as 10%"),
        ({"user_class": "slow"}, "p: field user_class: must be 'fast' or 'http', not 'slow'"),
        ({"colour": 1}, "p: field colour: unknown field (remove it or check its spelling)"),
        ([1], "p: a load profile is a mapping with users, spawn_rate, tasks, ..."),
    ],
)
def test_malformed_profiles_name_the_field(data: Any, message: str) -> None:
    with pytest.raises(InvalidLoadProfile) as error:
        parse_profile(data, "p")
    assert str(error.value) == message


def test_percentiles_merge_exactly_from_histograms() -> None:
    from collections import Counter

    assert percentile_of(Counter({10.0: 90, 200.0: 9, 1000.0: 1}), 0.95) == 0.2
    assert percentile_of(Counter({10.0: 90, 200.0: 9, 1000.0: 1}), 0.99) == 0.2
    assert percentile_of(Counter(), 0.5) is None


def stats(seconds: range, ok: int, failures: int = 0, latency_ms: int = 20, name: str = "browse-partners") -> list[Any]:
    rows = []
    for t in seconds:
        value = {
            "at": float(t),
            "name": name,
            "count": ok + failures,
            "failures": failures,
            "hist": {str(latency_ms): ok + failures},
        }
        rows.append(("load", "info", h.LOAD, float(t), value))
    return rows


def writes(until: int, down: tuple[int, int] | None = None) -> list[Any]:
    rows = []
    for k in range(until * 10):
        t = k / 10
        failed = down is not None and down[0] <= t < down[1]
        rows += [("w", "invoke", h.WRITE, t, {"seq": k}), ("w", "fail" if failed else "ok", h.WRITE, t + 0.01, {})]
    return rows


def phase(**extra: Any) -> list[Any]:
    value = {"phase": "load", "ramp_seconds": 0, "capacity_within": 0.1, "capacity_deadline": 20.0, "slo_p95": 0.5}
    return [("load", "info", h.PHASE, 0.0, value | extra)]


def fault(at: float) -> list[Any]:
    return [
        ("fault", "invoke", h.INJECT, at, {"fault": "kill", "takes_effect": "start"}),
        ("fault", "ok", h.INJECT, at + 0.1, {}),
    ]


def test_capacity_comes_back_after_recovery() -> None:
    rows = phase() + writes(80, down=(20, 25)) + fault(20.0)
    rows += stats(range(0, 20), ok=30) + stats(range(20, 25), ok=0, failures=30) + stats(range(25, 80), ok=29)
    verdict = check_load(make(sorted(rows, key=lambda r: r[3])), CTX)
    assert verdict.status == "pass", verdict.reason
    m = verdict.metrics
    assert m["before"]["requests_per_second"] == 30.0 and m["during"]["error_rate"] == pytest.approx(1.0, abs=0.05)
    assert m["capacity"]["baseline_ok_per_second"] == 30.0 and m["capacity"]["regained_after_seconds"] < 2
    assert m["before"]["endpoints"]["browse-partners"]["p95"] == 0.02


def test_capacity_that_never_comes_back_fails_and_slow_p95_fails() -> None:
    rows = phase() + writes(80, down=(20, 25)) + fault(20.0)
    rows += stats(range(0, 20), ok=30, latency_ms=900) + stats(range(20, 80), ok=10)
    verdict = check_load(make(sorted(rows, key=lambda r: r[3])), CTX)
    assert verdict.status == "fail"
    assert "throughput did not come back to 27.0 ok requests/s" in verdict.reason
    assert "p95 latency 900 ms outside recovery is above the SLO 500 ms" in verdict.reason


def test_load_alone_is_judged_on_the_slo_only() -> None:
    rows = phase() + writes(30) + stats(range(0, 30), ok=20)
    verdict = check_load(make(sorted(rows, key=lambda r: r[3])), CTX)
    assert verdict.status == "pass" and "during" not in verdict.metrics
    assert verdict.metrics["before"]["ok_per_second"] == pytest.approx(20.0, rel=0.05)
    assert check_load(make(writes(3)), CTX).status == "unknown"


def test_regained_needs_a_full_span() -> None:
    rows = [{"at": float(t), "count": 10, "failures": 0} for t in range(0, 30)]
    assert regained_at(rows, 5.0, 30.0, floor=9.0) == 5.0
    assert regained_at(rows, 25.0, 30.0, floor=9.0) is None


def test_the_shipped_profile_loads() -> None:
    from pathlib import Path

    from harness.load.profile import load_profile

    profile = load_profile(Path(__file__).resolve().parents[2] / "load-profiles" / "office-day.yaml")
    assert (profile.name, profile.users, profile.slo_p95) == ("office-day", 20, 0.8)


def _after_failures(logged_out: int, other: int, users: int) -> Any:
    """30 requests/s for 80 s, a 5 s outage at 20 s, and over the 5 s after recovery `logged_out`
    "session expired" answers and `other` plain failures (each second well under the share that
    makes it a down second)."""
    rows = phase(users=users, error_rate_bound=0.01) + writes(80, down=(20, 25)) + fault(20.0)
    rows += stats(range(0, 20), ok=30) + stats(range(20, 25), ok=0, failures=30) + stats(range(25, 80), ok=30)
    if logged_out:
        rows += stats(range(26, 31), ok=0, failures=logged_out // 5, name="logged-out")
    if other:
        rows += stats(range(26, 31), ok=0, failures=other // 5, name="open-partner")
    return check_load(make(sorted(rows, key=lambda r: r[3])), CTX)


def test_a_logged_out_users_first_request_after_recovery_is_left_out_of_the_error_rate() -> None:
    """The outage dropped 20 users' sessions: each finds out at its next request. Those 20 are the
    sessions check's to judge, not errors of a recovered system; the raw rate is still reported."""
    verdict = _after_failures(logged_out=20, other=0, users=20)
    assert verdict.status == "pass", verdict.reason
    m = verdict.metrics
    assert (m["after"]["failures"], m["after_logged_out"], m["after_error_rate_judged"]) == (20, 20, 0.0)
    assert m["after"]["error_rate"] == pytest.approx(20 / 1670, abs=1e-4)


def test_more_logouts_than_users_and_other_errors_still_count() -> None:
    """More "session expired" answers than users means sessions keep dropping after recovery: the
    excess counts; so does every other failure."""
    verdict = _after_failures(logged_out=40, other=0, users=20)
    assert verdict.status == "fail"
    assert verdict.reason == (
        "1.2% of requests failed after every journey was back (20 logged-out users' first request left out) "
        "(bound 1.0%)"
    )
    verdict = _after_failures(logged_out=5, other=20, users=20)
    assert verdict.reason == (
        "1.2% of requests failed after every journey was back (5 logged-out users' first request left out) (bound 1.0%)"
    )
    verdict = _after_failures(logged_out=0, other=20, users=20)
    assert verdict.status == "fail"
    assert verdict.reason == "1.2% of requests failed after every journey was back (bound 1.0%)"


def test_the_locustfile_and_the_checker_agree_on_the_logged_out_name() -> None:
    from pathlib import Path

    import harness.core.journeys as journeys

    locustfile = (Path(journeys.__file__).parents[1] / "load" / "locustfile.py").read_text()
    assert f'LOGGED_OUT = "{journeys.LOGGED_OUT}"' in locustfile
