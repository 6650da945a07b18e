"""Numbers and sentences as people read them: the ground floor every checker's headline and every report shares.

Every formatter takes whatever a metric holds (a number, None, something unexpected) and returns
text; a missing or malformed value reads as an em dash, never as an exception. `number` and `count`
read a metric defensively, `jsonable` makes any value strictly JSON (NaN and infinity become null).
`margin` writes a margin in its target's unit ("+12.3 s", "+0.01 pp"); `target_sentences` turns a
tier's targets into sentences.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

DASH = "\u2014"

def jsonable(value: Any) -> Any:
    """`value` made strictly JSON-serialisable: NaN/inf become null, unknown objects their str()."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [jsonable(v) for v in items]
    return str(value)


def number(value: Any) -> float | None:
    """`value` as a finite float, or None (missing, bool, non-numeric, NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def count(value: Any) -> int | None:
    """A count metric as an int: numbers as they are, a list by its length, anything else None."""
    if isinstance(value, list | tuple):
        return len(value)
    n = number(value)
    return None if n is None else int(n)




def seconds(value: Any, digits: int = 2) -> str:
    n = number(value)
    return DASH if n is None else f"{n:.{digits}f} s"


def millis(value: Any) -> str:
    n = number(value)
    return DASH if n is None else f"{n * 1000:.0f} ms"


def percent(fraction: Any, digits: int = 3) -> str:
    n = number(fraction)
    return DASH if n is None else f"{n * 100:.{digits}f} %"


def integer(value: Any) -> str:
    n = count(value)
    return DASH if n is None else str(n)


def margin(value: Any, unit: str = "s") -> str:
    """A margin in its target's unit: seconds, or percentage points for a fraction."""
    n = number(value)
    if n is None:
        return DASH
    if unit == "fraction":
        return f"{n * 100:+.3f} pp"
    return f"{n:+.1f} s" if abs(n) >= 10 else f"{n:+.2f} s"


def duration_words(value: Any) -> str:
    """Seconds as a person says them: 90 s, 15 min, 4 h, 1 d."""
    n = number(value)
    if n is None:
        return DASH
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if n >= size and (n / size).is_integer():
            return f"{n / size:g} {unit}"
    return f"{n:g} s"


def target_sentences(targets: Mapping[str, Any]) -> list[str]:
    """A tier's targets as sentences ("RTO at most 15 min (a warning up to 1 h)")."""
    out: list[str] = []
    for key, label in (("rto", "RTO"), ("rpo", "RPO")):
        target = targets.get(key)
        if isinstance(target, Mapping):
            strict, loose = target.get("strict"), target.get("loose")
            extra = f" (a warning up to {duration_words(loose)})" if number(loose) != number(strict) else ""
            out.append(f"{label} at most {duration_words(strict)}{extra}.")
    target = targets.get("availability")
    if isinstance(target, Mapping):
        strict, loose = number(target.get("strict")), number(target.get("loose"))
        if strict is not None:
            extra = f" (a warning down to {loose * 100:g} %)" if loose is not None and loose != strict else ""
            budget = (1 - strict) * 30 * 86400
            out.append(f"Availability at least {strict * 100:g} %{extra}: a monthly downtime budget of {budget:.0f} s.")
    return out


def rto_text(metrics: Mapping[str, Any]) -> str:
    rto = number(metrics.get("rto_seconds"))
    bound = number(metrics.get("rto_seconds_at_least"))
    if rto is None and bound is None:
        return DASH
    if rto is None and bound is not None:
        return f"at least {bound:.2f} s (not back)"
    assert rto is not None
    resolution = number(metrics.get("rto_resolution_seconds"))
    return f"{rto:.2f} s" if resolution is None else f"{rto:.2f} s \u00b1 {resolution:.2f} s"


def seq_list(value: Any, limit: int = 10) -> str:
    if not isinstance(value, list | tuple) or not value:
        return ""
    shown = ", ".join(str(v) for v in value[:limit])
    return shown + (f", \u2026 (+{len(value) - limit})" if len(value) > limit else "")


def by_journey_text(metrics: Mapping[str, Any]) -> str:
    """`web users 40.50 s; integrations 7.20 s` from the rto check's `rto_by_journey`."""
    by = metrics.get("rto_by_journey")
    if not isinstance(by, Mapping):
        return ""
    parts = []
    for journey, figures in by.items():
        if not isinstance(figures, Mapping):
            continue
        rto, bound = number(figures.get("rto_seconds")), number(figures.get("rto_seconds_at_least"))
        text = f"{rto:.2f} s" if rto is not None else f"at least {bound:.2f} s" if bound is not None else DASH
        parts.append(f"{journey} {text}")
    return "; ".join(parts)


def downtime_label(metrics: Mapping[str, Any] | None, pages: int = 2) -> str:
    """The figures table's name for `downtime_text`: what the figure leads with. In an incident it is the
    downtime against the monthly budget; a quiet run's figure is the availability share (page layout 1
    called both "Downtime")."""
    if pages >= 2 and metrics is not None and not metrics.get("incident"):
        return "Availability"
    return "Downtime"


def downtime_text(metrics: Mapping[str, Any]) -> str:
    """Availability as users and budgets read it: `7.3 s of 259 s (web users)`."""
    down = number(metrics.get("downtime_seconds"))
    journey = metrics.get("availability_journey")
    who = f" ({journey})" if isinstance(journey, str) else ""
    if down is None:
        return DASH
    if metrics.get("incident"):
        budget = number(metrics.get("monthly_budget_seconds"))
        return f"{down:.1f} s of {budget:.0f} s monthly budget{who}" if budget is not None else f"{down:.1f} s{who}"
    measured = number(metrics.get("measured_seconds"))
    share = percent(metrics.get("availability"))
    return f"{share}: {down:.1f} s down of {measured:.0f} s{who}" if measured is not None else f"{share}{who}"


Shape = Literal["number", "count", "json", "records"]


@dataclass(frozen=True, slots=True)
class CardFigure:
    """One top-level figure of report.json that a checker owns: copied from one of its metrics, in one shape
    (`number` a float or null, `count` an int or null, `json` as it is, `records` a list of objects)."""

    key: str  # the report.json key
    metric: str = ""  # the checker's metric it is copied from (default: the same name)
    shape: Shape = "number"

    def read(self, value: Any) -> Any:
        if self.shape == "number":
            return number(value)
        if self.shape == "count":
            return count(value)
        if self.shape == "records":
            listed = value if isinstance(value, list | tuple) else []
            return jsonable([dict(v) for v in listed if isinstance(v, Mapping)])
        return jsonable(value)

    @property
    def source(self) -> str:
        return self.metric or self.key


def card(*figures: str) -> tuple[CardFigure, ...]:
    """A report card from `key:shape` words (`rto_seconds`, `lost_writes:count`, `outages:records`)."""
    made = []
    for word in figures:
        key, _, shape = word.partition(":")
        made.append(CardFigure(key, shape=shape or "number"))  # type: ignore[arg-type]
    return tuple(made)
