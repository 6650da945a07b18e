from odoo import fields, models


class DeliveryNote(models.Model):
    _name = "acme.delivery.note"
    _description = "Delivery note"

    name = fields.Char(required=True)
    partner_id = fields.Many2one("res.partner")
