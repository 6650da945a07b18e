"""The images as one file, for CI caches: `odoo-chaos images save FILE` and `images load FILE`.

A CI runner that starts from an empty Docker engine rebuilds everything (two debootstraps, the
services, the database snapshot: minutes). Saving the images to a file the CI's cache keeps, and
loading it before `images build`, makes that build a no-op: image ids survive `docker save` /
`docker load`, and every image carries the hash of what went into it (`harness.edge.images`).

Saved: every local image tagged `odoo-chaos/*`: the Debian bases, the services, the HA mode's
images when built, and the database snapshots (`odoo-chaos/pg-seed:*`, `odoo-chaos/patroni-seed:*`).
One archive, layers shared between images written once. A FILE ending in `.gz` or `.tgz` is
gzip-compressed (fast level); `load` recognises gzip by its first bytes. The archive is written
to `FILE.part` and renamed when complete, so an interrupted save never leaves a truncated FILE.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from harness.core.errors import HarnessError
from harness.core.progress import Progress
from harness.edge import engine

NAMESPACE = "odoo-chaos/"
CHUNK = 1 << 20
PROGRESS_EVERY = 5.0  # seconds between progress lines
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class Saved:
    path: Path
    tags: tuple[str, ...]
    bytes_written: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Loaded:
    path: Path
    tags: tuple[str, ...]
    bytes_read: int
    seconds: float


def compressed(path: Path) -> bool:
    return path.name.endswith((".gz", ".tgz"))


def _throttled(progress: Progress, describe: Callable[[int], str]) -> Callable[[int], None]:
    """A byte counter that reports at most every PROGRESS_EVERY seconds."""
    last = time.monotonic()

    def report(count: int) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_EVERY:
            last = time.monotonic()
            progress(describe(count))

    return report


def _mb(count: int) -> str:
    return f"{count / 1e6:,.0f} MB"


def save(path: Path, progress: Progress, namespace: str | None = None) -> Saved:
    """Write every `namespace` (default NAMESPACE) image into `path` (see the module doc); HarnessError if none."""
    namespace = namespace or NAMESPACE
    images = engine.images_tagged(namespace)
    if not images:
        raise HarnessError(
            f"no {namespace}* images on this Docker engine; build them first (`odoo-chaos images build`)"
        )
    tags = tuple(tag for image in images for tag in image.tags)
    for image in images:
        progress(f"saving {', '.join(image.tags)} ({_mb(engine.image_size(image.tags[0]))})")
    if path.is_dir():
        raise HarnessError(f"{path} is a directory; give a file name such as {path / 'odoo-chaos-images.tar'}")
    partial = path.with_name(path.name + ".part")
    started = time.monotonic()
    try:
        with _sink(partial, compressed(path)) as sink:
            written = engine.save_images(tags, sink, _throttled(progress, lambda n: f"saving: {_mb(n)} written"))
        os.replace(partial, path)
    except OSError as exc:
        raise HarnessError(f"cannot write {path} ({exc.strerror or exc})") from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return Saved(path, tags, written, time.monotonic() - started)


@contextlib.contextmanager
def _sink(path: Path, gzipped: bool) -> Iterator[IO[bytes]]:
    with path.open("wb") as raw:
        if gzipped:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0) as packed:
                yield packed  # type: ignore[misc]  # a GzipFile is a binary file; typeshed does not say IO[bytes]
        else:
            yield raw


def load(path: Path, progress: Progress) -> Loaded:
    """Load an archive written by `save` (or `docker save`, gzipped or not) into the engine."""
    try:
        size = path.stat().st_size
        handle = path.open("rb")
    except OSError as exc:
        raise HarnessError(f"cannot read {path} ({exc.strerror or exc})") from None
    if not path.is_file():
        handle.close()
        raise HarnessError(f"{path} is not a file")
    started = time.monotonic()
    with handle:
        gzipped = handle.read(2) == GZIP_MAGIC
        handle.seek(0)
        report = _throttled(progress, lambda n: f"loading: {_mb(n)} of {_mb(size)} read ({n * 100 // max(size, 1)} %)")
        tags = engine.load_images(_chunks(handle, gzipped, report))
    if not tags:
        raise HarnessError(f"{path}: the Docker engine loaded no image from it")
    return Loaded(path, tuple(tags), size, time.monotonic() - started)


def _chunks(handle: IO[bytes], gzipped: bool, report: Callable[[int], None]) -> Iterator[bytes]:
    """The archive's bytes (decompressed), reporting how much of the file was read."""
    stream: IO[bytes] = gzip.GzipFile(fileobj=handle, mode="rb") if gzipped else handle  # type: ignore[assignment]
    try:
        while chunk := stream.read(CHUNK):
            report(handle.tell())
            yield chunk
    except (OSError, EOFError) as exc:
        raise HarnessError(f"cannot read the archive ({exc}); is it a complete `images save` file?") from None
