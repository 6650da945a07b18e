"""Locust users for Odoo: what an office does all day, through Traefik, with think times.

Run by `harness.load.runner` as its own process (Locust monkey-patches with gevent), never
imported by the harness itself. Its configuration comes in one environment variable,
`ODOO_CHAOS_LOAD` (JSON: url, db, login, password, ca_file, tasks weights, think time, stats path,
user class). Each user logs in over JSON-RPC (its session lives in Redis) and then, weighted:

- `browse-partners`: `/web/dataset/search_read` of res.partner, 40 rows (the list view);
- `search-partners`: the same with a name filter (the search box);
- `open-partner`: `/web/dataset/call_kw` `read` of one partner (the form view);
- `create-partner`: XML-RPC `create` through `/xmlrpc/2/object` (an integration's write);
- `update-partner`: XML-RPC `write` on a partner this user created.

A web request Odoo answers with "session expired" is a failure recorded as `logged-out` (not under
its task's name): the user is on the login page, logs in again, and carries on.

Every request, ok or not, lands in a one-second bucket per endpoint *by the second it started*
(count, failures and a histogram of response times rounded like Locust's own statistics): a request
sent during an outage that fails after recovery belongs to the outage. Once a second the buckets
are appended to the stats file as JSON lines with that second's Unix time, which the harness maps
onto its run clock; a slow request's bucket can come in a later line with the same time. In
distributed mode every worker writes its own file (suffix `.worker-<pid>`).
"""

from __future__ import annotations

import json
import os
import random
import ssl
import string
import time
import xmlrpc.client
from collections import defaultdict
from typing import Any

import gevent  # type: ignore[import-untyped]
from locust import FastHttpUser, HttpUser, between, events
from locust.runners import MasterRunner

CONFIG: dict[str, Any] = json.loads(os.environ.get("ODOO_CHAOS_LOAD", "{}"))
BUCKETS: dict[tuple[str, int], dict[str, Any]] = {}
LOGGED_OUT = "logged-out"  # a web request answered "session expired": the user is sent to the login page


def _rounded(ms: float) -> int:
    """Two significant digits above 100 ms, like Locust's own histograms (bounded memory, mergeable)."""
    value = round(ms)
    if value < 100:
        return value
    digits = len(str(value)) - 2
    return int(round(value, -digits))


@events.request.add_listener  # type: ignore[untyped-decorator]
def _on_request(request_type: str, name: str, response_time: float, exception: Any, **_: Any) -> None:
    """Counted in the second the request *started*: a request sent during an outage that fails
    after recovery is an outage casualty, not an error after recovery."""
    started = int(time.time() - response_time / 1000)
    bucket = BUCKETS.setdefault((name, started), {"count": 0, "failures": 0, "hist": defaultdict(int)})
    bucket["count"] += 1
    if exception is not None:
        bucket["failures"] += 1
    bucket["hist"][_rounded(response_time)] += 1


def _flush() -> None:
    path = CONFIG.get("stats_path")
    if not path or not BUCKETS:
        return
    lines = [
        json.dumps({"t": started, "name": name, **{k: dict(v) if k == "hist" else v for k, v in b.items()}})
        for (name, started), b in BUCKETS.items()
    ]
    BUCKETS.clear()
    with open(path, "a") as stream:
        stream.write("\n".join(lines) + "\n")


def _flusher() -> None:
    while True:
        gevent.sleep(1.0)
        _flush()


@events.init.add_listener  # type: ignore[untyped-decorator]
def _on_init(environment: Any, **_: Any) -> None:
    if isinstance(environment.runner, MasterRunner):
        return  # the workers make the requests and write the statistics
    if (
        environment.runner is not None
        and CONFIG.get("stats_path")
        and environment.runner.__class__.__name__ == "WorkerRunner"
    ):
        CONFIG["stats_path"] = f"{CONFIG['stats_path']}.worker-{os.getpid()}"
    gevent.spawn(_flusher)


@events.test_stop.add_listener  # type: ignore[untyped-decorator]
def _on_stop(**_: Any) -> None:
    _flush()


def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=CONFIG.get("ca_file"))


class OdooOffice:
    """The tasks, shared by both user classes (the client API is the same for these calls)."""

    client: Any
    uid: int | None = None
    created: list[int]

    def on_start(self) -> None:
        self.created = []
        self._login()

    def _login(self) -> None:
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"db": CONFIG["db"], "login": CONFIG["login"], "password": CONFIG["password"]},
        }
        with self.client.post("/web/session/authenticate", json=payload, name="login", catch_response=True) as response:
            result = _json_result(response)
            if result is None or not result.get("uid"):
                response.failure("login refused")
                return
            self.uid = int(result["uid"])

    def _json(self, path: str, name: str, params: dict[str, Any]) -> Any:
        payload = {"jsonrpc": "2.0", "method": "call", "params": params}
        logged_out = False
        with self.client.post(path, json=payload, name=name, catch_response=True) as response:
            result = _json_result(response)
            if result is None:
                error = _json_error(response)
                response.failure(error)
                if "Session" in error:  # Odoo dropped the session (a database or Redis outage)
                    response.request_meta["name"] = LOGGED_OUT  # counted apart: the user lands on the login page
                    logged_out = True
        if logged_out:
            self._login()  # as a user would
        return result

    def _xmlrpc(self, name: str, method: str, args: list[Any]) -> Any:
        body = xmlrpc.client.dumps(
            (CONFIG["db"], self.uid or 2, CONFIG["password"], "res.partner", method, args), "execute_kw"
        )
        with self.client.post(
            "/xmlrpc/2/object", data=body.encode(), headers={"Content-Type": "text/xml"}, name=name, catch_response=True
        ) as response:
            try:
                (result,), _ = xmlrpc.client.loads(response.content)
            except Exception as exc:
                response.failure(f"{type(exc).__name__}: {str(exc)[:120]}")
                return None
            return result

    def browse_partners(self) -> None:
        self._json(
            "/web/dataset/search_read",
            "browse-partners",
            {
                "model": "res.partner",
                "fields": ["name", "email"],
                "domain": [],
                "limit": 40,
            },  # the web client always sends a domain; Odoo 11 crashes on None past `limit` rows
        )

    def search_partners(self) -> None:
        letter = random.choice(string.ascii_lowercase)
        self._json(
            "/web/dataset/search_read",
            "search-partners",
            {"model": "res.partner", "fields": ["name"], "domain": [["name", "ilike", letter]], "limit": 40},
        )

    def open_partner(self) -> None:
        ids = self.created or [1]
        self._json(
            "/web/dataset/call_kw",
            "open-partner",
            {"model": "res.partner", "method": "read", "args": [[random.choice(ids)], ["name", "email"]], "kwargs": {}},
        )

    def create_partner(self) -> None:
        new = self._xmlrpc("create-partner", "create", [{"name": f"load {random.randrange(10**9)}"}])
        if isinstance(new, int):
            self.created.append(new)

    def update_partner(self) -> None:
        if not self.created:
            self.create_partner()
            return
        self._xmlrpc(
            "update-partner", "write", [[random.choice(self.created)], {"comment": f"updated {time.time():.0f}"}]
        )


def _json_result(response: Any) -> Any:
    try:
        document = json.loads(response.content or b"{}")
    except ValueError:
        return None
    return document.get("result") if isinstance(document, dict) and "error" not in document else None


def _json_error(response: Any) -> str:
    try:
        error = json.loads(response.content or b"{}").get("error", {})
        return str(error.get("data", {}).get("name") or error.get("message") or f"HTTP {response.status_code}")
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}"


WEIGHTS: dict[str, int] = CONFIG.get("tasks", {})
TASKS = {
    OdooOffice.browse_partners: WEIGHTS.get("browse-partners", 4),
    OdooOffice.search_partners: WEIGHTS.get("search-partners", 3),
    OdooOffice.open_partner: WEIGHTS.get("open-partner", 3),
    OdooOffice.create_partner: WEIGHTS.get("create-partner", 1),
    OdooOffice.update_partner: WEIGHTS.get("update-partner", 1),
}
TASKS = {fn: weight for fn, weight in TASKS.items() if weight > 0}
THINK = CONFIG.get("think_time", [1.0, 3.0])

if CONFIG.get("user_class", "fast") == "fast":

    class OdooUser(OdooOffice, FastHttpUser):
        host = CONFIG.get("url")
        wait_time = between(*THINK)
        tasks = TASKS  # type: ignore[assignment]  # Locust accepts {callable: weight}
        ssl_context_factory = staticmethod(_ssl_context)
        insecure = False

else:

    class OdooUser(OdooOffice, HttpUser):  # type: ignore[no-redef]
        host = CONFIG.get("url")
        wait_time = between(*THINK)
        tasks = TASKS  # type: ignore[assignment]  # Locust accepts {callable: weight}

        def on_start(self) -> None:
            self.client.verify = CONFIG.get("ca_file")
            super().on_start()
