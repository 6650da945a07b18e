from __future__ import annotations

import re

import pytest
import yaml

from harness.stack import topology as t


def _seconds(text: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s)", text)
    assert match, text
    return float(match[1]) / (1000 if match[2] == "ms" else 1)


def test_service_names_are_the_stable_contract() -> None:
    assert set(t.SERVICE_NAMES) == {"traefik", "odoo-1", "odoo-2", "pg-primary", "pg-standby", "redis", "backup"}


def test_one_odoo_node_and_one_pg_node_per_zone() -> None:
    assert t.service("odoo-1").zone == t.ZONE_A and t.service("odoo-2").zone == t.ZONE_B
    assert t.service("pg-primary").zone == t.ZONE_A and t.service("pg-standby").zone == t.ZONE_B


def test_only_edge_is_routable_and_it_carries_no_service_aliases() -> None:
    assert [name for name, internal in t.NETWORKS.items() if not internal] == [t.EDGE]
    for spec in t.SERVICES:
        assert t.aliases_on(spec, t.EDGE) == []
        for network in spec.networks:
            if network != t.EDGE:
                assert t.aliases_on(spec, network) == [spec.name]


def test_cross_zone_traffic_only_flows_over_the_interzone_link() -> None:
    for spec in t.SERVICES:
        zones = {n for n in spec.networks if n in (t.ZONE_A, t.ZONE_B)}
        if spec.name != t.TRAEFIK:
            assert len(zones) <= 1, spec
            assert t.INTERZONE in spec.networks, spec


def test_published_services_are_on_edge() -> None:
    for spec in t.SERVICES:
        if spec.published:
            assert t.EDGE in spec.networks


def test_unknown_service_names_the_valid_ones() -> None:
    with pytest.raises(KeyError, match="pg-primary"):
        t.service("pg-replica")


def test_traefik_health_check_retry_and_balancing() -> None:
    config = yaml.safe_load(t.traefik_dynamic_config(t.OdooProfile("odoo-chaos/odoo:11.0")))
    lb = config["http"]["services"]["odoo"]["loadBalancer"]
    assert [s["url"] for s in lb["servers"]] == ["http://odoo-1:8069", "http://odoo-2:8069"]
    assert _seconds(lb["healthCheck"]["interval"]) <= 2
    assert _seconds(lb["healthCheck"]["timeout"]) <= 1
    assert lb["healthCheck"]["path"] == t.STATIC_HEALTH_PATH
    assert "retry" in config["http"]["routers"]["odoo"]["middlewares"]
    assert config["http"]["middlewares"]["retry"]["retry"]["attempts"] >= 2
    assert config["http"]["routers"]["odoo"]["tls"] == {}


def test_http_entry_point_redirects_to_the_published_https_port() -> None:
    config = yaml.safe_load(t.traefik_static_config(45678))
    redirect = config["entryPoints"]["web"]["http"]["redirections"]["entryPoint"]
    assert redirect == {"to": ":45678", "scheme": "https", "permanent": True}


def test_odoo_reaches_whichever_node_is_writable() -> None:
    args = t.odoo_server_args(t.OdooProfile("odoo-chaos/odoo:11.0"))
    assert "--db_host=pg-primary,pg-standby" in args
    assert t.odoo_env("odoo-1", "pw")["PGTARGETSESSIONATTRS"] == "read-write"
    assert any(a.startswith("--workers=") and int(a.split("=")[1]) >= 2 for a in args)
    assert f"--load={t.SERVER_WIDE_MODULES}" in args
