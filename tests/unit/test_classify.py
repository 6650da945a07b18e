"""`classify`: whether a failed operation certainly did not happen (`fail`) or may have (`info`).

RPO depends on it: an `info` write is indeterminate (it may be in the database), a `fail` write is
certainly not, so calling an uncertain write `fail` would hide a lost or duplicated write, and
calling a refused one `info` would blur the loss figures.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import xmlrpc.client

import pytest

from harness.probes.base import classify, short_error


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ConnectionRefusedError(111, "Connection refused"), "fail"),  # nothing reached the server
        (ssl.SSLError("handshake failure"), "fail"),
        (socket.gaierror(-2, "Name or service not known"), "fail"),
        (PermissionError("denied"), "fail"),
        (xmlrpc.client.ProtocolError("x", 503, "Service Unavailable", {}), "fail"),  # Traefik: no node
        (xmlrpc.client.ProtocolError("x", 404, "Not Found", {}), "fail"),
        (xmlrpc.client.ProtocolError("x", 401, "Unauthorized", {}), "fail"),
        (xmlrpc.client.ProtocolError("x", 403, "Forbidden", {}), "fail"),
        (xmlrpc.client.ProtocolError("x", 502, "Bad Gateway", {}), "info"),  # the node may have committed
        (xmlrpc.client.ProtocolError("x", 504, "Gateway Timeout", {}), "info"),
        (xmlrpc.client.ProtocolError("x", 500, "Internal Server Error", {}), "info"),
        (xmlrpc.client.Fault(1, "Traceback ...\npsycopg2.OperationalError: server closed the connection"), "info"),
        (xmlrpc.client.Fault(1, "Traceback ...\nIntegrityError: duplicate key value violates unique"), "info"),
        (xmlrpc.client.Fault(1, "Traceback ...\nSerializationFailure: could not serialize access"), "info"),
        (xmlrpc.client.Fault(1, "Traceback ...\nValidationError: the field is required"), "fail"),  # refused
        (xmlrpc.client.Fault(1, "Traceback ...\nReadOnlySqlTransaction: read-only transaction"), "fail"),
        (TimeoutError("The read operation timed out"), "info"),  # sent, answer never came
        (ConnectionResetError(104, "Connection reset by peer"), "info"),
        (http.client.RemoteDisconnected("Remote end closed connection without response"), "info"),
        (OSError(113, "No route to host"), "info"),
        (ValueError("something unexpected"), "info"),  # unknown: never claim it certainly did not happen
    ],
)
def test_a_failure_is_certain_only_when_nothing_can_have_happened(error: BaseException, kind: str) -> None:
    assert classify(error) == kind


def test_short_error_names_the_type_and_the_last_line_of_an_odoo_traceback() -> None:
    fault = xmlrpc.client.Fault(1, "Traceback (most recent call last):\n  ...\npsycopg2.OperationalError: gone\n")
    assert short_error(fault) == "Fault: psycopg2.OperationalError: gone"
    assert short_error(TimeoutError("x" * 400)) == ("TimeoutError: " + "x" * 400)[:300]
