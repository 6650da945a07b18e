from odoo import fields, models


class LedgerEntry(models.Model):
    """One business write: a row per acknowledged create, identified by its probe sequence."""

    _name = "chaos.ledger.entry"
    _description = "Chaos ledger entry"
    _order = "seq"

    seq = fields.Integer(required=True, index=True)
    writer = fields.Char(required=True)
    note = fields.Char()

    _sql_constraints = [("seq_unique", "unique(seq)", "A ledger sequence is written once.")]
