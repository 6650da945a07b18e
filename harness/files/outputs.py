"""Writing a file the user named (`--junit`, `--metrics-file`, `trend --out`, ...) without damaging what is not ours.

What is at the path decides how it is written:

- nothing: the file is written aside in the same folder and renamed into place (a reader never sees
  half of it);
- a regular file (or a symlink to one): the same, renamed over the regular file itself (a symlink
  stays a link; the file it names is replaced);
- a character device or a FIFO (`/dev/null`, `/dev/stdout` on a terminal or a pipe, a named pipe):
  written *into*, never replaced: a rename there would put a regular file where the machine's
  `/dev/null` was (as root, CI's case);
- `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N` redirected to a regular file: appended
  to through the open descriptor (the shell made and truncated the file);
- a directory, a block device, a socket: refused in one line naming the option and the path.

`check_output` is the same decision without writing, so a bad path is refused before a drill runs.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Literal

from harness.core.errors import HarnessError

Way = Literal["new", "replace", "stream", "append"]
DESCRIPTORS = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/")


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def check_output(path: Path, option: str) -> Way:
    """How `path` will be written; HarnessError (one line, the option and the path) when it must not be."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        if path.is_symlink():
            raise HarnessError(
                f"{option}: {path} is a symlink to nothing ({os.readlink(path)}); remove it or give another path"
            ) from None
        parent = path.parent
        if parent.exists() and not parent.is_dir():
            raise HarnessError(f"{option}: {parent} is not a directory; give a file path in a directory") from None
        return "new"
    except OSError as exc:
        raise HarnessError(f"{option}: cannot use {path} ({exc.strerror or exc})") from None
    if stat.S_ISCHR(found.st_mode) or stat.S_ISFIFO(found.st_mode):
        return "stream"
    if stat.S_ISREG(found.st_mode):
        return "append" if str(path).startswith(DESCRIPTORS) else "replace"
    what = _kind(found.st_mode)
    hint = f"; give a file name such as {path / 'out'}" if stat.S_ISDIR(found.st_mode) else ""
    raise HarnessError(
        f"{option}: {path} is {what}, not a file; give a regular file's path (or /dev/null, /dev/stdout){hint}"
    )


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` all at once: temp file in the same directory, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # platforms where a directory cannot be opened
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_output(path: Path, data: bytes, option: str) -> Way:
    """Write `data` to the path the user gave, the way `check_output` says; how it was written."""
    way = check_output(path, option)
    try:
        if way in ("stream", "append"):
            flags = os.O_WRONLY | (os.O_APPEND if way == "append" else 0)
            fd = os.open(path, flags)  # no O_CREAT, no O_TRUNC: the device or pipe stays what it is
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
        else:
            write_atomic(Path(os.path.realpath(path)) if way == "replace" else path, data)
    except OSError as exc:
        raise HarnessError(f"{option}: cannot write {path} ({exc.strerror or exc})") from None
    return way
