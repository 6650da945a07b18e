"""Signed evidence: an Ed25519 signature over a run directory's SHA256SUMS manifest.

What each layer proves. `SHA256SUMS` lists the hash of every file of a run directory: it shows
*accidental* damage (a truncated copy, a bit flip, a file added or lost). It does not show
deliberate editing: whoever can edit report.json can run `sha256sum` again. A signature over the
manifest, made with a private key kept outside the run directory (`--sign-key FILE` or
`ODOO_CHAOS_SIGNING_KEY`), shows that every file is what the key holder's run wrote: changing any
byte breaks the manifest or the signature, and only the key can make a new one. `odoo-chaos check
RUNDIR --pubkey FILE` verifies it; `odoo-chaos keygen` makes a key pair.

`SHA256SUMS.sig` is a small text file: the algorithm, the public key's fingerprint (SHA-256 of the
raw key, base64, as OpenSSH prints them) and the signature in base64.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from harness.core.errors import HarnessError

KEY_ENV = "ODOO_CHAOS_SIGNING_KEY"
SIGNATURE = "SHA256SUMS.sig"
MANIFEST = "SHA256SUMS"
HEADER = "odoo-chaos signature v1"
MAX_KEY_BYTES = 16 * 1024


def _read_key_file(path: Path, what: str) -> bytes:
    try:
        if not path.is_file():
            raise HarnessError(f"{path}: no such {what} file (make a pair with `odoo-chaos keygen`)")
        if path.stat().st_size > MAX_KEY_BYTES:
            raise HarnessError(f"{path}: too large for an Ed25519 {what} (is it the right file?)")
        return path.read_bytes()
    except OSError as exc:
        raise HarnessError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    data = _read_key_file(path, "signing key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise HarnessError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise HarnessError(f"{path}: not an Ed25519 key (make one with `odoo-chaos keygen`)")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    data = _read_key_file(path, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise HarnessError(f"{path}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise HarnessError(f"{path}: not an Ed25519 public key")
    return key


def key_from_environment(given: Path | None) -> Path | None:
    """The signing key to use: `--sign-key`, else `$ODOO_CHAOS_SIGNING_KEY`, else none."""
    if given is not None:
        return given
    configured = os.environ.get(KEY_ENV, "")
    return Path(configured) if configured else None


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


def generate(directory: Path, name: str = "odoo-chaos-signing") -> tuple[Path, Path]:
    """Write a new key pair: `<name>.key` (mode 0600) and `<name>.pub`; refuses to overwrite."""
    private = directory / f"{name}.key"
    public = directory / f"{name}.pub"
    for path in (private, public):
        if os.path.lexists(path):  # a dangling symlink too: the key would be written wherever it points
            raise HarnessError(f"{path}: exists already; remove it or choose another --out directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        fd = os.open(public, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)  # O_EXCL: never through a symlink
        with os.fdopen(fd, "wb") as out:
            out.write(
                key.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
    except OSError as exc:
        raise HarnessError(f"{directory}: cannot write the key pair ({exc.strerror or exc})") from None
    return private, public


def sign_run_dir(run_dir: Path, key: Ed25519PrivateKey) -> Path:
    manifest = (run_dir / MANIFEST).read_bytes()
    signature = base64.b64encode(key.sign(manifest)).decode()
    text = f"{HEADER}\nalgorithm ed25519\nkey {fingerprint(key.public_key())}\nsignature {signature}\n"
    path = run_dir / SIGNATURE
    path.write_text(text)
    return path


def _parse(text: str) -> dict[str, str]:
    lines = text.splitlines()
    if not lines or lines[0] != HEADER:
        return {}
    fields: dict[str, str] = {}
    for line in lines[1:]:
        key, _, value = line.partition(" ")
        fields[key] = value.strip()
    return fields


def signature_state(run_dir: Path) -> tuple[str, str | None]:
    """("unsigned" | "signed" | "malformed", the signer's fingerprint)."""
    path = run_dir / SIGNATURE
    if not path.exists():
        return "unsigned", None
    try:
        fields = _parse(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, UnicodeDecodeError):
        fields = {}
    if fields.get("algorithm") != "ed25519" or "signature" not in fields:
        return "malformed", None
    return "signed", fields.get("key")


def verify_signature(run_dir: Path, key: Ed25519PublicKey) -> list[str]:
    """Problems with the run directory's signature against `key`; [] when it verifies."""
    state, signer = signature_state(run_dir)
    if state == "unsigned":
        return [f"{SIGNATURE}: missing: the run was not signed, so --pubkey cannot vouch for it"]
    if state == "malformed":
        return [f"{SIGNATURE}: malformed"]
    if signer != fingerprint(key):
        return [f"{SIGNATURE}: signed by key {signer}, not by the given key {fingerprint(key)}"]
    fields = _parse((run_dir / SIGNATURE).read_text(encoding="utf-8"))
    try:
        signature = base64.b64decode(fields["signature"], validate=True)
        key.verify(signature, (run_dir / MANIFEST).read_bytes())
    except (ValueError, InvalidSignature):
        return [f"{SIGNATURE}: the signature does not match {MANIFEST}: the manifest or the signature was changed"]
    except OSError as exc:
        return [f"{MANIFEST}: unreadable ({exc.strerror or exc})"]
    return []
