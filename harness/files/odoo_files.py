"""A team's own Odoo pieces as they hand them to the harness: addons folders, an odoo.conf, modules.

`--odoo-addons DIR` (repeatable), `--odoo-config FILE` and `--install MODULES` on every command
that brings a stack up. Each is checked before anything starts, with one line naming the option
and the fix. The team's odoo.conf is kept except for the keys the stack must own (where the
database is, the ports, the workers, the addons path, ...): those are taken out of the file and
listed, so the user sees which of their settings the drill does not run with.
"""

from __future__ import annotations

import configparser
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from harness.core.errors import HarnessError
from harness.files.validation import decode_text, read_bytes

# The odoo.conf keys the harness sets itself (its command line, or the run's secrets in the
# environment): a team's value for any of them is dropped and named.
OWNED_KEYS: tuple[str, ...] = (
    "addons_path",
    "db_host",
    "db_port",
    "db_user",
    "db_password",
    "db_name",
    "dbfilter",
    "list_db",
    "server_wide_modules",
    "proxy_mode",
    "workers",
    "max_cron_threads",
    "http_port",
    "xmlrpc_port",
    "gevent_port",
    "longpolling_port",
    "limit_time_real",
    "log_level",
    "http_interface",
    "xmlrpc_interface",
)
MODULE = re.compile(r"[a-z0-9][a-z0-9_]{0,63}")
MAX_ADDONS_DIRS = 16
MAX_MODULES = 64


@dataclass(frozen=True, slots=True)
class TeamConfig:
    """A team's odoo.conf with the harness's own keys taken out, and which keys those were."""

    source: str
    text: str  # the [options] section to run with
    dropped: tuple[str, ...]

    @property
    def note(self) -> str:
        if not self.dropped:
            return f"--odoo-config {self.source}: kept whole (it sets none of the keys the harness owns)"
        return (
            f"--odoo-config {self.source}: the harness sets {', '.join(self.dropped)} itself; "
            "the rest of the file is kept"
        )


def addons_dir(path: Path) -> Path:
    """An addons folder: a directory holding at least one Odoo module (a folder with __manifest__.py)."""
    shown = str(path)[:200]
    if not path.is_dir():
        raise HarnessError(f"--odoo-addons {shown}: not a directory; give a folder of Odoo modules")
    modules = [p for p in path.iterdir() if p.is_dir() and (p / "__manifest__.py").is_file()]
    if not modules:
        raise HarnessError(
            f"--odoo-addons {shown}: no Odoo module in it (a module is a folder with a __manifest__.py); "
            "give the folder that holds the modules"
        )
    return path.resolve()


def addons_dirs(paths: list[Path] | tuple[Path, ...]) -> tuple[str, ...]:
    if len(paths) > MAX_ADDONS_DIRS:
        raise HarnessError(f"--odoo-addons: {len(paths)} folders; at most {MAX_ADDONS_DIRS}")
    found = tuple(str(addons_dir(p)) for p in paths)
    if len(set(found)) != len(found):
        raise HarnessError("--odoo-addons: the same folder is given twice")
    return found


def modules(text: str | None) -> tuple[str, ...]:
    """`--install sale,stock,acme_delivery`: Odoo module names, comma-separated."""
    if not text:
        return ()
    names = tuple(part.strip() for part in text.split(","))
    for name in names:
        if not MODULE.fullmatch(name):
            raise HarnessError(
                f"--install: {name[:64]!r} is not an Odoo module name (lower-case letters, digits and _); "
                "separate modules with commas"
            )
    if len(names) > MAX_MODULES:
        raise HarnessError(f"--install: {len(names)} modules; at most {MAX_MODULES}")
    return tuple(dict.fromkeys(names))


def team_config(path: Path) -> TeamConfig:
    """Read a team's odoo.conf: an `[options]` section; the harness's own keys are dropped and listed."""
    shown = str(path)[:200]
    text = decode_text(read_bytes(path, "--odoo-config", HarnessError), path, "--odoo-config", HarnessError)
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    try:
        parser.read_string(text, source=shown)
    except configparser.Error as exc:
        first = str(exc).splitlines()[0]
        raise HarnessError(f"--odoo-config {shown}: not an odoo.conf ({first[:160]})") from None
    if not parser.has_section("options"):
        raise HarnessError(f"--odoo-config {shown}: no [options] section; Odoo reads its settings from [options]")
    kept = configparser.ConfigParser(interpolation=None)
    kept.add_section("options")
    dropped: list[str] = []
    for key, value in parser.items("options"):
        if key in OWNED_KEYS:
            dropped.append(key)
        else:
            kept.set("options", key, value)
    lines = ["[options]", *(f"{key} = {value}" for key, value in kept.items("options"))]
    return TeamConfig(shown, "\n".join(lines) + "\n", tuple(dropped))


def fingerprint(dirs: tuple[str, ...], install: tuple[str, ...], config_text: str | None) -> str:
    """What a database snapshot made with these pieces depends on (their files, the modules, the config)."""
    digest = hashlib.sha256()
    for folder in dirs:
        root = Path(folder)
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    digest.update(",".join(install).encode())
    digest.update((config_text or "").encode())
    return digest.hexdigest()[:16]
