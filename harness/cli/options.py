"""Command-line options several commands share: the stack's HA mode and its Patroni settings."""

from __future__ import annotations

from typing import Annotated

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
