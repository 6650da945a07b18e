"""Commands on the user's own files: init (a copy of the shipped ones to edit), validate (any of them, no Docker)."""

from __future__ import annotations

import filecmp
import os
from pathlib import Path
from typing import Annotated

import typer

from harness.cli import filekinds
from harness.cli.app import app, out
from harness.core.errors import HarnessError
from harness.files import resources


@app.command(rich_help_panel="Your files")
def init(
    directory: Annotated[Path, typer.Argument(help="Your repository (created if missing), e.g. `.`.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that differ from the shipped ones.")] = False,
) -> None:
    """Copy the shipped scenarios, tiers, load profiles, backup policy and DR programme into DIRECTORY to edit.

    Every command run from DIRECTORY then uses these copies by default (scenarios/, tiers/tiers.yaml,
    load-profiles/, backup-policy.yaml, dr-programme.yaml in the working directory win over the
    shipped ones). A file that exists and differs is left alone unless --force. The stack's images
    and addons (compose/) stay the harness's own.
    """
    from harness.files.outputs import write_atomic

    pairs = [(source, directory / inside) for shipped in resources.EDITABLE for source, inside in _files(shipped)]
    root = Path(os.path.realpath(directory))
    for _, target in pairs:
        _inside(target, directory, root)
    conflicts = [target for source, target in pairs if _exists(target) and not _same(source, target)]
    if conflicts and not force:
        which = f"{conflicts[0]} and {len(conflicts) - 1} more files exist and differ"
        if len(conflicts) == 1:
            which = f"{conflicts[0]} exists and differs"
        raise HarnessError(f"{which} from the shipped copies; --force overwrites them")
    written = 0
    for source, target in pairs:
        if _exists(target) and _same(source, target):
            out.print(f"kept {target} (same as the shipped copy)", markup=False)
            continue
        note = ""
        if target.is_symlink():
            note = f" (was a symlink to {os.readlink(target)}; replaced by the file, its target left alone)"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, source.read_bytes())  # a rename: replaces a symlink itself, never writes through it
        except OSError as exc:
            raise HarnessError(f"cannot write {target} ({exc.strerror or exc})") from None
        out.print(f"wrote {target}{note}", markup=False)
        written += 1
    out.print(
        f"{written} files written, {len(pairs) - written} already up to date in {directory}; "
        f"check your edits with `odoo-chaos validate` from there",
        markup=False,
    )


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _inside(target: Path, directory: Path, root: Path) -> None:
    """`init` writes only inside DIRECTORY: a folder on the way that is a symlink leaving it is refused."""
    parent = Path(os.path.realpath(target.parent))
    if parent != root and root not in parent.parents:
        raise HarnessError(
            f"{target.parent} leads outside {directory} (to {parent}); init writes only inside {directory}: "
            "remove that symlink or choose another directory"
        )


def _files(relative: str) -> list[tuple[Path, Path]]:
    """(shipped file, its path relative to a repository) for a shipped file or every file of a shipped folder."""
    source = resources.packaged(relative)
    if source.is_file():
        return [(source, Path(relative))]
    return [
        (path, Path(relative) / path.relative_to(source))
        for path in sorted(source.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    ]


def _same(source: Path, target: Path) -> bool:
    try:
        return target.is_file() and not target.is_symlink() and filecmp.cmp(source, target, shallow=False)
    except OSError:
        return False


def default_files() -> list[Path]:
    """The files every command reads by default: the working directory's, else the shipped ones."""
    files: list[Path] = []
    for relative in (resources.SCENARIOS, resources.TIERS_FILE, resources.LOAD_PROFILES):
        found = resources.default(relative)
        files += sorted(found.glob("*.yaml")) if found.is_dir() else [found]
    files += [resources.default(resources.BACKUP_POLICY), resources.default(resources.PROGRAMME)]
    return [_shown(path) for path in files]


def _shown(path: Path) -> Path:
    """Relative to the working directory when below it (as a user would type it), else absolute."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


@app.command(rich_help_panel="Your files")
def validate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Scenario, tiers, load profile, backup policy or DR programme files, or folders of them "
            "(default: every file the commands use by default)."
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(help=f"Validate every file as this kind ({', '.join(filekinds.KINDS)}) instead of telling it."),
    ] = None,
    tiers_file: Annotated[
        Path | None,
        typer.Option(help="Tiers the scenarios and the programme name (default: tiers/tiers.yaml here, else shipped)."),
    ] = None,
    scenarios_dir: Annotated[
        Path | None,
        typer.Option(help="Scenarios a programme names (default: scenarios/ beside the programme file, else here)."),
    ] = None,
) -> None:
    """Validate files without Docker, each with its command's own loader: one line per file, exit 1 if any is invalid.

    The kind comes from the file's name (tiers.yaml, backup-policy.yaml, dr-programme.yaml), its
    folder (scenarios/, tiers/, load-profiles/) or its keys. A scenario's tier must be in the tiers file.
    """
    if kind is not None and kind not in filekinds.KINDS:
        raise HarnessError(f"--kind: {kind[:40]!r} is not a kind of file; kinds are {', '.join(filekinds.KINDS)}")
    paths = _expand(files) if files else default_files()
    if not paths:
        raise HarnessError("no files to validate (give files, or folders holding *.yaml files)")
    invalid = 0
    for path in paths:
        beside = path.parent / resources.SCENARIOS
        programme_scenarios = scenarios_dir or (beside if beside.is_dir() else None)
        checked = filekinds.check_file(path, kind, tiers_file=tiers_file, scenarios_dir=programme_scenarios)
        shown_kind = checked.kind or "?"
        if checked.ok:
            out.print(f"ok       {shown_kind:<14} {path}  ({checked.detail})", markup=False)
        else:
            invalid += 1
            out.print(f"INVALID  {shown_kind:<14} {checked.problem}", markup=False)
    if invalid:
        out.print(f"{invalid} of {len(paths)} files invalid", markup=False)
        raise typer.Exit(1)


def _expand(given: list[Path]) -> list[Path]:
    """Files as given; a folder stands for its *.yaml files."""
    paths: list[Path] = []
    for path in given:
        paths += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    return paths
