"""A copy of the harness and its tests to change and test apart from the checkout (recipes, mutations)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COPIED = [
    "harness",
    "tests",
    "README.md",
    "docs",
    "scenarios",
    "examples",
    "tiers",
    "load-profiles",
    "compose",
    "pyproject.toml",
    "backup-policy.yaml",
]
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache", ".ruff_cache")


def copy_tree(into: Path) -> None:
    """The harness as it ships (without the recipes' folder) and its tests, copied into `into`."""
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=IGNORED)
        elif source.exists():
            shutil.copy2(source, into / name)
    shutil.rmtree(into / "tests" / "unit" / "recipes")


def env_for(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}


def imports_its_own_harness(tree: Path) -> bool:
    """The copy imports its own `harness` package, not the checkout's (an editable install must not win)."""
    where = subprocess.run(
        [sys.executable, "-c", "import harness; print(harness.__file__)"],
        cwd=tree,
        env=env_for(tree),
        capture_output=True,
        text=True,
        check=False,
    )
    return where.stdout.strip() == str(tree / "harness" / "__init__.py")


def pytest_in(tree: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run pytest in the copy (no cache written), its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=tree,
        env=env_for(tree),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
