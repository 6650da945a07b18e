"""The four Redis commands the session store needs, over RESP2, for images without the `redis` package.

Official Odoo images do not ship redis-py; rather than fail a drill late, the store talks to Redis
itself: GET, SET (with EX), DEL and SCAN. Python 3.5 syntax (Odoo 11's oldest Python). One
connection per process (re-opened after a fork: Odoo's prefork workers must not share a socket),
serialised by a lock for threaded servers; any socket error closes it and raises ConnectionError,
so a dead Redis fails the request quickly, like redis-py with the same timeouts.
"""
import os
import socket
import threading

from urllib.parse import unquote, urlparse


class RedisError(Exception):
    pass


class Client(object):
    """`Client.from_url("redis://[:password@]host:port/db", socket_timeout=0.5)`, like redis-py's."""

    def __init__(self, host, port=6379, db=0, password=None, socket_timeout=None, socket_connect_timeout=None):
        self.host, self.port, self.db, self.password = host, port, db, password
        self.socket_timeout = socket_timeout
        self.socket_connect_timeout = socket_connect_timeout
        self._lock = threading.Lock()
        self._sock = None
        self._reader = None
        self._pid = None

    @classmethod
    def from_url(cls, url, socket_timeout=None, socket_connect_timeout=None):
        parts = urlparse(url)
        if parts.scheme != "redis":
            raise ValueError("only redis:// URLs are supported, not %r" % url)
        db = int((parts.path or "/0").lstrip("/") or 0)
        password = unquote(parts.password) if parts.password else None
        return cls(parts.hostname or "localhost", parts.port or 6379, db, password,
                   socket_timeout, socket_connect_timeout)

    # --- the commands the store uses ------------------------------------------------------
    def get(self, key):
        return self.execute("GET", key)

    def set(self, key, value, ex=None):
        args = ["SET", key, value] + (["EX", str(int(ex))] if ex else [])
        return self.execute(*args) == b"OK"

    def delete(self, *keys):
        return self.execute("DEL", *keys)

    def scan_iter(self, match=None, count=100):
        cursor = b"0"
        while True:
            args = ["SCAN", cursor] + (["MATCH", match] if match else []) + ["COUNT", str(count)]
            cursor, keys = self.execute(*args)
            for key in keys:
                yield key
            if cursor == b"0":
                return

    # --- the protocol ---------------------------------------------------------------------
    def execute(self, *args):
        with self._lock:
            try:
                self._connect()
                self._sock.sendall(encode(args))
                reply = read_reply(self._reader)
            except (OSError, EOFError) as exc:
                self._close()
                raise ConnectionError("Redis at %s:%s: %s" % (self.host, self.port, exc))
        if isinstance(reply, RedisError):
            raise reply
        return reply

    def _connect(self):
        if self._sock is not None and self._pid == os.getpid():
            return
        self._sock = None  # a socket inherited across fork belongs to the parent: never use it
        sock = socket.create_connection((self.host, self.port), timeout=self.socket_connect_timeout)
        sock.settimeout(self.socket_timeout)
        self._sock, self._reader, self._pid = sock, sock.makefile("rb"), os.getpid()
        if self.password:
            self._checked("AUTH", self.password)
        if self.db:
            self._checked("SELECT", str(self.db))

    def _checked(self, *args):
        self._sock.sendall(encode(args))
        reply = read_reply(self._reader)
        if isinstance(reply, RedisError):
            self._close()
            raise reply

    def _close(self):
        if self._sock is not None and self._pid == os.getpid():
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = self._reader = None


def _bytes(value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


def encode(args):
    """A command as a RESP array of bulk strings."""
    out = [b"*" + str(len(args)).encode() + b"\r\n"]
    for arg in args:
        data = _bytes(arg)
        out.append(b"$" + str(len(data)).encode() + b"\r\n" + data + b"\r\n")
    return b"".join(out)


def read_reply(reader):
    """One RESP2 reply: simple string, error (returned, not raised), integer, bulk string or array."""
    line = reader.readline()
    if not line.endswith(b"\r\n"):
        raise EOFError("connection closed mid-reply")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest
    if kind == b"-":
        return RedisError(rest.decode("utf-8", "replace"))
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        if size < 0:
            return None
        data = reader.read(size + 2)
        if len(data) != size + 2:
            raise EOFError("connection closed mid-reply")
        return data[:-2]
    if kind == b"*":
        size = int(rest)
        return None if size < 0 else [read_reply(reader) for _ in range(size)]
    raise RedisError("unexpected reply %r" % line[:40])
