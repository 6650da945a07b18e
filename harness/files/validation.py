"""Reading a user's file safely, and one line from a validation error (which field, what is wrong).

Every file a user hands the harness (scenario, tiers, load profile, backup policy) goes through
`load_yaml`, which refuses before any parsing what a hostile or broken file could do to it:

- anything but a regular file (a FIFO would hang the read, a device never ends): refused unopened;
- more than `MAX_FILE_BYTES` (1 MiB): refused before reading further;
- bytes that are not UTF-8 (UTF-16, Latin-1) and control characters YAML does not allow;
- anchors and aliases (`&a`, `*a`, the "billion laughs": a few lines that expand to gigabytes),
  merge keys (`<<`), duplicate keys (the last one silently winning), tags outside plain data;
- nesting deeper than `MAX_DEPTH` levels and more than `MAX_NODES` values (pure-Python YAML
  parsing of a dense megabyte takes ten seconds: these files are a few hundred values).

Each refusal is one line, `<file>: <what is wrong>`, raised as the caller's `HarnessError`
subclass. Files are then validated with pydantic models; `first_problem` turns the first error
into `<file>: field <dotted.path>: <message>`, with pydantic's wording replaced by what to do
(`must be <= 100, not 5000`; `unknown field (remove it or check its spelling)`).
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
import tempfile
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from harness.core.errors import MAX_SHOWN, HarnessError, one_line, shown

MAX_FILE_BYTES = 1024 * 1024  # no scenario, tiers, profile or policy file comes near this
MAX_DEPTH = 32  # a scenario's deepest value (a corrupt-relation's relations) sits at depth 5
MAX_NODES = 20_000  # a 200-step scenario has about 2,000


# --- reading ----------------------------------------------------------------------------------


def read_bytes(path: Path, what: str, error: type[HarnessError], *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes, else `error` naming it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))  # a FIFO opens, never blocks
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise error(f"{path}: no such {what}") from None
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd)
        if stat.S_ISDIR(mode.st_mode):
            raise error(f"{path}: is a directory, not a {what}")
        if not stat.S_ISREG(mode.st_mode):
            raise error(f"{path}: not a regular file (a FIFO, socket or device); give the {what} as a file")
        if mode.st_size > limit:
            raise error(f"{path}: {mode.st_size} bytes; a {what} may have at most {limit} bytes")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if size > limit:
        raise error(f"{path}: more than {limit} bytes; a {what} may have at most {limit} bytes")
    return b"".join(chunks)


def decode_text(raw: bytes, path: Path, what: str, error: type[HarnessError]) -> str:
    """`raw` as UTF-8 text (a UTF-8 byte-order mark is dropped), or `error` saying which byte and line."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise error(f"{path}: the {what} is UTF-16 or UTF-32 text; save it as UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(
            f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at line {line}); save the {what} as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def _bad_character(text: str) -> tuple[int, str] | None:
    found = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if found is None:
        return None
    return text.count("\n", 0, found.start()) + 1, found.group()


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML this harness does not accept (aliases, duplicate keys, ...)."""


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader without anchors, aliases, merge keys, duplicate keys, odd tags or deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            name = getattr(event, "anchor", None) or "?"
            raise _Refused(None, None, f"anchors and aliases (&{name}, *{name}) are not allowed", event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(None, None, f"more than {MAX_NODES} values", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refused(None, None, "merge keys (<<) are not allowed", key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(None, None, "a key must be a plain value, not a list or mapping", key_node.start_mark)
            key = self.construct_object(key_node, deep=True)
            marker = (type(key), key)
            if marker in seen:
                raise _Refused(None, None, f"duplicate key {shown(key)}", key_node.start_mark)
            seen.add(marker)
        return super().construct_mapping(node, deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        if len(str(node.value)) > 40:
            raise _Refused(None, None, f"a number of {len(str(node.value))} characters (at most 40)", node.start_mark)
        return super().construct_yaml_int(node)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            raise _Refused(None, None, f"{shown(node.value)} is not a valid date", node.start_mark) from None

    def refuse_tag(self, node: yaml.Node) -> Any:
        raise _Refused(None, None, f"the tag {node.tag.rsplit(':', 1)[-1]!r} is not allowed here", node.start_mark)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)
for _tag in ("binary", "set", "omap", "pairs"):
    _StrictLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _StrictLoader.refuse_tag)


def parse_yaml(text: str, source: str, error: type[HarnessError]) -> Any:
    """The plain data (mappings, lists, strings, numbers, booleans, null) of one YAML document."""
    bad = _bad_character(text)
    if bad is not None:
        number, character = bad
        raise error(f"{source}: line {number}: the control character {character!r} is not allowed in YAML")
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except _Refused as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise error(f"{source}: {where}{exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise error(one_line(f"{source}: not valid YAML{line}: {problem}")) from None
    except (ValueError, OverflowError, RecursionError) as exc:  # a constructor's conversion that got past the checks
        raise error(one_line(f"{source}: not valid YAML: {type(exc).__name__}: {str(exc)[:MAX_SHOWN]}")) from None


def load_yaml(path: Path, what: str, error: type[HarnessError], hint: str = "") -> Any:
    """The parsed YAML of `path`, read safely (see the module doc), or `error` naming the file and the cause.

    `hint` is added to the message of a file that does not exist (where such files live).
    """
    try:
        raw = read_bytes(path, what, error)
    except HarnessError as exc:
        if hint and str(exc) == f"{path}: no such {what}":
            raise error(f"{path}: no such {what} {hint}") from None
        raise
    return parse_yaml(decode_text(raw, path, what, error), str(path), error)


def writable_directory(path: Path, option: str) -> Path:
    """`path` as a directory this process can create files in (made if missing), or a one-line HarnessError.

    Checked by writing a file, not by permission bits: root passes `access()` on a read-only mount
    and on /proc, where nothing can be created.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not path.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a directory")
        fd, probe = tempfile.mkstemp(prefix=".odoo-chaos-probe-", dir=path)
        os.close(fd)
        os.unlink(probe)
    except FileExistsError:
        raise HarnessError(f"{option}: {path} exists and is not a directory") from None
    except OSError as exc:
        raise HarnessError(f"{option}: cannot write into {path} ({exc.strerror or exc})") from None
    return path


# --- validation messages ----------------------------------------------------------------------

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def slug(
    what: str, pattern: re.Pattern[str] = SLUG, words: str = "lower-case letters, digits and dashes", most: int = 64
) -> Callable[[str], str]:
    """A validator: the value is a name of `pattern`'s shape (it may end up in a file name), else ValueError."""

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{what} {shown(value)} must be {words} (at most {most})")
        return value

    return check


_TYPE_WORDS = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "list_type": "a list",
    "tuple_type": "a list",
    "model_type": "a mapping",
    "dataclass_type": "a mapping",
    "dataclass_args_type": "a mapping",
    "model_attributes_type": "a mapping",
    "time_type": 'a time of day such as "01:00"',
    "time_parsing": 'a time of day such as "01:00"',
}
_BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}


def problem_text(error: ErrorDetails) -> str:
    """What is wrong with one field, in the user's terms (the limit, the valid values, what was given)."""
    kind = error["type"]
    ctx = error.get("ctx", {})
    given = f", not {shown(error['input'])}" if "input" in error else ""
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return "unknown field (remove it or check its spelling)"
    if kind in ("missing", "missing_argument", "missing_keyword_only_argument"):
        return "missing required field"
    if kind in _TYPE_WORDS:
        return f"must be {_TYPE_WORDS[kind]}{given}"
    if kind in _BOUNDS:
        limit = next(iter(ctx.values()))
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"must be {_BOUNDS[kind]} {limit}{given}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected', '?')}{given}"
    if kind == "string_pattern_mismatch":
        return f"must match {ctx.get('pattern', '?')}{given}"
    if kind == "invalid_key":
        return "keys must be strings"
    if kind in ("too_long", "string_too_long", "too_short", "string_too_short"):
        count = ctx.get("max_length" if "long" in kind else "min_length", 0)
        what = ("character" if kind.startswith("string") else "item") + ("" if count == 1 else "s")
        limit = f"may have at most {count}" if "long" in kind else f"needs at least {count}"
        return f"{limit} {what}" + (given if kind == "too_short" else "")
    return str(error["msg"]).removeprefix("Value error, ")


def _part(part: object) -> str:
    """One step of a field's path as written in a message (a 100 kB key is cut, like any value)."""
    text = str(part)
    return text if len(text) <= 40 else f"{text[:35]}..."


def first_problem(exc: ValidationError, source: str, prefix: str = "") -> str:
    """`<source>: field <prefix.dotted.path>: <message>` for the first error pydantic found."""
    error = exc.errors()[0]
    path = [prefix] if prefix else []
    path += [_part(part) for part in error["loc"]]
    where = ".".join(path) or "(top level)"
    return one_line(f"{source}: field {where}: {problem_text(error)}")
