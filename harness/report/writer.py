"""The run directory made final: every report written atomically, then sealed by a SHA256SUMS manifest.

Each file is written to a temporary file in its own directory, fsynced, then `os.replace`d over its
name (and the directory fsynced), so a crash leaves either the old file or the new one, never half a
report. Renderers are independent: a plot or template that raises yields a minimal page saying what
failed, never a missing `report.json`. Last comes `SHA256SUMS` over every file in the directory
(recursively, `sha256sum` format, so `sha256sum -c SHA256SUMS` checks it too); `verify_run_dir`
re-checks it and names every missing, altered or unlisted file. `history.jsonl`, streamed by the
runner, is never rewritten here, only hashed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath

from harness.core.figures import jsonable
from harness.core.history import Event
from harness.files.outputs import write_atomic
from harness.report.html import fallback_html, report_html
from harness.report.junit import junit_xml
from harness.report.markdown import report_md
from harness.report.model import SCHEMA_VERSION, RunSummary, report_json

MANIFEST = "SHA256SUMS"
SIGNATURE = "SHA256SUMS.sig"  # written after the manifest by harness.verdict.signing; never listed in it
REPORT_JSON = "report.json"
JUNIT_XML = "junit.xml"
REPORT_HTML = "report.html"
REPORT_MD = "report.md"
EVIDENCE_DIR = "evidence"
REPORT_FILES: tuple[str, ...] = (REPORT_JSON, JUNIT_XML, REPORT_HTML, REPORT_MD)


def _render(render: Callable[[], str], fallback: Callable[[str], str]) -> bytes:
    try:
        return render().encode("utf-8")
    except Exception as exc:  # one broken renderer must not cost the other reports
        return fallback(f"{type(exc).__name__}: {exc}").encode("utf-8")


def _json_fallback(summary: RunSummary, error: str) -> str:
    return (
        json.dumps(
            jsonable(
                {
                    "schema_version": SCHEMA_VERSION,
                    "run_id": summary.run_id,
                    "scenario": summary.scenario,
                    "tier": summary.tier,
                    "verdict": "unknown",
                    "aborted_reason": summary.aborted_reason,
                    "report_error": error,
                }
            ),
            indent=2,
        )
        + "\n"
    )


def _junit_fallback(summary: RunSummary, error: str) -> str:
    from xml.sax.saxutils import quoteattr

    name = quoteattr(f"odoo-chaos.{summary.scenario}")
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<testsuite name={name} tests="1" failures="0" errors="1"'
        f' skipped="0">\n  <testcase classname={name} name="report">\n'
        f'    <error message={quoteattr(error)} type="report" />\n  </testcase>\n</testsuite>\n'
    )


def _md_fallback(summary: RunSummary, error: str) -> str:
    return f"## odoo-chaos: {summary.scenario} \u2014 {summary.verdict.upper()}\n\nReport summary failed: `{error}`\n"


def _evidence_path(run_dir: Path, name: str) -> Path:
    relative = PurePosixPath(name)
    if (
        not name
        or relative.is_absolute()
        or any(part in ("", ".", "..") for part in relative.parts)
        or "\\" in name
        or "\0" in name
    ):
        raise ValueError(f"evidence name {name!r} must be a relative path inside evidence/")
    return run_dir / EVIDENCE_DIR / Path(*relative.parts)


def write_run_dir(
    run_dir: Path, summary: RunSummary, events: Sequence[Event], *, evidence: Mapping[str, bytes] | None = None
) -> Path:
    """Write report.json, junit.xml, report.html, report.md, evidence/* and SHA256SUMS; return `run_dir`."""
    run_dir.mkdir(parents=True, exist_ok=True)
    targets = {name: _evidence_path(run_dir, name) for name in (evidence or {})}  # reject bad names up front

    outputs = {
        REPORT_JSON: _render(
            lambda: json.dumps(jsonable(report_json(summary)), indent=2, allow_nan=False) + "\n",
            lambda error: _json_fallback(summary, error),
        ),
        JUNIT_XML: _render(lambda: junit_xml(summary), lambda error: _junit_fallback(summary, error)),
        REPORT_HTML: _render(lambda: report_html(summary, events), lambda error: fallback_html(summary, error)),
        REPORT_MD: _render(lambda: report_md(summary), lambda error: _md_fallback(summary, error)),
    }
    for name, data in outputs.items():
        write_atomic(run_dir / name, data)
    for name, path in targets.items():
        write_atomic(path, bytes((evidence or {})[name]))

    write_atomic(run_dir / MANIFEST, manifest(run_dir).encode("utf-8"))
    return run_dir


# --- manifest ------------------------------------------------------------------------------------------------------


def _files(run_dir: Path) -> list[str]:
    """Every regular file under `run_dir` as a POSIX relative path, sorted, except the manifest and its signature."""
    found = []
    for path in run_dir.rglob("*"):
        if path.is_file():
            relative = path.relative_to(run_dir).as_posix()
            if relative not in (MANIFEST, SIGNATURE):
                found.append(relative)
    return sorted(found)


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _escape(name: str) -> tuple[str, str]:
    """GNU sha256sum escaping: names with a backslash or newline get a leading `\\` on the line."""
    if "\\" in name or "\n" in name or "\r" in name:
        return "\\", name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
    return "", name


def _unescape(name: str) -> str:
    out = []
    chars = iter(name)
    for c in chars:
        if c == "\\":
            nxt = next(chars, "")
            out.append({"n": "\n", "r": "\r", "\\": "\\"}.get(nxt, "\\" + nxt))
        else:
            out.append(c)
    return "".join(out)


def manifest(run_dir: Path) -> str:
    """The SHA256SUMS text for `run_dir` as it is now."""
    lines = []
    for relative in _files(run_dir):
        prefix, shown = _escape(relative)
        lines.append(f"{prefix}{_sha256(run_dir / relative)}  {shown}")
    return "".join(line + "\n" for line in lines)


def _parse_manifest(text: str) -> tuple[dict[str, str], list[str]]:
    entries: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        escaped = line.startswith("\\")
        body = line[1:] if escaped else line
        digest, sep, name = body[:64], body[64:66], body[66:]
        if (
            len(digest) != 64
            or any(c not in "0123456789abcdefABCDEF" for c in digest)
            or sep not in ("  ", " *")
            or not name
        ):
            problems.append(f"{MANIFEST}: malformed line {number}")
            continue
        name = _unescape(name) if escaped else name
        if name in entries:
            problems.append(f"{name}: listed twice in {MANIFEST}")
        entries[name] = digest.lower()
    return entries, problems


def verify_run_dir(run_dir: Path) -> list[str]:
    """Problems with `run_dir` against its SHA256SUMS (missing, altered, unlisted files); [] = verified."""
    manifest_path = run_dir / MANIFEST
    if not manifest_path.is_file():
        return [f"{MANIFEST}: missing"]
    try:
        entries, problems = _parse_manifest(manifest_path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return [f"{MANIFEST}: unreadable ({exc})"]

    root = run_dir.resolve()
    for name, digest in sorted(entries.items()):
        relative = PurePosixPath(name)
        path = run_dir / Path(*relative.parts) if relative.parts else run_dir
        if relative.is_absolute() or ".." in relative.parts or not path.resolve().is_relative_to(root):
            problems.append(f"{name}: outside the run directory")
        elif not path.is_file():
            problems.append(f"{name}: missing")
        elif _sha256(path) != digest:
            problems.append(f"{name}: hash mismatch")

    for name in _files(run_dir):
        if name not in entries:
            problems.append(f"{name}: not in {MANIFEST}")
    for name in REPORT_FILES:
        if name not in entries and not (run_dir / name).is_file():
            problems.append(f"{name}: missing")
    return problems
