from __future__ import annotations

import base64
import hashlib

from harness.edge.credentials import Credentials, pbkdf2_sha512_hash


def _ab64_decode(text: str) -> bytes:
    text = text.replace(".", "+")
    return base64.b64decode(text + "=" * (-len(text) % 4))


def test_secrets_differ_per_run_and_never_show_in_repr() -> None:
    one, two = Credentials(), Credentials()
    assert one.odoo_admin_password != two.odoo_admin_password
    assert len({one.postgres_password, one.replication_password, one.odoo_db_password}) == 3
    shown = repr(one)
    for secret in (one.postgres_password, one.replication_password, one.odoo_db_password, one.odoo_admin_password):
        assert secret not in shown


def test_hash_is_passlib_pbkdf2_sha512_format_and_verifies() -> None:
    hashed = pbkdf2_sha512_hash("s3cret", rounds=1000)
    _, scheme, rounds, salt, checksum = hashed.split("$")
    assert scheme == "pbkdf2-sha512"
    assert rounds == "1000"
    expected = hashlib.pbkdf2_hmac("sha512", b"s3cret", _ab64_decode(salt), 1000)
    assert _ab64_decode(checksum) == expected
    assert "+" not in salt + checksum and "=" not in salt + checksum


def test_hash_is_salted() -> None:
    assert pbkdf2_sha512_hash("same", rounds=1000) != pbkdf2_sha512_hash("same", rounds=1000)
