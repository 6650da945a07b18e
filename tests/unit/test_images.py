from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from harness.edge import images


@pytest.fixture()
def compose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(images.COMPOSE / "redis", tmp_path / "redis")
    monkeypatch.setattr(images, "COMPOSE", tmp_path)
    return tmp_path


def test_context_hash_is_stable(compose: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Same content, same hash: a copy elsewhere with other mtimes must not trigger a rebuild; another base must."""
    before = images.context_hash(images.REDIS, "sha256:base")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    shutil.copytree(compose / "redis", elsewhere / "redis")
    for path in (elsewhere / "redis").rglob("*"):
        os.utime(path, (0, 0))
    images.COMPOSE = elsewhere  # restored by the fixture's monkeypatch
    assert images.context_hash(images.REDIS, "sha256:base") == before
    assert images.context_hash(images.REDIS, "sha256:other-base") != before


def test_context_hash_changes_with_a_file(compose: Path) -> None:
    before = images.context_hash(images.REDIS, "sha256:base")
    (compose / "redis" / "Dockerfile").write_text("FROM scratch\n")
    assert images.context_hash(images.REDIS, "sha256:base") != before


def test_context_hash_changes_with_the_base_image(compose: Path) -> None:
    assert images.context_hash(images.REDIS, "sha256:a") != images.context_hash(images.REDIS, "sha256:b")


def test_context_hash_changes_with_artifact_pins() -> None:
    other = images.ServiceImage(images.ODOO11.tag, "odoo11", images.BULLSEYE, (images.Wheel("werkzeug==0.16.0"),))
    assert images.context_hash(other, "b") != images.context_hash(images.ODOO11, "b")


def test_every_image_has_a_compose_folder_with_a_dockerfile() -> None:
    for spec in (*images.ALL_IMAGES, *images.HA_IMAGES):
        assert (images.COMPOSE / spec.context / "Dockerfile").is_file(), spec


def test_every_wheel_is_pinned_by_hash() -> None:
    for spec in (*images.ALL_IMAGES, *images.HA_IMAGES):  # every image set, the HA mode's too
        for wheel in spec.artifacts:
            assert wheel.sha256 and all(len(h) == 64 for h in wheel.sha256), wheel


def test_a_cached_wheel_with_another_hash_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    wheels = tmp_path / "odoo-chaos" / "wheels"
    wheels.mkdir(parents=True)
    planted = wheels / "werkzeug-0.16.1-py2.py3-none-any.whl"
    planted.write_bytes(b"not the real wheel")
    (werkzeug,) = [w for w in images.ODOO11.artifacts if w.requirement.startswith("werkzeug")]
    with pytest.raises(images.ImageBuildFailed) as error:
        images.fetch_wheel(werkzeug, lambda _: None)
    message = str(error.value)
    assert "\n" not in message and f"rm {planted}" in message and "not the pinned 1e0dedc2" in message


def test_a_cached_wheel_with_its_pinned_hash_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    wheels = tmp_path / "odoo-chaos" / "wheels"
    wheels.mkdir(parents=True)
    content = b"a wheel"
    wheel = images.Wheel("demo==1.0", sha256=(hashlib.sha256(content).hexdigest(),))
    (wheels / "demo-1.0-py3-none-any.whl").write_bytes(content)
    assert images.fetch_wheel(wheel, lambda _: None).name == "demo-1.0-py3-none-any.whl"


def test_the_default_set_is_built_unless_asked_for_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(images.IMAGE_SETS_ENV, raising=False)
    assert images.images_in() == images.ALL_IMAGES
    monkeypatch.setenv(images.IMAGE_SETS_ENV, "default,ha")
    assert images.images_in() == (*images.ALL_IMAGES, *images.HA_IMAGES)
    assert images.images_in("ha") == images.HA_IMAGES


def test_an_unknown_image_set_names_the_valid_ones() -> None:
    with pytest.raises(images.ImageBuildFailed, match=r"unknown image set .patroni.*sets are default, ha"):
        images.images_in("default,patroni")


def test_patroni_is_built_from_the_postgres_image_on_the_bookworm_base() -> None:
    assert images.PATRONI.base is images.POSTGRES
    assert images.PATRONI.root is images.BOOKWORM
    assert {spec.root for spec in images.HA_IMAGES} == {images.BOOKWORM}


def test_the_bases_chains_build_side_by_side_each_in_its_own_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Odoo's image (bullseye) must not wait for PostgreSQL, Redis and Traefik (bookworm): issue 20's demo time."""
    import threading
    import time as clock

    from harness.edge import images as images_module

    built: list[tuple[str, float, float]] = []
    lock = threading.Lock()

    def base(spec: object, progress: object) -> str:
        return "base"

    def image(spec: images_module.ServiceImage, progress: object, force: bool = False) -> str:
        began = clock.monotonic()
        clock.sleep(0.2)
        with lock:
            built.append((spec.tag, began, clock.monotonic()))
        return f"id-{spec.tag}"

    monkeypatch.setattr(images_module, "ensure_base", base)
    monkeypatch.setattr(images_module, "ensure_image", image)
    wanted = images_module.images_in("default,ha")
    result = images_module.build_all(lambda _: None, sets="default,ha")
    assert list(result) == [spec.tag for spec in wanted] and result[images_module.ODOO11.tag] == f"id-{images_module.ODOO11.tag}"
    when = {tag: (began, ended) for tag, began, ended in built}
    postgres, odoo = when[images_module.POSTGRES.tag], when[images_module.ODOO11.tag]
    assert odoo[0] < postgres[1] and postgres[0] < odoo[1]  # the two chains overlapped
    chain = [tag for tag, _, _ in sorted(built, key=lambda b: b[1]) if tag != images_module.ODOO11.tag]
    assert chain.index(images_module.POSTGRES.tag) < chain.index(images_module.PATRONI.tag)  # FROM postgres
