"""Security and isolation controls, judged from what was observed (pure): HTTPS, TLS, certificates, stored
passwords, Odoo's database list and filter, and the app's database role. See `harness.programme.controls`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from harness.programme.controls import (
    DATABASE_ISOLATION,
    DATABASE_LIST,
    DBFILTER,
    HTTPS_ONLY,
    PASSWORD_HASHING,
    TLS_KEY_SIZE,
    TLS_MIN_VERSION,
    TLS_SIGNATURES,
    Control,
    listing,
    unobserved,
)

# "stretched for thousands of rounds", read at its lowest: at least one thousand. (Odoo and passlib default to
# 25,000 rounds for pbkdf2-sha512; OWASP's 2023 advice is 210,000.)
MIN_PBKDF2_ROUNDS = 1000
REQUIRED_SCHEME = "pbkdf2-sha512"
MIN_RSA_BITS = 2048  # "a 2048-bit modulus"; DSA alike
MIN_EC_BITS = 256  # an EC key of 256 bits is stronger than RSA 3072 (NIST SP 800-57)
SHA2 = frozenset({"sha224", "sha256", "sha384", "sha512", "sha512_224", "sha512_256"})
OLD_TLS = ("TLS 1.0", "TLS 1.1")


# --- HTTPS and TLS -------------------------------------------------------------------------------------------------


def judge_https_only(status: int, location: str, checked_at: str) -> Control:
    """The HTTP entry point's answer to `GET /web/login` (not followed): a redirect to an https:// URL."""
    if status in (301, 302, 303, 307, 308) and location.lower().startswith("https://"):
        return Control(HTTPS_ONLY, "pass", f"HTTP answers {status} to {location}", checked_at)
    if status in (301, 302, 303, 307, 308):
        return Control(
            HTTPS_ONLY, "fail", f"HTTP answers {status} to {location or 'nowhere'}, not to HTTPS", checked_at
        )
    return Control(
        HTTPS_ONLY, "fail", f"HTTP serves the page itself (status {status}), no redirect to HTTPS", checked_at
    )


@dataclass(frozen=True, slots=True)
class Handshake:
    version: str  # "TLS 1.0" .. "TLS 1.3"
    outcome: Literal["accepted", "refused", "not-offered"]  # not-offered: this client cannot speak it
    detail: str = ""  # the alert or error; what was negotiated


def judge_tls_versions(handshakes: Sequence[Handshake], checked_at: str) -> Control:
    """TLS 1.0 and 1.1 refused by the server, at least one of TLS 1.2 and 1.3 accepted."""
    by_version = {h.version: h for h in handshakes}
    seen = ", ".join(
        f"{h.version} {h.outcome}" + (f" ({h.detail})" if h.outcome == "refused" and h.detail else "")
        for h in handshakes
    )
    weak = [v for v in OLD_TLS if v in by_version and by_version[v].outcome == "accepted"]
    if weak:
        return Control(TLS_MIN_VERSION, "fail", f"{' and '.join(weak)} accepted (must be refused): {seen}", checked_at)
    untested = [v for v in OLD_TLS if v not in by_version or by_version[v].outcome == "not-offered"]
    if untested:
        why = "; ".join(by_version[v].detail for v in untested if v in by_version and by_version[v].detail)
        reason = f"this client cannot offer {' and '.join(untested)}" + (f" ({why})" if why else "")
        return Control(TLS_MIN_VERSION, "unknown", reason, checked_at)
    if not any(h.outcome == "accepted" for h in handshakes if h.version not in OLD_TLS):
        return Control(TLS_MIN_VERSION, "fail", f"no TLS 1.2 or 1.3 handshake succeeded: {seen}", checked_at)
    return Control(TLS_MIN_VERSION, "pass", seen, checked_at)


@dataclass(frozen=True, slots=True)
class Certificate:
    """One certificate of the verified chain, server first."""

    role: str  # "server", "intermediate", "root CA"
    key_type: str  # RSA, DSA, EC, Ed25519, Ed448
    key_bits: int
    signature_hash: str | None  # "sha256"; None: a signature scheme without a separate hash (Ed25519)


def chain_roles(count: int) -> list[str]:
    """Names of a chain's certificates, server first: server, intermediate..., root CA."""
    if count <= 1:
        return ["server"][:count]
    return ["server", *(["intermediate"] * (count - 2)), "root CA"]


def _key_ok(cert: Certificate) -> bool:
    if cert.key_type in ("RSA", "DSA"):
        return cert.key_bits >= MIN_RSA_BITS
    if cert.key_type == "EC":
        return cert.key_bits >= MIN_EC_BITS
    return cert.key_type in ("Ed25519", "Ed448")


def judge_key_sizes(chain: Sequence[Certificate], checked_at: str) -> Control:
    if not chain:
        return Control(TLS_KEY_SIZE, "unknown", "no certificate was presented", checked_at)
    seen = ", ".join(f"{c.role} {c.key_type} {c.key_bits} bits" for c in chain)
    weak = [c for c in chain if not _key_ok(c)]
    if weak:
        need = f"at least RSA {MIN_RSA_BITS} or EC {MIN_EC_BITS} bits"
        return Control(TLS_KEY_SIZE, "fail", f"{weak[0].role} key too small ({need}): {seen}", checked_at)
    return Control(TLS_KEY_SIZE, "pass", seen, checked_at)


def _signature_name(cert: Certificate) -> str:
    if cert.signature_hash is None:
        return cert.key_type.lower() if cert.key_type in ("Ed25519", "Ed448") else "no hash"
    return cert.signature_hash


def _sha2(cert: Certificate) -> bool:
    # Ed25519 hashes with SHA-512 inside the scheme; Ed448 uses SHAKE256, which is not SHA-2.
    return cert.signature_hash in SHA2 or (cert.signature_hash is None and cert.key_type == "Ed25519")


def judge_signatures(chain: Sequence[Certificate], checked_at: str) -> Control:
    if not chain:
        return Control(TLS_SIGNATURES, "unknown", "no certificate was presented", checked_at)
    seen = ", ".join(f"{c.role} signed with {_signature_name(c)}" for c in chain)
    weak = [c for c in chain if not _sha2(c)]
    if weak:
        return Control(TLS_SIGNATURES, "fail", f"{weak[0].role} not signed with SHA-2: {seen}", checked_at)
    return Control(TLS_SIGNATURES, "pass", seen, checked_at)


# --- passwords -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredPassword:
    """How one user's password is stored: the scheme and its rounds, never the hash."""

    user_id: int
    scheme: str  # "pbkdf2-sha512", "pbkdf2-sha256", "1" (md5-crypt), "plaintext"
    rounds: int | None


_CRYPT_IDS = {
    "1": "md5-crypt",
    "2a": "bcrypt",
    "2b": "bcrypt",
    "2y": "bcrypt",
    "5": "sha256-crypt",
    "6": "sha512-crypt",
}


def parse_stored_passwords(text: str) -> list[StoredPassword]:
    """`psql -At -F '|'` rows of `id|scheme|rounds` (`programme.observations`' password queries) -> StoredPassword.

    The scheme is the hash's `$id$` (`pbkdf2-sha512`; modular-crypt ids are named: `1` is md5-crypt)."""
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        user_id, scheme, rounds = [*line.split("|"), "", ""][:3]
        scheme = _CRYPT_IDS.get(scheme, scheme) or "plaintext"
        found.append(StoredPassword(int(user_id), scheme, int(rounds) if rounds.isdigit() else None))
    return found


def _stored(password: StoredPassword) -> str:
    if password.scheme == "plaintext":
        return f"user {password.user_id} in plain text"
    rounds = "" if password.rounds is None else f" with {password.rounds} rounds"
    return f"user {password.user_id} {password.scheme}{rounds}"


def judge_passwords(stored: Sequence[StoredPassword], checked_at: str, min_rounds: int = MIN_PBKDF2_ROUNDS) -> Control:
    if not stored:
        return Control(PASSWORD_HASHING, "unknown", "no user has a stored password to judge", checked_at)
    need = f"{REQUIRED_SCHEME} with at least {min_rounds} rounds"
    weak = [p for p in stored if p.scheme != REQUIRED_SCHEME or (p.rounds or 0) < min_rounds]
    if weak:
        detail = (
            f"{len(weak)} of {len(stored)} stored passwords weaker than {need}: {listing([_stored(p) for p in weak])}"
        )
        return Control(PASSWORD_HASHING, "fail", detail, checked_at)
    low, high = min(p.rounds or 0 for p in stored), max(p.rounds or 0 for p in stored)
    rounds = f"{low}" if low == high else f"{low} to {high}"
    noun = "stored password:" if len(stored) == 1 else "stored passwords, all"
    detail = f"{len(stored)} {noun} {REQUIRED_SCHEME} with {rounds} rounds (at least {min_rounds})"
    return Control(PASSWORD_HASHING, "pass", detail, checked_at)


# --- database isolation --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListAttempt:
    """One request for Odoo's database list."""

    where: str  # "odoo-1", "odoo-2", "front door"
    route: str  # "/web/database/list", "XML-RPC db.list"
    refused: bool | None  # None: neither a list nor a refusal came back
    detail: str  # "AccessDenied", "listed 1 database", the error


WEB_LIST = "/web/database/list"
RPC_LIST = "XML-RPC db.list"
_ROUTES = {"web": WEB_LIST, "rpc": RPC_LIST}


def list_attempt(where: str, route: str, raw: Mapping[str, Any]) -> ListAttempt:
    """What came back for a database list request: `{"answer": <JSON-RPC body | {"fault"} | {"result"}>}` or
    `{"error": <why no answer>}`. Only Odoo's AccessDenied counts as refused; another error is no answer."""
    route = _ROUTES.get(route, route)
    answer = raw.get("answer")
    if not isinstance(answer, Mapping):
        return ListAttempt(where, route, None, str(raw.get("error", "no answer"))[:200])
    if isinstance(answer.get("result"), list):
        count = len(answer["result"])
        return ListAttempt(where, route, False, f"listed {count} database{'' if count == 1 else 's'}")
    if "fault" in answer:
        lines = str(answer["fault"]).strip().splitlines() or [""]
        refused = "access denied" in lines[-1].lower()
        return ListAttempt(where, route, True if refused else None, lines[-1].strip()[:200])
    error = answer.get("error")
    if isinstance(error, Mapping):
        data = error.get("data")
        name = str(data.get("name", "")) if isinstance(data, Mapping) else ""
        short = name.rsplit(".", 1)[-1] or str(error.get("message", "error"))
        return ListAttempt(where, route, True if short == "AccessDenied" else None, short[:200])
    return ListAttempt(where, route, None, "an answer with neither a list nor an error")


def judge_database_list(attempts: Sequence[ListAttempt], checked_at: str) -> Control:
    if not attempts:
        return Control(DATABASE_LIST, "unknown", "no request for the database list was made", checked_at)
    listed = [a for a in attempts if a.refused is False]
    if listed:
        seen = listing([f"{a.where} {a.route} {a.detail}" for a in listed])
        return Control(DATABASE_LIST, "fail", f"database list on: {seen}", checked_at)
    unclear = [a for a in attempts if a.refused is None]
    if unclear:
        seen = listing([f"{a.where} {a.route}: {a.detail}" for a in unclear])
        return Control(DATABASE_LIST, "unknown", f"no answer: {seen}", checked_at)
    places = list(dict.fromkeys(a.where for a in attempts))
    routes = list(dict.fromkeys(f"{a.route} {a.detail}" for a in attempts))
    return Control(DATABASE_LIST, "pass", f"refused on {', '.join(places)} ({'; '.join(routes)})", checked_at)


@dataclass(frozen=True, slots=True)
class OdooDatabaseConfig:
    """An Odoo node's effective database settings, as its own config parser read them."""

    node: str
    dbfilter: str
    db_name: str  # --database ("" when none)
    list_db: bool


_LITERAL = re.compile(r"\^([A-Za-z0-9_][A-Za-z0-9_-]*)\$")


def pinned_to(config: OdooDatabaseConfig) -> str | None:
    """The one database a node serves whatever the Host header, or None.

    Either a dbfilter that is an anchored literal (`^odoo$`), or (Odoo 11 and later) no dbfilter and a single
    `--database`: Odoo then exposes exactly that database and never asks PostgreSQL for the list.
    """
    if config.dbfilter:
        match = _LITERAL.fullmatch(config.dbfilter)
        return match.group(1) if match else None
    names = [n.strip() for n in config.db_name.split(",") if n.strip()]
    return names[0] if len(names) == 1 else None


def judge_dbfilter(configs: Sequence[OdooDatabaseConfig], app_db: str, checked_at: str) -> Control:
    if not configs:
        return Control(DBFILTER, "unknown", "no Odoo node's configuration was read", checked_at)
    problems = []
    for config in configs:
        target = pinned_to(config)
        if target == app_db:
            continue
        if target is not None:
            problems.append(f"{config.node} pinned to {target}, not {app_db}")
        elif "%h" in config.dbfilter or "%d" in config.dbfilter:
            problems.append(f"{config.node} dbfilter {config.dbfilter!r} follows the Host header")
        elif config.dbfilter:
            problems.append(f"{config.node} dbfilter {config.dbfilter!r} is not one literal database")
        else:
            problems.append(f"{config.node} has no dbfilter and database {config.db_name or '(none)'!r}")
    if problems:
        return Control(DBFILTER, "fail", "; ".join(problems), checked_at)
    nodes = ", ".join(c.node for c in configs)
    how = sorted(
        {f"dbfilter {c.dbfilter}" if c.dbfilter else f"database {c.db_name} without dbfilter" for c in configs}
    )
    return Control(DBFILTER, "pass", f"{nodes}: {'; '.join(how)} (serves only {app_db})", checked_at)


@dataclass(frozen=True, slots=True)
class ConnectAttempt:
    """The app's database role, with the app's own credentials, connecting to another database."""

    node: str  # where it connected from
    database: str
    connected: bool
    detail: str  # "connected", or PostgreSQL's refusal


def judge_isolation(
    attempts: Sequence[ConnectAttempt], role: str, app_db: str, superuser: bool | None, checked_at: str
) -> Control:
    if superuser:
        return Control(
            DATABASE_ISOLATION, "fail", f"the app's role {role} is a superuser: it can reach every database", checked_at
        )
    if superuser is None:
        return Control(DATABASE_ISOLATION, "unknown", f"the app's role could not connect to {app_db}", checked_at)
    reached = list(dict.fromkeys(a.database for a in attempts if a.connected))
    if reached:
        where = ", ".join(dict.fromkeys(a.node for a in attempts if a.connected))
        detail = f"the app's role {role} connects to {', '.join(reached)} from {where} (only {app_db} expected)"
        return Control(DATABASE_ISOLATION, "fail", detail, checked_at)
    if not attempts:
        detail = f"the app's role {role} sees no other database to connect to"
        return Control(DATABASE_ISOLATION, "pass", detail, checked_at)
    refusals = list(dict.fromkeys(f"{a.database} ({a.detail})" for a in attempts))
    return Control(DATABASE_ISOLATION, "pass", f"the app's role {role} is refused by {', '.join(refusals)}", checked_at)


def pg_refusal(message: str) -> str:
    """PostgreSQL's reason in a few words: `FATAL:  permission denied for database "x"` -> `permission denied`."""
    fatal = [part for part in message.split("FATAL:")[1:] if part.strip()]
    text = " ".join((fatal[-1] if fatal else message).split())
    for short in ("permission denied", "no pg_hba.conf entry", "password authentication failed", "does not exist"):
        if short in text:
            return short
    return text[:120] or "refused"


@dataclass(frozen=True, slots=True)
class NodeReport:
    """What one Odoo node showed (`observations.NODE_SCRIPT`); `error`: why nothing could be read."""

    node: str
    config: OdooDatabaseConfig | None = None
    lists: tuple[ListAttempt, ...] = ()
    role: str = ""
    superuser: bool | None = None
    connects: tuple[ConnectAttempt, ...] = ()
    connect_error: str = ""
    error: str = ""


def parse_node_report(node: str, exit_code: int, output: str, marker: str) -> NodeReport:
    """The node script's marked JSON line -> NodeReport; without one, the error is its last line of output."""
    line = next((line for line in reversed(output.splitlines()) if line.startswith(marker)), None)
    if line is None:
        lines = [text for text in output.strip().splitlines() if text.strip()]
        return NodeReport(node, error=(lines[-1].strip() if lines else f"exit code {exit_code}, no output")[:300])
    try:
        data = json.loads(line[len(marker) :])
        config = data["config"]
        report = NodeReport(
            node,
            config=OdooDatabaseConfig(node, str(config["dbfilter"]), str(config["db_name"]), bool(config["list_db"])),
            lists=tuple(list_attempt(node, str(item.get("route")), item) for item in data.get("lists", [])),
            role=str(data.get("role") or ""),
            superuser=None if data.get("superuser") is None else bool(data["superuser"]),
            connects=tuple(
                ConnectAttempt(
                    node,
                    str(item["database"]),
                    bool(item["connected"]),
                    "connected" if item["connected"] else pg_refusal(str(item.get("detail", ""))),
                )
                for item in data.get("connects", [])
            ),
            connect_error=str(data.get("connect_error") or "")[:300],
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return NodeReport(node, error=f"unreadable report ({exc})")
    return report


def _unread(reports: Sequence[NodeReport]) -> str:
    return "; ".join(f"{r.node}: {r.error}" for r in reports if r.error)


def judge_node_configs(reports: Sequence[NodeReport], app_db: str, checked_at: str) -> Control:
    """`judge_dbfilter` over the nodes whose configuration was read; a node not read makes a pass unknown."""
    judged = judge_dbfilter([r.config for r in reports if r.config is not None], app_db, checked_at)
    unread = _unread(reports)
    if unread and judged.status != "fail":
        return unobserved(DBFILTER, unread, checked_at)
    return judged


def judge_node_isolation(reports: Sequence[NodeReport], app_db: str, checked_at: str) -> Control:
    """`judge_isolation` over every node's attempts; a node that could not try makes a pass unknown."""
    read = [r for r in reports if not r.error and not r.connect_error]
    attempts = [a for r in read for a in r.connects]
    role = next((r.role for r in read if r.role), "odoo")
    superuser = None if not read else any(bool(r.superuser) for r in read)
    judged = judge_isolation(attempts, role, app_db, superuser, checked_at)
    unread = "; ".join(f"{r.node}: {r.error or r.connect_error}" for r in reports if r.error or r.connect_error)
    if unread and judged.status != "fail":
        return unobserved(DATABASE_ISOLATION, unread, checked_at)
    return judged
