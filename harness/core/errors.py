"""The harness's small error tree: every error names the cause and the fix in one line.

The CLI prints `str(error)` as a single line and exits with `error.exit_code` (2 for bad input or
a broken environment, as the README promises).
"""

from __future__ import annotations

from typing import Any

MAX_SHOWN = 60  # characters of a given value a message quotes


class HarnessError(Exception):
    """Something the user can fix; the message says what and how."""

    exit_code = 2


class DockerUnavailable(HarnessError):
    """No Docker engine answers."""


class ImageBuildFailed(HarnessError):
    """A local image could not be built."""


class StackNotReady(HarnessError):
    """The stack did not reach readiness in time."""


class PortInUse(HarnessError):
    """A requested host port is already taken."""


class UnknownRun(HarnessError):
    """No stack carries the given run id."""


def shown(value: Any) -> str:
    """`repr(value)`, cut to MAX_SHOWN characters: a message quotes what was given, never a megabyte of it."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else f"{text[: MAX_SHOWN - 5]}...{text[-2:]}"


def one_line(text: str) -> str:
    """`text` with control characters escaped: a message stays one line whatever a user put in a name."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)
