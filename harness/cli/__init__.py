"""The `odoo-chaos` command line: one Typer app, its commands in modules by what they work on.

- `app`: the application, its consoles, progress, signal handling and `main` (the entry point);
- `stack`: images build, up, status, down, smoke;
- `drills`: run, load, check, keygen, list;
- `backup`: backup list, run, verify, retention;
- `programme`: index, history, trend, freshness, audit (the DR programme);
- `files`: init, validate (the user's own scenarios, tiers, profiles, policy and programme);
- `images`: images save and load (the image cache for CI), beside `images build`.

Importing the package registers every command on `app`.
"""

from __future__ import annotations

import importlib

from harness.cli.app import app, main, version

for _module in ("stack", "images", "drills", "backup", "programme", "files"):  # --help lists panels so
    importlib.import_module(f"harness.cli.{_module}")
app.command(rich_help_panel="Other")(version)

__all__ = ["app", "main"]
