"""Store Odoo's HTTP sessions in Redis instead of each node's filesystem.

Loaded server-wide (``--load=base,web,chaos_redis_session``) and configured from the environment:
``ODOO_SESSION_REDIS_URL`` (required to activate), ``ODOO_SESSION_TTL`` (seconds, default 7 days),
``ODOO_SESSION_REDIS_TIMEOUT`` (seconds for connect and for each command, default 0.5: a dead Redis
fails a request quickly instead of holding a worker).
A session is a JSON document under ``odoo-session:<sid>`` with a TTL refreshed on every save.
Redis unreachable means every request that loads or saves a session fails (HTTP 500): Redis is in
the request path, which is exactly what the chaos drills measure.

The store subclasses whatever class Odoo itself uses (werkzeug's FilesystemSessionStore on 11-15,
odoo.http.FilesystemSessionStore on 16+) and overrides only get/save/delete/list/vacuum.
"""
import json
import logging
import os

from odoo import http

_logger = logging.getLogger(__name__)
_PREFIX = "odoo-session:"


def _redis_store_class(base):
    class RedisSessionStore(base):
        def __init__(self, client, ttl, session_class, renew_missing=False):
            # The base constructor wants a directory; Redis needs none, but keep the attribute.
            self.client = client
            self.ttl = ttl
            self.session_class = session_class
            self.renew_missing = renew_missing
            self.path = "/nonexistent"

        def _key(self, sid):
            return _PREFIX + sid

        def save(self, session):
            data = json.dumps(dict(session), default=str)
            ttl = self.ttl if session.get("uid") else min(self.ttl, 900)
            self.client.set(self._key(session.sid), data, ex=ttl)

        def delete(self, session):
            self.client.delete(self._key(session.sid))

        def get(self, sid):
            if not self.is_valid_key(sid):
                return self.new()
            raw = self.client.get(self._key(sid))
            if raw is None:
                if self.renew_missing:
                    return self.new()
                return self.session_class({}, sid, False)
            if isinstance(raw, bytes):  # json.loads takes bytes only from Python 3.6
                raw = raw.decode("utf-8")
            return self.session_class(json.loads(raw), sid, False)

        def list(self):
            return [k.decode()[len(_PREFIX):] for k in self.client.scan_iter(match=_PREFIX + "*")]

        def vacuum(self, *args, **kwargs):  # Redis expires sessions by TTL
            return None

        def rotate(self, session, env):  # Odoo 16+: new sid, same data
            self.delete(session)
            session.sid = self.generate_key()
            if getattr(session, "uid", None) and env is not None:
                try:
                    session.session_token = http.security.compute_session_token(session, env)
                except AttributeError:
                    pass
            self.save(session)

    return RedisSessionStore


def _install():
    url = os.environ.get("ODOO_SESSION_REDIS_URL")
    if not url:
        _logger.warning("chaos_redis_session loaded without ODOO_SESSION_REDIS_URL: sessions stay on disk")
        return
    try:
        from redis import Redis as client_class
        which = "redis-py"
    except ImportError:  # official Odoo images ship no redis package: use the addon's own client
        from .resp import Client as client_class
        which = "the addon's built-in client"

    timeout = float(os.environ.get("ODOO_SESSION_REDIS_TIMEOUT", "0.5"))
    client = client_class.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    ttl = int(os.environ.get("ODOO_SESSION_TTL", str(7 * 24 * 3600)))
    current = http.root.session_store
    store_class = _redis_store_class(type(current))
    store = store_class(client, ttl, current.session_class, getattr(current, "renew_missing", False))
    http.root.__dict__["session_store"] = store  # lazy_property caches in the instance dict
    if hasattr(http, "session_gc"):  # Odoo <= 15 garbage-collects session files by listing a dir
        http.session_gc = lambda session_store: None
    _logger.info("HTTP sessions are stored in Redis at %s (%s)", url.split("@")[-1], which)


_install()
