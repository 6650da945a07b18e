"""Recipe: a new probe is one module. `tcp-ping` opens a TCP connection to Traefik twice a second
(the *tcp clients* journey): the checkers judge its RTO, outages and availability with no edit."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from harness.probes.base import ProbeContext, classify, register, short_error

PING = "ping"


@register("tcp-ping", f=PING, journey="tcp clients", summary="a TCP connection to Traefik, twice a second")
def tcp_ping(ctx: ProbeContext) -> list[Callable[[], None]]:
    url = urlsplit(ctx.endpoints.https_url)

    def body() -> None:
        while not ctx.stop.is_set():
            ctx.history.invoke("tcp-ping", PING)
            try:
                with socket.create_connection((url.hostname, url.port or 443), timeout=1.0):
                    pass
            except OSError as exc:
                ctx.history.record("tcp-ping", classify(exc), PING, {}, short_error(exc))
            else:
                ctx.history.record("tcp-ping", "ok", PING, {})
            time.sleep(0.5)

    return [body]
