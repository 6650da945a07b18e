"""Shipped files resolve through harness.files.resources: the working directory's copy first, then the package's."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from harness.edge import images
from harness.files import resources
from harness.files.tiers import load_tiers

ROOT = Path(__file__).resolve().parents[2]


def test_every_shipped_path_is_a_relative_link_to_the_repository_layout() -> None:
    data = ROOT / "harness" / "_data"
    for relative in resources.SHIPPED:
        top = relative.split("/")[0]
        link = data / top
        assert link.is_symlink(), f"harness/_data/{top} must be a symlink to ../../{top}"
        assert os.readlink(link) == f"../../{top}"
        assert resources.packaged(relative) == (ROOT / relative).resolve()
    assert sorted(p.name for p in data.iterdir()) == sorted({r.split("/")[0] for r in resources.SHIPPED})


def test_the_wheel_takes_the_data_and_mypy_skips_it() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = config["tool"]["setuptools"]
    assert "_data/**/*" in setuptools["package-data"]["harness"]
    assert "harness._data*" in setuptools["packages"]["find"]["exclude"]
    assert config["tool"]["mypy"]["exclude"] == ["^harness/_data/"]


def test_the_license_is_an_spdx_string_so_pip_install_prints_no_deprecation() -> None:
    """setuptools >= 77 warns on every build for a `{ text = ... }` table or a License classifier (PEP 639)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["project"]["license"] == "MIT"
    assert not any(c.startswith("License ::") for c in config["project"].get("classifiers", []))
    assert config["build-system"]["requires"] == ["setuptools>=77"]


def test_the_images_build_from_the_shipped_compose() -> None:
    assert (ROOT / "compose").resolve() == images.COMPOSE
    assert (images.COMPOSE / "postgres" / "Dockerfile").is_file()


def test_default_prefers_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resources.default(resources.TIERS_FILE) == (ROOT / "tiers" / "tiers.yaml").resolve()
    mine = tmp_path / "tiers" / "tiers.yaml"
    mine.parent.mkdir()
    mine.write_text(
        "tiers:\n  mine:\n    title: Mine\n    availability: {strict: 99%, loose: 98%}\n"
        "    rto: {strict: 1m, loose: 2m}\n    rpo: {strict: 0s, loose: 1m}\n"
    )
    assert resources.default(resources.TIERS_FILE) == mine
    assert list(load_tiers()) == ["mine"]


def test_a_scenario_argument_falls_back_to_the_shipped_drill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shipped = (ROOT / "scenarios" / "baseline.yaml").resolve()
    assert resources.scenario_file(Path("baseline")) == shipped
    assert resources.scenario_file(Path("scenarios/baseline.yaml")) == shipped
    assert resources.scenario_file(Path("nope.yaml")) == Path("nope.yaml")  # the loader says "no such file"
    assert resources.scenario_file(Path("x" * 300 + ".yaml")) == Path("x" * 300 + ".yaml")  # ENAMETOOLONG: as given
    own = tmp_path / "scenarios" / "baseline.yaml"
    own.parent.mkdir()
    own.write_text("name: baseline\nsummary: mine\n")
    assert resources.scenario_file(Path("baseline")) == Path("scenarios/baseline.yaml")
    assert resources.scenario_file(Path("scenarios/baseline.yaml")) == Path("scenarios/baseline.yaml")
