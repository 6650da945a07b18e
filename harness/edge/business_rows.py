"""Where the business probes write, read and count: the harness's ledger, or tagged `res.partner` rows on a target.

On the harness's stacks every business write is one `chaos.ledger.entry` row (the chaos_ledger
addon: a unique `seq`, the writer `<run id>/<lane>`). A team's deployment has that model only if
they installed the addon; otherwise the writes go to `res.partner` rows the harness can find again
and remove: `ref` = `odoo-chaos/<run id>/<seq>`, the name saying whose they are. Both kinds answer
the same questions (write one, count this run's, list this run's sequence numbers through Odoo or
in SQL on a node, remove them), so the probes and the final read do not know which one they use.
SQL is built from harness-made literals only (run ids are letters, digits and -; seqs are ints).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from harness.core.errors import HarnessError
from harness.edge.odoo_api import LEDGER_MODEL, OdooClient

PARTNER_MODEL = "res.partner"
TAG_PREFIX = "odoo-chaos/"


def safe_run_id(run_id: str) -> str:
    if not run_id or not all(c.isalnum() or c == "-" for c in run_id):
        raise HarnessError(f"run id {run_id!r}: letters, digits and - only")
    return run_id


def tag_of(run_id: str) -> str:
    """The `ref` prefix of this run's partner rows."""
    return f"{TAG_PREFIX}{safe_run_id(run_id)}/"


class BusinessRows(Protocol):
    @property
    def model(self) -> str: ...

    def write(self, client: OdooClient, run_id: str, writer: str, seq: int) -> int: ...

    def count(self, client: OdooClient, run_id: str) -> int: ...

    def odoo_seqs(self, client: OdooClient, run_id: str, seq_base: int) -> list[int]: ...

    def sql_seqs(self, run_id: str, seq_base: int) -> str:
        """SQL giving `seq, count(*)` for this run's sequence numbers (`parse_seqs` keeps those >= seq_base)."""
        ...

    def remove(self, client: OdooClient, run_id: str) -> int: ...


@dataclass(frozen=True, slots=True)
class LedgerRows:
    """The harness's own ledger (chaos_ledger): rows stay, as on the reference stack."""

    model: str = LEDGER_MODEL

    def write(self, client: OdooClient, run_id: str, writer: str, seq: int) -> int:
        return client.write_ledger(seq, writer)

    def count(self, client: OdooClient, run_id: str) -> int:
        return int(client.execute(LEDGER_MODEL, "search_count", [("writer", "=like", f"{run_id}/%")]))

    def odoo_seqs(self, client: OdooClient, run_id: str, seq_base: int) -> list[int]:
        rows = client.execute(
            LEDGER_MODEL,
            "search_read",
            [("writer", "=like", f"{run_id}/%"), ("seq", ">=", seq_base)],
            fields=["seq"],
        )
        return sorted(int(r["seq"]) for r in rows)

    def sql_seqs(self, run_id: str, seq_base: int) -> str:
        prefix = f"{safe_run_id(run_id)}/"
        return (
            f"SELECT seq, count(*) FROM chaos_ledger_entry WHERE left(writer, {len(prefix)}) = '{prefix}' "
            f"AND seq >= {int(seq_base)} GROUP BY seq ORDER BY seq"
        )

    def remove(self, client: OdooClient, run_id: str) -> int:
        return 0


@dataclass(frozen=True, slots=True)
class PartnerRows:
    """`res.partner` rows tagged with the run id, removed through Odoo once the run is read."""

    model: str = PARTNER_MODEL

    def write(self, client: OdooClient, run_id: str, writer: str, seq: int) -> int:
        values = {"name": f"odoo-chaos probe {run_id} #{seq}", "ref": f"{tag_of(run_id)}{seq}"}
        return int(client.execute(PARTNER_MODEL, "create", values))

    def count(self, client: OdooClient, run_id: str) -> int:
        return int(client.execute(PARTNER_MODEL, "search_count", [("ref", "=like", f"{tag_of(run_id)}%")]))

    def odoo_seqs(self, client: OdooClient, run_id: str, seq_base: int) -> list[int]:
        tag = tag_of(run_id)
        rows = client.execute(PARTNER_MODEL, "search_read", [("ref", "=like", f"{tag}%")], fields=["ref"])
        seqs = [int(str(r["ref"])[len(tag):]) for r in rows if str(r["ref"])[len(tag):].isdigit()]
        return sorted(s for s in seqs if s >= seq_base)

    def sql_seqs(self, run_id: str, seq_base: int) -> str:
        tag = tag_of(run_id)  # no cast in SQL: PostgreSQL may apply it to another partner's ref first
        n = len(tag)
        return f"SELECT substr(ref, {n + 1}), count(*) FROM res_partner WHERE left(ref, {n}) = '{tag}' GROUP BY 1"

    def remove(self, client: OdooClient, run_id: str) -> int:
        ids = client.execute(PARTNER_MODEL, "search", [("ref", "=like", f"{tag_of(run_id)}%")])
        for start in range(0, len(ids), 500):
            client.execute(PARTNER_MODEL, "unlink", ids[start : start + 500])
        return len(ids)


def parse_seqs(output: str, seq_base: int) -> tuple[list[int], list[int]]:
    """psql's unaligned `seq|count` lines -> (sequence numbers >= seq_base, those stored more than once)."""
    seqs: list[int] = []
    twice: list[int] = []
    for line in output.splitlines():
        seq, _, count = line.partition("|")
        if seq.strip().isdigit() and count.strip().isdigit() and int(seq) >= seq_base:
            seqs.append(int(seq))
            if int(count) > 1:
                twice.append(int(seq))
    return sorted(seqs), sorted(twice)


LEDGER = LedgerRows()
PARTNERS = PartnerRows()


def rows_for(client: OdooClient) -> BusinessRows:
    """The ledger when Odoo's registry has `chaos.ledger.entry` (the harness's addon is installed), else partners."""
    import xmlrpc.client

    try:
        client.execute(LEDGER_MODEL, "fields_get", [], attributes=["type"])
    except xmlrpc.client.Fault:
        return PARTNERS
    return LEDGER
