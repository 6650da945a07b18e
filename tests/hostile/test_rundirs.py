"""Hostile run directories for `odoo-chaos check`: every one answered in plain lines, never a traceback or a hang.

A run directory is built once from a hand-made history (the real report writer, no Docker), then
each case damages a copy the way a careless copy or a forger would, re-sealing SHA256SUMS where a
forger would. `check` must exit 1 with the pinned `DISAGREES:` line among its output (the evidence
does not hold up), or 2 with one error line (nothing to check: a missing directory, a bad key).
Every case runs as a real `python -X dev -m harness check` process: no traceback, no warning.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.report.writer import MANIFEST, manifest
from tests.hostile.corpus import NO_DOCKER, PREFIX, ROOT
from tests.unit.test_recheck import write_run

Damage = Callable[[Path], None]


def _reseal(run_dir: Path) -> None:
    (run_dir / MANIFEST).write_text(manifest(run_dir))


def _write(name: str, data: bytes | str, reseal: bool = True) -> Damage:
    def damage(run_dir: Path) -> None:
        path = run_dir / name
        path.unlink(missing_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        if reseal:
            _reseal(run_dir)

    return damage


def _history_line(index: int, replace: Callable[[dict[str, object]], object]) -> Damage:
    def damage(run_dir: Path) -> None:
        path = run_dir / "history.jsonl"
        lines = path.read_text().splitlines()
        lines[index] = json.dumps(replace(json.loads(lines[index])))
        path.write_text("\n".join(lines) + "\n")
        _reseal(run_dir)

    return damage


def _report(change: Callable[[dict[str, object]], None]) -> Damage:
    def damage(run_dir: Path) -> None:
        path = run_dir / "report.json"
        doc = json.loads(path.read_text())
        change(doc)
        path.write_text(json.dumps(doc))
        _reseal(run_dir)

    return damage


def _fifo(name: str) -> Damage:
    def damage(run_dir: Path) -> None:
        (run_dir / name).unlink()
        os.mkfifo(run_dir / name)

    return damage


def _remove(name: str, reseal: bool = False) -> Damage:
    def damage(run_dir: Path) -> None:
        (run_dir / name).unlink()
        if reseal:
            _reseal(run_dir)

    return damage


def _symlink(name: str, target: str) -> Damage:
    def damage(run_dir: Path) -> None:
        (run_dir / name).unlink()
        (run_dir / name).symlink_to(target)
        _reseal(run_dir)

    return damage


def _pop_checker(doc: dict[str, object]) -> None:
    checks = doc["checks"]
    assert isinstance(checks, list)
    checks[0].pop("checker")


CASES: dict[str, tuple[Damage, int, str]] = {
    "report-is-a-list": (_write("report.json", "[1, 2]\n"), 1, "report.json: not a JSON object"),
    "report-not-json": (
        _write("report.json", "{verdict: pass"),
        1,
        "report.json: not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))",
    ),
    "report-not-utf8": (
        _write("report.json", b"\xff\xfe{}"),
        1,
        "report.json: not valid JSON ('utf-8' codec can't decode byte 0xff in position 0: invalid start byte)",
    ),
    "report-deep-nesting": (
        _write("report.json", "[" * 100_000),
        1,
        "report.json: not valid JSON (maximum recursion depth exceeded while decoding a JSON array from a unicode string)",
    ),
    "report-old-schema": (
        _report(lambda d: d.update(schema_version=1)),
        1,
        "report.json: schema_version 1, this check reads 2",
    ),
    "check-without-checker": (_report(_pop_checker), 1, "report.json checks.0: not a check (no checker name)"),
    "checks-not-a-list": (_report(lambda d: d.update(checks="all good")), 1, "report.json field checks: not a list"),
    "report-symlink-to-passwd": (
        _symlink("report.json", "/etc/passwd"),
        1,
        "report.json: not valid JSON (Expecting value: line 1 column 1 (char 0))",
    ),
    "tier-missing-targets": (
        _write("evidence/tier.json", '{"name": "tier-1", "rto": {"strict": "fast"}}'),
        1,
        "evidence/tier.json: missing field 'availability'",
    ),
    "tier-target-not-a-number": (
        _write(
            "evidence/tier.json",
            '{"name": "t", "availability": {"strict": 1, "loose": 1}, "rto": {"strict": "x", "loose": 1}, "rpo": {"strict": 1, "loose": 1}}',
        ),
        1,
        "evidence/tier.json: rto.strict and rto.loose must be numbers",
    ),
    "tier-is-a-string": (_write("evidence/tier.json", '"tier-1"'), 1, "evidence/tier.json: not a JSON object"),
    "scenario-record-missing": (_remove("evidence/scenario.json", reseal=True), 1, "evidence/scenario.json: missing"),
    "scenario-record-mistyped": (
        _write("evidence/scenario.json", '{"name": "x", "duration": "soon"}'),
        1,
        "evidence/scenario.json: could not convert string to float: 'soon'",
    ),
    "versions-not-an-object": (_write("evidence/versions.json", "[]"), 1, "evidence/versions.json: not a JSON object"),
    "history-time-of-wrong-type": (
        _history_line(4, lambda r: {**r, "time": "soon"}),
        1,
        "history.jsonl: line 5: not an event (field 'time' is not a finite number)",
    ),
    "history-kind-unknown": (
        _history_line(7, lambda r: {**r, "kind": "maybe"}),
        1,
        "history.jsonl: line 8: not an event (field 'kind' is 'maybe', not one of invoke, ok, fail, info)",
    ),
    "history-value-a-list": (
        _history_line(2, lambda r: {**r, "value": [1]}),
        1,
        "history.jsonl: line 3: not an event (field 'value' is not an object)",
    ),
    "history-line-a-number": (
        _history_line(9, lambda r: 42),
        1,
        "history.jsonl: line 10: not an event (an event is a JSON object)",
    ),
    "history-fifo": (_fifo("history.jsonl"), 1, "history.jsonl: not a regular file"),
    "history-missing": (_remove("history.jsonl"), 1, "history.jsonl: missing"),
    "manifest-missing": (_remove(MANIFEST), 1, "SHA256SUMS: missing"),
    "manifest-garbage": (_write(MANIFEST, "not a manifest\n", reseal=False), 1, "SHA256SUMS: malformed line 1"),
    "manifest-escapes": (
        _write(MANIFEST, "0" * 64 + "  ../../etc/passwd\n", reseal=False),
        1,
        "../../etc/passwd: outside the run directory",
    ),
    "signature-garbage": (_write("SHA256SUMS.sig", "hello\n", reseal=False), 1, "SHA256SUMS.sig: malformed"),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(tmp_path_factory.mktemp("pristine"))


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
    return subprocess.run(
        [sys.executable, "-X", "dev", "-m", "harness", "check", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path, "DOCKER_HOST": NO_DOCKER, "COLUMNS": "400"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("name", list(CASES))
def test_a_damaged_run_directory_disagrees_in_plain_lines(pristine: Path, tmp_path: Path, name: str) -> None:
    damage, code, line = CASES[name]
    run_dir = tmp_path / name
    shutil.copytree(pristine, run_dir, symlinks=True)
    damage(run_dir)
    done = _check(str(run_dir))
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr == "", done.stderr
    assert done.returncode == code
    assert f"DISAGREES: {line}" in done.stdout.splitlines(), done.stdout


def test_the_pristine_run_directory_agrees(pristine: Path) -> None:
    done = _check(str(pristine))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.endswith("every verdict, figure and report recomputed from history.jsonl agrees\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("{tmp}/missing",), "{tmp}/missing: no such run directory (give a directory written by `odoo-chaos run`)"),
        (
            ("{tmp}/missing", "--tier", "tier-1"),
            "{tmp}/missing: no such run directory (give a directory written by `odoo-chaos run`)",
        ),
        (("{run}/report.json",), "{run}/report.json: not a directory (give a run directory, not one of its files)"),
        (
            ("{run}", "--pubkey", "{tmp}/none.pub"),
            "{tmp}/none.pub: no such public key file (make a pair with `odoo-chaos keygen`)",
        ),
        (
            ("{run}", "--tier", "tier-9"),
            'unknown tier "tier-9" (valid: odoo-online, odoo-online-dc, tier-1, tier-2, tier-3)',
        ),
    ],
)
def test_nothing_to_check_is_one_line_and_exit_2(
    pristine: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    fill = {"tmp": str(tmp_path), "run": str(pristine)}
    done = _check(*(arg.format(**fill) for arg in args))
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.splitlines() == [PREFIX + message.format(**fill)]
    assert done.returncode == 2


def test_a_pubkey_that_is_not_a_key(pristine: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.pub").write_text("-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----\n")
    done = _check(str(pristine), "--pubkey", str(tmp_path / "bad.pub"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"{PREFIX}{tmp_path / 'bad.pub'}: not a PEM public key (")
