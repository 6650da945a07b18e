{
    "name": "Redis session store",
    "summary": "Store Odoo HTTP sessions in Redis (server-wide module for odoo-chaos)",
    "version": "1.0.0",
    "license": "LGPL-3",
    "depends": ["base", "web"],
    "installable": True,
    "auto_install": False,
}
