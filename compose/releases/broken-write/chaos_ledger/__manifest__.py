{
    "name": "Chaos ledger",
    "summary": "Append-only ledger written by odoo-chaos business-write probes; closed periods are locked",
    "version": "1.1.0",
    "license": "LGPL-3",
    "depends": ["base"],
    "data": ["security/ir.model.access.csv"],
    "post_init_hook": "post_init",
    "installable": True,
}
