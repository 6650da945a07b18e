"""A deployment the harness did not create, reached through a TLS engine endpoint, looked at and left as it was.

The test plays the team: it starts a "foreign" deployment with testcontainers-python (the reaper off:
no registry serves its image; everything carries this test's own label and is removed by it), from
the project's images but shaped like someone else's: container names of its own (`acme-*`), no
harness labels, one Traefik, two Odoo nodes on the team-shaped image, a primary and a streaming
standby. The harness reaches it only as a target file says, through a Docker engine endpoint on
127.0.0.1 that speaks TLS with client certificates (a small proxy in front of this machine's
socket), so the code path is the remote one.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from harness.edge import engine
from harness.edge.credentials import pbkdf2_sha512_hash
from harness.edge.images import POSTGRES, TRAEFIK
from harness.edge.tls import issue_run_tls
from harness.files.target import load_target
from harness.stack import odoo_image, seed, topology
from harness.stack.target import reach
from tests.integration.conftest import cli

testcontainers_config.ryuk_disabled = True  # the reaper's image cannot be pulled here; the test cleans up by label

TEAM_IMAGE = "acme/odoo-prod:latest"
TEAM_CONTEXT = Path(__file__).resolve().parents[1] / "images" / "team-odoo"
LABEL = "com.acme.test"
PASSWORD_ENV = "ACME_ODOO_PASSWORD"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TlsEngineProxy:
    """A Docker engine endpoint on 127.0.0.1 speaking TLS with client certificates, in front of the local socket."""

    def __init__(self, cert: Path, key: Path, ca: Path) -> None:
        self.port = _free_port()
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(ca))
        self._context.load_cert_chain(str(cert), str(key))
        self._context.verify_mode = ssl.CERT_REQUIRED
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self.refused = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._pump, args=(raw,), daemon=True).start()

    def _pump(self, raw: socket.socket) -> None:
        try:
            client = self._context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            self.refused += 1
            raw.close()
            return
        upstream = socket.socket(socket.AF_UNIX)
        upstream.connect("/var/run/docker.sock")

        def copy(src: socket.socket, dst: socket.socket) -> None:
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

        threading.Thread(target=copy, args=(upstream, client), daemon=True).start()
        copy(client, upstream)

    def close(self) -> None:
        self._listener.close()


@dataclass(frozen=True)
class Foreign:
    target_file: Path
    names: dict[str, str]  # service -> container name
    run: str
    proxy: TlsEngineProxy


def _psql(container: str, sql: str) -> str:
    done = engine.container(container).exec(["psql", "-U", "postgres", "-d", "odoo", "-XtAc", sql], user="postgres")
    assert done.exit_code == 0, done.output
    return done.output.strip()


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Foreign]:
    run = uuid.uuid4().hex[:8]
    base = tmp_path_factory.mktemp("acme")
    engine.build_image(str(TEAM_CONTEXT), TEAM_IMAGE, buildargs={"BASE": "odoo-chaos/odoo:11.0"})
    checked = odoo_image.check(TEAM_IMAGE)
    profile = topology.OdooProfile.for_version(TEAM_IMAGE, checked.version, checked.command)
    seed_image = seed.ensure_seed(
        "odoo-chaos/odoo:11.0", POSTGRES.tag, lambda m: None, topology.OdooProfile("odoo-chaos/odoo:11.0")
    )
    network = Network(docker_network_kw={"labels": {LABEL: run}}).create()
    names = {
        "pg-primary": f"acme-db-1-{run}",
        "pg-standby": f"acme-db-2-{run}",
        "odoo-1": f"acme-odoo-1-{run}",
        "odoo-2": f"acme-odoo-2-{run}",
        "traefik": f"acme-proxy-{run}",
    }
    secrets = {"POSTGRES_PASSWORD": uuid.uuid4().hex, "REPLICATION_PASSWORD": uuid.uuid4().hex,
               "ODOO_DB_PASSWORD": uuid.uuid4().hex}  # fmt: skip
    admin_password = uuid.uuid4().hex
    started: list[DockerContainer] = []

    def start(
        service: str,
        image: str,
        environment: dict[str, str],
        command: list[str] | None = None,
        volumes: dict[str, str] | None = None,
        published: tuple[int, int] | None = None,
        **kwargs: object,
    ) -> DockerContainer:
        container = DockerContainer(image).with_name(names[service]).with_network(network)
        container.with_network_aliases(service)  # the name the other containers use for it
        container.with_envs(**environment)
        for host, inside in (volumes or {}).items():
            container.with_volume_mapping(host, inside, "ro")
        if command is not None:
            container.with_command(command)
        if published is not None:  # on 127.0.0.1 only (with_bind_ports would publish on every interface)
            container.ports[f"{published[0]}/tcp"] = ("127.0.0.1", published[1])  # type: ignore[assignment]
        container.with_kwargs(labels={LABEL: run, "com.acme.role": service}, **kwargs)
        started.append(container)
        container.start()
        return container

    https_port = _free_port()
    tls = issue_run_tls(f"acme-{run}", client_auth=True)
    (base / "ca.pem").write_bytes(tls.ca_pem)
    (base / "cert.pem").write_bytes(tls.cert_pem)
    (base / "key.pem").write_bytes(tls.key_pem)
    os.chmod(base / "key.pem", 0o600)
    traefik_dir = base / "traefik"
    (traefik_dir / "dynamic").mkdir(parents=True)
    (traefik_dir / "tls").mkdir()
    (traefik_dir / "traefik.yml").write_text(topology.traefik_static_config(https_port))
    (traefik_dir / "dynamic" / "odoo.yml").write_text(topology.traefik_dynamic_config(profile))
    (traefik_dir / "tls" / "cert.pem").write_bytes(tls.cert_pem)
    (traefik_dir / "tls" / "key.pem").write_bytes(tls.key_pem)
    proxy = TlsEngineProxy(base / "cert.pem", base / "key.pem", base / "ca.pem")
    try:
        start("pg-primary", seed_image, {"PG_ROLE": "primary", **secrets})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = engine.container(names["pg-primary"]).exec(["pg_isready", "-q"], user="postgres")
            if done.exit_code == 0:
                break
            time.sleep(0.5)
        hashed = pbkdf2_sha512_hash(admin_password)
        _psql(names["pg-primary"], f"UPDATE res_users SET password = '', password_crypt = '{hashed}' WHERE login = 'admin'")
        start("pg-standby", POSTGRES.tag, {"PG_ROLE": "standby", "PRIMARY_HOST": "pg-primary", **secrets})
        # the team's Odoo: its own config (addons path /mnt/extra-addons), none of the harness's addons loaded,
        # so `chaos.ledger.entry` is not in its registry and business writes go to tagged res.partner rows
        own = ("--load", "--addons-path")
        args = [a for a in topology.odoo_server_args(profile, db_host="pg-primary") if not a.startswith(own)]
        for node in ("odoo-1", "odoo-2"):
            start(
                node,
                TEAM_IMAGE,
                {"PGPASSWORD": secrets["ODOO_DB_PASSWORD"], "PGCONNECT_TIMEOUT": "2"},
                [*args, "--load=base,web"],
                entrypoint=[profile.command],
            )
        start(
            "traefik",
            TRAEFIK.tag,
            {},
            None,
            {str(traefik_dir): "/etc/traefik"},
            published=(topology.TRAEFIK_HTTPS_PORT, https_port),
        )
        target_file = base / "acme.yaml"
        target_file.write_text(
            f"""name: acme-staging
description: a deployment the harness did not create
engine:
  host: tcp://127.0.0.1:{proxy.port}
  tls: {{ca: ca.pem, cert: cert.pem, key: key.pem}}
services:
  traefik: {{container: {names["traefik"]}}}
  odoo-1: {{container: {names["odoo-1"]}, zone: zone-a}}
  odoo-2: {{label: com.acme.role=odoo-2, zone: zone-b}}
  pg-primary: {{container: {names["pg-primary"]}, zone: zone-a}}
  pg-standby: {{container: {names["pg-standby"]}, zone: zone-b}}
odoo:
  url: https://127.0.0.1:{https_port}
  database: odoo
  login: admin
  password_env: {PASSWORD_ENV}
  ca_file: ca.pem
final_read:
  psql_in: pg-primary
"""
        )
        os.environ[PASSWORD_ENV] = admin_password
        deadline = time.monotonic() + 120
        deployment = reach(load_target(target_file))
        try:
            while not deployment.serving():
                assert time.monotonic() < deadline, "the foreign deployment's Odoo never served through its Traefik"
                time.sleep(1)
        finally:
            deployment.close()
        yield Foreign(target_file, names, run, proxy)
    finally:
        os.environ.pop(PASSWORD_ENV, None)
        proxy.close()
        for container in reversed(started):
            with contextlib.suppress(Exception):
                container.stop()
        network.remove()


def _state(foreign: Foreign) -> dict[str, tuple[str, str, str]]:
    """Each foreign container's id, state and start time: what the harness must leave as it found it."""
    out = {}
    for service, name in foreign.names.items():
        raw = engine.client().containers.get(name)
        out[service] = (raw.id, raw.status, raw.attrs["State"]["StartedAt"])
    return out


def test_status_reaches_the_foreign_deployment_through_the_tls_endpoint_and_changes_nothing(foreign: Foreign) -> None:
    before = _state(foreign)
    done = cli("status", "--target", str(foreign.target_file), "--json", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    seen = json.loads(done.stdout)
    assert seen["engine"].startswith("tcp://127.0.0.1:") and seen["healthy"] is True
    assert {s["service"]: (s["container"], s["status"], s["role"]) for s in seen["services"]} == {
        "traefik": (foreign.names["traefik"], "running", None),
        "odoo-1": (foreign.names["odoo-1"], "running", None),
        "odoo-2": (foreign.names["odoo-2"], "running", None),  # found by its label
        "pg-primary": (foreign.names["pg-primary"], "running", "primary"),
        "pg-standby": (foreign.names["pg-standby"], "running", "standby"),
    }
    assert seen["odoo"]["version"] == "Odoo 11.0" and isinstance(seen["odoo"]["uid"], int)
    assert seen["postgresql"] == "pg-primary is the primary, pg-standby is the standby (psql inside each node's container)"
    assert _state(foreign) == before  # nothing restarted, nothing replaced
    text = cli("status", "--target", str(foreign.target_file), timeout=120)
    print(text.stdout)
    assert text.returncode == 0 and text.stdout.splitlines()[-1] == "nothing was changed on the target"


def test_a_container_outside_the_allow_list_is_refused_by_name(foreign: Foreign) -> None:
    deployment = reach(load_target(foreign.target_file))
    try:
        with pytest.raises(Exception) as caught:
            deployment.service("redis")
        assert str(caught.value) == (
            "redis is not in target acme-staging's allow-list (traefik, odoo-1, pg-primary, odoo-2, pg-standby); "
            "the harness acts only on the containers its file names"
        )
        assert deployment.service("odoo-2").name == foreign.names["odoo-2"]
    finally:
        deployment.close()


def test_an_engine_endpoint_without_the_client_certificate_is_refused_in_one_line(foreign: Foreign, tmp_path: Path) -> None:
    other = issue_run_tls("stranger", client_auth=True)  # a certificate the endpoint's CA never signed
    for name, data in (("cert.pem", other.cert_pem), ("key.pem", other.key_pem)):
        (tmp_path / name).write_bytes(data)
    (tmp_path / "ca.pem").write_bytes((foreign.target_file.parent / "ca.pem").read_bytes())
    text = foreign.target_file.read_text()
    (tmp_path / "acme.yaml").write_text(text.replace("ca_file: ca.pem", f"ca_file: {foreign.target_file.parent / 'ca.pem'}"))
    refused_before = foreign.proxy.refused
    done = cli("status", "--target", str(tmp_path / "acme.yaml"), timeout=120)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"odoo-chaos: error: no Docker engine answers at tcp://127.0.0.1:{foreign.proxy.port}, target acme-staging's engine")
    assert foreign.proxy.refused > refused_before


def test_smoke_writes_tagged_partner_rows_reads_them_on_both_nodes_and_removes_them(foreign: Foreign) -> None:
    """No chaos_ledger in the team's Odoo: the rows go to res.partner, tagged with the run id, and are gone after."""
    before = int(_psql(foreign.names["pg-primary"], "SELECT count(*) FROM res_partner"))
    done = cli("smoke", "--target", str(foreign.target_file), timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    print(done.stderr, done.stdout)
    result = json.loads(done.stdout)
    keys = ("model", "writes", "read_through_odoo", "on_primary", "on_standby", "removed", "left_on_primary")
    assert {k: result[k] for k in keys} == {
        "model": "res.partner",
        "writes": 5,
        "read_through_odoo": 5,
        "on_primary": 5,
        "on_standby": 5,
        "removed": 5,
        "left_on_primary": 0,
    }
    assert f"rows tagged ref=odoo-chaos/{result['run_id']}/<seq>" in done.stderr
    assert int(_psql(foreign.names["pg-primary"], "SELECT count(*) FROM res_partner")) == before
    tagged = _psql(foreign.names["pg-primary"], "SELECT count(*) FROM res_partner WHERE ref LIKE 'odoo-chaos/%'")
    assert tagged == "0"


# the reference stack's figures for the same drills (docs/benchmarks.md): app-node-kill 0.50 s, traefik-restart
# 2.03 s, 0 lost; the bounds here are those drills' tier-1 expectations with room for a second proxy hop
TARGET_DRILLS = {"app-node-kill": ("odoo-1", 5.0), "traefik-restart": ("traefik", 10.0)}


@pytest.mark.parametrize("drill", sorted(TARGET_DRILLS))
def test_a_drill_on_the_target_is_measured_like_on_the_reference_stack_and_leaves_it_as_it_was(
    foreign: Foreign, drill: str, tmp_path: Path
) -> None:
    struck, bound = TARGET_DRILLS[drill]
    before = _state(foreign)
    done = cli("run", drill, "--target", str(foreign.target_file), "--out", str(tmp_path), timeout=400)
    print(done.stderr[-3000:])
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert f"{drill}: probe heartbeat left out on a target (it needs the reference stack's own ports)" in done.stderr
    assert "business writes go to res.partner rows tagged ref=odoo-chaos/" in done.stderr
    (run_dir,) = [p.parent for p in tmp_path.glob("*/report.json")]
    report = json.loads((run_dir / "report.json").read_text())
    print(f"{drill} on the target: verdict {report['verdict']}, RTO {report['rto_seconds']} s, lost "
          f"{report['lost_writes']}/{report['acknowledged_writes']}")  # fmt: skip
    assert report["verdict"] == "pass" and report["aborted_reason"] is None
    assert report["lost_writes"] == 0 and report["acknowledged_writes"] > 100
    assert report["rto_seconds"] is not None and report["rto_seconds"] < bound
    assert report["tested"].startswith("target acme-staging (")
    assert cli("check", str(run_dir)).returncode == 0  # the recheck agrees with what was written
    # nothing left of the run on the target: its partner rows are gone, every container runs again, and only
    # the struck one was started anew (a restart or a kill healed by a start)
    assert _psql(foreign.names["pg-primary"], "SELECT count(*) FROM res_partner WHERE ref LIKE 'odoo-chaos/%'") == "0"
    after = _state(foreign)
    assert {s: v[1] for s, v in after.items()} == dict.fromkeys(foreign.names, "running")
    assert {s for s in after if after[s] != before[s]} == {struck}
    assert after[struck][0] == before[struck][0]  # the same container, not a replacement
