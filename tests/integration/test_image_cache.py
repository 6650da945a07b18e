"""`odoo-chaos images save FILE` / `images load FILE` round-trip images through one archive (a tiny image here)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.edge import engine, image_cache, labels

NAMESPACE = f"odoo-chaos-test-{labels.new_run_id()[-6:]}/"


def _tiny_image(tag: str, where: Path) -> str:
    """A one-file image made with `docker import` (no registry, no base image), as harness.edge.images makes its bases."""
    root = where / tag.replace("/", "_").replace(":", "_")
    root.mkdir()
    (root / "hello.txt").write_text(f"{tag}\n")
    tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
    assert tar.stdout is not None
    repository, version = tag.split(":")
    engine.import_image(tar.stdout, repository, version, ["LABEL odoo-chaos.test=1"])
    tar.wait()
    found = engine.image(tag)
    assert found is not None
    return found.id


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[str]]:
    monkeypatch.setattr(image_cache, "NAMESPACE", NAMESPACE)
    tags = [f"{NAMESPACE}tiny:1", f"{NAMESPACE}seed:abc"]
    for tag in tags:
        _tiny_image(tag, tmp_path)
    yield tags
    for found in engine.images_tagged(NAMESPACE):
        with engine.quietly():
            engine.client().images.remove(found.id, force=True)


@pytest.mark.parametrize("name", ["images.tar", "images.tar.gz"])
def test_save_then_load_brings_every_image_back_with_its_id(tiny: list[str], tmp_path: Path, name: str) -> None:
    ids = {tag: engine.image(tag).id for tag in tiny}  # type: ignore[union-attr]
    archive = tmp_path / name
    saved = CliRunner().invoke(app, ["images", "save", str(archive)], catch_exceptions=False)
    assert saved.exit_code == 0, saved.output
    assert f"saved 2 images to {archive}" in saved.output
    assert archive.is_file() and not (tmp_path / f"{name}.part").exists()
    assert (archive.read_bytes()[:2] == b"\x1f\x8b") is name.endswith(".gz")
    for tag in tiny:
        engine.client().images.remove(tag, force=True)
        assert engine.image(tag) is None
    loaded = CliRunner().invoke(app, ["images", "load", str(archive)], catch_exceptions=False)
    assert loaded.exit_code == 0, loaded.output
    for tag in tiny:
        assert f"loaded {tag}" in loaded.output
        assert engine.image(tag).id == ids[tag]  # type: ignore[union-attr]


def test_loading_what_is_not_an_archive_is_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar archive at all\n" * 100)
    with pytest.raises(Exception, match=r"^the Docker engine refused the archive: ") as info:
        image_cache.load(junk, lambda _: None)
    assert "\n" not in str(info.value)


def test_saving_when_no_image_matches_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(Exception, match=r"no odoo-chaos-nothing/\* images on this Docker engine; build them"):
        image_cache.save(tmp_path / "x.tar", lambda _: None, namespace="odoo-chaos-nothing/")
    assert list(tmp_path.iterdir()) == []
