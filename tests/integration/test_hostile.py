"""Hostile input against the real engine: SIGTERM during a huge but valid drill tears down within 15 s,
and a recursive alias is refused before any Docker object exists."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from harness.edge import labels
from harness.edge.engine import client as docker_client

TEARDOWN_BOUND = 15.0


def _owned_by(pid: int) -> list[str]:
    """Every labelled Docker object a process created (its owner-pid label), by name."""
    client = docker_client()
    selector = {"label": [labels.RUN, f"{labels.OWNER_PID}={pid}"]}
    return [
        *(c.name for c in client.containers.list(all=True, filters=selector)),
        *(n.name for n in client.networks.list(filters=selector)),
        *(v.name for v in client.volumes.list(filters=selector)),
    ]


def _huge_scenario(path: Path) -> Path:
    """Valid, and as big as the grammar allows: 24 h, 200 steps (short pauses of Redis, then waits)."""
    steps = []
    for i in range(100):
        steps.append(f"  - {{at: {5 + i * 10}s, fault: pause, target: redis, for: 2s}}")
        steps.append("  - wait: until writes-ok timeout 30s")
    path.write_text(
        "name: huge\nsummary: huge but valid\nduration: 24h\nsettle: 10m\nsteps:\n" + "\n".join(steps) + "\n"
    )
    return path


def _lines(stream: object) -> queue.Queue[str]:
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            found.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return found


def test_sigterm_during_a_huge_drill_tears_down_within_15s(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "harness",
        "run",
        str(_huge_scenario(tmp_path / "huge.yaml")),
        "--out",
        str(tmp_path),
    ]
    drill = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "COLUMNS": "200"}
    )
    assert drill.stderr is not None
    progress = _lines(drill.stderr)
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 600
        while not any("inject pause on redis" in line for line in seen):  # probes run, the first fault is in
            assert time.monotonic() < deadline and drill.poll() is None, "".join(seen)
            with contextlib.suppress(queue.Empty):
                seen.append(progress.get(timeout=1))
        assert _owned_by(drill.pid), "the drill's stack is up"
        started = time.monotonic()
        drill.send_signal(signal.SIGTERM)
        drill.wait(timeout=60)
        elapsed = time.monotonic() - started
    finally:
        if drill.poll() is None:
            drill.kill()
            drill.wait()
    print(f"SIGTERM to exit: {elapsed:.1f}s")
    assert elapsed <= TEARDOWN_BOUND
    assert drill.returncode == 130
    assert _owned_by(drill.pid) == [], "nothing of the run is left"
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert "interrupted" in (run_dir / "report.json").read_text()


def test_a_recursive_alias_exits_2_before_any_docker_object_exists(tmp_path: Path) -> None:
    bad = tmp_path / "loop.yaml"
    bad.write_text("name: loop\nsummary: a self-referencing alias\nsteps: &steps\n  - *steps\n")
    started = time.monotonic()
    refused = subprocess.Popen(
        [sys.executable, "-X", "dev", "-m", "harness", "run", str(bad), "--out", str(tmp_path / "out")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = refused.communicate(timeout=60)
    assert refused.returncode == 2 and time.monotonic() - started < 10
    assert err.splitlines() == [
        f"odoo-chaos: error: {bad}: line 3: anchors and aliases (&steps, *steps) are not allowed"
    ]
    assert "Traceback" not in out + err
    assert _owned_by(refused.pid) == []
    assert not (tmp_path / "out").exists(), "not even a run directory"
