"""Locust beside a drill: its own process(es), its per-second statistics streamed into the run's history.

Locust monkey-patches the standard library with gevent, so it never runs inside the harness: it
is started as `python -m locust --headless` on `harness/load/locustfile.py`, configured through
the `ODOO_CHAOS_LOAD` environment variable. With `workers: N` in the profile it is Locust's own
distributed mode: one master (bound to 127.0.0.1) and N worker processes on this machine; workers
on other hosts can join the same master with `--worker --master-host`.

The locustfile appends one JSON line per endpoint per second to `load/stats.jsonl` (one file per
worker). A tailer thread reads them once a second and records each as a `load` event (process
`load`, kind `info`, not an operation): its value carries the endpoint, the request and failure
counts and the latency histogram, and `at`, the bucket's time on the run's own clock (Unix time
mapped through an anchor taken when Locust starts), so load, probes and faults share one clock.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from harness.core import history as h
from harness.core.errors import HarnessError
from harness.core.history import History
from harness.core.progress import Progress
from harness.load.profile import LoadProfile
from harness.stack.containers import free_port
from harness.stack.stack import Endpoints

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


class LoadRun:
    def __init__(
        self, profile: LoadProfile, endpoints: Endpoints, history: History, directory: Path, progress: Progress
    ) -> None:
        self.profile = profile
        self.endpoints = endpoints
        self.history = history
        self.directory = directory
        self.progress = progress
        self.processes: list[subprocess.Popen[bytes]] = []
        self.offsets: dict[Path, int] = {}
        self.anchor = (time.time(), history.now())
        self._stop = threading.Event()
        self._tailer: threading.Thread | None = None

    def ramp_seconds(self) -> float:
        """How long until every user runs (users / spawn rate), plus 2 s for their first requests."""
        return round(self.profile.users / self.profile.spawn_rate + 2, 1)

    def warmup_seconds(self) -> float:
        """Load before the drill starts: the ramp-up plus 5 s of steady load (the `before` baseline grows by it)."""
        return self.ramp_seconds() + 5.0

    def start(self, run_time: float) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stats = self.directory / "stats.jsonl"
        config = {
            "url": self.endpoints.https_url,
            "db": self.endpoints.db,
            "login": self.endpoints.login,
            "password": self.endpoints.password,
            "ca_file": self.endpoints.ca_file,
            "tasks": self.profile.tasks,
            "think_time": list(self.profile.think_time),
            "user_class": self.profile.user_class,
            "stats_path": str(stats),
        }
        env = {**os.environ, "ODOO_CHAOS_LOAD": json.dumps(config)}
        common = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--loglevel", "WARNING"]
        headless = [
            "--headless",
            "--users", str(self.profile.users),
            "--spawn-rate", f"{self.profile.spawn_rate:g}",
            "--run-time", f"{max(1, round(run_time))}s",
            "--only-summary",
            "--stop-timeout", "2",
        ]  # fmt: skip
        log = (self.directory / "locust.log").open("ab")
        self.anchor = (time.time(), self.history.now())
        if self.profile.workers:
            port = free_port()
            master = [*common, *headless, "--master", "--master-bind-host", "127.0.0.1"]
            master += ["--master-bind-port", str(port), "--expect-workers", str(self.profile.workers)]
            self.processes.append(subprocess.Popen(master, env=env, stdout=log, stderr=log, cwd=self.directory))
            worker = [*common, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
            for _ in range(self.profile.workers):
                self.processes.append(subprocess.Popen(worker, env=env, stdout=log, stderr=log, cwd=self.directory))
        else:
            self.processes.append(
                subprocess.Popen([*common, *headless], env=env, stdout=log, stderr=log, cwd=self.directory)
            )
        profile = self.profile
        self.history.record(
            "load",
            "info",
            h.PHASE,
            {
                "phase": "load",
                "profile": profile.name,
                "users": profile.users,
                "workers": profile.workers,
                "ramp_seconds": self.ramp_seconds(),
                "capacity_within": profile.capacity_within,
                "capacity_deadline": profile.capacity_deadline,
                "slo_p95": profile.slo_p95,
                "error_rate_bound": profile.max_error_rate,
            },
        )
        workers = f", {profile.workers} workers" if profile.workers else ""
        self.progress(f"load: {profile.users} Locust users ({profile.user_class}), {profile.spawn_rate:g}/s{workers}")
        self._tailer = threading.Thread(target=self._tail_loop, name="load-tailer", daemon=True)
        self._tailer.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop Locust (SIGTERM: it stops its users and writes its last statistics), then read the rest."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._stop.set()
        if self._tailer is not None:
            self._tailer.join(timeout=5)
        self._tail()
        if not any(e.f == h.LOAD for e in self.history.events()):
            tail = (self.directory / "locust.log").read_text(errors="replace").strip().splitlines()[-3:]
            raise HarnessError(f"Locust recorded no request; its log ends: {' | '.join(tail) or 'empty'}")

    def _tail_loop(self) -> None:
        while not self._stop.wait(1.0):
            self._tail()

    def _tail(self) -> None:
        wall0, run0 = self.anchor
        for path in sorted(self.directory.glob("stats.jsonl*")):
            offset = self.offsets.get(path, 0)
            with path.open("rb") as stream:
                stream.seek(offset)
                chunk = stream.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]
            self.offsets[path] = offset + len(complete)
            for line in complete.splitlines():
                with contextlib.suppress(ValueError):
                    row: dict[str, Any] = json.loads(line)
                    value = {k: v for k, v in row.items() if k != "t"} | {"at": round(row["t"] - wall0 + run0, 3)}
                    self.history.record("load", "info", h.LOAD, value)
