"""One line from a pydantic validation error: which field, and what is wrong with it.

Scenario files and load profiles are validated with pydantic models; a user gets the first
problem as `<file>: field <dotted.path>: <message>`, with pydantic's wording for unknown and
missing fields replaced by what to do about them.
"""

from __future__ import annotations

from pydantic import ValidationError


def first_problem(exc: ValidationError, source: str) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"]) or "(top level)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field (remove it or check its spelling)"
    elif error["type"] == "missing":
        message = "missing required field"
    return f"{source}: field {where}: {message}"
