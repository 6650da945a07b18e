"""Files the user names as outputs: a device or FIFO is written into, never replaced; a directory or socket refused."""

from __future__ import annotations

import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from harness.core.errors import HarnessError
from harness.files.outputs import check_output, write_output


def test_a_new_file_is_written_and_a_regular_file_replaced(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "metrics.prom"
    assert write_output(path, b"one\n", "--metrics-file") == "new"
    assert write_output(path, b"two\n", "--metrics-file") == "replace"
    assert path.read_bytes() == b"two\n"
    assert [p.name for p in path.parent.iterdir()] == ["metrics.prom"]  # no temporary file left


def test_a_character_device_is_written_into_and_stays_a_device(tmp_path: Path) -> None:
    """`mknod c 1 3` is what /dev/null is: a rename over it would replace the machine's /dev/null as root."""
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    assert write_output(node, b"x" * 10_000, "--metrics-file") == "stream"
    assert stat.S_ISCHR(os.stat(node).st_mode) and os.stat(node).st_rdev == os.makedev(1, 3)
    assert write_output(Path("/dev/null"), b"x", "--out") == "stream"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_written_into_for_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert write_output(fifo, b"<html>trend</html>", "--out") == "stream"
    reader.join(5)
    assert got == [b"<html>trend</html>"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symlink_to_a_file_stays_a_link_and_the_file_is_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.xml"
    real.write_text("old")
    link = tmp_path / "link.xml"
    link.symlink_to(real)
    assert write_output(link, b"new", "--junit") == "replace"
    assert link.is_symlink() and real.read_text() == "new"


def test_what_is_not_a_file_is_refused_in_one_line_naming_the_option(tmp_path: Path) -> None:
    with pytest.raises(HarnessError) as caught:
        check_output(tmp_path, "--metrics-file")
    assert str(caught.value) == (
        f"--metrics-file: {tmp_path} is a directory, not a file; give a regular file's path (or /dev/null, "
        f"/dev/stdout); give a file name such as {tmp_path / 'out'}"
    )
    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(HarnessError, match=r"^--out: .*s\.sock is a socket, not a file;"):
            write_output(sock_path, b"x", "--out")
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(HarnessError, match=r"^--junit: .*dangling is a symlink to nothing"):
        check_output(dangling, "--junit")
    assert not (tmp_path / "nowhere").exists()


def test_the_cli_writes_metrics_into_a_device_without_replacing_it(tmp_path: Path) -> None:
    """The issue's case: `freshness --metrics-file X` and `trend --out X` with X made by `mknod c 1 3`."""
    from typer.testing import CliRunner

    from harness.cli import app

    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    reports = tmp_path / "reports"
    reports.mkdir()
    runner = CliRunner()
    for args in (
        ["freshness", "--metrics-file", str(node), "--reports", str(reports)],
        ["trend", "--out", str(node), "--reports", str(reports)],
    ):
        result = runner.invoke(app, args)
        assert "Traceback" not in result.output, result.output
        assert stat.S_ISCHR(os.stat(node).st_mode), (args, result.output)


def test_keygen_never_writes_a_key_through_a_symlink(tmp_path: Path) -> None:
    from harness.verdict import signing

    keys = tmp_path / "keys"
    keys.mkdir()
    elsewhere = tmp_path / "elsewhere.pub"
    (keys / "odoo-chaos-signing.pub").symlink_to(elsewhere)  # dangling: exists() says False
    with pytest.raises(HarnessError) as caught:
        signing.generate(keys)
    assert str(caught.value) == f"{keys / 'odoo-chaos-signing.pub'}: exists already; remove it or choose another --out directory"
    assert not elsewhere.exists() and not (keys / "odoo-chaos-signing.key").exists()
