"""A target file (a deployment the harness did not create): what it maps, what a dry run prints, and
which drills it refuses before anything is touched (the hostile corpus pins the bad files)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from harness.core.errors import HarnessError
from harness.drill import target_plan
from harness.files.target import load_target
from harness.scenario.load import load_scenario
from harness.scenario.model import Step
from harness.stack.target_shape import layout_of

ROOT = Path(__file__).resolve().parents[2]
STAGING = ROOT / "examples" / "targets" / "staging.yaml"


def test_the_example_target_maps_its_services_zones_and_region() -> None:
    target = load_target(STAGING)
    assert target.service_names == ("traefik", "odoo-1", "pg-primary", "odoo-2", "pg-standby", "redis")
    assert target.zones == ("zone-a", "zone-b")
    layout = layout_of(target)  # what the faults resolve a step's target with (`Layout.members`)
    assert layout.members("zone-b") == ("odoo-2", "pg-standby")
    assert layout.members("region") == ("odoo-1", "pg-primary", "odoo-2", "pg-standby")
    assert target.final_read == ("psql_in", "pg-primary")
    with pytest.raises(HarnessError) as caught:
        layout.members("odoo-3")
    assert str(caught.value) == (
        "unknown target 'odoo-3'; targets of a target stack are traefik, odoo-1, pg-primary, odoo-2, pg-standby, "
        "redis, zone-a, zone-b, region"
    )


def test_a_dry_run_prints_the_allow_list_and_each_step() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "app-node-kill.yaml")
    lines = target_plan.plan([scenario], load_target(STAGING))
    assert lines == [
        f"target staging ({STAGING}): ACME staging, one host, two Odoo nodes behind Traefik, primary + hot standby",
        "Docker engine: unix:///var/run/docker.sock",
        "acts only on these containers (anything else is refused by name):",
        "  traefik: container acme-proxy",
        "  odoo-1: container acme-odoo-1, zone zone-a",
        "  pg-primary: container acme-db-1, zone zone-a",
        "  odoo-2: container acme-odoo-2, zone zone-b",
        "  pg-standby: container acme-db-2, zone zone-b",
        "  redis: the one container labelled com.acme.role=sessions",
        "Odoo: https://127.0.0.1:8443, database staging, login admin, password from $STAGING_ODOO_PASSWORD",
        "final read: psql inside pg-primary's container",
        "data-destroying faults: refused (the file does not say allow_destructive: true)",
        f"drill app-node-kill ({scenario.duration:g}s): {scenario.summary}",
        "  at 10s: kill odoo-1, healed after 15s",
        "dry run: nothing was touched",
    ]


def test_a_step_on_a_service_the_file_does_not_map_is_refused(tmp_path: Path) -> None:
    small = tmp_path / "small.yaml"
    small.write_text(
        STAGING.read_text()
        .replace("  odoo-2: {container: acme-odoo-2, zone: zone-b}\n", "")
        .replace("  pg-standby: {container: acme-db-2, zone: zone-b}\n", "")
    )
    scenario = load_scenario(ROOT / "scenarios" / "app-node-kill.yaml")
    target = load_target(small)
    target_plan.check(scenario, target, None)  # odoo-1 is mapped
    on_standby = replace(scenario, steps=(Step(at=5.0, fault="kill", target="pg-standby", duration=5.0),))
    with pytest.raises(HarnessError) as caught:
        target_plan.check(on_standby, target, None)
    assert str(caught.value) == (
        "scenario app-node-kill: steps.0: a target stack has no pg-standby (its targets are traefik, odoo-1, "
        "pg-primary, redis, zone-a, region) (target staging)"
    )


def test_tls_files_are_found_beside_the_target_file(tmp_path: Path) -> None:
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("-----BEGIN CERTIFICATE-----\n")
    remote = tmp_path / "remote.yaml"
    remote.write_text(
        STAGING.read_text().replace(
            "  host: unix:///var/run/docker.sock      # or tcp://HOST:2376 with tls:, or ssh://USER@HOST\n",
            "  host: tcp://127.0.0.1:2376\n  tls: {ca: ca.pem, cert: cert.pem, key: key.pem}\n",
        )
    )
    target = load_target(remote)
    assert target.tls == (str(tmp_path / "ca.pem"), str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"))
    assert target_plan.plan([], target)[1] == "Docker engine: tcp://127.0.0.1:2376 (TLS client certificate)"


def _listed(name: str, **labels: str) -> object:
    from harness.stack.target_shape import Listed

    return Listed(name, f"{name}-id", labels, "running", "acme/odoo-prod:latest")


def test_the_allow_list_resolves_each_service_to_the_one_container_it_names() -> None:
    from harness.stack.target_shape import match

    target = load_target(ROOT / "examples" / "targets" / "staging.yaml")
    engine = [
        _listed(n) for n in ("acme-proxy", "acme-odoo-1", "acme-odoo-2", "acme-db-1", "acme-db-2", "someone-else")
    ] + [_listed("acme-redis-7", **{"com.acme.role": "sessions"})]
    found = match(target, engine)  # type: ignore[arg-type]
    assert {s: c.name for s, c in found.items()} == {
        "traefik": "acme-proxy",
        "odoo-1": "acme-odoo-1",
        "pg-primary": "acme-db-1",
        "odoo-2": "acme-odoo-2",
        "pg-standby": "acme-db-2",
        "redis": "acme-redis-7",
    }
    assert "someone-else" not in {c.name for c in found.values()}


def test_a_missing_container_or_an_ambiguous_label_is_said_for_every_service_at_once() -> None:
    from harness.stack.target_shape import match

    target = load_target(ROOT / "examples" / "targets" / "staging.yaml")
    engine = [_listed(n) for n in ("acme-proxy", "acme-odoo-1", "acme-db-1", "acme-db-2")] + [
        _listed("acme-redis-a", **{"com.acme.role": "sessions"}),
        _listed("acme-redis-b", **{"com.acme.role": "sessions"}),
    ]
    with pytest.raises(HarnessError) as caught:
        match(target, engine)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "target staging (" + str(ROOT / "examples" / "targets" / "staging.yaml") + "): odoo-2: no container named "
        "acme-odoo-2; redis: 2 containers labelled com.acme.role=sessions (acme-redis-a, acme-redis-b); the label "
        "must pick one"
    )


def test_target_rows_are_tagged_with_the_run_id_and_found_by_that_tag_only() -> None:
    from harness.edge.business_rows import LEDGER, PARTNERS, parse_seqs, tag_of

    assert tag_of("20261208-0045-b3bd1a") == "odoo-chaos/20261208-0045-b3bd1a/"
    assert PARTNERS.sql_seqs("20261208-0045-b3bd1a", 1) == (
        "SELECT substr(ref, 33), count(*) FROM res_partner WHERE left(ref, 32) = 'odoo-chaos/20261208-0045-b3bd1a/' "
        "GROUP BY 1"
    )
    assert LEDGER.sql_seqs("r1", 7) == (
        "SELECT seq, count(*) FROM chaos_ledger_entry WHERE left(writer, 3) = 'r1/' AND seq >= 7 GROUP BY seq "
        "ORDER BY seq"
    )
    # psql's unaligned output; a partner whose ref only looks like ours is not counted, nor a seq below the base
    assert parse_seqs("3|1\n1|2\nx|1\n12|1\n0|1\n", 1) == ([1, 3, 12], [1])
    for hostile in ("", "x'; DROP TABLE res_partner; --", "a/b", "50%"):
        with pytest.raises(HarnessError, match="letters, digits and - only"):
            tag_of(hostile)
