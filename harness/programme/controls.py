"""SLA control checks: the Odoo Online SLA's security and backup commitments, judged on a live stack.

`odoo-chaos controls` checks them (`harness.programme.observations` observes, two pure modules judge:
`controls_security` and `controls_recovery`); `odoo-chaos audit --controls RUN_ID` puts them in the audit
pack; `--metrics-file` exports them (`harness.programme.metrics`). Each check gives one `Control`: its stable
name, `pass` / `warn` / `fail` / `unknown`, what was seen in one line, and when (UTC).

The controls, in the order they are shown (`CONTROLS` holds the SLA sentence each one checks):

- `https-only`: the HTTP entry point answers with a redirect to HTTPS, never with a page;
- `tls-min-version`: TLS 1.0 and 1.1 handshakes are refused, TLS 1.2 or 1.3 accepted;
- `tls-key-size`: every key of the verified certificate chain is RSA/DSA >= 2048 bits (EC >= 256);
- `tls-sha2-signatures`: every certificate of that chain is signed with SHA-2;
- `password-hashing`: every stored user password is PBKDF2-SHA512 with at least 1000 rounds ("thousands");
- `database-list-off`: Odoo's database list (`/web/database/list`, XML-RPC `db.list`) is refused on every
  node and through the front door;
- `dbfilter-pinned`: every node serves exactly the app's database, whatever the Host header;
- `database-isolation`: the app's database role reaches no other database of the cluster, and is no superuser;
- `hot-standby`: a standby streams from the primary in real time (lag now, and its worst over the last run);
- `backup-retention`: the full backups held fill the promise's 7 daily / 4 weekly / 3 monthly slots;
- `backup-copies`: at least the backup policy's `copies` repositories hold backups;
- `restore-test-age`: the programme's restore drill has a passing run within its period;
- `manual-backup-restore`: a backup taken now restores into a scratch stack that holds the live data.

A control that could not be observed is `unknown` with the reason, never a pass; the command exits 1 when
any control fails or is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Status = Literal["pass", "warn", "fail", "unknown"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail", "unknown")


@dataclass(frozen=True, slots=True)
class Control:
    """One live SLA control check (from `odoo-chaos controls`), as the audit pack shows it."""

    name: str
    status: str  # pass, warn, fail, unknown
    detail: str = ""
    checked_at: str = ""  # UTC ISO 8601


@dataclass(frozen=True, slots=True)
class ControlSpec:
    name: str
    commitment: str  # the SLA's own words


HTTPS_ONLY = "https-only"
TLS_MIN_VERSION = "tls-min-version"
TLS_KEY_SIZE = "tls-key-size"
TLS_SIGNATURES = "tls-sha2-signatures"
PASSWORD_HASHING = "password-hashing"
DATABASE_LIST = "database-list-off"
DBFILTER = "dbfilter-pinned"
DATABASE_ISOLATION = "database-isolation"
HOT_STANDBY = "hot-standby"
BACKUP_RETENTION = "backup-retention"
BACKUP_COPIES = "backup-copies"
RESTORE_TEST = "restore-test-age"
MANUAL_BACKUP = "manual-backup-restore"

_SSL = "All web connections to client instances are protected with 256-bit SSL encryption (HTTPS with a 2048-bit "
_SSL += "modulus SSL certificate), and running behind Grade A SSL stacks. All our certificates chains are using SHA-2"
CONTROLS: tuple[ControlSpec, ...] = (
    ControlSpec(HTTPS_ONLY, _SSL),
    ControlSpec(TLS_MIN_VERSION, _SSL),
    ControlSpec(TLS_KEY_SIZE, _SSL),
    ControlSpec(TLS_SIGNATURES, _SSL),
    ControlSpec(
        PASSWORD_HASHING,
        "Customer passwords are protected with industry-standard PBKDF2+SHA512 encryption (salted + stretched for "
        "thousands of rounds)",
    ),
    ControlSpec(DATABASE_LIST, "Client data stored in dedicated databases - no sharing of data between clients"),
    ControlSpec(DBFILTER, "Client data stored in dedicated databases - no sharing of data between clients"),
    ControlSpec(DATABASE_ISOLATION, "no access possible from one database to another"),
    ControlSpec(
        HOT_STANDBY, "Each customer instance is replicated in real-time on a hot-standby system in the same data center"
    ),
    ControlSpec(
        BACKUP_RETENTION, "14 full backups up to 3 months: 1/day for 7 days, 1/week for 4 weeks, 1/month for 3 months"
    ),
    ControlSpec(BACKUP_COPIES, "Backups replicated on at least 3 different machines in different data centers"),
    ControlSpec(RESTORE_TEST, "Disaster Recovery Plan (restore from backup): tested within the programme's period"),
    ControlSpec(MANUAL_BACKUP, "Users can download manual backups of their live data at any time"),
)
CONTROL_NAMES: tuple[str, ...] = tuple(spec.name for spec in CONTROLS)


def ordered(controls: Iterable[Control]) -> list[Control]:
    """Controls in `CONTROL_NAMES` order (unknown names last, by name)."""
    rank = {name: index for index, name in enumerate(CONTROL_NAMES)}
    return sorted(controls, key=lambda c: (rank.get(c.name, len(rank)), c.name))


def unobserved(name: str, reason: str, checked_at: str) -> Control:
    """A control whose observation failed: `unknown`, with why."""
    return Control(name, "unknown", f"could not observe: {reason}", checked_at)


def listing(items: Sequence[str], most: int = 5) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def size_text(value: float) -> str:
    if value < 1024:
        return f"{value:.0f} B"
    return f"{value / 1024:.1f} kB" if value < 1024 * 1024 else f"{value / (1024 * 1024):.1f} MB"


# --- the result ----------------------------------------------------------------------------------------------------


def render(controls: Sequence[Control]) -> list[str]:
    """One line per control, the names in one column whichever ran: `PASS    tls-min-version        TLS 1.0 ...`."""
    width = max(len(name) for name in (*CONTROL_NAMES, *(c.name for c in controls)))
    return [f"{c.status.upper():<7} {c.name:<{width}}  {c.detail}" for c in controls]


def summary(controls: Sequence[Control]) -> str:
    counts = {status: sum(1 for c in controls if c.status == status) for status in STATUSES}
    parts = [f"{counts['pass']} of {len(controls)} pass"]
    for status in ("warn", "fail", "unknown"):
        names = [c.name for c in controls if c.status == status]
        if names:
            parts.append(f"{len(names)} {status} ({', '.join(names)})")
    return "controls: " + "; ".join(parts)


def failed(controls: Sequence[Control]) -> bool:
    """Whether the command exits 1: a control failed, or could not be observed (it cannot be vouched for)."""
    return any(c.status in ("fail", "unknown") for c in controls)
