"""Look inside an Odoo image: one short-lived container that reports what the image holds.

The container runs a small Python program (Python 3.5 syntax: the oldest Odoo the harness knows
runs there) with no network, as the image's own user, carrying a run label so a crash leaves
nothing the sweep cannot find. It reads `odoo/release.py` without importing Odoo, finds the Odoo
executable on PATH, and checks for the `redis` package; only when no release.py is found does
it ask `odoo --version`. What it found is judged by `harness.stack.odoo_preflight` (pure).
"""

from __future__ import annotations

import json
import secrets

from harness.core.errors import HarnessError
from harness.edge import engine, labels
from harness.stack.odoo_preflight import ODOO_COMMANDS, ImageFacts, Preflight, preflight

_LOOK = r"""
import importlib.util, json, os, shutil, subprocess, sys
out = {"python": "%d.%d.%d" % tuple(sys.version_info[:3])}
out["commands"] = dict((c, shutil.which(c)) for c in COMMANDS)
spec = importlib.util.find_spec("odoo")
for folder in (list(spec.submodule_search_locations or []) if spec else []):
    path = os.path.join(folder, "release.py")
    if os.path.exists(path):
        out["release_py_path"] = path
        with open(path) as handle:
            out["release_py"] = handle.read()
        break
if "release_py" not in out:
    command = next((p for p in out["commands"].values() if p), None)
    if command:
        try:
            out["version_output"] = subprocess.check_output([command, "--version"], timeout=60).decode()
        except Exception as exc:
            out["version_output"] = ""
out["redis"] = importlib.util.find_spec("redis") is not None
out["config_files"] = [p for p in ("/etc/odoo/odoo.conf", "/etc/odoo/openerp-server.conf") if os.path.exists(p)]
print("ODOO-CHAOS-FACTS " + json.dumps(out))
""".replace("COMMANDS", repr(ODOO_COMMANDS))


_SEEN: dict[tuple[str, str], ImageFacts] = {}  # (tag, image id) -> facts: an image id never changes


def look(image: str, run_id: str | None = None) -> ImageFacts:
    """Run the image once and read what it holds (a few seconds; the container is removed).

    `run_id`: the run the look container belongs to (the stack's own, so its sweep and teardown
    know it); a look outside any run gets a run id of its own.
    """
    found = engine.image(image)
    if found is None:
        raise HarnessError(f"image {image} is not in the local Docker engine; build or load it first (docker images)")
    key = (image, found.id)
    if key not in _SEEN:
        _SEEN[key] = _look(image, found.id, run_id or labels.new_run_id())
    return _SEEN[key]


def _look(image: str, image_id: str, run_id: str) -> ImageFacts:
    name = labels.object_name(run_id, f"look-{secrets.token_hex(3)}")
    container = engine.create_container(
        engine.ContainerSpec(
            image=image_id,
            name=name,
            labels=labels.service_labels(run_id, "image-look"),
            entrypoint=("sh", "-c", 'exec python3 -c "$0"', _LOOK),
            command=(),
            network_disabled=True,
            fast_resolver=False,
        )
    )
    try:
        code = container.wait(timeout=120)
        lines = container.logs(tail=200).decode(errors="replace").splitlines()
    finally:
        with engine.quietly():
            container.remove()
    line = next((text for text in lines if text.startswith("ODOO-CHAOS-FACTS ")), None)
    if line is None:
        last = lines[-1] if lines else "no output"
        if code == 127 or "python3: not found" in last:
            return ImageFacts(image, image_id, python=None)
        raise HarnessError(f"image {image}: looking inside it failed (exit {code}): {last}")
    data = json.loads(line.split(" ", 1)[1])
    return ImageFacts(
        image=image,
        image_id=image_id,
        python=data.get("python"),
        commands={str(k): v for k, v in data.get("commands", {}).items()},
        release_py=data.get("release_py"),
        release_py_path=data.get("release_py_path"),
        version_output=data.get("version_output"),
        redis=bool(data.get("redis")),
        config_files=tuple(data.get("config_files", ())),
    )


def check(image: str, run_id: str | None = None) -> Preflight:
    """Look inside an image and judge it: the profile to run it with, or a one-line refusal."""
    return preflight(look(image, run_id))
