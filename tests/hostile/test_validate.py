"""`odoo-chaos validate` refuses every file of the hostile corpus with the same one line as the command that reads it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from tests.hostile.corpus import HERE, NO_DOCKER, ROOT, filled

FOLDERS = {"scenarios": "scenario", "tiers": "tiers", "profiles": "load-profile", "policies": "backup-policy"}


def _pinned(folder: str) -> dict[str, str]:
    """file path -> the message `run` (or `backup retention`) must give, for the corpus files read as they are."""
    files = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))["files"]
    pinned = {}
    for name, spec in files.items():
        if (
            name.split("/", 1)[0] == folder
            and "args" not in spec
            and "kind" not in spec
            and int(spec.get("exit", 2)) == 2
        ):
            path = f"tests/hostile/{name}"
            pinned[path] = filled(str(spec["message"]), path)
    return pinned


@pytest.mark.parametrize("folder", list(FOLDERS))
def test_validate_gives_each_corpus_file_its_pinned_line(folder: str) -> None:
    pinned = _pinned(folder)
    assert pinned, folder
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-m", "harness", "validate", *pinned],
        cwd=ROOT,
        env={**os.environ, "DOCKER_HOST": NO_DOCKER, "COLUMNS": "400"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and done.stderr == "", done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == f"{len(pinned)} of {len(pinned)} files invalid"
    for line, (path, message) in zip(lines, pinned.items(), strict=False):
        assert line == f"INVALID  {FOLDERS[folder]:<14} {message}", path
