{
    "name": "Node header",
    "summary": "Tell which Odoo node served a response (X-Odoo-Node), signed (X-Odoo-Node-Signature)",
    "version": "2.0.0",
    "license": "LGPL-3",
    "depends": ["base"],
    "installable": True,
}
