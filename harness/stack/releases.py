"""Odoo releases a node can run: the shipped addons, or a release directory that shadows some of them.

A release is a directory `compose/releases/<name>/` holding new versions of addons shipped in
`compose/addons/`. A node on a release mounts that directory read-only and puts it first on its
addons path: Odoo 11 takes a module from the first addons path that holds it, so the release's
version shadows the shipped one and every other module still comes from `compose/addons/`. It is a
code deploy (no `-u`): the database is not upgraded. `None` (or the name `previous` in a
scenario) is the shipped addons alone, the release every node starts on and rolls back to.
"""

from __future__ import annotations

from pathlib import Path

from harness.core.errors import HarnessError
from harness.edge.images import COMPOSE

RELEASES_DIR = COMPOSE / "releases"
PREVIOUS = "previous"  # a scenario's name for the shipped addons (the rollback target)


def available() -> tuple[str, ...]:
    """The release directories shipped in compose/releases, by name."""
    if not RELEASES_DIR.is_dir():
        return ()
    return tuple(sorted(p.name for p in RELEASES_DIR.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))))


def resolve(name: str | None) -> str | None:
    """A release name as a node records it: None for the shipped addons, else a known release directory."""
    if name is None or name == PREVIOUS:
        return None
    known = available()
    if name not in known:
        raise HarnessError(f"unknown release {name!r}; releases are {', '.join((*known, PREVIOUS))}")
    return name


def directory(name: str) -> Path:
    """The host directory of a release (mounted read-only into the node)."""
    resolved = resolve(name)
    if resolved is None:
        raise HarnessError(f"{name!r} is the shipped addons (compose/addons), not a release directory")
    return RELEASES_DIR / resolved
