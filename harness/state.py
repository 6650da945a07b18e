"""A run's local state directory: the CA to trust, the endpoints, and the detached marker.

`<cache>/odoo-chaos/runs/<run id>/` holds `ca.pem`, `endpoints.json` (mode 0600: it holds the
run's passwords, like a kubeconfig) and, for stacks that `odoo-chaos up` leaves running on
purpose, a `detached` marker that keeps the start-of-run sweep away from them.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from harness.images import cache_dir


def run_dir(run_id: str) -> Path:
    return cache_dir() / "runs" / run_id


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
    shutil.rmtree(run_dir(run_id), ignore_errors=True)
