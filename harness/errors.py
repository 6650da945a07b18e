"""The harness's small error tree: every error names the cause and the fix in one line.

The CLI prints `str(error)` as a single line and exits with `error.exit_code` (2 for bad input or
a broken environment, as the README promises).
"""

from __future__ import annotations


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
