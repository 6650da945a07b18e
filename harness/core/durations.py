"""Durations and percentages as people write them in scenario, tier and profile files.

"90s", "15m", "1m30s", "500ms", "1.5h", "2d" are seconds; "99.95%" is a fraction. Parsing is strict
(anything else is a ValueError quoting what was given, cut to a sane length), and `duration_field`
turns that into the one-line error a user sees, naming the file, the field and the limit.
"""

from __future__ import annotations

import math
import re

from harness.core.errors import HarnessError, shown

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
DURATION_HINT = "use e.g. 90s, 15m, 4h"
MAX_DURATION = 3650 * 86400.0  # ten years: no target, drill or wait a user writes comes near it


def parse_duration(text: str) -> float:
    """ "90s", "15m", "1m30s", "500ms", "1.5h", "2d" -> seconds. Raises ValueError otherwise."""
    compact = "".join(text.split()) if isinstance(text, str) and len(text) <= 64 else ""
    given = f'"{text}"' if len(str(text)) <= 40 else shown(text)
    if not _DURATION.fullmatch(compact):
        raise ValueError(f"invalid duration {given} ({DURATION_HINT})")
    seconds = sum(float(number) * _UNITS[unit] for number, unit in _PART.findall(compact))
    if not math.isfinite(seconds) or seconds > MAX_DURATION:
        raise ValueError(f"invalid duration {given} (at most {format_duration(MAX_DURATION)})")
    return seconds


def is_duration_text(text: object) -> bool:
    """True when `text` is written like a duration (whatever its size)."""
    return isinstance(text, str) and len(text) <= 64 and _DURATION.fullmatch("".join(text.split())) is not None


def format_duration(seconds: float) -> str:
    """Seconds as the shortest exact duration text: 86400 -> "1d", 90 -> "90s", 0.5 -> "500ms"."""
    if seconds == 0:
        return "0s"
    for unit in ("d", "h", "m", "s"):
        if seconds >= _UNITS[unit] and (seconds / _UNITS[unit]).is_integer():
            return f"{seconds / _UNITS[unit]:g}{unit}"
    return f"{seconds * 1000:g}ms" if seconds < 1 else f"{seconds:g}s"


def parse_percent(text: str) -> float:
    """ "99.95%" -> 0.9995. Raises ValueError for anything that is not a percentage in [0, 100]."""
    match = re.fullmatch(r"\s*(\d{1,3}(?:\.\d{1,12})?)\s*%\s*", text) if isinstance(text, str) else None
    if match is None or float(match[1]) > 100:
        given = f'"{text}"' if len(str(text)) <= 40 else shown(text)
        raise ValueError(f'invalid availability {given} (use a percentage such as "99.9%")')
    return round(float(match[1]) / 100, 12)


def duration_field(
    text: str, where: str, source: str, error: type[HarnessError], *, low: float = 0.0, high: float | None = None
) -> float:
    """A duration field in seconds within [low, high], or `error` naming the file, the field and the limit."""
    prefix = f"{source}: {where}" if source else where
    try:
        seconds = parse_duration(text)
    except ValueError:
        if is_duration_text(text):  # well formed, just huge
            raise error(f"{prefix}: must be at most {format_duration(high or MAX_DURATION)}, not {text}") from None
        raise error(f"{prefix}: invalid duration {shown(text)} (use e.g. 500ms, 30s, 2m)") from None
    if seconds < low:
        raise error(f"{prefix}: must be at least {format_duration(low)}, not {text}")
    if high is not None and seconds > high:
        raise error(f"{prefix}: must be at most {format_duration(high)}, not {text}")
    return seconds
