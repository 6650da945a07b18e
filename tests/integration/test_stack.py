"""The reference stack, for real: writes through Traefik reach the standby, both nodes serve,
TLS chains to the run's CA, sessions live in Redis, WAL is archived, everything is labelled."""

from __future__ import annotations

import http.client
import json
import ssl
import time
from pathlib import Path

import psycopg
import pytest

from harness.edge import labels
from harness.edge.engine import client as docker_client
from harness.edge.odoo_api import WebSession, tls_context
from harness.stack import backup, topology
from harness.stack.stack import Stack
from tests.integration.conftest import cli


def _endpoints(stack: Stack):  # type: ignore[no-untyped-def]
    assert stack.endpoints is not None
    return stack.endpoints


def test_acknowledged_write_through_traefik_appears_on_the_standby_and_both_nodes_serve(stack: Stack) -> None:
    ep = _endpoints(stack)
    client = ep.odoo_client()
    nodes: dict[int, str] = {}
    seqs = range(2_000_000_001, 2_000_000_011)  # far above the probes' seqs: the stack is shared with drills
    for seq in seqs:
        row_id = client.write_ledger(seq, "test")
        nodes[row_id] = client.last_node
    assert set(nodes.values()) == {"odoo-1", "odoo-2"}, nodes
    deadline = time.monotonic() + 10
    with psycopg.connect(ep.pg_dsn(topology.PG_STANDBY)) as conn:
        while True:
            rows = conn.execute("SELECT id, seq FROM chaos_ledger_entry WHERE id = ANY(%s)", (list(nodes),)).fetchall()
            if len(rows) == len(nodes) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert sorted(seq for _, seq in rows) == list(seqs)
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)


def test_replication_is_streaming_through_the_slot_and_lag_is_observable(stack: Stack) -> None:
    with psycopg.connect(_endpoints(stack).pg_dsn(topology.PG_PRIMARY)) as conn:
        row = conn.execute(
            "SELECT r.state, s.slot_name, pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn) "
            "FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid"
        ).fetchone()
        assert row is not None
        state, slot, lag_bytes = row
        assert (state, slot) == ("streaming", "pg_standby")
        assert lag_bytes is not None and lag_bytes >= 0
        assert conn.execute("SHOW data_checksums").fetchone() == ("on",)


def test_wal_is_archived_and_a_full_backup_exists(stack: Stack) -> None:
    with psycopg.connect(_endpoints(stack).pg_dsn(topology.PG_PRIMARY), autocommit=True) as conn:
        wal = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()
        assert wal is not None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            archived = conn.execute("SELECT last_archived_wal, failed_count FROM pg_stat_archiver").fetchone()
            assert archived is not None
            if archived[0] is not None and archived[0] >= wal[0]:
                break
            time.sleep(0.2)
        assert archived[0] is not None and archived[0] >= wal[0], archived
        assert archived[1] == 0
    repository = backup.info(stack)  # read on the backup service, from the pgBackRest repository
    assert repository.status == "ok"
    assert any(b.kind == "full" for b in repository.backups)
    assert repository.wal_max is not None and repository.wal_max[-16:] >= wal[0][-16:]


def test_https_validates_against_the_run_ca_only(stack: Stack) -> None:
    ep = _endpoints(stack)
    port = int(ep.https_url.rsplit(":", 1)[1])
    # 30 s: the first /web/login of a fresh database compiles the web assets (several seconds on 2 cores)
    trusted = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=tls_context(Path(ep.ca_file)))
    trusted.request("GET", "/web/login")
    response = trusted.getresponse()
    assert response.status == 200
    assert response.getheader("X-Odoo-Node") in ("odoo-1", "odoo-2")
    cipher = trusted.sock.cipher()  # type: ignore[union-attr]
    assert cipher is not None and cipher[1] in ("TLSv1.2", "TLSv1.3")
    untrusted = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=ssl.create_default_context())
    with pytest.raises(ssl.SSLCertVerificationError):
        untrusted.request("GET", "/web/login")


def test_http_redirects_to_the_published_https_port(stack: Stack) -> None:
    ep = _endpoints(stack)
    port = int(ep.http_url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/web/login")
    response = conn.getresponse()
    assert response.status in (301, 308)
    assert response.getheader("Location") == f"{ep.https_url}/web/login"


def test_session_lives_in_redis_and_survives_a_hop_to_the_other_node(stack: Stack) -> None:
    ep = _endpoints(stack)
    session = WebSession(ep.https_url, Path(ep.ca_file))
    uid = session.login(ep.db, ep.login, ep.password)
    answers = [session.session_uid() for _ in range(6)]
    assert {node for node, _ in answers} == {"odoo-1", "odoo-2"}
    assert all(seen == uid for _, seen in answers)
    stored = stack.service(topology.REDIS).exec(["redis-cli", "exists", f"odoo-session:{session.cookie}"])
    assert stored.output.strip() == "1"


def test_traefik_health_checks_each_node_on_the_stated_path(stack: Stack) -> None:
    traefik = stack.service(topology.TRAEFIK)
    health_path = topology.STATIC_HEALTH_PATH.encode()
    deadline = time.monotonic() + 10
    seen: set[str] = set()
    while time.monotonic() < deadline and len(seen) < 2:
        for node in ("odoo-1", "odoo-2"):
            logs = stack.service(node).logs(tail=200)
            if health_path in logs:
                seen.add(node)
        time.sleep(0.5)
    assert seen == {"odoo-1", "odoo-2"}
    traefik.refresh()
    assert traefik.status == "running"


def test_every_object_is_labelled_and_ports_bind_loopback_only(stack: Stack) -> None:
    client = docker_client()
    selector = {"label": f"{labels.RUN}={stack.run_id}"}
    containers = client.containers.list(all=True, filters=selector)
    assert sorted(c.labels[labels.SERVICE] for c in containers) == sorted(topology.SERVICE_NAMES)
    for container in containers:
        for bindings in (container.attrs["HostConfig"]["PortBindings"] or {}).values():
            assert all(b["HostIp"] == "127.0.0.1" for b in bindings), container.name
    assert len(client.networks.list(filters=selector)) == len(topology.NETWORKS)
    assert len(client.volumes.list(filters=selector)) == 4


def test_status_reports_the_run_healthy(stack: Stack) -> None:
    result = cli("status", "--json")
    assert result.returncode == 0, result.stderr
    assert f'"run_id": "{stack.run_id}"' in result.stdout
    runs = {r["run_id"]: r for r in json.loads(result.stdout)}
    ours = runs[stack.run_id]
    assert ours["healthy"], ours
    details = {s["service"]: s["detail"] for s in ours["services"]}
    assert details["pg-primary"] == "primary (read-write)"
    assert details["pg-standby"] == "standby (in recovery)"
    assert details["odoo-1"] == details["odoo-2"] == f"HTTP 200 {topology.STATIC_HEALTH_PATH}"
    assert details["traefik"] == "ping OK"


def test_killing_redis_fails_logged_in_users_requests_and_aof_keeps_sessions(stack: Stack) -> None:
    """What docs/stack.md promises about Redis: down -> every session request fails (HTTP 500);
    back -> the same session is still logged in (AOF)."""
    ep = _endpoints(stack)
    session = WebSession(ep.https_url, Path(ep.ca_file))
    uid = session.login(ep.db, ep.login, ep.password)
    time.sleep(1.1)  # appendfsync everysec
    redis = stack.service(topology.REDIS)
    redis.kill()
    try:
        for _ in range(4):
            started = time.monotonic()
            with pytest.raises(ConnectionError, match="HTTP 500"):
                session.session_uid()
            assert time.monotonic() - started < 3, "a dead Redis must fail requests fast, not hang them"
        client = ep.odoo_client()
        assert client.write_ledger(2001, "redis-down") > 0  # XML-RPC carries no session in Odoo 11
        status = json.loads(cli("status", "--json").stdout)
        ours = next(r for r in status if r["run_id"] == stack.run_id)
        assert not ours["healthy"]
        assert next(s for s in ours["services"] if s["service"] == "redis")["healthy"] is False
    finally:
        redis.start()
    deadline = time.monotonic() + 20
    while True:
        try:
            _, seen = session.session_uid()
            break
        except ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)
    assert seen == uid
