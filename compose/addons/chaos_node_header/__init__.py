"""Add ``X-Odoo-Node: $ODOO_CHAOS_NODE`` to every response of this Odoo process (server-wide).

Loaded before the server starts (server-wide modules load first), so the harness can see which
node answered. Two shapes, by what the Odoo version has (not by its number):
- 11-15: the servers serve ``odoo.service.wsgi_server.application`` (which also carries XML-RPC):
  that function is wrapped;
- 16+: ``wsgi_server`` is gone and the servers call ``odoo.http.root`` (an ``Application``) directly,
  an object they hold before any addon loads: its class's ``__call__`` is wrapped instead.
Exercised here on Odoo 11; the 16+ shape is tested against a stub of that layout (tests/unit).
"""
import os

_NODE = os.environ.get("ODOO_CHAOS_NODE", "")


def _start_with_header(start_response):
    def start(status, headers, exc_info=None):
        headers = [h for h in headers if h[0].lower() != "x-odoo-node"] + [("X-Odoo-Node", _NODE)]
        return start_response(status, headers, exc_info)

    return start


def _with_header(app):
    if getattr(app, "_chaos_node_header", False):
        return app

    def application(environ, start_response):
        return app(environ, _start_with_header(start_response))

    application._chaos_node_header = True
    return application


def _install():
    try:
        from odoo.service import wsgi_server
    except ImportError:  # Odoo 16+
        wsgi_server = None
    if wsgi_server is not None and hasattr(wsgi_server, "application"):
        wsgi_server.application = _with_header(wsgi_server.application)
        return "odoo.service.wsgi_server.application"
    from odoo import http

    app_class = type(http.root)
    original = app_class.__call__
    if not getattr(original, "_chaos_node_header", False):

        def __call__(self, environ, start_response):
            return original(self, environ, _start_with_header(start_response))

        __call__._chaos_node_header = True
        app_class.__call__ = __call__
    return "%s.__call__" % app_class.__name__


if _NODE:
    _install()
