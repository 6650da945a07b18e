"""The `odoo-chaos` application object and what every command shares: its consoles, progress and signals.

Results go to stdout (`out`), progress and errors to stderr (`err`). `interruptible()` makes SIGTERM
behave like Ctrl-C, once, so a command's teardown always runs; `main` turns a `HarnessError` into
one line and exit 2 (or the error's own code), an interrupt into exit 130 (the table: `harness.core.exit_codes`).
"""

from __future__ import annotations

import contextlib
import faulthandler
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console

from harness import __version__
from harness.core.errors import HarnessError, one_line
from harness.core.progress import Progress, logged, show_on
from harness.edge import watchdog

app = typer.Typer(
    name="odoo-chaos",
    help="Chaos and failover drills for self-hosted Odoo. Brings up a real HA Odoo stack "
    "(Traefik, two Odoo nodes, PostgreSQL primary + hot standby, Redis, backup repository) from "
    "locally built images and measures what users lose when it breaks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},  # inherited by every command
)

out = Console(soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _print_version(value: bool) -> None:
    if value:
        out.print(f"odoo-chaos {__version__}", markup=False)
        raise typer.Exit(0)


@app.callback()
def _top_level(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    return None


def command_progress() -> Progress:
    """A command's progress: lines logged on `harness.cli`, shown on stderr with their time by `main`."""
    return logged("harness.cli")


_interrupted = False


def raise_interrupt(signum: int, frame: FrameType | None) -> None:
    """The first SIGTERM or SIGINT interrupts; later ones are ignored, so they cannot cut its teardown short."""
    global _interrupted
    if _interrupted:
        return
    _interrupted = True
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C, so `finally` blocks (teardown) run for both; a second one waits for them.

    A watchdog process (`harness.edge.watchdog`) backs the handler: if the main thread cannot react (a
    C call holds it), the stacks this command claimed are removed within 15 s of the signal anyway.
    """
    watchdog.start()
    previous = {signum: signal.signal(signum, raise_interrupt) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        watchdog.stop()


def version() -> None:
    """Print the harness version."""
    out.print(__version__)


def _is(exc: BaseException, name: str) -> bool:
    """Match click's exception classes by name (typer may vendor its own copy of click)."""
    return any(cls.__name__ == name for cls in type(exc).__mro__)


def main() -> None:
    """Entry point: one-line errors, exit 2 for bad input or environment, 130 on interrupt.

    `kill -USR1 PID` prints every thread's stack on stderr and goes on: what a command that seems hung
    is waiting for."""
    if hasattr(signal, "SIGUSR1"):
        with contextlib.suppress(ValueError, OSError, AttributeError):  # stderr without a file descriptor
            faulthandler.register(signal.SIGUSR1, all_threads=True, chain=False)
    show_on(err)
    try:
        result = app(args=sys.argv[1:], prog_name="odoo-chaos", standalone_mode=False)
    except HarnessError as exc:
        err.print(f"odoo-chaos: error: {one_line(str(exc))}", markup=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("odoo-chaos: interrupted; what the command had started was torn down", markup=False)
        sys.exit(130)
    except Exception as exc:
        if _is(exc, "NoArgsIsHelpError"):  # a bare `odoo-chaos` or `odoo-chaos images`: the help is shown already
            sys.exit(2)
        if _is(exc, "UsageError"):
            ctx = getattr(exc, "ctx", None)
            hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            message = one_line(exc.format_message())  # type: ignore[attr-defined]
            err.print(f"odoo-chaos: error: {message}{hint}", markup=False)
            sys.exit(2)
        if _is(exc, "Abort"):
            err.print("odoo-chaos: interrupted; what the command had started was torn down", markup=False)
            sys.exit(130)
        raise
    sys.exit(result if isinstance(result, int) else 0)
