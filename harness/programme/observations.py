"""What the SLA controls observe on a live stack, and the one call that checks them all (`check_stack`).

The observing is I/O; the judging is `harness.programme.controls` (pure). What is looked at, and from where:

- from this host, through the published 127.0.0.1 ports only: the HTTP entry point's answer (`https-only`);
  a TLS 1.0, 1.1, 1.2 and 1.3 handshake each (`tls-min-version`; the client offers every cipher, security
  level 0, so a refusal is the server's); the verified certificate chain, rebuilt from the server's
  certificate and the run's CA (`tls-key-size`, `tls-sha2-signatures`); Odoo's database list through the
  front door;
- inside each Odoo node, with the node's own Python: Odoo's config parser on the server's command line (the
  effective `dbfilter`, `--database`, `list_db`), the database list on the node's own HTTP port, and the
  app's database role connecting, with the app's own credentials, to every other database PostgreSQL lists;
- with `psql` inside the PostgreSQL containers: how passwords are stored (scheme and rounds only: a hash is
  never read out), `pg_stat_replication` on the primary, whether the standby answers queries;
- on the backup repository: `pgbackrest info` (full backups, repositories), then a manual backup taken now
  (`incr`: a manual full backup would count towards `repo1-retention-full` and push a scheduled one out)
  and restored into a scratch PostgreSQL + Odoo (`harness.stack.scratch`).

The groups run side by side (the manual backup, ~7 s, sets the pace). A group that cannot observe
something makes its controls `unknown`, with the reason; it never stops the others.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
import urllib.request
import warnings
import xmlrpc.client
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from harness.core.history import iso
from harness.core.progress import Progress, quiet
from harness.edge.odoo_api import tls_context
from harness.files.backup_policy import RepositoryRetention, RetentionPolicy
from harness.programme import controls as c
from harness.programme import controls_recovery as rec
from harness.programme import controls_security as sec
from harness.stack import backup, db, topology
from harness.stack.containers import exec_checked
from harness.stack.handle import StackHandle

TIMEOUT = 5.0
FRONT_DOOR = "front door"
WEB_LIST, RPC_LIST = sec.WEB_LIST, sec.RPC_LIST
_VERSIONS = (
    ("TLS 1.0", ssl.TLSVersion.TLSv1),
    ("TLS 1.1", ssl.TLSVersion.TLSv1_1),
    ("TLS 1.2", ssl.TLSVersion.TLSv1_2),
    ("TLS 1.3", ssl.TLSVersion.TLSv1_3),
)
_SERVER_REFUSED = ("UNSUPPORTED_PROTOCOL", "WRONG_VERSION_NUMBER", "VERSION_TOO_LOW")
_CLIENT_CANNOT = ("NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE", "NO_SUITABLE_SIGNATURE_ALGORITHM")

# Scheme and rounds of every stored password; the hash and its salt never leave the database.
_PASSWORDS_ODOO11 = r"""
SELECT id,
       CASE WHEN coalesce(password, '') <> '' THEN 'plaintext'
            WHEN password_crypt LIKE '$%' THEN split_part(password_crypt, '$', 2)
            ELSE 'unrecognised' END,
       CASE WHEN coalesce(password, '') = '' AND split_part(password_crypt, '$', 2) LIKE 'pbkdf2-%'
            THEN split_part(password_crypt, '$', 3) ELSE '' END
FROM res_users WHERE coalesce(password_crypt, '') <> '' OR coalesce(password, '') <> '' ORDER BY id
"""
_PASSWORDS_ODOO12 = r"""
SELECT id,
       CASE WHEN password LIKE '$%' THEN split_part(password, '$', 2) ELSE 'plaintext' END,
       CASE WHEN split_part(password, '$', 2) LIKE 'pbkdf2-%' THEN split_part(password, '$', 3) ELSE '' END
FROM res_users WHERE coalesce(password, '') <> '' ORDER BY id
"""
_HAS_PASSWORD_CRYPT = (
    "SELECT count(*) FROM information_schema.columns WHERE table_name = 'res_users' AND column_name = 'password_crypt'"
)
_REPLICATION = (
    "SELECT application_name, state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), "
    "extract(epoch FROM replay_lag) FROM pg_stat_replication ORDER BY application_name"
)

MARKER = "ODOO-CHAOS-CONTROLS "
# Runs inside an Odoo node (its own Python, user and environment): Odoo's own config parser on the server's
# command line, the database list on the node's HTTP port, and the app's role connecting to other databases.
NODE_SCRIPT = r"""
import json, os, sys, urllib.request, xmlrpc.client
app_db = sys.argv[1]
report = {}
args = [a.decode() for a in open("/proc/1/cmdline", "rb").read().split(b"\0") if a]
start = next((i + 1 for i, a in enumerate(args) if os.path.basename(a) in ("odoo", "odoo-bin", "openerp-server")), None)
if start is None:
    raise SystemExit("no Odoo command line in /proc/1/cmdline: " + " ".join(args)[:200])
import odoo
from odoo.tools import config
config.parse_config(args[start:])
report["config"] = {"dbfilter": config["dbfilter"] or "", "db_name": config["db_name"] or "",
                    "list_db": bool(config["list_db"])}
base = "http://127.0.0.1:%s" % (config.get("http_port") or config.get("xmlrpc_port") or 8069)
lists = []
try:
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}, "id": 1}).encode()
    request = urllib.request.Request(base + "/web/database/list", data=body,
                                     headers={"Content-Type": "application/json"})
    lists.append({"route": "web", "answer": json.load(urllib.request.urlopen(request, timeout=5))})
except Exception as exc:
    lists.append({"route": "web", "error": "%s: %s" % (type(exc).__name__, exc)})
try:
    lists.append({"route": "rpc", "answer": {"result": xmlrpc.client.ServerProxy(base + "/xmlrpc/2/db").list()}})
except xmlrpc.client.Fault as fault:
    lists.append({"route": "rpc", "answer": {"fault": str(fault.faultString)}})
except Exception as exc:
    lists.append({"route": "rpc", "error": "%s: %s" % (type(exc).__name__, exc)})
report["lists"] = lists
import psycopg2
def connect(name):
    options = {"dbname": name, "user": config["db_user"] or None, "host": config["db_host"] or None,
               "port": config["db_port"] or None, "password": config["db_password"] or None, "connect_timeout": 5}
    return psycopg2.connect(**{k: v for k, v in options.items() if v is not None})
try:
    own = connect(app_db)
    cursor = own.cursor()
    cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
    report["role"], report["superuser"] = cursor.fetchone()
    cursor.execute("SELECT datname FROM pg_database WHERE datallowconn AND datname <> current_database() ORDER BY 1")
    others = [row[0] for row in cursor.fetchall()]
    own.close()
    connects = []
    for name in others:
        try:
            connect(name).close()
            connects.append({"database": name, "connected": True, "detail": "connected"})
        except psycopg2.Error as exc:
            connects.append({"database": name, "connected": False, "detail": str(exc)})
    report["connects"] = connects
except Exception as exc:
    report["connect_error"] = "%s: %s" % (type(exc).__name__, " ".join(str(exc).split()))
print("ODOO-CHAOS-CONTROLS " + json.dumps(report))
"""


def _now() -> str:
    return iso(datetime.now(UTC))


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def _guarded(names: Sequence[str], observe: Callable[[], list[c.Control]]) -> list[c.Control]:
    """The group's controls, or every one of them `unknown` with why it could not be observed."""
    try:
        return observe()
    except Exception as exc:
        at = _now()
        return [c.unobserved(name, _reason(exc), at) for name in names]


def _front_door(stack: StackHandle) -> tuple[str, int, str]:
    endpoints = stack.endpoints
    if endpoints is None:
        raise RuntimeError("the stack has no endpoints (is it up?)")
    parts = urlsplit(endpoints.https_url)
    return parts.hostname or "127.0.0.1", parts.port or 443, endpoints.ca_file


# --- HTTPS and TLS, from this host ---------------------------------------------------------------------------------


def http_answer(http_url: str) -> tuple[int, str]:
    """Status and Location of `GET /web/login` on the HTTP entry point (not followed)."""
    parts = urlsplit(http_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=TIMEOUT)
    try:
        connection.request("GET", "/web/login")
        response = connection.getresponse()
        return response.status, response.getheader("Location", "") or ""
    finally:
        connection.close()


def handshake(host: str, port: int, label: str, version: ssl.TLSVersion) -> sec.Handshake:
    """One handshake offering only `version` (any cipher, security level 0): accepted or refused by the server."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # ssl deprecates TLS 1.0/1.1: here they are the point
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.set_ciphers("ALL:@SECLEVEL=0")
            context.minimum_version = version
            context.maximum_version = version
    except (ValueError, ssl.SSLError) as exc:
        return sec.Handshake(label, "not-offered", _reason(exc))
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as raw, context.wrap_socket(raw) as tls:
            return sec.Handshake(label, "accepted", tls.version() or "")
    except ssl.SSLError as exc:
        reason = str(exc.reason or "")
        if reason in _CLIENT_CANNOT:
            return sec.Handshake(label, "not-offered", reason.lower().replace("_", " "))
        if reason.startswith(("TLSV1_ALERT_", "SSLV3_ALERT_", "TLSV13_ALERT_")) or reason in _SERVER_REFUSED:
            return sec.Handshake(label, "refused", reason.lower().replace("_", " "))
        if isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError):
            return sec.Handshake(label, "refused", "connection closed")
        raise
    except (ConnectionResetError, BrokenPipeError):
        return sec.Handshake(label, "refused", "connection reset")


def _key(cert: x509.Certificate) -> tuple[str, int]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, 0


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):  # not its issuer, or a signature scheme it cannot check
        return False
    return True


def verified_chain(host: str, port: int, ca_file: str) -> list[x509.Certificate]:
    """The server's certificate (from a handshake verified against the run's CA) and its issuers up to that CA."""
    context = tls_context(Path(ca_file))
    with (
        socket.create_connection((host, port), timeout=TIMEOUT) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        leaf = tls.getpeercert(binary_form=True)
    if not leaf:
        return []
    chain = [x509.load_der_x509_certificate(leaf)]
    anchors = x509.load_pem_x509_certificates(Path(ca_file).read_bytes())
    while chain[-1].issuer != chain[-1].subject and len(chain) < 10:
        issuer = next((a for a in anchors if a.subject == chain[-1].issuer and _issued_by(chain[-1], a)), None)
        if issuer is None:
            break
        chain.append(issuer)
    return chain


def certificate_facts(chain: Sequence[x509.Certificate]) -> list[sec.Certificate]:
    facts = []
    for role, cert in zip(sec.chain_roles(len(chain)), chain, strict=True):
        key_type, bits = _key(cert)
        algorithm = cert.signature_hash_algorithm
        facts.append(sec.Certificate(role, key_type, bits, None if algorithm is None else algorithm.name))
    return facts


def tls_controls(stack: StackHandle) -> list[c.Control]:
    host, port, ca_file = _front_door(stack)
    assert stack.endpoints is not None
    http_url = stack.endpoints.http_url
    found: list[c.Control] = []

    def https_only() -> list[c.Control]:
        status, location = http_answer(http_url)
        return [sec.judge_https_only(status, location, _now())]

    def versions() -> list[c.Control]:
        shakes = [handshake(host, port, label, version) for label, version in _VERSIONS]
        return [sec.judge_tls_versions(shakes, _now())]

    def chain() -> list[c.Control]:
        facts = certificate_facts(verified_chain(host, port, ca_file))
        at = _now()
        return [sec.judge_key_sizes(facts, at), sec.judge_signatures(facts, at)]

    found += _guarded([c.HTTPS_ONLY], https_only)
    found += _guarded([c.TLS_MIN_VERSION], versions)
    found += _guarded([c.TLS_KEY_SIZE, c.TLS_SIGNATURES], chain)
    return found


# --- the Odoo nodes and the front door's database list -------------------------------------------------------------


def front_door_lists(stack: StackHandle) -> list[sec.ListAttempt]:
    """Odoo's database list asked through Traefik (HTTPS, trusting the run's CA): JSON and XML-RPC."""
    assert stack.endpoints is not None
    base, context = stack.endpoints.https_url, tls_context(Path(stack.endpoints.ca_file))
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}, "id": 1}).encode()
    request = urllib.request.Request(base + WEB_LIST, data=body, headers={"Content-Type": "application/json"})
    attempts = []
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT, context=context) as response:
            attempts.append(sec.list_attempt(FRONT_DOOR, WEB_LIST, {"answer": json.load(response)}))
    except Exception as exc:
        attempts.append(sec.list_attempt(FRONT_DOOR, WEB_LIST, {"error": f"{type(exc).__name__}: {exc}"}))
    proxy = xmlrpc.client.ServerProxy(base + "/xmlrpc/2/db", context=context)
    try:
        answer: dict[str, Any] = {"result": proxy.list()}
    except xmlrpc.client.Fault as fault:
        answer = {"fault": str(fault.faultString)}
    except Exception as exc:
        attempts.append(sec.list_attempt(FRONT_DOOR, RPC_LIST, {"error": f"{type(exc).__name__}: {exc}"}))
        return attempts
    attempts.append(sec.list_attempt(FRONT_DOOR, RPC_LIST, {"answer": answer}))
    return attempts


def node_report(stack: StackHandle, node: str) -> sec.NodeReport:
    """Run NODE_SCRIPT inside one Odoo node and read its report."""
    result = stack.service(node).exec(["python3", "-c", NODE_SCRIPT, topology.DB_NAME])
    return sec.parse_node_report(node, result.exit_code, result.output, MARKER)


def odoo_controls(stack: StackHandle) -> list[c.Control]:
    nodes = [node for node in topology.ODOO_NODES if node in stack.services()]
    with ThreadPoolExecutor(max_workers=len(nodes) + 1) as pool:
        door = pool.submit(lambda: _guarded_lists(stack))
        reports = list(pool.map(lambda node: _guarded_node(stack, node), nodes))
    at = _now()
    return [
        sec.judge_database_list([*(a for r in reports for a in r.lists), *door.result()], at),
        sec.judge_node_configs(reports, topology.DB_NAME, at),
        sec.judge_node_isolation(reports, topology.DB_NAME, at),
    ]


def _guarded_lists(stack: StackHandle) -> list[sec.ListAttempt]:
    try:
        return front_door_lists(stack)
    except Exception as exc:
        return [sec.ListAttempt(FRONT_DOOR, WEB_LIST, None, _reason(exc))]


def _guarded_node(stack: StackHandle, node: str) -> sec.NodeReport:
    try:
        return node_report(stack, node)
    except Exception as exc:
        return sec.NodeReport(node, error=_reason(exc))


# --- PostgreSQL ----------------------------------------------------------------------------------------------------


def _psql(stack: StackHandle, node: str, sql: str, dbname: str = topology.DB_NAME) -> str:
    command = ["psql", "-XAt", "-F", "|", "-d", dbname, "-c", sql]
    return exec_checked(stack.service(node), command, f"psql on {node}")


def stored_passwords(stack: StackHandle) -> list[sec.StoredPassword]:
    primary = db.sole_primary(stack, "reading how passwords are stored")
    odoo11 = _psql(stack, primary, _HAS_PASSWORD_CRYPT) == "1"
    return sec.parse_stored_passwords(_psql(stack, primary, _PASSWORDS_ODOO11 if odoo11 else _PASSWORDS_ODOO12))


def password_controls(stack: StackHandle) -> list[c.Control]:
    return [sec.judge_passwords(stored_passwords(stack), _now())]


def standby_controls(stack: StackHandle, last_run: rec.LagSummary | None) -> list[c.Control]:
    roles = db.roles(stack)
    primaries = [node for node, role in roles.items() if role == "primary"]
    if len(primaries) != 1:
        at = _now()
        if not primaries:
            return [rec.judge_hot_standby(None, [], {}, last_run, at)]
        return [c.Control(c.HOT_STANDBY, "fail", f"{len(primaries)} primaries: {', '.join(primaries)}", at)]
    replicas = rec.parse_replicas(_psql(stack, primaries[0], _REPLICATION, "postgres"))
    # db.roles asked each node `SELECT pg_is_in_recovery()`: a standby that answered `t` serves queries (hot)
    hot = {node: True for node, role in roles.items() if role == "standby"}
    return [rec.judge_hot_standby(primaries[0], replicas, hot, last_run, _now())]


# --- backups -------------------------------------------------------------------------------------------------------


def manual_backup(stack: StackHandle, progress: Progress = quiet) -> rec.ManualBackup:
    """Take an incremental backup now and restore the latest backup into a scratch PostgreSQL + Odoo."""
    from harness.stack import scratch

    primary = db.sole_primary(stack, "cannot take a manual backup")
    live_rows, _ = backup.ledger(stack.service(primary))
    started = time.monotonic()
    progress("manual backup: pgbackrest backup --type=incr on the primary")
    taken = backup.take(stack, "incr")
    backup_seconds = time.monotonic() - started
    verified = scratch.scratch_restore(stack, progress=progress)
    return rec.ManualBackup(
        kind=taken.kind,
        backup_seconds=backup_seconds,
        restore_seconds=verified.seconds,
        live_rows=live_rows,
        copy_rows=verified.ledger_rows,
        read_rows=verified.business_read,
        attachments_in_a_filestore=int(verified.attachments.get("attachments_in_a_filestore", 0)),
    )


def backup_controls(
    stack: StackHandle,
    policy: RetentionPolicy,
    repository: RepositoryRetention,
    take_manual_backup: bool,
    progress: Progress,
) -> list[c.Control]:
    command = ["pgbackrest", f"--stanza={backup.STANZA}", "--output=json", "info"]

    def held() -> list[c.Control]:
        text = exec_checked(stack.service(topology.BACKUP), command, "pgbackrest info")
        fulls = [b.stopped for b in backup.parse_info(text).backups if b.kind == "full"]
        now = datetime.now(UTC)
        kept = rec.retention_ever_kept(policy, repository, now)
        at = _now()
        return [
            rec.judge_retention(policy, fulls, now, kept, at),
            rec.judge_copies(rec.parse_repositories(text, backup.STANZA), policy.copies, at),
        ]

    found = _guarded([c.BACKUP_RETENTION, c.BACKUP_COPIES], held)
    if take_manual_backup:
        found += _guarded([c.MANUAL_BACKUP], lambda: [rec.judge_manual_backup(manual_backup(stack, progress), _now())])
    return found


# --- all of them ---------------------------------------------------------------------------------------------------


def check_stack(
    stack: StackHandle,
    *,
    policy: RetentionPolicy,
    repository: RepositoryRetention,
    last_run: rec.LagSummary | None = None,
    take_manual_backup: bool = True,
    progress: Progress = quiet,
) -> list[c.Control]:
    """Every control observable on the stack (all but `restore-test-age`, which reads the run index), in order."""
    groups: list[tuple[list[str], Callable[[], list[c.Control]]]] = [
        ([c.HTTPS_ONLY, c.TLS_MIN_VERSION, c.TLS_KEY_SIZE, c.TLS_SIGNATURES], lambda: tls_controls(stack)),
        ([c.DATABASE_LIST, c.DBFILTER, c.DATABASE_ISOLATION], lambda: odoo_controls(stack)),
        ([c.PASSWORD_HASHING], lambda: password_controls(stack)),
        ([c.HOT_STANDBY], lambda: standby_controls(stack, last_run)),
        (
            [c.BACKUP_RETENTION, c.BACKUP_COPIES, *([c.MANUAL_BACKUP] if take_manual_backup else [])],
            lambda: backup_controls(stack, policy, repository, take_manual_backup, progress),
        ),
    ]
    with ThreadPoolExecutor(max_workers=len(groups)) as pool:
        futures = [pool.submit(_guarded, names, observe) for names, observe in groups]
        return c.ordered(control for future in futures for control in future.result())
