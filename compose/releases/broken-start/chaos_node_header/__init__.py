"""Release 2.0.0 of chaos_node_header: the node header is now signed (HMAC-SHA256 with a key).

TEST FIXTURE of odoo-chaos (compose/releases/broken-start): a release that cannot start in the
reference deployment. 2.0.0 needs a new required setting, ``ODOO_CHAOS_NODE_HEADER_KEY``, that
the deployment does not provide, and it refuses to start without it, as a release with a missing
required setting does. The refusal is ``SystemExit``, not an ``Exception``: Odoo 11's
``load_server_wide_modules`` logs and swallows an ``Exception`` raised by a server-wide module and
starts anyway without the module; ``SystemExit`` ends the server before it binds its port, so the
container exits and Traefik's health check keeps traffic away from it.
"""
import hashlib
import hmac
import os

from odoo.service import wsgi_server

_NODE = os.environ.get("ODOO_CHAOS_NODE", "")
_KEY = os.environ.get("ODOO_CHAOS_NODE_HEADER_KEY", "")

if not _KEY:
    raise SystemExit(
        "chaos_node_header 2.0.0: ODOO_CHAOS_NODE_HEADER_KEY is not set; "
        "refusing to start without the key that signs X-Odoo-Node"
    )

_SIGNATURE = hmac.new(_KEY.encode(), _NODE.encode(), hashlib.sha256).hexdigest()


def _with_header(app):
    if getattr(app, "_chaos_node_header", False):
        return app

    def application(environ, start_response):
        def start(status, headers, exc_info=None):
            headers = [h for h in headers if h[0].lower() not in ("x-odoo-node", "x-odoo-node-signature")]
            headers += [("X-Odoo-Node", _NODE), ("X-Odoo-Node-Signature", _SIGNATURE)]
            return start_response(status, headers, exc_info)

        return app(environ, start)

    application._chaos_node_header = True
    return application


if _NODE:
    if hasattr(wsgi_server, "application"):
        wsgi_server.application = _with_header(wsgi_server.application)
