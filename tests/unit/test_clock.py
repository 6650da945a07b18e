from __future__ import annotations

import time

import pytest

from harness.core.clock import poll_until
from harness.core.errors import StackNotReady


def test_returns_first_truthy_result() -> None:
    answers = iter([None, False, 7])
    assert poll_until(lambda: next(answers), timeout=5, what="x", on_timeout=StackNotReady, period=0.01) == 7


def test_exceptions_mean_not_yet() -> None:
    calls = {"n": 0}

    def flaky() -> str:
        calls["n"] += 1
        if calls["n"] < 3:
            raise ConnectionError("refused")
        return "ok"

    assert poll_until(flaky, timeout=5, what="x", on_timeout=StackNotReady, period=0.01) == "ok"


def test_timeout_names_what_and_the_last_error() -> None:
    def refuse() -> None:
        raise ConnectionError("connection refused")

    with pytest.raises(StackNotReady, match=r"pg-primary not ready after .*ConnectionError: connection refused"):
        poll_until(refuse, timeout=0.05, what="pg-primary", on_timeout=StackNotReady, period=0.01)


def test_time_scale_stretches_deadlines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODOO_CHAOS_TIME_SCALE", "3")
    started = time.monotonic()
    with pytest.raises(StackNotReady, match="not ready after 0s"):
        poll_until(lambda: None, timeout=0.05, what="x", on_timeout=StackNotReady, period=0.01)
    assert time.monotonic() - started >= 0.15
