"""A run's local state directory: the CA to trust, the endpoints, and the detached marker.

`<cache>/odoo-chaos/runs/<run id>/` holds `ca.pem`, `endpoints.json` (mode 0600: it holds the
run's passwords, like a kubeconfig) and, for stacks that `odoo-chaos up` leaves running on
purpose, a `detached` marker that keeps the start-of-run sweep away from them.

The run id must have its one shape (`labels.RUN_ID`) before it becomes a path, and `forget`
removes a directory only once it has resolved it inside `runs/` (a symlink planted there is
unlinked, never followed).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError
from harness.edge.images import cache_dir
from harness.edge.labels import require_run_id


def runs_root() -> Path:
    return cache_dir() / "runs"


def run_dir(run_id: str) -> Path:
    return runs_root() / require_run_id(run_id)


def save(run_id: str, name: str, content: bytes, *, private: bool = False) -> Path:
    folder = run_dir(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    tmp.replace(path)
    return path


def save_json(run_id: str, name: str, data: dict[str, Any], *, private: bool = False) -> Path:
    return save(run_id, name, json.dumps(data, indent=2).encode(), private=private)


def load_json(run_id: str, name: str) -> dict[str, Any] | None:
    path = run_dir(run_id) / name
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def mark_detached(run_id: str) -> None:
    save(run_id, "detached", b"left running by `odoo-chaos up`; remove with `odoo-chaos down`\n")


def is_detached(run_id: str) -> bool:
    return (run_dir(run_id) / "detached").exists()


def forget(run_id: str) -> None:
    """Remove the run's state directory; refuses anything that does not resolve inside `runs/`."""
    root = runs_root().resolve()
    path = run_dir(run_id)
    if path.is_symlink():
        path.unlink()  # whatever it points at stays untouched
        return
    if not path.exists():
        return
    if path.resolve().parent != root:
        raise HarnessError(f"refusing to remove {path}: it resolves to {path.resolve()}, outside {root}")
    shutil.rmtree(path, ignore_errors=True)
