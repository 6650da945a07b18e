"""The Odoo version is read from what the image ships (release.py, `odoo --version`), never its tag,
and each behaviour that depends on it is one row of the version table; the pre-flight names, one
line each, what an image lacks and what the harness does instead."""

from __future__ import annotations

import pytest

from harness.core.errors import HarnessError
from harness.stack import odoo_versions as v
from harness.stack import topology
from harness.stack.odoo_preflight import ImageFacts, preflight

# The head of odoo/release.py as Odoo ships it from 11.0 to 18.0 (the same lines on every branch);
# only version_info changes, and 17.0+ add MIN_PY_VERSION / MAX_PY_VERSION below it.
HEAD = """# -*- coding: utf-8 -*-
# Part of Odoo. See LICENSE file for full copyright and licensing details.

RELEASE_LEVELS = [ALPHA, BETA, RELEASE_CANDIDATE, FINAL] = ['alpha', 'beta', 'candidate', 'final']
RELEASE_LEVELS_DISPLAY = {ALPHA: ALPHA,
                          BETA: BETA,
                          RELEASE_CANDIDATE: 'rc',
                          FINAL: ''}

# version_info format: (MAJOR, MINOR, MICRO, RELEASE_LEVEL, SERIAL)
# inspired by Python's own sys.version_info, in order to be
# properly comparable using normal operarors, for example:
#  (6,1,0,'beta',0) < (6,1,0,'candidate',1) < (6,1,0,'candidate',2)
#  (6,1,0,'candidate',2) < (6,1,0,'final',0) < (6,1,2,'final',0)
"""
TAIL = """version = '.'.join(str(s) for s in version_info[:2]) + RELEASE_LEVELS_DISPLAY[version_info[3]] + str(version_info[4] or '') + version_info[5]
series = serie = major_version = '.'.join(str(s) for s in version_info[:2])

product_name = 'Odoo'
description = 'Odoo Server'
"""


def release_py(info: str, extra: str = "") -> str:
    return f"{HEAD}version_info = {info}\n{TAIL}{extra}"


RELEASES = {
    "11.0": release_py("(11, 0, 0, FINAL, 0, '')"),
    "12.0": release_py("(12, 0, 0, FINAL, 0, '')"),
    "13.0": release_py("(13, 0, 0, FINAL, 0, '')"),
    "14.0": release_py("(14, 0, 0, FINAL, 0, '')"),
    "15.0": release_py("(15, 0, 0, FINAL, 0, '')"),
    "16.0": release_py("(16, 0, 0, FINAL, 0, '')"),
    "17.0": release_py("(17, 0, 0, FINAL, 0, '')", "\nMIN_PY_VERSION = (3, 10)\nMAX_PY_VERSION = (3, 13)\n"),
    "18.0": release_py("(18, 0, 0, FINAL, 0, '')", "\nMIN_PY_VERSION = (3, 10)\nMAX_PY_VERSION = (3, 13)\n"),
    "saas~16.4": release_py("('saas~16', 4, 0, FINAL, 0, '')"),
    "saas~12.5": release_py("('saas~12', 5, 0, FINAL, 0, '')"),
}

#: What each major changes, pinned: (health path, evented-port flag, bus route, oldest Python).
MATRIX = {
    11: ("/web/static/src/img/favicon.ico", "--longpolling-port", "/longpolling/poll", (3, 5)),
    12: ("/web/static/src/img/favicon.ico", "--longpolling-port", "/longpolling/poll", (3, 5)),
    13: ("/web/static/src/img/favicon.ico", "--longpolling-port", "/longpolling/poll", (3, 6)),
    14: ("/web/static/src/img/favicon.ico", "--longpolling-port", "/longpolling/poll", (3, 6)),
    15: ("/web/health", "--longpolling-port", "/longpolling/poll", (3, 7)),
    16: ("/web/health", "--gevent-port", "/websocket", (3, 7)),
    17: ("/web/health", "--gevent-port", "/websocket", (3, 10)),
    18: ("/web/health", "--gevent-port", "/websocket", (3, 10)),
}


@pytest.mark.parametrize("series", sorted(RELEASES))
def test_every_release_py_from_11_to_18_gives_its_series(series: str) -> None:
    assert v.from_release_py(RELEASES[series]).series == series


@pytest.mark.parametrize(
    ("output", "series"),
    [
        ("Odoo Server 11.0\n", "11.0"),
        ("Odoo Server 17.0\n", "17.0"),
        ("Odoo Server 16.0+e\n", "16.0"),
        ("Odoo Server saas~16.4\n", "saas~16.4"),
        ("Odoo Server 18.0-20260908\n", "18.0"),
    ],
)
def test_odoo_version_output_gives_its_series(output: str, series: str) -> None:
    assert v.from_version_output(output).series == series


def test_what_is_not_a_version_is_refused_with_the_file_named() -> None:
    with pytest.raises(HarnessError) as caught:
        v.from_release_py("print('hello')\n", "acme/odoo:latest: /usr/lib/python3/dist-packages/odoo/release.py")
    assert str(caught.value) == (
        "acme/odoo:latest: /usr/lib/python3/dist-packages/odoo/release.py: no version_info line; "
        "is this an Odoo release.py?"
    )
    with pytest.raises(HarnessError) as caught:
        v.from_version_output("Usage: odoo-bin [options]")
    assert str(caught.value) == (
        "cannot read an Odoo version from 'Usage: odoo-bin [options]' (expected 'Odoo Server N.M')"
    )


@pytest.mark.parametrize("major", sorted(MATRIX))
def test_the_version_table_row_of_each_major(major: int) -> None:
    row = v.TRAITS[major]
    assert (row.health_path, row.gevent_flag, row.bus_path, row.min_python) == MATRIX[major]
    assert row.websocket is (major >= 16)


def test_a_major_outside_the_matrix_is_refused_with_the_range() -> None:
    with pytest.raises(HarnessError) as caught:
        v.traits(v.OdooVersion(19, 0))
    assert str(caught.value) == (
        "Odoo 19.0 is not supported: the harness knows Odoo 11.0 to 18.0 (docs/stack.md, support matrix)"
    )


def test_the_profile_follows_the_version_not_the_tag() -> None:
    old = topology.OdooProfile.for_version("odoo:17", v.OdooVersion(11, 0))
    new = topology.OdooProfile.for_version("odoo-chaos/odoo:11.0", v.OdooVersion(17, 0), "/usr/bin/odoo")
    assert (old.health_path, old.longpolling_flag, old.version) == (v.STATIC_HEALTH_PATH, "--longpolling-port", "11.0")
    assert (new.health_path, new.longpolling_flag, new.command) == ("/web/health", "--gevent-port", "/usr/bin/odoo")
    assert "--gevent-port=8072" in topology.odoo_server_args(new)
    override = topology.OdooProfile.for_version("acme/erp:prod", v.OdooVersion(16, 0), health_path="/ping")
    assert override.health_path == "/ping"


def facts(**changes: object) -> ImageFacts:
    base: dict[str, object] = {
        "image": "acme/odoo-prod:latest",
        "image_id": "sha256:1",
        "python": "3.9.2",
        "commands": {"odoo": "/usr/bin/odoo", "odoo-bin": None, "openerp-server": None},
        "release_py": RELEASES["11.0"],
        "release_py_path": "/usr/lib/python3/dist-packages/odoo/release.py",
        "redis": True,
    }
    base.update(changes)
    return ImageFacts(**base)  # type: ignore[arg-type]


def test_an_image_like_the_harnesss_own_needs_nothing() -> None:
    checked = preflight(facts())
    assert (checked.version.series, checked.command, checked.notes) == ("11.0", "/usr/bin/odoo", ())
    assert checked.summary == (
        "acme/odoo-prod:latest: Odoo 11.0 (read from /usr/lib/python3/dist-packages/odoo/release.py), "
        "started as /usr/bin/odoo"
    )


def test_what_an_official_image_lacks_is_named_one_line_each_with_what_the_harness_does() -> None:
    checked = preflight(
        facts(redis=False, commands={"odoo": None, "odoo-bin": "/opt/odoo/odoo-bin"}, release_py=RELEASES["17.0"],
              python="3.10.12")
    )
    assert checked.version.series == "17.0"
    assert checked.notes == (
        "image acme/odoo-prod:latest: no `odoo` on PATH; the harness starts /opt/odoo/odoo-bin instead",
        "image acme/odoo-prod:latest: no `redis` Python package; the session addon talks to Redis with its own "
        "built-in client",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"python": "3.9.2", "release_py": RELEASES["17.0"]},
            "image acme/odoo-prod:latest: Python 3.9.2 is older than Odoo 17.0 needs (3.10); "
            "rebuild the image on a newer Python",
        ),
        (
            {"python": "3.6.9", "release_py": RELEASES["16.0"]},
            "image acme/odoo-prod:latest: Python 3.6.9 is older than Odoo 16.0 needs (3.7); "
            "rebuild the image on a newer Python",
        ),
        (
            {"python": None},
            "image acme/odoo-prod:latest: no python3 on PATH; Odoo needs one (build the image with Odoo's Python)",
        ),
        (
            {"commands": {"odoo": None}},
            "image acme/odoo-prod:latest: none of odoo, odoo-bin, openerp-server is on PATH; put the Odoo "
            "executable on PATH (the official images ship /usr/bin/odoo)",
        ),
        (
            {"release_py": None, "version_output": ""},
            "image acme/odoo-prod:latest: no odoo/release.py on its Python path and `odoo --version` printed "
            "nothing; is this an Odoo image?",
        ),
        (
            {"release_py": release_py("(10, 0, 0, FINAL, 0, '')")},
            "Odoo 10.0 is not supported: the harness knows Odoo 11.0 to 18.0 (docs/stack.md, support matrix)",
        ),
    ],
)
def test_an_image_the_harness_cannot_run_is_refused_in_one_line(changes: dict[str, object], message: str) -> None:
    with pytest.raises(HarnessError) as caught:
        preflight(facts(**changes))
    assert str(caught.value) == message


def test_without_release_py_the_version_comes_from_odoo_version() -> None:
    checked = preflight(facts(release_py=None, release_py_path=None, version_output="Odoo Server 16.0+e\n"))
    assert (checked.version.series, checked.version_source) == ("16.0", "odoo --version")
