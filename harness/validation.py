"""One line from a pydantic validation error (which field, what is wrong), duration fields, and
reading a YAML file with a one-line error naming it.

Scenario files and load profiles are validated with pydantic models; a user gets the first
problem as `<file>: field <dotted.path>: <message>`, with pydantic's wording for unknown and
missing fields replaced by what to do about them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from harness.errors import HarnessError


def load_yaml(path: Path, what: str, error: type[HarnessError]) -> Any:
    """The parsed YAML of `path`, or `error` naming the file (and the line) and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise error(f"{path}: not valid YAML{line}: {problem}") from None


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
    from harness.tiers import parse_duration  # tiers reads its file with load_yaml: import here, not at the top

    try:
        return parse_duration(text)
    except ValueError:
        raise error(f"{source}: {where}: invalid duration {text!r} (use e.g. 500ms, 30s, 2m)") from None
