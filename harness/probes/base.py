"""What every probe gets and how probes are registered and classified.

`classify(exc)` is the one place that decides whether a failed call definitely did not happen
(`fail`) or may have happened (`info`): a refused connection or an HTTP 503 from Traefik sent
nothing to Odoo; a timeout, a reset mid-request or a lost database connection may have committed.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass, field

from harness.history import History, Kind
from harness.stack.stack import Endpoints


@dataclass(slots=True)
class ProbeContext:
    history: History
    endpoints: Endpoints
    run_id: str
    stop: threading.Event
    period: float = 0.1  # seconds between business writes across all writers
    timeout: float = 2.0  # per call: a hung call never hides recovery
    seq_base: int = 1
    writers: int = 2
    sessions: int = 4
    _seq: int = field(default=0)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_seq(self) -> int:
        """Unique, monotonically increasing business ids across all writers of the run."""
        with self._lock:
            value = self.seq_base + self._seq
            self._seq += 1
            return value

    def writer_name(self, process: str) -> str:
        return f"{self.run_id}/{process}"


ProbeFactory = Callable[[ProbeContext], list[Callable[[], None]]]
PROBES: dict[str, ProbeFactory] = {}


def register(name: str) -> Callable[[ProbeFactory], ProbeFactory]:
    """Register a probe factory: it returns the thread bodies the probe needs (one per process)."""

    def decorate(factory: ProbeFactory) -> ProbeFactory:
        PROBES[name] = factory
        return factory

    return decorate


_UNCERTAIN_DB = (
    "OperationalError",
    "InterfaceError",
    "server closed the connection",
    "duplicate key value",
    "could not serialize",
    "SerializationFailure",
)


def classify(exc: BaseException) -> Kind:
    """`fail` when the operation certainly did not happen, `info` when it may have."""
    if isinstance(exc, ConnectionRefusedError | ssl.SSLError | socket.gaierror):
        return "fail"  # nothing reached the server
    if isinstance(exc, xmlrpc.client.Fault):
        text = str(exc.faultString)
        return "info" if any(marker in text for marker in _UNCERTAIN_DB) else "fail"
    if isinstance(exc, xmlrpc.client.ProtocolError):
        return "fail" if exc.errcode in (503, 404, 401, 403) else "info"
    if isinstance(exc, PermissionError):
        return "fail"
    if isinstance(exc, TimeoutError | http.client.HTTPException | ConnectionError | OSError):
        return "info"
    return "info"


def short_error(exc: BaseException) -> str:
    text = exc.faultString.strip().splitlines()[-1] if isinstance(exc, xmlrpc.client.Fault) else str(exc)
    return f"{type(exc).__name__}: {text}"[:300]


def paced(ctx: ProbeContext, period: float, offset: float, step: Callable[[], None]) -> None:
    """Call `step` every `period` seconds (first after `offset`) until stop; never bursts to catch up."""
    if ctx.stop.wait(offset):
        return
    next_at = ctx.history.now()
    while not ctx.stop.is_set():
        step()
        next_at = max(next_at + period, ctx.history.now())
        delay = next_at - ctx.history.now()
        if delay > 0 and ctx.stop.wait(delay):
            return
