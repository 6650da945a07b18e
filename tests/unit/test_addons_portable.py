"""The harness's Odoo addons on every supported layout: the node header on 11-15's `wsgi_server`
and on 16+'s `odoo.http.Application` (stub packages shaped like each; the real 11 is exercised in
the Docker tests), and the session store's built-in Redis client's wire format (RESP2)."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.files import resources

ADDONS = resources.packaged(resources.COMPOSE) / "addons"

STUB_11 = {
    "odoo/__init__.py": "",
    "odoo/service/__init__.py": "",
    "odoo/service/wsgi_server.py": textwrap.dedent(
        """
        def application(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        """
    ),
}
STUB_16 = {  # Odoo 16+: no wsgi_server; the server holds odoo.http.root, made before addons load
    "odoo/__init__.py": "",
    "odoo/service/__init__.py": "",
    "odoo/http.py": textwrap.dedent(
        """
        class Application:
            def __call__(self, environ, start_response):
                start_response("200 OK", [("Content-Type", "text/plain"), ("X-Odoo-Node", "forged")])
                return [b"ok"]
        root = Application()
        """
    ),
}
SERVE = textwrap.dedent(
    """
    import sys
    {grab}
    import chaos_node_header
    seen = []
    body = app({{}}, lambda status, headers, exc_info=None: seen.append(headers))
    import chaos_node_header as again  # a second load must not wrap twice
    again._install()
    app({{}}, lambda status, headers, exc_info=None: seen.append(headers))
    print([h for h in seen[0] if h[0] == "X-Odoo-Node"], [h for h in seen[1] if h[0] == "X-Odoo-Node"])
    """
)


def served_headers(tmp_path: Path, stub: dict[str, str], grab: str) -> str:
    for name, text in stub.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    done = subprocess.run(
        [sys.executable, "-c", SERVE.format(grab=grab)],
        env={"PYTHONPATH": f"{tmp_path}:{ADDONS}", "ODOO_CHAOS_NODE": "odoo-2"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_node_header_on_odoo_11_to_15(tmp_path: Path) -> None:
    # the server looks the application up in wsgi_server when it starts: after the addon loaded
    out = served_headers(tmp_path, STUB_11, "app = lambda e, s: __import__('odoo.service.wsgi_server', fromlist=['x']).application(e, s)")
    assert out == "[('X-Odoo-Node', 'odoo-2')] [('X-Odoo-Node', 'odoo-2')]"


def test_the_node_header_on_odoo_16_and_later(tmp_path: Path) -> None:
    # the server took odoo.http.root before any addon loaded: the object itself must answer with it
    out = served_headers(tmp_path, STUB_16, "from odoo.http import root as app")
    assert out == "[('X-Odoo-Node', 'odoo-2')] [('X-Odoo-Node', 'odoo-2')]"


@pytest.fixture()
def resp():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ADDONS / "chaos_redis_session"))
    try:
        import resp as module  # the addon's file, importable without Odoo

        yield module
    finally:
        sys.path.remove(str(ADDONS / "chaos_redis_session"))
        sys.modules.pop("resp", None)


def test_commands_are_sent_as_resp_arrays_of_bulk_strings(resp) -> None:  # type: ignore[no-untyped-def]
    assert resp.encode(("SET", "odoo-session:ab", "{}", "EX", "900")) == (
        b"*5\r\n$3\r\nSET\r\n$15\r\nodoo-session:ab\r\n$2\r\n{}\r\n$2\r\nEX\r\n$3\r\n900\r\n"
    )
    assert resp.encode(("GET", "é")) == b"*2\r\n$3\r\nGET\r\n$2\r\n\xc3\xa9\r\n"


def test_every_reply_kind_is_read(resp) -> None:  # type: ignore[no-untyped-def]
    wire = io.BytesIO(b"+OK\r\n$-1\r\n$4\r\nab\r\n\r\n:2\r\n*2\r\n$1\r\n0\r\n*1\r\n$3\r\nk:1\r\n-ERR wrong\r\n")
    read = [resp.read_reply(wire) for _ in range(5)]
    assert read[:4] == [b"OK", None, b"ab\r\n", 2]
    assert read[4] == [b"0", [b"k:1"]]
    error = resp.read_reply(wire)
    assert isinstance(error, resp.RedisError) and str(error) == "ERR wrong"
    with pytest.raises(EOFError):
        resp.read_reply(io.BytesIO(b"$5\r\nab"))


def test_the_url_gives_host_port_database_and_password(resp) -> None:  # type: ignore[no-untyped-def]
    client = resp.Client.from_url("redis://:s%40cret@redis:6380/2", socket_timeout=0.5)
    assert (client.host, client.port, client.db, client.password, client.socket_timeout) == (
        "redis", 6380, 2, "s@cret", 0.5
    )
    with pytest.raises(ValueError, match="only redis:// URLs"):
        resp.Client.from_url("rediss://redis:6379/0")
