"""What a command run somewhere (inside a service, in its network namespace, in a task) said.

Its own module because both sides of the stack seam return it: the Docker adapter
(`harness.edge.engine`) and every stack implementation (`harness.stack.handle`), real or fake.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Exec:
    """What a command said: its exit code and its output (stdout and stderr together)."""

    exit_code: int
    output: str
