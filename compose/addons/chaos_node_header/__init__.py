"""Add ``X-Odoo-Node: $ODOO_CHAOS_NODE`` to every response of this Odoo process (server-wide).

Wraps ``odoo.service.wsgi_server.application``, the WSGI entry that also carries XML-RPC, before
the server starts (server-wide modules load first), so the harness can see which node answered.
Checked on Odoo 11; Odoo versions whose server serves ``odoo.http.root`` directly get no header.
"""
import os

from odoo.service import wsgi_server

_NODE = os.environ.get("ODOO_CHAOS_NODE", "")


def _with_header(app):
    if getattr(app, "_chaos_node_header", False):
        return app

    def application(environ, start_response):
        def start(status, headers, exc_info=None):
            headers = [h for h in headers if h[0].lower() != "x-odoo-node"] + [("X-Odoo-Node", _NODE)]
            return start_response(status, headers, exc_info)

        return app(environ, start)

    application._chaos_node_header = True
    return application


if _NODE:
    if hasattr(wsgi_server, "application"):
        wsgi_server.application = _with_header(wsgi_server.application)
