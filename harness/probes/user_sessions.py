"""User sessions: a handful of logged-in browser-like sessions exercised every second.

Each session logs in through Traefik (cookie `session_id`, stored in Redis) and then asks
`/web/session/get_session_info` every second. An answer without a uid means that user was logged
out (Odoo 11 drops a session whose request hit a database error; a Redis loss drops them all);
the probe records it and logs the user in again, so every logout during the run is counted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.history import SESSION, Kind
from harness.odoo_api import WebSession
from harness.probes.base import ProbeContext, paced, register


def _session(ctx: ProbeContext, number: int) -> Callable[[], None]:
    ep = ctx.endpoints
    web = WebSession(ep.https_url, Path(ep.ca_file), timeout=ctx.timeout)
    process = f"session-{number}"

    def step() -> None:
        ctx.history.invoke(process, SESSION, {"session": number})
        try:
            if not web.cookie:
                web.login(ep.db, ep.login, ep.password)
            node, uid = web.session_uid()
        except Exception as exc:
            kind: Kind = "fail" if isinstance(exc, ConnectionRefusedError) else "info"
            ctx.history.record(process, kind, SESSION, {"session": number}, f"{type(exc).__name__}: {exc}"[:300])
            return
        ctx.history.record(process, "ok", SESSION, {"session": number, "logged_in": uid is not None, "node": node})
        if uid is None:
            web.cookie = ""  # logged out: log in again at the next step

    return lambda: paced(ctx, 1.0, 0.1 + number * 0.2, step)


@register("user-sessions")
def user_sessions(ctx: ProbeContext) -> list[Callable[[], None]]:
    return [_session(ctx, i + 1) for i in range(ctx.sessions)]
