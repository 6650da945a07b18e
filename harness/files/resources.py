"""Where the harness finds the files it ships: the user's working directory first, then the package.

The repository keeps its top-level layout (the design card's): `scenarios/`, `tiers/tiers.yaml`,
`load-profiles/`, `backup-policy.yaml`, `dr-programme.yaml` and `compose/` (the images' build
contexts, the Odoo addons and the releases) sit beside `harness/`, not inside it. The package
reaches them through `harness/_data/`, a directory of relative symbolic links committed in git
(`harness/_data/scenarios -> ../../scenarios`, ...). In a checkout, and in an editable install,
the links lead to the repository's own files; building the wheel follows them
(`[tool.setuptools.package-data]` `"harness" = ["_data/**/*"]`), so the wheel holds real copies
under `harness/_data/`. Either way `importlib.resources.files("harness") / "_data"` is the one
place every shipped file is read from: there is no second code path for "installed" and "from git".

`packaged(relative)` is the shipped copy of a file or directory named by its repository path.
`default(relative)` is what a command uses when it is given no path: the user's own copy in the
working directory when it exists (what `odoo-chaos init DIR` writes, or the repository itself),
else the shipped one. The stack's images and addons (`compose/`) are always the shipped ones: a
folder that happens to be called `compose/` in the working directory is not the harness's build
context.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from harness.core.errors import HarnessError

SCENARIOS = "scenarios"
TIERS_FILE = "tiers/tiers.yaml"
LOAD_PROFILES = "load-profiles"
BACKUP_POLICY = "backup-policy.yaml"
PROGRAMME = "dr-programme.yaml"
COMPOSE = "compose"

# What `odoo-chaos init DIR` copies into a user's repository for editing (compose/ is the harness's own).
EDITABLE: tuple[str, ...] = (SCENARIOS, "tiers", LOAD_PROFILES, BACKUP_POLICY, PROGRAMME)
SHIPPED: tuple[str, ...] = (*EDITABLE, COMPOSE)


def data_root() -> Path:
    """The package's data directory as a real path (the images' build contexts are bind-mounted from it)."""
    root = resources.files("harness").joinpath("_data")
    if not isinstance(root, Path) or not root.is_dir():
        raise HarnessError(
            f"the package's data directory ({root}) is missing or not on the file system; "
            "install odoo-chaos from its wheel with pip (not as a zip), or run it from a git checkout"
        )
    return root


def packaged(relative: str) -> Path:
    """The shipped copy of `relative` (a path in the repository's layout, e.g. `tiers/tiers.yaml`)."""
    return (data_root() / relative).resolve()


def default(relative: str, cwd: Path | None = None) -> Path:
    """The user's copy of `relative` in the working directory when it exists, else the shipped one (absolute)."""
    local = (cwd or Path.cwd()) / relative
    if local.exists():
        return local.absolute()
    return packaged(relative)


def scenario_file(given: Path) -> Path:
    """A scenario argument as a file: the path itself when it exists, else a shipped scenario it names.

    `baseline` and `scenarios/baseline.yaml` both find the shipped `scenarios/baseline.yaml` when the
    working directory has no such file, so a drill runs from an installed wheel in an empty directory.
    Anything else is returned as given, for the loader to refuse in its own words.
    """
    if given.is_absolute() or _exists(given):
        return given
    candidates = [Path(SCENARIOS) / f"{given}.yaml"] if given.parent == Path(".") and not given.suffix else []
    candidates.append(given)
    for candidate in candidates:
        if _exists(Path.cwd() / candidate):
            return candidate
        shipped = data_root() / candidate
        if candidate.parts[:1] == (SCENARIOS,) and _exists(shipped):
            return shipped.resolve()
    return given


def _exists(path: Path) -> bool:
    """Whether `path` exists; False for a name the OS refuses (too long, a NUL): the loader says why."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False
