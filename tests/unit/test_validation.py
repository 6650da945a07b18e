"""The one safe reader of user files, the messages it and pydantic give, and that every shipped file still loads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.core.durations import parse_duration
from harness.core.errors import HarnessError, one_line, shown
from harness.files.backup_policy import load_policy
from harness.files.tiers import load_tiers
from harness.files.validation import MAX_FILE_BYTES, load_yaml, writable_directory
from harness.load.profile import load_profile
from harness.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def _load(tmp_path: Path, content: bytes | str) -> str:
    path = tmp_path / "f.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(HarnessError) as error:
        load_yaml(path, "test file", HarnessError)
    message = str(error.value)
    assert "\n" not in message
    return message.removeprefix(f"{path}: ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a: &x [1]\nb: *x\n", "line 1: anchors and aliases (&x, *x) are not allowed"),
        ("a: *x\n", "line 1: anchors and aliases (&x, *x) are not allowed"),
        ("<<: {a: 1}\n", "line 1: merge keys (<<) are not allowed"),
        ("a: 1\nb: 2\na: 3\n", "line 3: duplicate key 'a'"),
        ("? [a]\n: 1\n", "line 1: a key must be a plain value, not a list or mapping"),
        ("[" * 100, "line 1: nested deeper than 32 levels"),
        ("a: [" + ", ".join(["1"] * 30000) + "]\n", "line 1: more than 20000 values"),
        ("a: " + "1" * 50 + "\n", "line 1: a number of 50 characters (at most 40)"),
        ("a: 2023-13-01\n", "line 1: '2023-13-01' is not a valid date"),
        ("a: !!binary eA==\n", "line 1: the tag 'binary' is not allowed here"),
        (
            "a: !!python/name:os.system ''\n",
            "not valid YAML at line 1: could not determine a constructor for the tag 'tag:yaml.org,2002:python/name:os.system'",
        ),
        ("a: 1\x00\n", "line 1: the control character '\\x00' is not allowed in YAML"),
        ("a: 1\n---\nb: 2\n", "not valid YAML at line 2: but found another document"),
        ("a: [1\n", "not valid YAML at line 2: expected ',' or ']', but got '<stream end>'"),
        (b"\xff\xfea\x00", "the test file is UTF-16 or UTF-32 text; save it as UTF-8"),
        (b"a: 1\nb: caf\xe9\n", "not UTF-8 text (byte 0xe9 at line 2); save the test file as UTF-8"),
    ],
)
def test_hostile_yaml_is_refused_in_one_line(tmp_path: Path, content: bytes | str, message: str) -> None:
    assert _load(tmp_path, content) == message


def test_plain_data_and_a_utf8_bom_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_bytes("\ufeffa: [1, 2.5, x, true, null]\nb: {c: 'd'}\n".encode())
    assert load_yaml(path, "test file", HarnessError) == {"a": [1, 2.5, "x", True, None], "b": {"c": "d"}}


def test_size_is_checked_before_reading(tmp_path: Path) -> None:
    assert _load(tmp_path, b"#" * (MAX_FILE_BYTES + 1)).startswith(f"{MAX_FILE_BYTES + 1} bytes; a test file may have")


def test_fifos_directories_devices_and_missing_files(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    cases = {
        fifo: "not a regular file (a FIFO, socket or device); give the test file as a file",
        tmp_path: "is a directory, not a test file",
        Path("/dev/zero"): "not a regular file (a FIFO, socket or device); give the test file as a file",
        tmp_path / "missing.yaml": "no such test file",
    }
    for path, message in cases.items():
        with pytest.raises(HarnessError) as error:
            load_yaml(path, "test file", HarnessError)
        assert str(error.value) == f"{path}: {message}"


def test_messages_stay_one_short_line() -> None:
    assert one_line("a\nb\x1b[31m") == "a\\nb\\x1b[31m"
    assert len(shown("x" * 10_000)) <= 60


def test_writable_directory_refuses_files_and_unwritable_places(tmp_path: Path) -> None:
    assert writable_directory(tmp_path / "new" / "dir", "--out").is_dir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(HarnessError, match=r"^--out: .*file exists and is not a directory$"):
        writable_directory(tmp_path / "file", "--out")
    with pytest.raises(HarnessError, match=r"^--out: cannot write into /proc/self"):
        writable_directory(Path("/proc/self"), "--out")


def test_durations_are_finite_and_bounded() -> None:
    assert parse_duration("1m30s") == 90.0
    for text in ("9" * 400 + "s", "99999d", "1e3s", "-1s", "", "s" * 100):
        with pytest.raises(ValueError):
            parse_duration(text)


def test_every_shipped_file_still_loads() -> None:
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        assert load_scenario(path).name == path.stem
    for path in sorted((ROOT / "load-profiles").glob("*.yaml")):
        assert load_profile(path).users >= 1
    for path in sorted((ROOT / "tiers").glob("*.yaml")):
        assert "tier-1" in load_tiers(path)
    promise, repository = load_policy(ROOT / "backup-policy.yaml")
    assert promise.needed == 14 and repository.retention_full == 7
