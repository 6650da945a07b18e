"""Finding the plugins: every module of a plugin package, and every installed plugin package's modules.

Each kind of plugin (faults, actions, probes, checkers, conditions, stack kinds) lives in a package
whose `__init__` calls `discover(__name__, "<group>")` once its registry exists. That imports every
module of the package (so a new fault is one file in `harness/faults/`, with no import list to edit)
and then every module named by an installed distribution's entry points in the group
`odoo_chaos.<group>` (so a team's own plugin package works too, once `pip install`ed):

    [project.entry-points."odoo_chaos.faults"]
    fill-disk = "acme_chaos.fill_disk"

A module registers its pieces when imported; `discover` only imports. A plugin that fails to
import is a HarnessError naming the module and the entry point, never a half-filled registry.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from importlib import metadata

from harness.core.errors import HarnessError

GROUP_PREFIX = "odoo_chaos."
SKIPPED = frozenset({"base"})  # the registry's own module, imported by the package already


def package_modules(package: str) -> list[str]:
    """The modules of `package`, by name (no sub-packages' contents), in alphabetical order."""
    path = getattr(sys.modules[package], "__path__", None)
    if path is None:
        return []
    names = sorted(info.name for info in pkgutil.iter_modules(path) if not info.name.startswith("_"))
    return [f"{package}.{name}" for name in names if name not in SKIPPED]


def entry_point_modules(group: str) -> list[tuple[str, str]]:
    """(entry point name, module) of every installed distribution's entry points in `odoo_chaos.<group>`."""
    found = metadata.entry_points(group=GROUP_PREFIX + group)
    return sorted((ep.name, ep.value.split(":", 1)[0]) for ep in found)


def discover(package: str, group: str) -> list[str]:
    """Import every module of `package`, then every entry point module of `odoo_chaos.<group>`; their names."""
    imported = []
    for module in package_modules(package):
        importlib.import_module(module)
        imported.append(module)
    for name, module in entry_point_modules(group):
        if module in sys.modules:
            continue
        try:
            importlib.import_module(module)
        except Exception as exc:
            raise HarnessError(
                f"plugin {name!r} ({GROUP_PREFIX}{group} entry point) failed to import {module}: "
                f"{type(exc).__name__}: {exc}; fix or uninstall the package that provides it"
            ) from None
        imported.append(module)
    return imported
