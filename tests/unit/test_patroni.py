"""The HA mode's data (harness.stack.patroni) and the Patroni image's config renderer agree and follow Patroni's rules."""

from __future__ import annotations

import importlib.util
import itertools
import json
from types import ModuleType
from typing import Any

import pytest
import yaml

from harness.edge import images
from harness.edge.credentials import Credentials
from harness.stack import patroni as ha
from harness.stack import topology


def _renderer() -> ModuleType:
    path = images.COMPOSE / "patroni" / "patroni_config.py"
    spec = importlib.util.spec_from_file_location("patroni_config", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RENDER = _renderer()
CREDS = Credentials()


def node_env(settings: ha.HaSettings, node: str = topology.PG_PRIMARY, bootstraps: bool = True) -> dict[str, str]:
    definition = ha.patroni_definition(node, settings, CREDS, bootstraps=bootstraps)
    return dict(definition.env)


def rendered(env: dict[str, str]) -> dict[str, Any]:
    assert RENDER.problems(env) == []
    text = yaml.safe_dump(RENDER.render(env))
    return dict(yaml.safe_load(text))


# --- settings and Patroni's rules --------------------------------------------------------------


def test_defaults_are_patronis_and_both_presets_are_valid() -> None:
    assert (ha.DEFAULTS.ttl, ha.DEFAULTS.loop_wait, ha.DEFAULTS.retry_timeout) == (30, 10, 10)
    assert ha.DEFAULTS.maximum_lag_on_failover == 1048576
    assert ha.DEFAULTS.problems() == [] and ha.DEFAULTS.notes() == []
    assert ha.TUNED.problems() == []
    assert ha.TUNED.notes() == ["ttl 10 < 20: Patroni 3.0.4 uses it as given; later Patroni releases raise it to 20"]


def test_loop_wait_plus_twice_retry_timeout_must_fit_in_ttl() -> None:
    assert ha.HaSettings(ttl=20, loop_wait=10, retry_timeout=5).problems() == []
    assert ha.HaSettings(ttl=20, loop_wait=11, retry_timeout=5).problems() == [
        "loop_wait + 2 * retry_timeout must be <= ttl (Patroni's rule), got 11 + 2 * 5 = 21 > 20"
    ]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (ha.HaSettings(loop_wait=0), "loop_wait must be at least 1, got 0"),
        (ha.HaSettings(retry_timeout=2), "retry_timeout must be at least 3, got 2"),
        (ha.HaSettings(ttl=0), "ttl must be at least 1, got 0"),
        (ha.HaSettings(maximum_lag_on_failover=-1), "maximum_lag_on_failover must be at least 0, got -1"),
        (ha.HaSettings(ttl="30"), "ttl must be a whole number, got '30'"),  # type: ignore[arg-type]
        (ha.HaSettings(ttl=True), "ttl must be a whole number, got True"),
        (ha.HaSettings(synchronous_mode="always"), "synchronous_mode must be one of off, on, strict, got 'always'"),  # type: ignore[arg-type]
        (ha.HaSettings(failsafe_mode="yes"), "failsafe_mode must be true or false, got 'yes'"),  # type: ignore[arg-type]
    ],
)
def test_bad_settings_name_the_setting(settings: ha.HaSettings, message: str) -> None:
    assert settings.problems() == [message]


def test_a_node_is_never_defined_with_bad_settings() -> None:
    with pytest.raises(ValueError, match="retry_timeout must be at least 3"):
        ha.patroni_definition(topology.PG_PRIMARY, ha.HaSettings(retry_timeout=1), CREDS, bootstraps=True)


def test_harness_and_image_renderer_accept_exactly_the_same_timings() -> None:
    for ttl, loop_wait, retry in itertools.product((5, 10, 20, 30), (0, 1, 5, 10), (1, 3, 10)):
        settings = ha.HaSettings(ttl=ttl, loop_wait=loop_wait, retry_timeout=retry)
        env = {"PATRONI_NAME": "pg-primary", **settings.env()}
        assert bool(settings.problems()) == bool(RENDER.problems(env)), (ttl, loop_wait, retry)


def test_image_renderer_names_every_bad_variable() -> None:
    env = {
        "HA_TTL": "ten",
        "HA_RETRY_TIMEOUT": "2",
        "HA_SYNCHRONOUS_MODE": "yes",
        "HA_FAILSAFE_MODE": "on",
        "HA_BOOTSTRAP": "pitr",
    }
    assert RENDER.problems(env) == [
        "HA_TTL='ten' is not an integer",
        "HA_RETRY_TIMEOUT=2 is below its minimum 3",
        "HA_SYNCHRONOUS_MODE='yes': use one of off, on, strict",
        "HA_FAILSAFE_MODE='on': use true or false",
        "HA_BOOTSTRAP='pitr': use one of seed, initdb, none",
        "PATRONI_NAME is required (this node's name: pg-primary or pg-standby)",
    ]


# --- the rendered patroni.yml --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "synchronous", "strict"), [("off", False, False), ("on", True, False), ("strict", True, True)]
)
def test_synchronous_mode_maps_to_patronis_two_flags(mode: str, synchronous: bool, strict: bool) -> None:
    settings = ha.HaSettings(synchronous_mode=mode)  # type: ignore[arg-type]
    dcs = rendered(node_env(settings))["bootstrap"]["dcs"]
    assert (dcs["synchronous_mode"], dcs["synchronous_mode_strict"]) == (synchronous, strict)


def test_dynamic_settings_reach_the_dcs_section() -> None:
    settings = ha.HaSettings(ttl=10, loop_wait=1, retry_timeout=3, maximum_lag_on_failover=0, failsafe_mode=True)
    dcs = rendered(node_env(settings))["bootstrap"]["dcs"]
    assert {k: dcs[k] for k in ("ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover", "failsafe_mode")} == {
        "ttl": 10,
        "loop_wait": 1,
        "retry_timeout": 3,
        "maximum_lag_on_failover": 0,
        "failsafe_mode": True,
    }
    assert dcs["postgresql"]["use_pg_rewind"] is True
    assert dcs["postgresql"]["use_slots"] is True
    assert dcs["postgresql"]["parameters"]["wal_log_hints"] == "on"
    # both nodes' slots are permanent: the leader has the other's slot ready before it connects
    assert dcs["slots"] == {"pg_primary": {"type": "physical"}, "pg_standby": {"type": "physical"}}


def test_the_first_node_bootstraps_from_the_seed_and_the_second_never_bootstraps() -> None:
    first = rendered(node_env(ha.DEFAULTS, topology.PG_PRIMARY, bootstraps=True))
    assert first["bootstrap"]["method"] == "seed"
    assert first["bootstrap"]["seed"]["command"] == "/usr/local/bin/patroni-seed-bootstrap"
    assert "data-checksums" in first["bootstrap"]["initdb"]  # the fallback method keeps checksums on
    second = rendered(node_env(ha.DEFAULTS, topology.PG_STANDBY, bootstraps=False))
    assert "bootstrap" not in second  # Patroni only races for the initialize key with a bootstrap section


def test_node_config_archives_and_restores_through_pgbackrest_like_the_default_stack() -> None:
    config = rendered(node_env(ha.DEFAULTS))
    pg = config["postgresql"]
    assert pg["parameters"]["archive_command"] == "pgbackrest --stanza=odoo archive-push %p"
    assert pg["parameters"]["archive_mode"] == "on"
    assert pg["recovery_conf"]["restore_command"] == "pgbackrest --stanza=odoo archive-get %f %p"
    assert pg["data_dir"] == f"{ha.PG_HOME}/data"  # pgbackrest.conf's pg1-path
    assert pg["connect_address"] == "pg-primary:5432"
    assert config["restapi"]["connect_address"] == "pg-primary:8008"
    assert config["etcd3"]["hosts"] == ["etcd-a:2379", "etcd-b:2379", "etcd-c:2379"]


def test_rendered_config_holds_no_password() -> None:
    env = node_env(ha.DEFAULTS)
    text = yaml.safe_dump(RENDER.render(env))
    for secret in (CREDS.postgres_password, CREDS.replication_password, CREDS.odoo_db_password):
        assert secret not in text
    assert "password:" not in text  # no password key anywhere (password_encryption is a setting)


# --- container definitions ----------------------------------------------------------------------


def test_one_etcd_member_per_zone_each_also_on_interzone() -> None:
    zones = {ha.ha_service(member).zone: member for member in ha.ETCD_MEMBERS}
    assert zones == {topology.ZONE_A: "etcd-a", topology.ZONE_B: "etcd-b", ha.ZONE_C: "etcd-c"}
    for member in ha.ETCD_MEMBERS:
        assert topology.INTERZONE in ha.ha_service(member).networks
        assert topology.EDGE not in ha.ha_service(member).networks


def test_etcd_definition_names_the_member_the_cluster_and_the_run() -> None:
    definition = ha.etcd_definition("etcd-b", "20261129-2100-abcdef")
    assert definition.env == {
        "ETCD_NAME": "etcd-b",
        "MEMBERS": "etcd-a,etcd-b,etcd-c",
        "ETCD_INITIAL_CLUSTER_TOKEN": "odoo-chaos-20261129-2100-abcdef",
    }
    assert definition.networks == (topology.ZONE_B, topology.INTERZONE)
    assert definition.aliases_on(topology.ZONE_B) == ["etcd-b"]


def test_definitions_in_start_order_with_the_seed_image_on_the_first_node() -> None:
    defs = ha.definitions("run", ha.TUNED, CREDS, "odoo-chaos/patroni-seed:abc")
    assert [d.service for d in defs] == ["etcd-a", "etcd-b", "etcd-c", "pg-primary", "pg-standby", "haproxy"]
    primary, standby = defs[3], defs[4]
    assert primary.image == "odoo-chaos/patroni-seed:abc" and primary.env["HA_BOOTSTRAP"] == "seed"
    assert standby.image == ha.PATRONI_IMAGE and standby.env["HA_BOOTSTRAP"] == "none"
    assert primary.env["POSTGRES_PASSWORD"] == CREDS.postgres_password
    assert primary.env["HA_TTL"] == "10" and standby.env["HA_TTL"] == "10"
    assert primary.volumes == (("pg-primary-data", "/var/lib/postgresql"), ("backup-repo", "/backup"))
    assert primary.published == (topology.PG_PORT, ha.PATRONI_API_PORT)
    assert primary.aliases_on(topology.EDGE) == []
    assert CREDS.postgres_password not in repr(primary)  # env is kept out of the repr


def test_image_tags_match_the_image_specs() -> None:
    assert (
        images.ETCD.tag,
        images.PATRONI.tag,
        images.HAPROXY.tag,
    ) == (ha.ETCD_IMAGE, ha.PATRONI_IMAGE, ha.HAPROXY_IMAGE)


def test_haproxy_checks_patronis_primary_endpoint_and_survives_dead_names() -> None:
    config = (images.COMPOSE / "haproxy" / "haproxy.cfg").read_text()
    assert "option httpchk OPTIONS /primary" in config  # status code only: no traceback per check
    assert "check port 8008" in config
    assert "nameserver dns 127.0.0.11:53" in config
    assert "init-addr last,libc,none" in config
    assert f"bind :{ha.HAPROXY_PRIMARY_PORT}" in config


# --- a node's role as its own Patroni reports it -------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "role"),
    [
        ({"state": "running", "role": "master", "timeline": 2}, "primary"),  # Patroni 3.0.x says master
        ({"state": "running", "role": "primary", "timeline": 2}, "primary"),
        ({"state": "running", "role": "replica", "timeline": 1}, "replica"),
        ({"state": "starting", "role": "replica"}, "down"),
        ({"state": "stopped", "role": "uninitialized"}, "down"),
    ],
)
def test_parse_node_state(payload: dict[str, Any], role: str) -> None:
    assert ha.parse_node_state(json.dumps(payload)).role == role


def test_unreadable_answers_are_down() -> None:
    assert ha.parse_node_state("").role == "down"
    assert ha.parse_node_state("OCI runtime exec failed").role == "down"
    assert ha.parse_node_state("[]").role == "down"
    state = ha.parse_node_state(json.dumps({"state": "running", "role": "master", "timeline": 3}))
    assert (state.state, state.timeline, state.replication_state) == ("running", 3, "")


def test_edit_config_arguments_cover_every_setting() -> None:
    args = ha.HaSettings(synchronous_mode="strict", failsafe_mode=True).edit_config_args()
    assert args[1::2] == [
        "ttl=30",
        "loop_wait=10",
        "retry_timeout=10",
        "maximum_lag_on_failover=1048576",
        "synchronous_mode=true",
        "synchronous_mode_strict=true",
        "failsafe_mode=true",
    ]


def test_a_streaming_replica_says_so() -> None:
    payload = {"state": "running", "role": "replica", "timeline": 3, "replication_state": "streaming"}  # 3.0.4
    assert ha.parse_node_state(json.dumps(payload)) == ha.NodeState("replica", "running", 3, "streaming")
