"""Odoo's external API (XML-RPC) and web session routes, over HTTPS trusting only the run's CA.

The calls a business transaction needs are the same on Odoo 11 to 18: `common.version`,
`common.authenticate`, `object.execute_kw`. Every call has a timeout, so a hung node never hangs
the caller. Responses carry `X-Odoo-Node` (from the chaos_node_header addon): the node that served.

Connections are kept alive between calls, as a real integration or browser does (a TLS handshake
per call would cost the probes most of their CPU), and a call is never retried by the client
library: after any error the connection is dropped and the next call opens a new one, so one
probe operation is exactly one attempt.
"""

from __future__ import annotations

import functools
import http.client
import json
import ssl
import xmlrpc.client
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LEDGER_MODEL = "chaos.ledger.entry"


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """A client context trusting the run's CA (None: the system's trust store, a target's public
    certificate). Cached on the CA's contents, not its path: a stack started again under the same run
    id (after `down`) has a new CA at the same path."""
    return _tls_context(Path(ca_file).read_text(encoding="ascii") if ca_file is not None else None)


@functools.lru_cache(maxsize=16)
def _tls_context(ca_pem: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=ca_pem) if ca_pem is not None else ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class _Transport(xmlrpc.client.SafeTransport):
    """SafeTransport with a per-call timeout that remembers which node answered."""

    def __init__(self, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(context=context)
        self._timeout = timeout
        self.last_node = ""

    def make_connection(self, host: Any) -> http.client.HTTPSConnection:
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection

    def parse_response(self, response: http.client.HTTPResponse) -> Any:
        self.last_node = response.getheader("X-Odoo-Node", "") or ""
        return super().parse_response(response)

    def request(self, host: Any, handler: str, request_body: Any, verbose: bool = False) -> Any:
        """One attempt only (the stdlib retries once on a reset, which could repeat a write)."""
        try:
            return self.single_request(host, handler, request_body, verbose)
        except BaseException:
            self.close()
            raise


class _PlainTransport(_Transport):
    """The same over plain HTTP: a target whose Odoo URL is http:// (a staging host on a private network)."""

    def make_connection(self, host: Any) -> http.client.HTTPConnection:  # type: ignore[override]
        connection = xmlrpc.client.Transport.make_connection(self, host)
        connection.timeout = self._timeout
        return connection


@dataclass(slots=True)
class OdooClient:
    base_url: str
    db: str
    login: str
    password: str = field(repr=False)
    ca_file: Path | None  # None: the system's trust store (or plain http://)
    timeout: float = 5.0
    uid: int | None = None
    last_node: str = ""
    _proxies: dict[str, tuple[xmlrpc.client.ServerProxy, _Transport]] = field(default_factory=dict, repr=False)

    def _proxy(self, endpoint: str) -> tuple[xmlrpc.client.ServerProxy, _Transport]:
        if endpoint not in self._proxies:
            plain = self.base_url.startswith("http://")
            transport = (_PlainTransport if plain else _Transport)(tls_context(self.ca_file), self.timeout)
            proxy = xmlrpc.client.ServerProxy(f"{self.base_url}/xmlrpc/2/{endpoint}", transport=transport)
            self._proxies[endpoint] = (proxy, transport)
        return self._proxies[endpoint]

    def version(self) -> dict[str, Any]:
        proxy, _ = self._proxy("common")
        result: Any = proxy.version()
        return dict(result)

    def authenticate(self) -> int:
        proxy, _ = self._proxy("common")
        uid: Any = proxy.authenticate(self.db, self.login, self.password, {})
        if not uid:
            raise PermissionError(f"Odoo refused the login {self.login!r} on database {self.db!r}")
        self.uid = int(uid)
        return self.uid

    def execute(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.uid is None:
            self.authenticate()
        proxy, transport = self._proxy("object")
        result = proxy.execute_kw(self.db, self.uid, self.password, model, method, list(args), kwargs)
        self.last_node = transport.last_node
        return result

    def write_ledger(self, seq: int, writer: str, note: str = "") -> int:
        """The business write: one ledger row with a unique sequence number; returns its id."""
        return int(self.execute(LEDGER_MODEL, "create", {"seq": seq, "writer": writer, "note": note}))


@dataclass(slots=True)
class WebSession:
    """A browser-like session: JSON routes with the `session_id` cookie, as the web client does."""

    base_url: str
    ca_file: Path
    timeout: float = 5.0
    cookie: str = ""
    _connection: http.client.HTTPSConnection | None = field(default=None, repr=False)

    def _connect(self) -> http.client.HTTPSConnection:
        if self._connection is None:
            url = urlsplit(self.base_url)
            self._connection = http.client.HTTPSConnection(
                url.hostname or "127.0.0.1", url.port, timeout=self.timeout, context=tls_context(self.ca_file)
            )
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def call(self, path: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """POST a JSON-RPC call; returns (serving node, decoded body). HTTP errors raise."""
        connection = self._connect()
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params})
        headers = {"Content-Type": "application/json"}
        if self.cookie:
            headers["Cookie"] = f"session_id={self.cookie}"
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            if response.status >= 400:
                raise ConnectionError(f"HTTP {response.status} from {path}")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie" and value.startswith("session_id="):
                    self.cookie = value.split(";", 1)[0].split("=", 1)[1]
            return response.getheader("X-Odoo-Node", "") or "", json.loads(payload)
        except BaseException:
            self.close()  # next call: a new connection, never a silent retry
            raise

    def login(self, db: str, login: str, password: str) -> int:
        _, body = self.call("/web/session/authenticate", {"db": db, "login": login, "password": password})
        uid = (body.get("result") or {}).get("uid")
        if not uid:
            raise PermissionError(f"web login as {login!r} failed: {body.get('error', body)}")
        return int(uid)

    def session_uid(self) -> tuple[str, int | None]:
        """Which node answered, and the uid the session carries there (None: logged out)."""
        node, body = self.call("/web/session/get_session_info", {})
        uid = (body.get("result") or {}).get("uid")
        return node, (int(uid) if uid else None)
