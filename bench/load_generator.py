"""Benchmark: the load generator's own ceiling on this machine, and what the Odoo stack sustains.

1. Generator ceiling: Locust (one process, no think time) against a trivial HTTP endpoint on
   127.0.0.1 (an asyncio responder in its own process that answers a fixed 2-byte body and keeps
   connections alive), once with FastHttpUser (geventhttpclient) and once with HttpUser
   (requests). Prints requests/s and requests/s per CPU-second of the Locust process.
2. The stack: the office-day tasks with no think time through Traefik -> Odoo, for --users users;
   prints ok requests/s, error rate and p50/p95.

Compare the two: if the stack's figure is far below the generator's, the stack is the limit.

    python bench/load_generator.py [--seconds 20] [--users 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from harness.core.history import History
from harness.load.profile import LoadProfile
from harness.load.runner import LoadRun
from harness.stack.containers import free_port
from harness.stack.stack import Stack, StackConfig

TRIVIAL_LOCUSTFILE = textwrap.dedent(
    """
    from locust import FastHttpUser, HttpUser, constant, task
    import os

    if os.environ["USER_CLASS"] == "fast":
        class Trivial(FastHttpUser):
            wait_time = constant(0)
            @task
            def get(self):
                self.client.get("/")
    else:
        class Trivial(HttpUser):
            wait_time = constant(0)
            @task
            def get(self):
                self.client.get("/")
    """
)


def _responder(port: int) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def generator_ceiling(user_class: str, seconds: int, users: int) -> tuple[float, float]:
    port = free_port()
    server = multiprocessing.Process(target=_responder, args=(port,), daemon=True)
    server.start()
    time.sleep(0.5)
    with tempfile.TemporaryDirectory() as tmp:
        locustfile = Path(tmp) / "trivial.py"
        locustfile.write_text(TRIVIAL_LOCUSTFILE)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", str(users), "-r", str(users),
             "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}", "--json", "--loglevel", "ERROR"],
            capture_output=True, text=True, env={**os.environ, "USER_CLASS": user_class}, check=False,
        )  # fmt: skip
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server.terminate()
    stats = json.loads(done.stdout or "[]")
    requests = sum(entry["num_requests"] for entry in stats)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return requests / seconds, requests / cpu if cpu else 0.0


def stack_throughput(seconds: int, users: int) -> dict[str, object]:
    with Stack(StackConfig()) as stack, tempfile.TemporaryDirectory() as tmp:
        assert stack.endpoints is not None
        history = History()
        profile = LoadProfile(users=users, spawn_rate=users, think_time=(0.0, 0.0))
        run = LoadRun(profile, stack.endpoints, history, Path(tmp), lambda m: None)
        run.start(run_time=seconds + users / profile.spawn_rate + 2)
        time.sleep(seconds + users / profile.spawn_rate + 2)
        run.stop()
    rows = [e.value for e in history.events() if e.f == "load"]
    start = min(r["at"] for r in rows) + users / profile.spawn_rate + 2
    steady = [r for r in rows if r["at"] >= start]
    span = max(r["at"] for r in steady) - start + 1
    requests = sum(r["count"] for r in steady)
    failures = sum(r["failures"] for r in steady)
    from collections import Counter

    from harness.checkers.load import percentile_of

    hist: Counter[float] = Counter()
    for r in steady:
        hist.update({float(k): v for k, v in r["hist"].items()})
    return {
        "ok_per_second": round((requests - failures) / span, 1),
        "error_rate": round(failures / requests, 4) if requests else None,
        "p50_ms": (percentile_of(hist, 0.5) or 0) * 1000,
        "p95_ms": (percentile_of(hist, 0.95) or 0) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()
    for user_class in ("fast", "http"):
        rps, per_cpu = generator_ceiling(user_class, args.seconds, 50)
        name = "FastHttpUser" if user_class == "fast" else "HttpUser"
        print(f"generator ceiling, {name:<12}: {rps:8.0f} requests/s, {per_cpu:8.0f} requests per CPU-second")
    result = stack_throughput(args.seconds, args.users)
    print(f"Odoo stack, {args.users} users, no think time: {result}")


if __name__ == "__main__":
    main()
