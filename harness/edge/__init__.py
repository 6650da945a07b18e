"""What talks to the outside world: the Docker engine (the only user of its SDK), images, labels and
cleanup by label, the run's state on disk, TLS material, credentials, the watchdog, Odoo's XML-RPC API."""
