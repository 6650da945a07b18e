"""One line from a pydantic validation error (which field, what is wrong), and duration fields.

Scenario files and load profiles are validated with pydantic models; a user gets the first
problem as `<file>: field <dotted.path>: <message>`, with pydantic's wording for unknown and
missing fields replaced by what to do about them.
"""

from __future__ import annotations

from pydantic import ValidationError

from harness.errors import HarnessError
from harness.tiers import parse_duration


def first_problem(exc: ValidationError, source: str) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"]) or "(top level)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field (remove it or check its spelling)"
    elif error["type"] == "missing":
        message = "missing required field"
    return f"{source}: field {where}: {message}"


def duration_field(text: str, where: str, source: str, error: type[HarnessError]) -> float:
    """A duration field in seconds, or `error` naming the file and the field."""
    try:
        return parse_duration(text)
    except ValueError:
        raise error(f"{source}: {where}: invalid duration {text!r} (use e.g. 500ms, 30s, 2m)") from None
