"""The hostile corpus: every case, the command that validates it without Docker, and a runner.

`expected.yaml` pins, per file of this directory (and per generated case and argument case), the one
line `odoo-chaos` must print on stderr (after `odoo-chaos: error: `) and its exit code. A case runs
through the real entry point, `harness.cli.main`, in this process (fast: the whole corpus in a few
seconds); `python -X dev -m tests.hostile.corpus` runs them all in one process with Python's
development mode on (warnings shown) and prints the results as JSON, which `test_corpus.py` reads.

Docker is pointed at a socket that does not exist while the corpus runs: a case that validation
wrongly lets through fails on its message instead of starting a stack.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NO_DOCKER = "unix:///nonexistent/odoo-chaos-hostile-corpus.sock"
PREFIX = "odoo-chaos: error: "


@dataclass(frozen=True)
class Case:
    name: str  # the file's path under tests/hostile, or the generated/argument case's name
    args: tuple[str, ...]
    message: str  # the expected stderr line after PREFIX, with {file} already filled in
    exit_code: int = 2


def _manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))
    return data


def _generate(name: str, where: Path) -> Path:
    """Build a case that cannot live in git: too big, or not a regular file."""
    path = where / name
    if name == "scenario-2mib.yaml":
        path.write_bytes(b"name: x\nsummary: big\n" + b"# padding\n" * (2 * 1024 * 1024 // 10))
    elif name == "scenario-fifo.yaml":
        os.mkfifo(path)
    elif name == "scenario-directory.yaml":
        path.mkdir()
    elif name == "scenario-missing.yaml":
        pass
    elif name == "scenario-symlink-to-fifo.yaml":
        os.mkfifo(where / "real-fifo")
        path.symlink_to(where / "real-fifo")
    elif name == "tiers-2mib.yaml":
        path.write_bytes(b"tiers:\n" + b"# padding\n" * (2 * 1024 * 1024 // 10))
    elif name == "profile-fifo.yaml":
        os.mkfifo(path)
    elif name == "policy-directory.yaml":
        path.mkdir()
    elif name == "target-fifo.yaml":
        os.mkfifo(path)
    elif name == "target-directory.yaml":
        path.mkdir()
    else:
        raise KeyError(name)
    return path


def cases(scratch: Path) -> list[Case]:
    """Every case of the manifest; generated ones are built under `scratch`."""
    manifest = _manifest()
    commands: dict[str, list[str]] = manifest["commands"]
    found: list[Case] = []
    for name, spec in manifest["files"].items():
        kind = name.split("/", 1)[0]
        path = f"tests/hostile/{name}"
        found.append(_case(name, commands[spec.get("kind", kind)], path, spec))
    for name, spec in manifest["generated"].items():
        path = str(_generate(name, scratch))
        found.append(_case(name, commands[spec["kind"]], path, spec))
    for name, spec in manifest["arguments"].items():
        found.append(_case(name, spec["args"], "", spec))
    return found


@functools.cache
def registry_names() -> dict[str, str]:
    """What a message lists as the valid names, built from the registries (a new plugin edits no pin)."""
    from harness.conditions import CONDITIONS
    from harness.faults import FAULTS
    from harness.probes import PROBES
    from harness.stack.kinds import all_targets

    return {
        "{faults}": ", ".join(sorted(FAULTS)),
        "{probes}": ", ".join(sorted(PROBES)),
        "{conditions}": ", ".join(sorted(CONDITIONS)),
        "{targets}": ", ".join(all_targets()),
    }


def filled(text: str, path: str) -> str:
    """A pinned message with {file} and the registries' placeholders filled in."""
    text = text.replace("{file}", path)
    for placeholder, names in registry_names().items():
        text = text.replace(placeholder, names)
    return text


def _case(name: str, command: list[str], path: str, spec: dict[str, Any]) -> Case:
    args = tuple(str(arg).replace("{file}", path) for arg in spec.get("args", command))
    return Case(name, args, filled(str(spec["message"]), path), int(spec.get("exit", 2)))


def run_case(case: Case) -> dict[str, Any]:
    """Run `odoo-chaos *case.args` through harness.cli.main in this process; exit code, stdout, stderr, seconds."""
    from harness import cli

    stdout, stderr = io.StringIO(), io.StringIO()
    argv = sys.argv
    started = time.monotonic()
    code: object = 0
    sys.argv = ["odoo-chaos", *case.args]
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                cli.main()
            except SystemExit as exit_:
                code = exit_.code
            except BaseException as exc:  # a crash is a finding: report it, do not die
                import traceback

                stderr.write("Traceback (crash in the corpus runner)\n" + traceback.format_exc())
                code = f"crashed: {type(exc).__name__}"
    finally:
        sys.argv = argv
    return {
        "name": case.name,
        "args": list(case.args),
        "expected_message": case.message,
        "expected_exit": case.exit_code,
        "exit": code,
        "stdout": stdout.getvalue(),
        "stderr": stderr.getvalue(),
        "seconds": round(time.monotonic() - started, 3),
    }


def run_all() -> list[dict[str, Any]]:
    os.environ["DOCKER_HOST"] = NO_DOCKER
    os.environ["COLUMNS"] = "400"
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory(prefix="odoo-chaos-hostile-") as scratch:
        return [run_case(case) for case in cases(Path(scratch))]


if __name__ == "__main__":
    results = run_all()
    sys.stdout.write(json.dumps(results) + "\n")
