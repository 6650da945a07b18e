"""`odoo-chaos check RUNDIR`: judge a stored run again from its history and scenario, trusting no report.

A run directory is evidence. `check` first verifies it (`SHA256SUMS`, and the Ed25519 signature
when `--pubkey` is given), then recomputes, from `history.jsonl`, `evidence/scenario.json` and
`evidence/tier.json` alone (the same recipe the runner used, `harness.verdict.judgement`): which checkers
apply, every verdict, whether the run aborted, the overall verdict, and from them every headline
field of `report.json`, the whole of `junit.xml` and `report.md`, and every figure of
`report.html` (all of the page but the plot's pixels). Any difference is listed by field or file.
`report.json` supplies only what no history can (the run id, the start and end times) and the
stack's versions are compared with `evidence/versions.json`.

What this does not catch without a signature: someone who edits `history.jsonl` itself and
regenerates SHA256SUMS. That is what `--sign-key` / `--pubkey` are for (`harness.verdict.signing`).

Every file is read as a regular file only (a FIFO would hang), with a size limit; malformed input
is a problem with its file (and line) named, never a traceback.

`--tier` judges the same history against another tier instead (RTO, RPO, availability).
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from harness.checkers import CheckContext, Verdict, run_checkers
from harness.core.errors import HarnessError
from harness.core.figures import jsonable
from harness.core.history import MalformedHistory, load
from harness.files.tiers import Target, Tier
from harness.report import verify_run_dir
from harness.report.html import render_page
from harness.report.junit import junit_xml
from harness.report.markdown import report_md
from harness.report.model import PAGES, SCHEMA_VERSION, RunSummary, report_json
from harness.scenario.model import scenario_from_record
from harness.verdict import signing
from harness.verdict.judgement import summarise_run

TIER_JUDGED = ("rto", "rpo", "availability")  # the checkers whose status depends on the tier
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_TEXT_BYTES = 256 * 1024 * 1024
PLOT = re.compile(r'src="data:image/png;base64,[A-Za-z0-9+/=]*"')
PLOT_ERROR = re.compile(r"Timeline plot unavailable: (.*?)</p>", re.S)
PLACEHOLDER = "data:image/png;base64,PLOT"


class RecheckError(HarnessError):
    """A run directory that cannot be checked at all (missing, not a directory)."""


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file no larger than `limit`; ValueError naming the problem otherwise."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ValueError("missing") from None
    except OSError as exc:
        raise ValueError(f"unreadable ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("not a regular file")
    if info.st_size > limit:
        raise ValueError(f"larger than {limit} bytes")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as stream:
        return stream.read(limit + 1)


def read_json(path: Path) -> Any:
    data = read_regular(path, MAX_JSON_BYTES)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValueError(f"not valid JSON ({exc})") from None


def tier_from_json(data: Any) -> Tier:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    try:
        targets = {}
        for key in ("availability", "rto", "rpo"):
            target = data[key]
            if not isinstance(target, dict):
                raise ValueError(f"{key} is not an object")
            strict, loose = target["strict"], target["loose"]
            if any(isinstance(v, bool) or not isinstance(v, int | float) for v in (strict, loose)):
                raise ValueError(f"{key}.strict and {key}.loose must be numbers")
            targets[key] = Target(float(strict), float(loose))
        return Tier(
            name=str(data["name"]),
            title=str(data.get("title", "")),
            description=str(data.get("description", "")),
            availability=targets["availability"],
            rto=targets["rto"],
            rpo=targets["rpo"],
        )
    except KeyError as exc:
        raise ValueError(f"missing field {exc}") from None


def _require_dir(run_dir: Path) -> None:
    if not run_dir.exists():
        raise RecheckError(f"{run_dir}: no such run directory (give a directory written by `odoo-chaos run`)")
    if not run_dir.is_dir():
        raise RecheckError(f"{run_dir}: not a directory (give a run directory, not one of its files)")


def _same(a: Any, b: Any) -> bool:
    return bool(json.dumps(jsonable(a), sort_keys=True) == json.dumps(jsonable(b), sort_keys=True))


def _short(value: Any) -> str:
    text = json.dumps(jsonable(value), sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def recheck(run_dir: Path, pubkey: Path | None = None) -> list[str]:
    """Everything about `run_dir` that disagrees with its own history; [] when it all agrees."""
    _require_dir(run_dir)
    problems = verify_run_dir(run_dir)
    problems += _signature_problems(run_dir, pubkey)
    inputs: dict[str, Any] = {}
    for name, reader in (
        ("report.json", read_json),
        ("evidence/scenario.json", read_json),
        ("evidence/tier.json", read_json),
        ("evidence/versions.json", read_json),
    ):
        try:
            inputs[name] = reader(run_dir / name)
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
    try:
        events = load(run_dir / "history.jsonl")
    except MalformedHistory as exc:
        return [*problems, f"history.jsonl: {str(exc).split(': ', 1)[-1]}"]
    if len(inputs) < 4:
        return [*problems, "cannot recompute the verdicts without the files above"]
    report = inputs["report.json"]
    if not isinstance(report, dict):
        return [*problems, "report.json: not a JSON object"]
    if report.get("schema_version") != SCHEMA_VERSION:
        return [
            *problems,
            f"report.json: schema_version {report.get('schema_version')!r}, this check reads {SCHEMA_VERSION}",
        ]
    try:
        scenario = scenario_from_record(inputs["evidence/scenario.json"])
    except ValueError as exc:
        return [*problems, f"evidence/scenario.json: {exc}"]
    try:
        tier = tier_from_json(inputs["evidence/tier.json"])
    except ValueError as exc:
        return [*problems, f"evidence/tier.json: {exc}"]
    versions = inputs["evidence/versions.json"]
    if not isinstance(versions, dict):
        return [*problems, "evidence/versions.json: not a JSON object"]

    state, signer = signing.signature_state(run_dir)
    summary = summarise_run(
        scenario,
        tier,
        events,
        run_id=str(report.get("run_id", "")),
        started_at=str(report.get("started_at", "")),
        ended_at=str(report.get("ended_at", "")),
        stack=versions,
        signed_by=signer if state == "signed" else None,
        pages=_pages(report),
    )
    problems += _compare_report(report, report_json(summary))
    problems += _compare_text(run_dir, "junit.xml", junit_xml(summary))
    problems += _compare_text(run_dir, "report.md", report_md(summary))
    problems += _compare_html(run_dir, summary)
    return problems


def _signature_problems(run_dir: Path, pubkey: Path | None) -> list[str]:
    state, _ = signing.signature_state(run_dir)
    if pubkey is None:
        return ["SHA256SUMS.sig: malformed"] if state == "malformed" else []
    return signing.verify_signature(run_dir, signing.load_public_key(pubkey))


def _compare_report(stored: dict[str, Any], recomputed: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for key, value in recomputed.items():
        if key == "checks":
            continue
        if key not in stored:
            problems.append(f"report.json field {key}: missing (recomputed {_short(value)})")
        elif not _same(stored[key], value):
            problems.append(f"report.json field {key}: {_short(stored[key])} stored, {_short(value)} recomputed")
    for key in stored:
        if key not in recomputed:
            problems.append(f"report.json field {key}: not a field this run writes")
    stored_checks = stored.get("checks")
    if not isinstance(stored_checks, list):
        return [*problems, "report.json field checks: not a list"]
    by_name: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(stored_checks):
        if not isinstance(entry, dict) or not isinstance(entry.get("checker"), str):
            problems.append(f"report.json checks.{i}: not a check (no checker name)")
            continue
        if entry["checker"] in by_name:
            problems.append(f"report.json checks: {entry['checker']} listed twice")
        by_name[entry["checker"]] = entry
    wanted = [c["checker"] for c in recomputed["checks"]]
    listed = [name for name in by_name if name in wanted]
    if listed != [name for name in wanted if name in by_name]:
        problems.append("report.json checks: not in the order the checkers run")
    for entry in recomputed["checks"]:
        name = entry["checker"]
        was = by_name.pop(name, None)
        if was is None:
            problems.append(
                f"report.json checks: {name} applies to this run but is missing ({entry['status']} recomputed)"
            )
            continue
        for key in ("status", "target", "margin", "margin_unit", "reason", "figure", "metrics"):
            if not _same(was.get(key), entry[key]):
                shown = (
                    "differ" if key == "metrics" else f"{_short(was.get(key))} stored, {_short(entry[key])} recomputed"
                )
                problems.append(f"report.json checks.{name}.{key}: {shown}")
    problems += [f"report.json checks: {name} is listed but does not apply to this run" for name in by_name]
    return problems


def _pages(report: dict[str, Any]) -> int:
    """The page layout the run directory was written with: 1 before report.json said (`pages`)."""
    pages = report.get("pages", 1)
    return pages if isinstance(pages, int) and not isinstance(pages, bool) and 1 <= pages <= PAGES else PAGES


def _read_text(run_dir: Path, name: str) -> str | None:
    try:
        return read_regular(run_dir / name, MAX_TEXT_BYTES).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def _compare_text(run_dir: Path, name: str, expected: str) -> list[str]:
    stored = _read_text(run_dir, name)
    if stored is None:
        return [f"{name}: missing or unreadable"]
    if stored != expected:
        line = next(
            (i for i, (a, b) in enumerate(zip(stored.splitlines(), expected.splitlines(), strict=False), 1) if a != b),
            min(len(stored.splitlines()), len(expected.splitlines())) + 1,
        )
        return [f"{name}: differs from the report recomputed from the history (first at line {line})"]
    return []


def _compare_html(run_dir: Path, summary: RunSummary) -> list[str]:
    stored = _read_text(run_dir, "report.html")
    if stored is None:
        return ["report.html: missing or unreadable"]
    if PLOT.search(stored):
        expected = render_page(summary, PLACEHOLDER)
        normalised = PLOT.sub(f'src="{PLACEHOLDER}"', stored)
    else:
        found = PLOT_ERROR.search(stored)
        expected = render_page(summary, None, _unescape(found.group(1)) if found else "")
        normalised = stored
    if normalised != expected:
        return ["report.html: its figures differ from the report recomputed from the history"]
    return []


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def judge_against(run_dir: Path, tier: Tier) -> tuple[list[Verdict], list[str]]:
    """The run's tier-judged verdicts (RTO, RPO, availability) against another tier, and the directory's problems.

    A drill is run against one tier; an auditor may ask how the same evidence fares against
    another (a region loss against Odoo Online's data-center promise *and* Tier 1). The evidence
    is verified first, as in every mode of `check`.
    """
    _require_dir(run_dir)
    problems = verify_run_dir(run_dir)
    try:
        scenario = scenario_from_record(read_json(run_dir / "evidence" / "scenario.json"))
    except ValueError as exc:
        return [], [*problems, f"evidence/scenario.json: {exc}"]
    try:
        events = load(run_dir / "history.jsonl")
    except MalformedHistory as exc:
        return [], [*problems, f"history.jsonl: {str(exc).split(': ', 1)[-1]}"]
    from harness.verdict.judgement import context_for

    ctx: CheckContext = context_for(scenario, tier, events)
    return run_checkers(events, ctx, list(TIER_JUDGED)), problems
