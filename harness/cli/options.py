"""Command-line options several commands share: the stack's HA mode, its Patroni settings, the team's Odoo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from harness.core.errors import HarnessError
from harness.stack.kinds import buildable
from harness.stack.patroni import SETTING_NAMES, HaSettings, parse_settings

HaOption = Annotated[
    str,
    typer.Option(
        "--ha",
        help=f"How PostgreSQL fails over: {' or '.join(buildable())} (manual: by the drill's runbook; patroni: "
        "Patroni + three etcd members, automatically).",
    ),
]
PatroniOption = Annotated[
    list[str] | None,
    typer.Option(
        "--patroni",
        metavar="KEY=VALUE",
        help=f"A Patroni setting for --ha patroni, repeatable ({', '.join(SETTING_NAMES)}), e.g. ttl=10; "
        "checked with Patroni's rules (loop_wait + 2 * retry_timeout <= ttl).",
    ),
]
DbEndpointOption = Annotated[
    str,
    typer.Option(
        "--db-endpoint",
        help="How Odoo finds the writable PostgreSQL node: libpq (multi-host, read-write) or haproxy "
        "(Patroni's REST /primary check; --ha patroni only).",
    ),
]


def ha_settings(ha: str, given: list[str] | None) -> HaSettings:
    """The Patroni settings `--patroni KEY=VALUE` asks for; one-line HarnessError for anything wrong."""
    if ha not in buildable():
        raise HarnessError(f"--ha: unknown mode {ha!r} (modes: {', '.join(buildable())})")
    if given and ha != "patroni":
        raise HarnessError("--patroni needs --ha patroni")
    values: dict[str, object] = {}
    for item in given or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise HarnessError(f"--patroni {item!r}: write KEY=VALUE, e.g. ttl=10 ({', '.join(SETTING_NAMES)})")
        values[key.strip()] = value.strip()
    try:
        return parse_settings(values)
    except ValueError as exc:
        raise HarnessError(f"--patroni: {exc}") from None


OdooImageOption = Annotated[
    str,
    typer.Option(
        "--odoo-image",
        help="Odoo image to run (local; 11.0 to 18.0). Its version, Odoo command and Python are read from "
        "the image itself, never its tag; what it lacks is said in one line each before the stack starts.",
    ),
]
OdooAddonsOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--odoo-addons",
        metavar="DIR",
        help="A folder of your own Odoo modules, repeatable: mounted read-only, appended to the addons path "
        "after the harness's addons.",
    ),
]
OdooConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--odoo-config",
        metavar="FILE",
        help="Your odoo.conf: kept, except the keys the harness must own (database, ports, workers, addons "
        "path, ...), which are dropped and listed when the stack starts.",
    ),
]
InstallOption = Annotated[
    str | None,
    typer.Option(
        "--install",
        metavar="MODULES",
        help="Your modules to install into the database, comma-separated (e.g. sale,acme_delivery); the "
        "database snapshot is made once per combination.",
    ),
]


def team_odoo(addons: list[Path] | None, config: Path | None, install: str | None) -> dict[str, Any]:
    """StackConfig fields for a team's own Odoo pieces; one-line HarnessError for anything wrong."""
    from harness.files import odoo_files

    if config is not None:
        odoo_files.team_config(config)  # read now: a bad file stops here, before any container starts
    return {
        "odoo_addons": odoo_files.addons_dirs(addons or []),
        "odoo_config": str(config.resolve()) if config is not None else None,
        "install": odoo_files.modules(install),
    }
