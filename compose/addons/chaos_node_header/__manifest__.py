{
    "name": "Node header",
    "summary": "Tell which Odoo node served a response (X-Odoo-Node), for odoo-chaos",
    "version": "1.0.0",
    "license": "LGPL-3",
    "depends": ["base"],
    "installable": True,
}
