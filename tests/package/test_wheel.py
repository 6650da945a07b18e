"""The wheel as a CI user installs it: built, installed into a fresh virtualenv, run from an empty directory.

Nothing of the checkout may leak in: the commands run with no PYTHONPATH, from a directory holding
no file, so every scenario, tier, profile, policy, programme and image build context they find is
the package's own (`harness/_data`, `harness.files.resources`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml"))
NOT_SOURCE = (".git", ".venv", "build", "dist", "reports", "*.egg-info", "__pycache__", ".*_cache")

pytestmark = pytest.mark.wheel


@dataclass(frozen=True)
class Installed:
    venv: Path
    empty: Path

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env["COLUMNS"] = "250"
        return subprocess.run(
            [str(self.venv / "bin" / "odoo-chaos"), *args],
            cwd=self.empty,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _step(args: list[str], cwd: Path, timeout: float) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{' '.join(args)}: {done.stdout[-2000:]}{done.stderr[-2000:]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("wheel")
    started = time.monotonic()
    source = base / "source"  # a clean copy: an in-tree build would leave build/ and stale files in the checkout
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    wheel_dir = str(base / "dist")
    _step([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheel_dir, str(source)], base, 300)
    (wheel,) = (base / "dist").glob("odoo_chaos-*.whl")
    built = time.monotonic()
    _step([sys.executable, "-m", "venv", str(base / "venv")], base, 120)
    _step([str(base / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], base, 600)
    print(f"wheel built in {built - started:.0f}s, installed with its dependencies in {time.monotonic() - built:.0f}s")
    empty = base / "empty"
    empty.mkdir()
    yield Installed(base / "venv", empty)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Installed) -> None:
    python = installed.venv / "bin" / "python"
    done = subprocess.run(
        [str(python), "-c", "import harness, harness.files.resources as r; print(harness.__file__); print(r.data_root())"],
        cwd=installed.empty,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        check=True,
    )
    module, data = done.stdout.splitlines()
    assert module.startswith(str(installed.venv)) and data.startswith(str(installed.venv))
    shipped = Path(data)
    assert not (shipped / "scenarios").is_symlink()  # real copies in the wheel
    for relative in (
        "tiers/tiers.yaml",
        "compose/postgres/entrypoint.sh",
        "compose/addons/chaos_ledger/__manifest__.py",
    ):
        assert (shipped / relative).is_file(), relative
    assert os.access(shipped / "compose" / "postgres" / "entrypoint.sh", os.X_OK)  # the images' entrypoints keep +x


def test_version_list_and_validate_from_an_empty_directory(installed: Installed) -> None:
    from harness import __version__

    version = installed.run("--version")
    assert version.returncode == 0 and version.stdout == f"odoo-chaos {__version__}\n"
    listed = installed.run("list")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "INVALID" not in listed.stdout
    for name in SCENARIOS:
        assert f"/harness/_data/scenarios/{name}  " in listed.stdout, name
    assert "tier-1 " in listed.stdout
    checked = installed.run("validate")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    profiles = len(list((ROOT / "load-profiles").glob("*.yaml")))
    assert len(checked.stdout.splitlines()) == len(SCENARIOS) + profiles + 3  # + tiers, policy, programme
    assert all(line.startswith("ok ") for line in checked.stdout.splitlines())
    assert list(installed.empty.iterdir()) == []  # nothing written where it ran


def test_init_then_the_users_copies_win(installed: Installed) -> None:
    mine = installed.empty.parent / "mine"
    assert installed.run("init", str(mine)).returncode == 0
    assert (mine / "scenarios" / "baseline.yaml").read_bytes() == (ROOT / "scenarios" / "baseline.yaml").read_bytes()
    assert sorted(p.name for p in (mine / "scenarios").glob("*.yaml")) == SCENARIOS


@pytest.mark.docker
def test_the_shortest_drill_runs_from_the_wheel(installed: Installed) -> None:
    """baseline, shortened: the stack's images (already built by `make test`) match the wheel's compose/.

    What is tested is the package, not the stack's health (tests/integration/test_run_cli.py asserts
    that baseline passes): the drill must run to the end and be judged, with no check left unknown.
    """
    out = installed.empty.parent / "reports"
    junit = installed.empty.parent / "junit.xml"
    done = installed.run("run", "baseline", "--duration", "15s", "--out", str(out), "--junit", str(junit), timeout=600)
    assert done.returncode in (0, 1), done.stdout + done.stderr  # not 2 (refused) nor 3 (inconclusive)
    assert "baseline: verdict" in done.stdout
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    report = json.loads((run_dir / "report.json").read_text())
    assert report["aborted_reason"] is None and report["lost_writes"] == 0
    assert [c["checker"] for c in report["checks"] if c["status"] == "unknown"] == []
    assert (run_dir / "report.html").is_file() and junit.is_file()
    checked = installed.run("check", str(run_dir))
    assert checked.returncode == 0, checked.stdout + checked.stderr
