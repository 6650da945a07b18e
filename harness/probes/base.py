"""What every probe gets, how probes are registered, how they keep time, and how errors are classified.

**Lanes.** A probe runs one or more *lanes* (`writer-1`, `writer-2`, `reader`, `session-3`, ...).
A lane invokes one operation every `period` seconds on a fixed schedule and never waits for the
earlier ones: while an operation hangs (a frozen node, a half-open socket), the next ones are
still invoked on time, each on a free *slot* of the lane (at most `max_in_flight` at once). So a
hang is observed at the probe period, not at the client timeout, and the recovery is seen when it
happens. Each slot has its own client (connections are not shared between threads) and records
its operations under its own process name (`writer-1`, then `writer-1.1`, `writer-1.2`, ... for
the slots that overlap), so the history still pairs every invoke with its own completion.

**Liveness.** A lane whose operation raises outside the probe's own error handling records a
`probe-error` event (process `monitor`) instead of dying silently, and the lanes of a run are
recorded with their period when the probes start: the liveness checker then flags any lane whose
invokes stop for more than three periods. Silence is never uptime.

`classify(exc)` is the one place that decides whether a failed call definitely did not happen
(`fail`) or may have happened (`info`): a refused connection or an HTTP 503 from Traefik sent
nothing to Odoo; a timeout, a reset mid-request or a lost database connection may have committed.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import xmlrpc.client
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar, runtime_checkable

from harness.core.history import LANE_BLOCKED, PROBE_ERROR, History, Kind
from harness.core.registry import Registry
from harness.edge.business_rows import LEDGER, BusinessRows
from harness.edge.odoo_api import OdooClient
from harness.stack.handle import StackHandle
from harness.stack.stack import Endpoints

R = TypeVar("R")

MAX_IN_FLIGHT = 20  # per lane: 2 s of operations at 10 Hz, the client timeout's worth


@runtime_checkable
class NodeSql(Protocol):
    """A stack whose PostgreSQL nodes are asked from inside their containers, and that says where the
    business rows go (a target's: `harness.stack.target.TargetStack`); the runner asks for this protocol,
    never for a kind of stack."""

    rows: BusinessRows

    def first_seq(self) -> int:
        """The run's first business sequence number."""
        ...

    def services(self) -> tuple[str, ...]: ...

    def pg_role(self, service: str) -> str: ...

    def seqs(
        self, rows: BusinessRows, run_id: str, seq_base: int = 1, service: str = "pg-primary"
    ) -> tuple[list[int], list[int]]: ...


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
    lanes: dict[str, float] = field(default_factory=dict)  # lane -> period, filled as probes build their lanes
    stack: StackHandle | None = None  # the system under test, for probes that ask a node from inside (node-roles)
    uid: int | None = None  # the probe user's id, authenticated once before the run (see `odoo_client`)
    rows: BusinessRows = LEDGER  # where business writes go: the ledger, or tagged res.partner rows on a target
    nodes: NodeSql | None = None  # a target's PostgreSQL nodes, asked with psql inside them (no published ports)
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

    def odoo_client(self) -> OdooClient:
        """A client for one lane slot, already knowing the user's id: every `authenticate` is a PBKDF2 hash
        on the server, and slots created in a burst (after an outage, 20 per lane) would otherwise
        flood both Odoo nodes with logins just as they come back, and lengthen the outage they measure."""
        client = self.endpoints.odoo_client(self.timeout)
        client.uid = self.uid
        return client


def lane_of(process: str) -> str:
    """The lane a process name belongs to: `writer-1.3` -> `writer-1` (slots share their lane)."""
    return process.split(".", 1)[0]


class Lane(Generic[R]):
    """A probe lane: `operation(process, resource)` every `period` s, never waiting for earlier ones.

    `resource()` makes one client per slot, lazily (most runs only ever use slot 0), and `release`
    closes them when the lane ends. The lane's
    `run()` is the thread body; it returns once `ctx.stop` is set and every operation in flight
    has completed (each is bounded by its client timeout).
    """

    def __init__(
        self,
        ctx: ProbeContext,
        name: str,
        period: float,
        offset: float,
        operation: Callable[[str, R], None],
        resource: Callable[[], R],
        max_in_flight: int = MAX_IN_FLIGHT,
        release: Callable[[R], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.name = name
        self.period = period
        self.offset = offset
        self.operation = operation
        self.resource = resource
        self.max_in_flight = max_in_flight
        self.release = release
        self._free: list[int] = list(range(max_in_flight))
        self._resources: dict[int, R] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = 0
        ctx.lanes[name] = period

    def process(self, slot: int) -> str:
        return self.name if slot == 0 else f"{self.name}.{slot}"

    def _take(self) -> int | None:
        with self._lock:
            if not self._free:
                return None
            self._free.sort()
            slot = self._free.pop(0)
            self._busy += 1
            return slot

    def _give(self, slot: int) -> None:
        with self._lock:
            self._free.append(slot)
            self._busy -= 1
            self._idle.notify_all()

    def _work(self, slot: int) -> None:
        try:
            if slot not in self._resources:
                self._resources[slot] = self.resource()
            self.operation(self.process(slot), self._resources[slot])
        except Exception as exc:  # the probe's own handling failed: say so, never fall silent
            self._resources.pop(slot, None)
            report_probe_error(self.ctx.history, self.name, exc)
        finally:
            self._give(slot)

    def run(self) -> None:
        try:
            if self.ctx.stop.wait(self.offset):
                return
            history = self.ctx.history
            next_at = history.now()
            while not self.ctx.stop.is_set():
                slot = self._take()
                if slot is not None:
                    threading.Thread(target=self._work, args=(slot,), name=f"{self.name}-{slot}", daemon=True).start()
                else:  # every slot still waits on the system: say so (liveness tells blocked from silent)
                    value = {"lane": self.name, "in_flight": self.max_in_flight}
                    history.record("monitor", "info", LANE_BLOCKED, value)
                next_at = max(next_at + self.period, history.now())
                delay = next_at - history.now()
                if delay > 0 and self.ctx.stop.wait(delay):
                    break
        except Exception as exc:
            report_probe_error(self.ctx.history, self.name, exc)
            raise
        finally:
            with self._lock:  # operations in flight finish (bounded by their timeouts) before the lane ends
                self._idle.wait_for(lambda: self._busy == 0, timeout=self.ctx.timeout * 3 + 5)
            if self.release is not None:
                for resource in list(self._resources.values()):
                    with contextlib.suppress(Exception):  # closing a client that already broke is not news
                        self.release(resource)


def report_probe_error(history: History, lane: str, exc: BaseException) -> None:
    """Record that a probe lane's own code failed (not the system under test): the run cannot be trusted."""
    with contextlib.suppress(Exception):  # the history itself is broken: the liveness gap will show it
        history.record("monitor", "info", PROBE_ERROR, {"lane": lane, "error": f"{type(exc).__name__}: {exc}"[:300]})


ProbeFactory = Callable[[ProbeContext], list[Callable[[], None]]]


@dataclass(frozen=True, slots=True)
class Probe:
    """A registered probe: the factory of its lanes and what its operations mean to the checkers.

    `f`: the operation name it records (`write`, `read`, `session`, ...). `journey`: the user journey
    those operations stand for (`integrations`, `web users`, `reads`), or None for a probe that
    watches the system rather than a user (heartbeat, replication lag). The runner writes the
    `f -> journey` map of the probes it starts into the history, so the checkers judge a new probe's
    journey (RTO, outages, availability) with no edit of theirs.
    """

    name: str
    factory: ProbeFactory
    f: str
    journey: str | None = None
    summary: str = ""
    default: bool = True  # in a scenario that lists no probes; False: only when listed (node-roles: 4 execs a second)

    def __call__(self, ctx: ProbeContext) -> list[Callable[[], None]]:
        return self.factory(ctx)


PROBES: Registry[Probe] = Registry("probe")


def register(
    name: str, *, f: str, journey: str | None = None, summary: str = "", default: bool = True
) -> Callable[[ProbeFactory], ProbeFactory]:
    """Register a probe factory (it returns the thread bodies the probe needs, one per lane) with its metadata."""

    def decorate(factory: ProbeFactory) -> ProbeFactory:
        PROBES.add(name, Probe(name, factory, f, journey, summary, default))
        return factory

    return decorate


def journeys_of(names: Iterable[str]) -> dict[str, str]:
    """`f -> journey` of the named probes (those that stand for a user journey), as the runner records it."""
    found: dict[str, str] = {}
    for name in names:
        probe = PROBES[name]
        if probe.journey is not None:
            found[probe.f] = probe.journey
    return found


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


__all__ = [
    "MAX_IN_FLIGHT",
    "PROBES",
    "Lane",
    "Probe",
    "ProbeContext",
    "ProbeFactory",
    "classify",
    "journeys_of",
    "lane_of",
    "register",
    "report_probe_error",
    "short_error",
]
