from __future__ import annotations

import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from harness.edge.odoo_api import tls_context
from harness.edge.tls import issue_run_tls


def test_server_certificate_is_signed_by_the_run_ca_with_sha256_and_2048_bits() -> None:
    tls = issue_run_tls("r1")
    ca = x509.load_pem_x509_certificate(tls.ca_pem)
    server = x509.load_pem_x509_certificates(tls.cert_pem)[0]
    ca_key = ca.public_key()
    assert isinstance(ca_key, rsa.RSAPublicKey)
    assert ca_key.key_size >= 2048
    server_key = server.public_key()
    assert isinstance(server_key, rsa.RSAPublicKey)
    assert server_key.key_size >= 2048
    assert isinstance(server.signature_hash_algorithm, hashes.SHA256)
    assert server.signature_hash_algorithm is not None
    ca_key.verify(server.signature, server.tbs_certificate_bytes, padding.PKCS1v15(), server.signature_hash_algorithm)
    assert server.issuer == ca.subject
    assert "r1" in ca.subject.rfc4514_string()


def test_server_certificate_covers_loopback_names() -> None:
    server = x509.load_pem_x509_certificates(issue_run_tls("r1").cert_pem)[0]
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)


def test_each_run_gets_its_own_ca() -> None:
    assert issue_run_tls("a").ca_pem != issue_run_tls("a").ca_pem


def test_key_is_not_in_repr() -> None:
    tls = issue_run_tls("r1")
    assert b"PRIVATE KEY" in tls.key_pem
    assert "PRIVATE KEY" not in repr(tls)


def test_client_context_follows_a_new_ca_at_the_same_path(tmp_path: Path) -> None:
    """A stack started again under the same run id writes a new CA where the old one was: the
    client must trust the new one (a context cached by path failed every handshake after restart)."""
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(issue_run_tls("r1").ca_pem)
    first = tls_context(ca_file)
    ca_file.write_bytes(issue_run_tls("r1").ca_pem)
    second = tls_context(ca_file)
    assert first is not second
    assert [c["serialNumber"] for c in first.get_ca_certs()] != [c["serialNumber"] for c in second.get_ca_certs()]
    assert tls_context(ca_file) is second  # unchanged CA: the cached context
