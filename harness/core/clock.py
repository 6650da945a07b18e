"""The one clock every wait goes through, with a time-scale knob for slow machines.

`ODOO_CHAOS_TIME_SCALE=2` doubles every deadline (never the poll period, which stays <=250 ms).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    retry_if_not_exception_type,
    retry_if_result,
    stop_after_delay,
    wait_fixed,
)

T = TypeVar("T")

POLL_SECONDS = 0.2


def time_scale() -> float:
    try:
        return max(0.1, float(os.environ.get("ODOO_CHAOS_TIME_SCALE", "1")))
    except ValueError:
        return 1.0


def deadline(seconds: float) -> float:
    """Monotonic deadline `seconds` from now, stretched by the time scale."""
    return time.monotonic() + seconds * time_scale()


def poll_until(
    check: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    on_timeout: Callable[[str], Exception],
    period: float = POLL_SECONDS,
    give_up_on: tuple[type[Exception], ...] = (),
) -> T:
    """Call `check` every `period` seconds until it returns something other than None/False.

    Exceptions from `check` count as "not yet" (the last one is named in the timeout error), except
    those of the types in `give_up_on`: they end the wait at once and propagate.
    """
    scaled = timeout * time_scale()
    retry = (
        retry_if_exception_type(Exception) & retry_if_not_exception_type(give_up_on)
        if give_up_on
        else (retry_if_exception_type(Exception))
    )
    retrying = Retrying(
        stop=stop_after_delay(scaled),
        wait=wait_fixed(period),
        retry=retry | retry_if_result(lambda r: r is None or r is False),
        reraise=False,
    )
    try:
        result = retrying(check)
    except give_up_on:
        raise
    except RetryError as exc:
        last = exc.last_attempt
        failure = last.exception() if last.failed else None
        detail = f" (last error: {type(failure).__name__}: {failure})" if failure else ""
        raise on_timeout(f"{what} not ready after {scaled:.0f}s{detail}") from None
    assert result is not None
    return result


def attempt_until(
    check: Callable[[], T | None], *, timeout: float, period: float = POLL_SECONDS
) -> tuple[T | None, BaseException | None]:
    """Like `poll_until`, for a caller that records a timeout rather than raising one.

    Returns `(value, None)` as soon as `check` gives a value, or `(None, last error)` once
    `timeout` (scaled) has passed; the last error is None when `check` only said "not yet".
    """
    retrying = Retrying(
        stop=stop_after_delay(timeout * time_scale()),
        wait=wait_fixed(period),
        retry=retry_if_exception_type(Exception) | retry_if_result(lambda r: r is None or r is False),
        reraise=False,
    )
    try:
        return retrying(check), None
    except RetryError as exc:
        last = exc.last_attempt
        return None, last.exception() if last.failed else None
