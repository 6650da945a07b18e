"""`odoo-chaos images save FILE` and `images load FILE`: the images as one file for CI caches."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.cli.app import command_progress, interruptible, out
from harness.cli.stack import images_app
from harness.edge import image_cache


@images_app.command("save")
def images_save(
    file: Annotated[Path, typer.Argument(help="The archive to write, e.g. odoo-chaos-images.tar (.tar.gz: gzip).")],
) -> None:
    """Save every odoo-chaos/* image (the bases, the services, the database snapshots) into one archive.

    For a CI cache: restore the file and run `odoo-chaos images load FILE` before `images build`,
    which then has nothing to do. Written to FILE.part and renamed when complete.
    """
    with interruptible():
        saved = image_cache.save(file, command_progress())
    out.print(
        f"saved {len(saved.tags)} images to {saved.path} ({saved.bytes_written / 1e6:,.0f} MB "
        f"before compression, {saved.seconds:.0f}s)",
        markup=False,
    )


@images_app.command("load")
def images_load(
    file: Annotated[Path, typer.Argument(help="An archive written by `odoo-chaos images save` (gzipped or not).")],
) -> None:
    """Load the images saved by `odoo-chaos images save` into the local Docker engine."""
    with interruptible():
        loaded = image_cache.load(file, command_progress())
    for tag in loaded.tags:
        out.print(f"loaded {tag}", markup=False)
    out.print(f"loaded {len(loaded.tags)} images from {loaded.path} in {loaded.seconds:.0f}s", markup=False)
