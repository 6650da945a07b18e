#!/usr/bin/env python3
"""Patroni's configuration for one node of the odoo-chaos HA mode, rendered from the environment.

Run by the image's entrypoint (`patroni_config.py > /etc/patroni/patroni.yml`); imported by the
harness's unit tests. Standard library + PyYAML only (Debian's python3-yaml, a Patroni dependency).
The file holds no secret: the passwords reach Patroni as PATRONI_SUPERUSER_PASSWORD /
PATRONI_REPLICATION_PASSWORD, which the entrypoint exports from the stack's variables.

Environment (every HA_* value is checked; a bad one stops the container with one line naming it):

  PATRONI_NAME                 this node (pg-primary, pg-standby): member name and DNS name   [required]
  PATRONI_SCOPE                the cluster's name in etcd                                   [odoo]
  ETCD_HOSTS                   etcd members, host:port, comma-separated  [etcd-a:2379,etcd-b:2379,etcd-c:2379]
  HA_MEMBERS                   every node's name, comma-separated                 [pg-primary,pg-standby]
  HA_BOOTSTRAP                 seed (copy /seed: the Odoo database snapshot), initdb, or none  [none]
                               (none: this node never initialises the cluster, it waits for a
                               leader and clones it; give exactly one node seed or initdb)
  HA_TTL / HA_LOOP_WAIT / HA_RETRY_TIMEOUT      Patroni's timing, seconds            [30 / 10 / 10]
  HA_MAXIMUM_LAG_ON_FAILOVER   bytes a replica may lag and still be promoted             [1048576]
  HA_SYNCHRONOUS_MODE          off, on, strict                                            [off]
  HA_FAILSAFE_MODE             false, true                                                [false]

The HA_* settings are Patroni's *dynamic* configuration: they are written to etcd by the node that
bootstraps the cluster and are the same for every node afterwards (`patronictl edit-config` changes
them at run time). Constraints (see `problems`): integers; loop_wait >= 1 and retry_timeout >= 3
(the minima later Patroni releases enforce); loop_wait + 2 * retry_timeout <= ttl (Patroni's
documented rule: otherwise a leader can lose its lock while still retrying a DCS call). ttl >= 20
is a minimum only from later releases (which raise a smaller ttl to 20 without an error); the
Patroni 3.0.4 in this image takes ttl 10 as given.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

import yaml

DATA_DIR = "/var/lib/postgresql/data"
SOCKET_DIR = "/var/run/postgresql"
BIN_DIR = "/usr/lib/postgresql/15/bin"
ARCHIVE_COMMAND = "pgbackrest --stanza=odoo archive-push %p"
RESTORE_COMMAND = "pgbackrest --stanza=odoo archive-get %f %p"
SEED_BOOTSTRAP = "/usr/local/bin/patroni-seed-bootstrap"
DEFAULT_ETCD_HOSTS = "etcd-a:2379,etcd-b:2379,etcd-c:2379"
DEFAULT_MEMBERS = "pg-primary,pg-standby"

DEFAULTS: dict[str, str] = {
    "HA_TTL": "30",
    "HA_LOOP_WAIT": "10",
    "HA_RETRY_TIMEOUT": "10",
    "HA_MAXIMUM_LAG_ON_FAILOVER": "1048576",
    "HA_SYNCHRONOUS_MODE": "off",
    "HA_FAILSAFE_MODE": "false",
    "HA_BOOTSTRAP": "none",
}
SYNCHRONOUS_MODES = ("off", "on", "strict")
BOOTSTRAP_METHODS = ("seed", "initdb", "none")
BOOLEANS = {"true": True, "false": False}


def _setting(env: Mapping[str, str], name: str) -> str:
    return env.get(name, "").strip() or DEFAULTS[name]


def problems(env: Mapping[str, str]) -> list[str]:
    """Every reason the HA_* settings in `env` cannot run, each naming the variable; [] when fine."""
    found: list[str] = []
    numbers: dict[str, int] = {}
    for name, minimum in (("HA_TTL", 1), ("HA_LOOP_WAIT", 1), ("HA_RETRY_TIMEOUT", 3), ("HA_MAXIMUM_LAG_ON_FAILOVER", 0)):
        raw = _setting(env, name)
        try:
            numbers[name] = int(raw)
        except ValueError:
            found.append(f"{name}={raw!r} is not an integer")
            continue
        if numbers[name] < minimum:
            found.append(f"{name}={raw} is below its minimum {minimum}")
    if {"HA_TTL", "HA_LOOP_WAIT", "HA_RETRY_TIMEOUT"} <= numbers.keys():
        ttl, loop_wait, retry = numbers["HA_TTL"], numbers["HA_LOOP_WAIT"], numbers["HA_RETRY_TIMEOUT"]
        if loop_wait + 2 * retry > ttl:
            found.append(
                f"HA_LOOP_WAIT + 2 * HA_RETRY_TIMEOUT must be <= HA_TTL (Patroni's rule), "
                f"got {loop_wait} + 2 * {retry} = {loop_wait + 2 * retry} > {ttl}"
            )
    mode = _setting(env, "HA_SYNCHRONOUS_MODE")
    if mode not in SYNCHRONOUS_MODES:
        found.append(f"HA_SYNCHRONOUS_MODE={mode!r}: use one of {', '.join(SYNCHRONOUS_MODES)}")
    failsafe = _setting(env, "HA_FAILSAFE_MODE")
    if failsafe not in BOOLEANS:
        found.append(f"HA_FAILSAFE_MODE={failsafe!r}: use true or false")
    method = _setting(env, "HA_BOOTSTRAP")
    if method not in BOOTSTRAP_METHODS:
        found.append(f"HA_BOOTSTRAP={method!r}: use one of {', '.join(BOOTSTRAP_METHODS)}")
    if not env.get("PATRONI_NAME", "").strip():
        found.append("PATRONI_NAME is required (this node's name: pg-primary or pg-standby)")
    return found


def dynamic(env: Mapping[str, str]) -> dict[str, Any]:
    """Patroni's dynamic configuration (`bootstrap.dcs`): written to etcd once, shared by every node."""
    mode = _setting(env, "HA_SYNCHRONOUS_MODE")
    members = [m.strip() for m in (env.get("HA_MEMBERS") or DEFAULT_MEMBERS).split(",") if m.strip()]
    return {
        "ttl": int(_setting(env, "HA_TTL")),
        "loop_wait": int(_setting(env, "HA_LOOP_WAIT")),
        "retry_timeout": int(_setting(env, "HA_RETRY_TIMEOUT")),
        "maximum_lag_on_failover": int(_setting(env, "HA_MAXIMUM_LAG_ON_FAILOVER")),
        "synchronous_mode": mode in ("on", "strict"),
        "synchronous_mode_strict": mode == "strict",
        "failsafe_mode": BOOLEANS[_setting(env, "HA_FAILSAFE_MODE")],
        # Every node's physical slot is permanent: the leader creates the other node's slot as soon as
        # it leads (Patroni never creates one for itself). Member slots alone appear only on the
        # leader's next loop after the replica registers: the replica's first stream attempts fail
        # ("replication slot does not exist") for up to loop_wait + 5 s, at start and at every rejoin.
        "slots": {member.replace("-", "_"): {"type": "physical"} for member in members},
        "postgresql": {
            "use_pg_rewind": True,
            "use_slots": True,
            # cluster-wide parameters: Patroni takes these from the DCS only
            "parameters": {
                "wal_level": "replica",
                "hot_standby": "on",
                "wal_log_hints": "on",
                "max_connections": 200,
                "max_wal_senders": 10,
                "max_replication_slots": 10,
                "max_worker_processes": 8,
                # A leader cut off from its standby demotes with a fast shutdown, which waits for the
                # walsender to hand the standby the shutdown checkpoint: over a dead link that is
                # wal_sender_timeout (60 s by default), and all that time the old leader answers new
                # connections "the database system is shutting down" -- libpq does not try its next
                # host on a server error, so Odoo nodes that still reach the old leader stay down.
                # Measured by the patroni-primary-isolated drill: 57 s stuck at 60 s; see README.
                "wal_sender_timeout": "10s",
            },
        },
    }


def render(env: Mapping[str, str]) -> dict[str, Any]:
    """The whole patroni.yml for the node named by PATRONI_NAME, as a dict."""
    name = env["PATRONI_NAME"].strip()
    hosts = [h.strip() for h in (env.get("ETCD_HOSTS") or DEFAULT_ETCD_HOSTS).split(",") if h.strip()]
    config: dict[str, Any] = {
        "scope": env.get("PATRONI_SCOPE") or "odoo",
        "name": name,
        "log": {"level": "INFO", "format": "%(asctime)s %(levelname)s: %(message)s"},
        "restapi": {"listen": "0.0.0.0:8008", "connect_address": f"{name}:8008"},
        "etcd3": {"hosts": hosts, "protocol": "http"},
        "postgresql": {
            "listen": "0.0.0.0:5432",
            "connect_address": f"{name}:5432",
            "data_dir": DATA_DIR,
            "bin_dir": BIN_DIR,
            "pgpass": "/tmp/pgpass",
            "use_unix_socket": True,
            "use_unix_socket_repl": False,
            "authentication": {
                "superuser": {"username": "postgres"},
                "replication": {"username": "replicator"},
            },
            "pg_hba": [
                "local all all trust",
                "host all all 0.0.0.0/0 scram-sha-256",
                "host replication replicator 0.0.0.0/0 scram-sha-256",
            ],
            "parameters": {
                "unix_socket_directories": SOCKET_DIR,
                "password_encryption": "scram-sha-256",
                "shared_buffers": "128MB",
                "hot_standby_feedback": "on",
                "archive_mode": "on",
                "archive_timeout": 15,
                "archive_command": ARCHIVE_COMMAND,
                "log_line_prefix": "%m [%p] %q%u@%d ",
            },
            "recovery_conf": {"restore_command": RESTORE_COMMAND},
            "basebackup": [{"checkpoint": "fast"}],
            "remove_data_directory_on_rewind_failure": True,
            "remove_data_directory_on_diverged_timelines": True,
        },
        "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False, "nosync": False},
    }
    method = _setting(env, "HA_BOOTSTRAP")
    if method != "none":
        bootstrap: dict[str, Any] = {"dcs": dynamic(env), "method": method}
        if method == "seed":
            bootstrap["seed"] = {"command": SEED_BOOTSTRAP, "keep_existing_recovery_conf": False}
        # initdb: the same encoding, locale and checksums as the stack's seed (Odoo refuses SQL_ASCII)
        bootstrap["initdb"] = [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, "data-checksums"]
        config["bootstrap"] = bootstrap
    return config


def main() -> int:
    found = problems(os.environ)
    if found:
        print(f"patroni-config: {'; '.join(found)}", file=sys.stderr)
        return 2
    sys.stdout.write(yaml.safe_dump(render(os.environ), sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
