"""A team's own Odoo image on the reference stack: shaped like the official images (the executable
at /usr/bin/odoo, a config read through ODOO_RC, /mnt/extra-addons, no `redis` package, a tag that
says nothing), built here FROM the bundled Odoo 11 (tests/images/team-odoo). The harness must find
out the version, the command and what is missing from the image itself, and still run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.edge import engine
from harness.stack import odoo_image
from harness.stack.stack import Stack, StackConfig
from tests.integration.conftest import cli

TEAM_IMAGE = "acme/odoo-prod:latest"
CONTEXT = Path(__file__).resolve().parents[1] / "images" / "team-odoo"


@pytest.fixture(scope="module")
def team_image() -> str:
    engine.build_image(str(CONTEXT), TEAM_IMAGE, buildargs={"BASE": "odoo-chaos/odoo:11.0"})
    return TEAM_IMAGE


def test_the_pre_flight_asks_the_image_not_its_tag(team_image: str) -> None:
    checked = odoo_image.check(team_image)
    assert checked.summary == (
        "acme/odoo-prod:latest: Odoo 11.0 (read from /usr/local/lib/python3.9/dist-packages/odoo/release.py), "
        "started as /usr/bin/odoo"
    )
    assert checked.notes == (
        "image acme/odoo-prod:latest: no `redis` Python package; the session addon talks to Redis with its own "
        "built-in client",
    )
    facts = odoo_image.look(team_image)
    assert facts.config_files == ("/etc/odoo/odoo.conf",) and facts.redis is False


def test_smoke_on_the_team_image_serves_both_nodes_and_keeps_sessions_without_redis_py(team_image: str) -> None:
    done = cli("smoke", "--odoo-image", team_image, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "no `redis` Python package; the session addon talks to Redis with its own built-in client" in done.stderr
    result = json.loads(done.stdout)
    assert result["nodes_served"] == ["odoo-1", "odoo-2"]  # the node header on the team's image
    assert result["session_nodes"] == ["odoo-1", "odoo-2"] and result["session_kept"] is True
    assert result["on_standby"] == result["writes"]
    assert result["odoo"] == {
        "image": "acme/odoo-prod:latest",
        "version": "11.0",
        "version_read_from": "/usr/local/lib/python3.9/dist-packages/odoo/release.py",
        "command": "/usr/bin/odoo",
        "notes": [
            "image acme/odoo-prod:latest: no `redis` Python package; the session addon talks to Redis with its "
            "own built-in client"
        ],
    }


def test_the_teams_addons_config_and_modules_run_on_the_stack(team_image: str) -> None:
    config = StackConfig(
        odoo_image=team_image,
        odoo_addons=(str(CONTEXT / "extra-addons"),),
        odoo_config=str(CONTEXT / "odoo.conf"),
        install=("acme_delivery",),
    )
    said: list[str] = []
    with Stack(config, progress=said.append) as stack:
        assert stack.endpoints is not None
        client = stack.endpoints.odoo_client()
        client.authenticate()
        client.execute("acme.delivery.note", "create", {"name": "DN-0001"})  # the team's own model, installed
        assert client.execute("acme.delivery.note", "search_count", [("name", "=", "DN-0001")]) == 1
        node = stack.service("odoo-1")
        args = node.exec(["cat", "/proc/1/cmdline"]).output.split("\0")
        assert "--config=/etc/odoo-chaos/odoo.conf" in args
        assert "--addons-path=/mnt/odoo-chaos-addons,/mnt/odoo-chaos-team/0" in args
        kept = node.exec(["cat", "/etc/odoo-chaos/odoo.conf"]).output
        assert kept == "[options]\ndata_dir = /var/lib/odoo\nadmin_passwd = acme-master-password\n"
    assert (
        f"--odoo-config {CONTEXT / 'odoo.conf'}: the harness sets addons_path, workers, db_host, proxy_mode "
        "itself; the rest of the file is kept"
    ) in said
