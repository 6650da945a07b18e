"""The database snapshot: Odoo initialised once per (Odoo image, PostgreSQL image, addons), reused.

`odoo -i` takes ~20 s on 2 cores, too slow for every `up`. The first time a combination is seen,
a throwaway PostgreSQL (role `seed`, data dir inside the container) is initialised by the Odoo
image itself, shut down cleanly, and its data directory is baked into an image
`odoo-chaos/pg-seed:<key>` built FROM the PostgreSQL image. A primary started from that image
copies the snapshot into its empty data volume (~1 s). Each run then sets its own passwords.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from harness.core.clock import poll_until
from harness.core.errors import ImageBuildFailed, StackNotReady
from harness.core.progress import Progress
from harness.edge import cleanup, engine, labels, watchdog
from harness.edge.credentials import Credentials
from harness.edge.images import COMPOSE, image_id
from harness.files import odoo_files
from harness.stack import topology

SEED_RECIPE = "2"  # bump when the way seeds are made changes
SEED_REPOSITORY = "odoo-chaos/pg-seed"


def addons_hash() -> str:
    digest = hashlib.sha256()
    folder = COMPOSE / "addons"
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class TeamPieces:
    """A team's own pieces the database is initialised with: addons folders, modules, odoo.conf."""

    addons: tuple[str, ...] = ()  # host folders, mounted read-only
    install: tuple[str, ...] = ()  # installed after the harness's modules
    config_text: str | None = None  # the team's odoo.conf without the harness's keys

    def fingerprint(self) -> str:
        if not (self.addons or self.install or self.config_text):
            return ""
        return odoo_files.fingerprint(self.addons, self.install, self.config_text)


def seed_key(odoo_image_id: str, postgres_image_id: str, team: TeamPieces | None = None) -> str:
    parts = f"{SEED_RECIPE}|{odoo_image_id}|{postgres_image_id}|{addons_hash()}"
    extra = team.fingerprint() if team else ""
    if extra:  # the reference stack's key stays what it was: its snapshots are reused
        parts += f"|{extra}"
    return hashlib.sha256(parts.encode()).hexdigest()[:16]


def seed_tag(key: str) -> str:
    return f"{SEED_REPOSITORY}:{key}"


def ensure_seed(
    odoo_image: str,
    postgres_image: str,
    progress: Progress,
    profile: topology.OdooProfile | None = None,
    team: TeamPieces | None = None,
) -> str:
    """Return the tag of the snapshot image for this Odoo image, building it the first time.

    `profile`: how the image runs (its executable, from its pre-flight); `team`: the team's addons,
    modules and odoo.conf the database is initialised with (each combination has its own snapshot).
    """
    team = team or TeamPieces()
    profile = profile or topology.OdooProfile(odoo_image)
    key = seed_key(image_id(odoo_image), image_id(postgres_image), team)
    tag = seed_tag(key)
    if engine.image(tag) is not None:
        return tag
    progress(f"initialising the Odoo database for {odoo_image} (once per image, ~30 s)")
    started = time.monotonic()
    run_id = f"seed-{key[:8]}-{labels.new_run_id()[-6:]}"
    watchdog.claim(run_id)
    try:
        data = _initialise(run_id, odoo_image, postgres_image, progress, profile, team)
        _bake(tag, key, postgres_image, odoo_image, data)
    finally:
        cleanup.remove_run(run_id)
        watchdog.release(run_id)
    progress(f"database snapshot {tag} ready in {time.monotonic() - started:.0f}s")
    return tag


def _initialise(
    run_id: str,
    odoo_image: str,
    postgres_image: str,
    progress: Progress,
    profile: topology.OdooProfile,
    team: TeamPieces,
) -> bytes:
    run_labels = labels.run_labels(run_id)
    network = engine.create_network(labels.object_name(run_id, "seed"), internal=True, labels=run_labels)
    creds = Credentials()
    pg = engine.create_container(
        engine.ContainerSpec(
            image=postgres_image,
            name=labels.object_name(run_id, "pg-seed"),
            labels=labels.service_labels(run_id, "pg-seed"),
            networks=((network, ("pg-seed",), None),),
            environment={"PG_ROLE": "seed", **creds.postgres_env()},
        )
    )
    poll_until(
        lambda: pg.exec(["pg_isready", "-q"]).exit_code == 0,
        timeout=60,
        what="seed PostgreSQL",
        on_timeout=StackNotReady,
    )
    steps = (*topology.SEED_MODULES, *([",".join(team.install)] if team.install else []))
    files = {topology.TEAM_CONFIG: (team.config_text.encode(), 0o644)} if team.config_text else {}
    for step, modules in enumerate(steps, start=1):
        progress(f"odoo -i {modules} ({step}/{len(steps)})")
        odoo = engine.create_container(
            engine.ContainerSpec(
                image=odoo_image,
                name=labels.object_name(run_id, f"odoo-seed-{step}"),
                labels=labels.service_labels(run_id, "odoo-seed"),
                networks=((network, (), None),),
                environment={"PGPASSWORD": creds.odoo_db_password},
                command=tuple(topology.odoo_seed_args(modules, "pg-seed", profile)),
                entrypoint=(profile.command,),
                volumes={str(COMPOSE / "addons"): (topology.ADDONS_MOUNT, "ro"), **topology.team_volumes(team.addons)},
                files=files,
            )
        )
        code = odoo.wait(timeout=600)
        if code != 0:
            tail = odoo.last_lines(5)
            raise StackNotReady(
                f"initialising the database with {odoo_image} failed (odoo -i {modules} exited "
                f"{code}): {tail[-1] if tail else 'no output'}"
            )
    pg.stop(timeout=60)  # clean shutdown: the snapshot needs no crash recovery
    return pg.get_archive("/seed")


def _bake(tag: str, key: str, postgres_image: str, odoo_image: str, seed_tar: bytes) -> None:
    dockerfile = (
        f"FROM {postgres_image}\n"
        "COPY --chown=postgres:postgres seed/ /seed/\n"
        f'LABEL {labels.SEED_KEY}="{key}" odoo-chaos.seed-of="{odoo_image}"\n'
    )
    with tempfile.TemporaryDirectory(prefix="odoo-chaos-seed-") as staged:
        root = Path(staged)
        (root / "Dockerfile").write_text(dockerfile)
        with tarfile.open(fileobj=io.BytesIO(seed_tar)) as archive:
            archive.extractall(root, filter="tar")  # yields root/seed/...
        try:
            engine.build_image(staged, tag)
        except ImageBuildFailed as exc:
            raise StackNotReady(f"baking the database snapshot {tag} from {postgres_image}: {exc}") from None


PATRONI_SEED_REPOSITORY = "odoo-chaos/patroni-seed"


def ensure_seed_on(image: str, seed: str, progress: Progress, repository: str = PATRONI_SEED_REPOSITORY) -> str:
    """The snapshot of a seed image (`ensure_seed`'s tag) copied into another image, built once.

    The HA mode's first Patroni node bootstraps from /seed (compose/patroni/seed-bootstrap.sh), so it
    runs `odoo-chaos/patroni-seed:<key>`: the Patroni image plus the seed's /seed layer (`COPY --from`
    the seed image: no second `odoo -i`, a few seconds). The key covers both image ids.
    """
    key = hashlib.sha256(f"{SEED_RECIPE}|{image_id(image)}|{image_id(seed)}".encode()).hexdigest()[:16]
    tag = f"{repository}:{key}"
    if engine.image(tag) is not None:
        return tag
    progress(f"copying the database snapshot {seed} into {tag}")
    dockerfile = (
        f"FROM {image}\n"
        f"COPY --from={seed} --chown=postgres:postgres /seed/ /seed/\n"
        f'LABEL {labels.SEED_KEY}="{key}" odoo-chaos.seed-from="{seed}"\n'
    )
    with tempfile.TemporaryDirectory(prefix="odoo-chaos-seed-on-") as staged:
        (Path(staged) / "Dockerfile").write_text(dockerfile)
        engine.build_image(staged, tag)
    return tag
