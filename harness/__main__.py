"""`python -m harness` is the `odoo-chaos` command."""

from harness.cli import main

main()
