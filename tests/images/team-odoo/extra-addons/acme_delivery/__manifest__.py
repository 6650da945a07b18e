{
    "name": "ACME delivery notes",
    "summary": "A team's own addon: delivery notes per partner (test fixture of odoo-chaos)",
    "version": "1.0.0",
    "license": "LGPL-3",
    "depends": ["base"],
    "data": ["security/ir.model.access.csv"],
    "installable": True,
}
