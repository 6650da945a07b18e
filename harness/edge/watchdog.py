"""A second process that tears a run down when the command itself cannot react to SIGTERM or Ctrl-C.

The CLI turns SIGTERM (and Ctrl-C) into KeyboardInterrupt and every `finally` tears down. But a Python signal
handler only runs between bytecodes of the main thread: a main thread stuck in a C call (big arithmetic or
a JSON encoder chewing on something huge, holding the GIL) never runs it, and no thread of the same
process can run either while the GIL is held. So the watchdog is a small child process, not a
thread. It hears of the signal from the kernel side: `signal.set_wakeup_fd` makes CPython's C-level
handler write the signal number into a pipe the child reads, whether or not the Python handler ever
gets to run. The command tells it over a second pipe which runs it owns: `claim` when a stack
starts being created, `release` once it is torn down or handed over (`up` leaves its stack running
on purpose).

After SIGTERM or SIGINT the child waits `FORCE_AFTER` seconds for every claimed run to be
released. If one is not, it SIGKILLs the command and every process under it (probes' helpers,
Locust) and removes the claimed runs by label itself: teardown within 15 s of the signal, whatever
the main thread was doing. A command still alive `EXIT_AFTER` seconds after the signal (its stacks
gone, stuck writing a report) is killed too. The child ignores SIGTERM and SIGINT (its own work
must not be cut short) and ends when the command ends (its pipes close).

Run as `python -m harness.edge.watchdog PID WAKE_FD CONTROL_FD FORCE_AFTER EXIT_AFTER`; nothing else is
imported until a forced teardown needs the Docker client.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

FORCE_AFTER = 8.0  # seconds after the signal: claimed runs not released by then are removed here
EXIT_AFTER = 14.0  # seconds after the signal: the command is killed if it still runs
WATCHED = (signal.SIGINT, signal.SIGTERM)


@dataclass
class _Handle:
    process: subprocess.Popen[bytes]
    wake: int
    control: int
    previous_wakeup: int


_handle: _Handle | None = None


def start() -> None:
    """Start the watchdog for this process (main thread only; a no-op when one runs or off the main thread)."""
    global _handle
    if _handle is not None or threading.current_thread() is not threading.main_thread():
        return
    wake_read, wake_write = os.pipe()
    control_read, control_write = os.pipe()
    os.set_blocking(wake_write, False)  # set_wakeup_fd's requirement: a full pipe must never block a signal
    package_root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (package_root, os.environ.get("PYTHONPATH"))))}
    try:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "harness.edge.watchdog"),
                *(str(os.getpid()), str(wake_read), str(control_read), str(FORCE_AFTER), str(EXIT_AFTER)),
            ],
            pass_fds=(wake_read, control_read),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # a terminal's Ctrl-C reaches the command, not its watchdog
        )
    except OSError:
        for fd in (wake_read, wake_write, control_read, control_write):
            os.close(fd)
        return  # no watchdog: the signal handler alone, as before
    os.close(wake_read)
    os.close(control_read)
    previous = signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
    _handle = _Handle(process, wake_write, control_write, previous)


def stop() -> None:
    """Stop the watchdog (the command is done with what it owns): its pipes close and it exits."""
    global _handle
    handle, _handle = _handle, None
    if handle is None:
        return
    signal.set_wakeup_fd(handle.previous_wakeup)
    for fd in (handle.wake, handle.control):
        os.close(fd)
    try:
        handle.process.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - it exits on EOF at once
        handle.process.kill()


def _tell(word: str, run_id: str) -> None:
    if _handle is None:
        return
    with contextlib.suppress(OSError):  # the watchdog died: the signal handler alone, as before
        os.write(_handle.control, f"{word} {run_id}\n".encode())


def claim(run_id: str) -> None:
    """This process is creating `run_id`'s objects: remove them if it cannot after a signal."""
    _tell("claim", run_id)


def release(run_id: str) -> None:
    """`run_id` is torn down (or left running on purpose): nothing for the watchdog to do about it."""
    _tell("release", run_id)


# --- the child ----------------------------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    """Every process under `pid` (from /proc), children before grandchildren."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read().decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1:
            parents.setdefault(int(fields[1]), []).append(int(entry))
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(0), []):
            if child != os.getpid():
                found.append(child)
                queue.append(child)
    return found


def _kill_tree(pid: int) -> None:
    under = _descendants(pid)
    for victim in (pid, *under):  # the command first: it must not start anything new
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)


def _say(message: str) -> None:
    with contextlib.suppress(OSError):
        os.write(2, f"odoo-chaos: watchdog: {message}\n".encode())


def _remove(runs: set[str]) -> None:
    from harness.edge import cleanup, state

    for run_id in sorted(runs):
        try:
            removed = cleanup.remove_run(run_id)
            state.forget(run_id)
            _say(f"removed run {run_id} ({removed} objects) by label")
        except Exception as exc:
            _say(f"could not remove run {run_id}: {type(exc).__name__}: {exc}; `odoo-chaos down {run_id}` will")


def watch(
    parent: int, wake: int, control: int, force_after: float = FORCE_AFTER, exit_after: float = EXIT_AFTER
) -> int:
    """The child's loop (see the module doc)."""
    for watched in WATCHED:
        signal.signal(watched, signal.SIG_IGN)
    owned: set[str] = set()
    signalled: float | None = None
    pending = b""
    open_fds = {wake, control}
    while True:
        now = time.monotonic()
        deadline = None if signalled is None else signalled + (force_after if owned else exit_after)
        timeout = None if deadline is None else max(0.0, deadline - now)
        ready, _, _ = select.select(sorted(open_fds), [], [], timeout)
        parent_gone = False
        for fd in ready:
            data = os.read(fd, 4096)
            if not data:
                open_fds.discard(fd)
                parent_gone = True  # the command exited (or closed us down): its pipes are closed
            elif fd == wake and signalled is None and any(byte in data for byte in WATCHED):
                signalled = time.monotonic()
            elif fd == control:
                pending += data
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    word, _, run_id = line.decode(errors="replace").partition(" ")
                    if word == "claim":
                        owned.add(run_id)
                    elif word == "release":
                        owned.discard(run_id)
        if parent_gone:
            if signalled is not None and owned:  # it died mid-teardown
                _remove(owned)
            return 0
        if signalled is None:
            continue
        elapsed = time.monotonic() - signalled
        if owned and elapsed >= force_after:
            _say(f"the command did not tear down within {force_after:g}s of the signal: killing it")
            _kill_tree(parent)
            _remove(owned)
            return 0
        if elapsed >= exit_after:
            _say(f"the command was still running {exit_after:g}s after the signal (its stacks are down): killing it")
            _kill_tree(parent)
            return 0


if __name__ == "__main__":
    sys.exit(watch(*map(int, sys.argv[1:4]), *map(float, sys.argv[4:6])))
