"""User sessions (the *web users* journey): logged-in browser-like sessions exercised every second.

Each session logs in through Traefik (cookie `session_id`, stored in Redis; the first login happens
one session after the other before the run's clock starts) and then asks
`/web/session/get_session_info` every second. An answer without a uid means that user was logged
out (Odoo 11 drops a session whose request hit a database error; a Redis loss drops them all);
the probe records it and logs the user in again, so every logout during the run is counted.
Each session is a lane: a hung request does not stop the next second's check (the slots of one
session share its cookie, as the tabs of one browser do).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from harness.core.history import SESSION, Kind
from harness.core.journeys import WEB_USERS
from harness.edge.odoo_api import WebSession
from harness.probes.base import Lane, ProbeContext, register


def _session(ctx: ProbeContext, number: int) -> Lane[WebSession]:
    ep = ctx.endpoints
    cookie = [_first_login(ctx)]  # the session's cookie, shared by the lane's slots
    lock = threading.Lock()

    def check(process: str, web: WebSession) -> None:
        ctx.history.invoke(process, SESSION, {"session": number})
        with lock:
            web.cookie = cookie[0]
        try:
            if not web.cookie:
                web.login(ep.db, ep.login, ep.password)
                with lock:
                    cookie[0] = web.cookie
            node, uid = web.session_uid()
        except Exception as exc:
            kind: Kind = "fail" if isinstance(exc, ConnectionRefusedError) else "info"
            ctx.history.record(process, kind, SESSION, {"session": number}, f"{type(exc).__name__}: {exc}"[:300])
            return
        ctx.history.record(process, "ok", SESSION, {"session": number, "logged_in": uid is not None, "node": node})
        if uid is None:
            with lock:
                cookie[0] = ""  # logged out: log in again at the next check

    def web_session() -> WebSession:
        return WebSession(ep.https_url, Path(ep.ca_file), timeout=ctx.timeout)

    return Lane(ctx, f"session-{number}", 1.0, 0.1 + number * 0.2, check, web_session, 5, WebSession.close)


def _first_login(ctx: ProbeContext) -> str:
    """Log a session in before the probes' clock starts: four PBKDF2 logins at once occupy both Odoo
    nodes' workers for over a second, Traefik's health check times out and the run would open with
    an outage of the harness's own making (measured: 3.5 s of 503s on the Patroni stack). A login
    that fails here is retried by the lane, inside the run, as before."""
    web = WebSession(ctx.endpoints.https_url, Path(ctx.endpoints.ca_file), timeout=ctx.timeout)
    try:
        web.login(ctx.endpoints.db, ctx.endpoints.login, ctx.endpoints.password)
        return web.cookie
    except Exception:
        return ""
    finally:
        web.close()


@register("user-sessions", f=SESSION, journey=WEB_USERS, summary="logged-in browser-like sessions, every second")
def user_sessions(ctx: ProbeContext) -> list[Callable[[], None]]:
    return [_session(ctx, i + 1).run for i in range(ctx.sessions)]
