"""What an Odoo image holds, and what the harness does about each thing it lacks (pure).

`ImageFacts` is what one short look inside the image found (`harness.edge.odoo_image` takes it);
`preflight()` turns it into the profile the stack runs the image with and one line per finding:
a thing the image lacks that the harness works around (`note`), or one it cannot run without
(`refusal`, raised before anything starts). A team's image is never assumed to be shaped like the
harness's own: the Odoo command, the version and the Python are all asked of the image.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.core.errors import HarnessError
from harness.stack import odoo_versions
from harness.stack.odoo_versions import OdooVersion, VersionTraits

ODOO_COMMANDS = ("odoo", "odoo-bin", "openerp-server")  # looked up on the image's PATH, in this order


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What is inside an image, as found by running a short-lived container of it."""

    image: str
    image_id: str
    python: str | None  # "3.9.2", or None when the image has no python3 on PATH
    commands: dict[str, str | None] = field(default_factory=dict)  # ODOO_COMMANDS -> path or None
    release_py: str | None = None  # the text of odoo/release.py, when the odoo package was found
    release_py_path: str | None = None
    version_output: str | None = None  # `odoo --version`, asked only when release.py was not found
    redis: bool = False  # whether `import redis` would work
    config_files: tuple[str, ...] = ()  # odoo.conf files the image ships (/etc/odoo/odoo.conf, ...)


@dataclass(frozen=True, slots=True)
class Preflight:
    """How the stack runs an image: its version, that version's traits, the command, and the findings."""

    image: str
    version: OdooVersion
    traits: VersionTraits
    command: str  # the Odoo executable inside the image
    version_source: str  # where the version was read: the release.py path, or "odoo --version"
    notes: tuple[str, ...] = ()  # things the image lacks that the harness works around

    @property
    def summary(self) -> str:
        return f"{self.image}: Odoo {self.version} (read from {self.version_source}), started as {self.command}"


def _python(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    parts = text.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return None


def version_of(facts: ImageFacts) -> tuple[OdooVersion, str]:
    """The image's Odoo version and where it was read; refused when the image states none."""
    if facts.release_py is not None:
        where = facts.release_py_path or "odoo/release.py"
        return odoo_versions.from_release_py(facts.release_py, f"{facts.image}: {where}"), where
    if facts.version_output:
        return odoo_versions.from_version_output(facts.version_output), "odoo --version"
    raise HarnessError(
        f"image {facts.image}: no odoo/release.py on its Python path and `odoo --version` printed nothing; "
        "is this an Odoo image?"
    )


def preflight(facts: ImageFacts) -> Preflight:
    """The profile to run an image with, or a refusal naming what the image lacks and how to fix it."""
    name = f"image {facts.image}"
    if facts.python is None:
        raise HarnessError(f"{name}: no python3 on PATH; Odoo needs one (build the image with Odoo's Python)")
    command = next((facts.commands[c] for c in ODOO_COMMANDS if facts.commands.get(c)), None)
    if command is None:
        raise HarnessError(
            f"{name}: none of {', '.join(ODOO_COMMANDS)} is on PATH; put the Odoo executable on PATH "
            "(the official images ship /usr/bin/odoo)"
        )
    version, source = version_of(facts)
    traits = odoo_versions.traits(version)
    needed = (odoo_versions.min_python_of(facts.release_py or "") or traits.min_python)
    python = _python(facts.python)
    if python is not None and python < needed:
        raise HarnessError(
            f"{name}: Python {facts.python} is older than Odoo {version} needs ({needed[0]}.{needed[1]}); "
            "rebuild the image on a newer Python"
        )
    notes: list[str] = []
    if command != facts.commands.get("odoo"):
        notes.append(f"{name}: no `odoo` on PATH; the harness starts {command} instead")
    if not facts.redis:
        notes.append(
            f"{name}: no `redis` Python package; the session addon talks to Redis with its own built-in client"
        )
    return Preflight(facts.image, version, traits, command, source, tuple(notes))
