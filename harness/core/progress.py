"""Progress: what a long step is doing, said through `logging`, shown by whoever listens.

Functions that take a while accept a `Progress` (a callable taking one line). The default sends
the line to the module's logger (`logging.getLogger(__name__)` of the caller), so progress is
logged, never printed from deep inside the harness; the command line shows it with a handler
(`ProgressHandler`: time since the start and the line, on stderr), the pytest plugin with its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape

Progress = Callable[[str], None]
ROOT_LOGGER = "harness"


def quiet(_: str) -> None:
    """Say nothing (a step run inside another that reports for it)."""
    return None


def logged(name: str) -> Progress:
    """Progress that logs each line at INFO on the logger `name` (a module's `__name__`)."""
    return logging.getLogger(name).info


class ProgressHandler(logging.Handler):
    """Timestamped progress lines on stderr (readable in CI logs, no cursor tricks)."""

    def __init__(self, console: Console) -> None:
        super().__init__(logging.INFO)
        self.console = console
        self.started = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            elapsed = time.monotonic() - self.started
            self.console.print(f"[dim][{elapsed:6.1f}s][/dim] {escape(record.getMessage())}", highlight=False)
        except Exception:  # a broken terminal must not break a drill
            self.handleError(record)


def show_on(console: Console) -> ProgressHandler:
    """Show every progress line of the harness on `console` (the CLI's stderr); returns the handler."""
    handler = ProgressHandler(console)
    logger = logging.getLogger(ROOT_LOGGER)
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return handler
