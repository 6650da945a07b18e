"""odoo-chaos: chaos and failover drills for self-hosted Odoo, measured as RTO and RPO."""

__version__ = "0.1.0"
