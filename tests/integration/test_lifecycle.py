"""`up`/`down` as a user runs them: nothing left behind, also after Ctrl-C; bad input exits 2."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from harness.core.errors import ImageBuildFailed
from harness.edge import cleanup, images, labels
from harness.edge.engine import client as docker_client
from tests.integration.conftest import cli, labelled


def _run_id(text: str) -> str:
    match = re.search(r"run (\d{8}-\d{4}-[0-9a-f]{6})", text)
    assert match, text
    return match[1]


def test_up_then_down_leaves_nothing_with_the_run_label(stack: object) -> None:
    """A second stack beside the session's: two stacks run side by side."""
    up = cli("up", timeout=900)
    assert up.returncode == 0, up.stderr
    run_id = _run_id(up.stderr)
    assert "https://127.0.0.1:" in up.stdout and run_id in up.stdout
    objects = labelled(run_id)
    assert len(objects["containers"]) == 7 and objects["networks"] and objects["volumes"]
    status = cli("status", "--json")
    assert f'"run_id": "{run_id}"' in status.stdout
    down = cli("down", run_id)
    assert down.returncode == 0, down.stderr
    assert labelled(run_id) == {"containers": [], "networks": [], "volumes": []}


def test_sigint_during_up_tears_everything_down() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "up"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert process.stderr is not None
    lines = []
    run_id = ""
    for line in process.stderr:  # interrupt once the first Odoo node is being started
        lines.append(line)
        if "creating networks" in line:
            run_id = _run_id(line)
        if "starting odoo-1" in line:
            break
    assert run_id, "".join(lines)
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=120)
    assert process.returncode == 130, "".join(lines) + rest
    assert "interrupted" in rest
    assert labelled(run_id) == {"containers": [], "networks": [], "volumes": []}


def _hung(process: subprocess.Popen[str], run_id: str, lines: list[str]) -> str:
    """What a command that did not end was doing: its threads' stacks (SIGUSR1), then it is killed and its
    run removed by label, so a failure here leaves nothing behind and says where it waited."""
    process.send_signal(signal.SIGUSR1)
    try:
        _, rest = process.communicate(timeout=5)
    except subprocess.TimeoutExpired as exc:
        rest = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else str(exc.stderr or "")
    process.kill()
    tree = subprocess.run(["ps", "-ef", "--forest"], capture_output=True, text=True, check=False).stdout
    if run_id:
        cleanup.remove_run(run_id)
    return "".join(lines) + (rest or "") + "\n--- processes ---\n" + tree[-4000:]


def test_sigterm_during_up_tears_everything_down() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "up"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    assert process.stderr is not None
    run_id = ""
    lines = []
    for line in process.stderr:
        lines.append(line)
        if "creating networks" in line:
            run_id = _run_id(line)
        if "starting pg-standby" in line:
            break
    process.send_signal(signal.SIGTERM)
    try:
        _, rest = process.communicate(timeout=60)  # the watchdog ends it within 15 s whatever it was doing
    except subprocess.TimeoutExpired:
        pytest.fail("`up` still running 60 s after SIGTERM:\n" + _hung(process, run_id, lines))
    assert process.returncode == 130, "".join(lines) + rest
    assert "interrupted" in rest
    assert labelled(run_id) == {"containers": [], "networks": [], "volumes": []}


def test_port_in_use_is_one_line_exit_2_and_leaves_nothing() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        before = {r.run_id for r in cleanup.list_runs()}
        result = cli("up", "--https-port", str(port))
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("odoo-chaos:")]
    assert errors == [
        f"odoo-chaos: error: port {port} on 127.0.0.1 is already in use; choose another with "
        "--https-port or stop what is listening there"
    ]
    assert {r.run_id for r in cleanup.list_runs()} == before


def test_unknown_odoo_image_is_one_line_exit_2_and_leaves_nothing() -> None:
    before = {r.run_id for r in cleanup.list_runs()}
    result = cli("up", "--odoo-image", "no-such/odoo:99")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "odoo-chaos: error: image no-such/odoo:99 is not in the local Docker engine; "
        "build or load no-such/odoo:99 into the local Docker engine (no registry is used)"
    )
    assert {r.run_id for r in cleanup.list_runs()} == before


def test_dead_runs_are_swept_and_unlabelled_objects_are_never_touched() -> None:
    client = docker_client()
    dead = subprocess.Popen(["true"])
    dead.wait()
    run_id = labels.new_run_id()
    leftover_labels = {**labels.run_labels(run_id), labels.OWNER_PID: str(dead.pid)}
    leftover = client.networks.create(labels.object_name(run_id, "zone-a"), labels=leftover_labels, internal=True)
    foreign = client.networks.create(f"not-ours-{os.getpid()}", internal=True)
    # A label that is no run id was not written by the harness: its value must never become a path.
    hostile_labels = {**leftover_labels, labels.RUN: "../../../../etc"}
    hostile = client.networks.create(f"not-ours-hostile-{os.getpid()}", labels=hostile_labels, internal=True)
    try:
        swept = cleanup.sweep_dead_runs()
        assert run_id in swept and "../../../../etc" not in swept
        assert not client.networks.list(names=[leftover.name])
        assert client.networks.list(names=[foreign.name]) and client.networks.list(names=[hostile.name])
        assert Path("/etc/passwd").exists()
    finally:
        foreign.remove()
        hostile.remove()


def test_a_failing_image_build_names_the_image_and_the_cause(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "Dockerfile").write_text(
        "ARG BASE\nFROM ${BASE}\nRUN echo 'compiling the flux capacitor' && false\n"
    )
    monkeypatch.setattr(images, "COMPOSE", tmp_path)
    spec = images.ServiceImage("odoo-chaos/broken-test:1", "broken", images.BOOKWORM)
    with pytest.raises(ImageBuildFailed) as failure:
        images.ensure_image(spec, lambda _: None)
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith("building odoo-chaos/broken-test:1 from compose/broken failed:")
    assert "returned a non-zero code: 1" in message
    assert not docker_client().images.list(name="odoo-chaos/broken-test")
