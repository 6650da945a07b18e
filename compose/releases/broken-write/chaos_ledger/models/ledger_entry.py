"""Release 1.1.0 of the ledger model: entries in a closed period are refused (a period lock).

TEST FIXTURE of odoo-chaos (compose/releases/broken-write): a release that starts, serves pages
and reads, and rejects every business write. The new lock reads the lock date from the system
parameter ``chaos_ledger.lock_date``; when the parameter is not set, the code falls back to the
far future instead of the far past, so every period counts as closed and every ``create`` raises.
A code-only change (no new field, no data file): it is deployed without ``-u``.
"""
from odoo import api, fields, models
from odoo.exceptions import ValidationError

LOCK_PARAMETER = "chaos_ledger.lock_date"
NO_LOCK = "9999-12-31"  # the bug: "not locked" should be the far past, "0001-01-01"


class LedgerEntry(models.Model):
    """One business write: a row per acknowledged create, identified by its probe sequence."""

    _name = "chaos.ledger.entry"
    _description = "Chaos ledger entry"
    _order = "seq"

    seq = fields.Integer(required=True, index=True)
    writer = fields.Char(required=True)
    note = fields.Char()

    _sql_constraints = [("seq_unique", "unique(seq)", "A ledger sequence is written once.")]

    @api.model
    def create(self, vals):
        lock_date = self.env["ir.config_parameter"].sudo().get_param(LOCK_PARAMETER, NO_LOCK)
        if fields.Date.today() <= lock_date:
            raise ValidationError(
                "chaos_ledger 1.1.0: the ledger is locked up to %s; no entry can be written in a closed period"
                % lock_date
            )
        return super(LedgerEntry, self).create(vals)
