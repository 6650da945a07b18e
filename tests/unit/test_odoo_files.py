"""A team's own Odoo pieces (--odoo-addons, --odoo-config, --install): each refused in one line that
names the option and the fix, and the team's odoo.conf kept except for the keys the harness owns."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.core.errors import HarnessError
from harness.files import odoo_files
from harness.stack import topology
from harness.stack.odoo_versions import OdooVersion
from harness.stack.seed import TeamPieces, seed_key


def addons(tmp_path: Path, *names: str) -> Path:
    root = tmp_path / "addons"
    for name in names:
        (root / name).mkdir(parents=True)
        (root / name / "__manifest__.py").write_text("{'name': 'x', 'depends': ['base']}\n")
    root.mkdir(exist_ok=True)
    return root


def refused(call, *args: object) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(HarnessError) as caught:
        call(*args)
    return str(caught.value)


def test_an_addons_folder_must_hold_a_module(tmp_path: Path) -> None:
    assert odoo_files.addons_dirs([addons(tmp_path, "acme_delivery")]) == (str((tmp_path / "addons").resolve()),)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert refused(odoo_files.addons_dirs, [empty]) == (
        f"--odoo-addons {empty}: no Odoo module in it (a module is a folder with a __manifest__.py); "
        "give the folder that holds the modules"
    )
    assert refused(odoo_files.addons_dirs, [tmp_path / "missing"]) == (
        f"--odoo-addons {tmp_path / 'missing'}: not a directory; give a folder of Odoo modules"
    )
    folder = addons(tmp_path, "a")
    assert refused(odoo_files.addons_dirs, [folder, folder]) == "--odoo-addons: the same folder is given twice"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("Sale", "--install: 'Sale' is not an Odoo module name (lower-case letters, digits and _); separate modules with commas"),
        ("sale stock", "--install: 'sale stock' is not an Odoo module name (lower-case letters, digits and _); separate modules with commas"),
        ("sale,", "--install: '' is not an Odoo module name (lower-case letters, digits and _); separate modules with commas"),
        ("../etc", "--install: '../etc' is not an Odoo module name (lower-case letters, digits and _); separate modules with commas"),
    ],
)
def test_module_names_are_refused_in_one_line(given: str, message: str) -> None:
    assert refused(odoo_files.modules, given) == message


def test_modules_keep_their_order_once_each() -> None:
    assert odoo_files.modules("sale, stock,sale,acme_delivery") == ("sale", "stock", "acme_delivery")
    assert odoo_files.modules(None) == ()


def test_the_teams_config_is_kept_but_the_harnesss_keys_are_dropped_and_named(tmp_path: Path) -> None:
    conf = tmp_path / "odoo.conf"
    conf.write_text(
        "[options]\naddons_path = /mnt/extra-addons\ndata_dir = /var/lib/odoo\nworkers = 4\n"
        "db_host = db.acme.internal\ndb_password = hunter2\nlimit_memory_hard = 2684354560\n"
    )
    team = odoo_files.team_config(conf)
    assert team.text == "[options]\ndata_dir = /var/lib/odoo\nlimit_memory_hard = 2684354560\n"
    assert team.dropped == ("addons_path", "workers", "db_host", "db_password")
    assert team.note == (
        f"--odoo-config {conf}: the harness sets addons_path, workers, db_host, db_password itself; "
        "the rest of the file is kept"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("data_dir = /x\n", "not an odoo.conf (File contains no section headers.)"),
        ("[server]\nworkers = 2\n", "no [options] section; Odoo reads its settings from [options]"),
        ("[options]\nworkers = 2\nworkers = 3\n", "not an odoo.conf (While reading from"),
    ],
)
def test_a_config_that_is_not_an_odoo_conf_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    conf = tmp_path / "odoo.conf"
    conf.write_text(text)
    assert refused(odoo_files.team_config, conf).startswith(f"--odoo-config {conf}: {problem}")


def test_a_config_that_is_a_fifo_is_refused_unopened(tmp_path: Path) -> None:
    fifo = tmp_path / "odoo.conf"
    os.mkfifo(fifo)
    assert "not a regular file" in refused(odoo_files.team_config, fifo)


def test_the_team_pieces_reach_the_command_line_and_the_snapshot_key(tmp_path: Path) -> None:
    profile = topology.OdooProfile.for_version("acme/odoo-prod:latest", OdooVersion(11, 0), "/usr/bin/odoo")
    from dataclasses import replace

    team = replace(profile, team_addons=2, team_config=True)
    args = topology.odoo_server_args(team)
    assert args[0] == "--config=/etc/odoo-chaos/odoo.conf"
    assert "--addons-path=/mnt/odoo-chaos-addons,/mnt/odoo-chaos-team/0,/mnt/odoo-chaos-team/1" in args
    assert "--addons-path=/mnt/odoo-chaos-addons,/mnt/odoo-chaos-team/0,/mnt/odoo-chaos-team/1" in (
        topology.odoo_seed_args("base,web", "pg-seed", team)
    )
    assert topology.odoo_server_args(profile)[0].startswith("--http-port")  # none given: no --config
    folder = addons(tmp_path, "acme_delivery")
    plain = seed_key("img", "pg")
    assert seed_key("img", "pg", TeamPieces()) == plain  # the reference stack's snapshots are reused
    with_team = seed_key("img", "pg", TeamPieces((str(folder),), ("acme_delivery",)))
    (folder / "acme_delivery" / "__manifest__.py").write_text("{'name': 'changed'}\n")
    changed = seed_key("img", "pg", TeamPieces((str(folder),), ("acme_delivery",)))
    assert len({plain, with_team, changed}) == 3
