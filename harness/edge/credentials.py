"""Per-run secrets: database and Odoo passwords generated for one run and never logged.

`Credentials.__repr__` hides every secret, so a credential object printed by accident (a log line,
a traceback, pytest's assertion rewriting) shows no password.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field

ODOO_LOGIN = "admin"
ODOO_DB_USER = "odoo"


def _secret() -> str:
    return secrets.token_urlsafe(18)


@dataclass(frozen=True, slots=True)
class Credentials:
    postgres_password: str = field(default_factory=_secret, repr=False)
    replication_password: str = field(default_factory=_secret, repr=False)
    odoo_db_password: str = field(default_factory=_secret, repr=False)
    odoo_admin_password: str = field(default_factory=_secret, repr=False)
    odoo_login: str = ODOO_LOGIN

    def postgres_env(self) -> dict[str, str]:
        """Environment for a PostgreSQL container of the stack."""
        return {
            "POSTGRES_PASSWORD": self.postgres_password,
            "REPLICATION_PASSWORD": self.replication_password,
            "ODOO_DB_PASSWORD": self.odoo_db_password,
        }


def pbkdf2_sha512_hash(password: str, *, rounds: int = 25000) -> str:
    """A passlib-compatible `$pbkdf2-sha512$` hash, the format Odoo (auth_crypt, 12+) verifies."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, rounds)
    return f"$pbkdf2-sha512${rounds}${_ab64(salt)}${_ab64(digest)}"


def _ab64(data: bytes) -> str:
    """passlib's adapted base64: standard alphabet with '.' for '+', no padding."""
    return base64.b64encode(data).decode().rstrip("=").replace("+", ".")
