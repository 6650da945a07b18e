"""One append-only history per run: every operation as `invoke` then `ok` / `fail` / `info`.

Jepsen's model. A probe operation is an `invoke` event followed by exactly one completion from
the same process: `ok` (it happened), `fail` (it definitely did not happen) or `info` (unknown:
a timeout, a connection lost mid-commit). Faults and operator actions are operations too
(process `fault`). Each event has monotonic seconds since the run started (for arithmetic) and
UTC wall time (for humans and audits). `History` is thread-safe and streams every event to
`history.jsonl` as it happens, so a crashed run still leaves its history on disk.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Literal

Kind = Literal["invoke", "ok", "fail", "info"]
KINDS: tuple[str, ...] = ("invoke", "ok", "fail", "info")

# Operation names (`f`) the probes, faults and runner use.
WRITE = "write"  # business write through Traefik; value {"seq"}; ok adds {"id", "node"}
READ = "read"  # business read through Traefik; ok {"count", "node"}
HEARTBEAT = "heartbeat"  # direct to the primary; value {"seq"}; ok adds {"server_time", "timeline", "node"}
LAG = "lag"  # ok {"primary", "lag_bytes", "lag_seconds"}
SESSION = "session"  # value {"session"}; ok adds {"logged_in", "node"}
ROLE = "role"  # process "roles-<node>"; value {"node"}; ok adds {"reachable", "writable", "in_recovery", "timeline",
#   "streaming", "patroni_role", "patroni_state", "leader_lock", "error"}: one PostgreSQL node asked from inside
FINAL_READ = "final-read"  # ok {"via": "sql" | "odoo", "seqs": [...]}
INJECT = "inject"  # process "fault"; value {"fault", "target", ...}
HEAL = "heal"  # process "fault"
PHASE = "phase"  # process "runner"; value {"phase": "steady" | "fault" | "recovery" | "final-read" | ...}
ACTION = "action"  # process "runbook"; value {"action", "target", ...}; ok adds what it measured
WAIT = "wait"  # process "runner"; value {"condition", "timeout"}; ok when it held, fail on timeout
STEADY = "steady-state"  # process "runner"; value {"condition", "when": "before" | "after"}
HALT = "halt"  # process "runner", kind info; value {"by": "guard" | "stop", "reason"}
LOAD = "load"  # process "load", kind info; value {"at", "name", "count", "failures", "hist": {ms: n}}
PROBE_ERROR = "probe-error"  # process "monitor", kind info; value {"lane", "error"}: a probe lane broke
# process "monitor", kind info; value {"lane", "in_flight"}: a tick skipped because every slot of the lane
# still waits on the system (alive but blocked: the calls in flight are the evidence, not silence)
LANE_BLOCKED = "lane-blocked"
ABORT = "abort"  # process "runner", kind info; value {"reason"}: the run aborted (no verdicts are judged)
HEADER = "history"  # process "runner", kind info, the first event; value {"version", "harness"}

# 1: no header (every history written before versions); 2: the header event first, events as above;
# 3: the same events, judged with one more rule (`journeys.recover_ops`): a failure that began before the
# proof of recovery bounds the recovery from below even when its answer came after the proof. A history
# is judged by the rules of its version, so evidence written before a rule changed rechecks as it was.
HISTORY_VERSION = 3


@dataclass(frozen=True, slots=True)
class Event:
    index: int
    process: str
    kind: Kind
    f: str
    time: float  # monotonic seconds since the run started
    wall: str  # UTC ISO 8601, milliseconds
    value: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> str:
        # Field by field, not dataclasses.asdict (which deep-copies): this runs for every event.
        record = {
            "index": self.index,
            "process": self.process,
            "kind": self.kind,
            "f": self.f,
            "time": self.time,
            "wall": self.wall,
            "value": self.value,
            "error": self.error,
        }
        return json.dumps(record, separators=(",", ":"), default=str)

    @staticmethod
    def from_dict(data: Any) -> Event:
        """An event from its JSON form; ValueError naming the field when it does not have the shape."""
        if not isinstance(data, dict):
            raise ValueError("an event is a JSON object")
        for key in ("index", "process", "kind", "f", "time", "wall"):
            if key not in data:
                raise ValueError(f"missing field {key!r}")
        index, time_, value, error = data["index"], data["time"], data.get("value") or {}, data.get("error")
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValueError("field 'index' is not an integer")
        if isinstance(time_, bool) or not isinstance(time_, int | float) or not math.isfinite(time_):
            raise ValueError("field 'time' is not a finite number")
        for key in ("process", "f", "wall"):
            if not isinstance(data[key], str):
                raise ValueError(f"field {key!r} is not a string")
        if data["kind"] not in KINDS:
            raise ValueError(f"field 'kind' is {data['kind']!r}, not one of {', '.join(KINDS)}")
        if not isinstance(value, dict):
            raise ValueError("field 'value' is not an object")
        if error is not None and not isinstance(error, str):
            raise ValueError("field 'error' is not a string")
        return Event(index, data["process"], data["kind"], data["f"], float(time_), data["wall"], value, error)


@dataclass(frozen=True, slots=True)
class Op:
    """An invoke paired with its completion (None: the run ended first)."""

    invoke: Event
    completion: Event | None

    @property
    def process(self) -> str:
        return self.invoke.process

    @property
    def f(self) -> str:
        return self.invoke.f

    @property
    def kind(self) -> str:
        return self.completion.kind if self.completion else "info"

    @property
    def start(self) -> float:
        return self.invoke.time

    @property
    def end(self) -> float | None:
        return self.completion.time if self.completion else None

    @property
    def latency(self) -> float | None:
        return None if self.completion is None else self.completion.time - self.invoke.time

    @property
    def value(self) -> dict[str, Any]:
        return {**self.invoke.value, **(self.completion.value if self.completion else {})}


def pair(events: Iterable[Event]) -> list[Op]:
    """Pair every invoke with the next completion of the same process and operation, in invoke order.

    A completion whose `f` differs from the pending invoke's (a stray event of another kind under
    the same process name) is ignored rather than taken as that operation's outcome."""
    pending: dict[str, Event] = {}
    ops: list[Op] = []
    slots: dict[int, int] = {}
    for event in events:
        if event.kind == "invoke":
            if event.process in pending:  # an invoke without completion: outcome unknown
                previous = pending.pop(event.process)
                ops[slots.pop(previous.index)] = Op(previous, None)
            pending[event.process] = event
            slots[event.index] = len(ops)
            ops.append(Op(event, None))
        else:
            invoke = pending.get(event.process)
            if invoke is None or invoke.f != event.f:
                continue  # a completion without its invoke is ignored (corrupt or truncated start)
            del pending[event.process]
            ops[slots.pop(invoke.index)] = Op(invoke, event)
    return ops


class History:
    """The run's timeline. `record()` appends an event and writes it to the stream at once."""

    def __init__(self, stream: IO[str] | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._events: list[Event] = []
        self._lock = threading.Lock()
        self._stream = stream
        self._clock = clock
        self._origin = clock()
        self._origin_wall = datetime.now(UTC)

    def now(self) -> float:
        return self._clock() - self._origin

    def wall_at(self, t: float) -> str:
        return iso(self._origin_wall + timedelta(seconds=t))

    def record(
        self, process: str, kind: Kind, f: str, value: dict[str, Any] | None = None, error: str | None = None
    ) -> Event:
        with self._lock:
            t = self.now()
            event = Event(len(self._events), process, kind, f, round(t, 6), self.wall_at(t), value or {}, error)
            self._events.append(event)
            if self._stream is not None:
                self._stream.write(event.to_json() + "\n")
                self._stream.flush()
            return event

    def invoke(self, process: str, f: str, value: dict[str, Any] | None = None) -> Event:
        return self.record(process, "invoke", f, value)

    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events())

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class MalformedHistory(ValueError):
    """A history file with a line that is not an event; the message names the file and the line."""


MAX_LINE_BYTES = 4 * 1024 * 1024  # one event is a few hundred bytes; a final read of 100k ids a few MB


def version_of(events: Iterable[Event]) -> int:
    """The history's format version: its header's, or 1 for a history written before headers."""
    for event in events:
        if event.f == HEADER and event.process == "runner":
            version = event.value.get("version")
            return version if isinstance(version, int) and not isinstance(version, bool) else 0
        return 1  # the header, when there is one, is the first event
    return 1


def load(path: Path) -> list[Event]:
    """Read a `history.jsonl` strictly: any line that is not an event raises `MalformedHistory` with its number.

    Only a regular file is read (a FIFO or a device would hang or never end). Evidence is either
    whole or it is not evidence: a malformed line anywhere, the last one included, is refused.
    """
    if not path.is_file():
        raise MalformedHistory(f"{path}: not a regular file")
    events = []
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if len(raw) > MAX_LINE_BYTES:
                raise MalformedHistory(f"{path}: line {number}: longer than {MAX_LINE_BYTES} bytes")
            if not raw.strip():
                continue
            try:
                events.append(Event.from_dict(json.loads(raw.decode("utf-8"))))
            except (UnicodeDecodeError, ValueError, RecursionError) as exc:
                raise MalformedHistory(f"{path}: line {number}: not an event ({exc})") from None
    version = version_of(events)
    if not 1 <= version <= HISTORY_VERSION:
        raise MalformedHistory(
            f"{path}: line 1: history version {events[0].value.get('version')!r}; this odoo-chaos reads versions "
            f"1 to {HISTORY_VERSION} (a newer history needs a newer odoo-chaos)"
        )
    return events


def make(events: Iterable[tuple[str, Kind, str, float, dict[str, Any]] | tuple[str, Kind, str, float]]) -> list[Event]:
    """Hand-built histories for tests: (process, kind, f, time[, value]) tuples -> events."""
    origin = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i, item in enumerate(events):
        process, kind, f, t = item[0], item[1], item[2], item[3]
        value = item[4] if len(item) > 4 else {}
        out.append(Event(i, process, kind, f, t, iso(origin + timedelta(seconds=t)), dict(value)))
    return out
