"""Which Odoo an image holds, read from the image itself, and what that version changes for the stack.

Pure. The version comes from the `odoo/release.py` the image ships (the same file from 11.0 to
master: `version_info = (17, 0, 0, FINAL, 0, '')`, or `('saas~16', 4, 0, FINAL, 0, '')` on a SaaS
branch) or from `odoo --version` (`Odoo Server 17.0`), never from the image's tag: a team's
`acme/odoo-prod:latest` says nothing. Everything the stack does differently per version is one
row of `TRAITS`, keyed on the major version; docs/stack.md has the support matrix.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from harness.core.errors import HarnessError

SUPPORTED = range(11, 19)  # 11.0 .. 18.0: the majors TRAITS describes
STATIC_HEALTH_PATH = "/web/static/src/img/favicon.ico"  # every version: served without DB or Redis
MODERN_HEALTH_PATH = "/web/health"  # 15.0+: answers without touching the database


@dataclass(frozen=True, slots=True)
class OdooVersion:
    """A version as Odoo itself states it: `major.minor`, and `saas~` when the branch is a SaaS one."""

    major: int
    minor: int
    saas: bool = False

    @property
    def series(self) -> str:
        return f"{'saas~' if self.saas else ''}{self.major}.{self.minor}"

    def __str__(self) -> str:
        return self.series


@dataclass(frozen=True, slots=True)
class VersionTraits:
    """What the stack does differently for one major version of Odoo."""

    major: int
    min_python: tuple[int, int]  # the oldest Python that release runs on
    health_path: str  # what Traefik's health check asks (answers without the database)
    gevent_flag: str  # the command-line flag of the evented (bus) port
    bus: str  # how a browser gets live notifications: "longpolling" or "websocket"
    bus_path: str  # the route on the evented port

    @property
    def websocket(self) -> bool:
        return self.bus == "websocket"


def _traits(major: int) -> VersionTraits:
    min_python = {11: (3, 5), 12: (3, 5), 13: (3, 6), 14: (3, 6), 15: (3, 7), 16: (3, 7)}.get(major, (3, 10))
    return VersionTraits(
        major=major,
        min_python=min_python,
        health_path=MODERN_HEALTH_PATH if major >= 15 else STATIC_HEALTH_PATH,
        gevent_flag="--gevent-port" if major >= 16 else "--longpolling-port",  # renamed in 16.0
        bus="websocket" if major >= 16 else "longpolling",
        bus_path="/websocket" if major >= 16 else "/longpolling/poll",
    )


TRAITS: dict[int, VersionTraits] = {major: _traits(major) for major in SUPPORTED}


def traits(version: OdooVersion) -> VersionTraits:
    """The row for a version; a major outside the matrix is refused with the supported range."""
    if version.major not in TRAITS:
        raise HarnessError(
            f"Odoo {version} is not supported: the harness knows Odoo {SUPPORTED.start}.0 to "
            f"{SUPPORTED.stop - 1}.0 (docs/stack.md, support matrix)"
        )
    return TRAITS[version.major]


_VERSION_INFO = re.compile(r"^version_info\s*=\s*(\(.*?\))\s*$", re.MULTILINE)
_MIN_PY = re.compile(r"^MIN_PY_VERSION\s*=\s*\((\d+)\s*,\s*(\d+)", re.MULTILINE)
_SERVER_LINE = re.compile(r"Odoo Server (saas~)?(\d+)\.(\d+)")


def _major(value: object) -> tuple[int, bool]:
    """`17` -> (17, False); `'saas~16'` -> (16, True); `'16'` (a rebuilt SaaS tree) -> (16, False)."""
    if isinstance(value, int):
        return value, False
    match = re.fullmatch(r"(saas~)?(\d+)(?:\.\d+)?", str(value))
    if match is None:
        raise ValueError(value)
    return int(match.group(2)), match.group(1) is not None


def from_release_py(text: str, where: str = "odoo/release.py") -> OdooVersion:
    """The version an `odoo/release.py` declares (its `version_info` tuple, read without running it)."""
    match = _VERSION_INFO.search(text)
    if match is None:
        raise HarnessError(f"{where}: no version_info line; is this an Odoo release.py?")
    literal = re.sub(r"\b(ALPHA|BETA|RELEASE_CANDIDATE|FINAL)\b", "0", match.group(1))
    try:
        info = ast.literal_eval(literal)
        major, saas = _major(info[0])
        return OdooVersion(major, int(info[1]), saas)
    except (ValueError, SyntaxError, IndexError, TypeError):
        raise HarnessError(f"{where}: cannot read version_info {match.group(1)!r}") from None


def min_python_of(text: str) -> tuple[int, int] | None:
    """`MIN_PY_VERSION` where release.py declares it (17.0 and later), else None."""
    match = _MIN_PY.search(text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def from_version_output(text: str) -> OdooVersion:
    """The version `odoo --version` prints: `Odoo Server 17.0`, `Odoo Server saas~16.4`, `Odoo Server 16.0+e`."""
    match = _SERVER_LINE.search(text)
    if match is None:
        raise HarnessError(f"cannot read an Odoo version from {text.strip()[:80]!r} (expected 'Odoo Server N.M')")
    return OdooVersion(int(match.group(2)), int(match.group(3)), match.group(1) is not None)
