"""The audit pack: one directory an auditor can read, print, verify and recompute.

`odoo-chaos audit --tier tier-1 --since 90d --out DIR` writes

- `audit.html`: self-contained (inline CSS, plots as base64 PNG). First page: the tier's targets
  in words, every stale or missing proof, one line per SLA row. Then one section per row, each
  starting on a new printed page: the drills, their latest and worst measured RTO/RPO with the
  distribution, verdicts and dates, the latest proof and its age, tolerated warnings with their
  reasons. Then the control checks, the versions of every component, the runs included;
- `audit.pdf`: the same page printed by headless Chromium (`harness.programme.pdf`), at least one
  page per row;
- `pack.json`: what the page says, as data: the inputs (tier, window, moment, controls), one record
  per included run, and the view rendered;
- `programme/dr-programme.yaml`, `programme/tiers.yaml`: the programme and the tiers as used;
- `runs/<run>/`: every included run directory, copied whole (the runs of the programme's drills in
  the window, and each drill's latest proof and latest run even when older);
- `SHA256SUMS` over every file of the pack (`sha256sum -c` reads it); `SHA256SUMS.sig` with
  `--sign-key`.

`verify_pack` (what `odoo-chaos check PACK` runs) trusts nothing in the pack but its inputs: it checks
SHA256SUMS (and the signature with a public key), rechecks every included run from its own history
(`harness.verdict.recheck`), reads every run again into its record (`harness.programme.records`) and compares
them with pack.json, recomputes the view from the programme, the tiers, the records and the inputs,
and renders audit.html again (everything but the plots' pixels) to compare it with the stored page.
The PDF is a printout of that page; its bytes are covered by the manifest and the signature.

The control checks are an input (`controls`, `harness.programme.controls.Control`): live checks of the SLA's
controls on a stack, made by `odoo-chaos controls` (`odoo-chaos audit --controls RUN_ID` runs them first); a
pack made without them says so in its own section.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import __version__
from harness.core.errors import HarnessError
from harness.core.stats import nearest_rank
from harness.files.tiers import Tier
from harness.programme.controls import Control
from harness.programme.freshness import DrillStatus, RowStatus, age_text, freshness
from harness.programme.programme import Programme
from harness.programme.records import RunRecord, Skipped, iso, parse_time, read_run, record_from_json, record_to_json
from harness.programme.trend import verdict_against

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PACK_FILE = "pack.json"
AUDIT_HTML = "audit.html"
AUDIT_PDF = "audit.pdf"
RUNS_DIR = "runs"
PROGRAMME_COPY = "programme/dr-programme.yaml"
TIERS_COPY = "programme/tiers.yaml"
PACK_VERSION = 1


class AuditError(HarnessError):
    """An audit pack that cannot be made (no runs index, an output directory in the way)."""


def is_pack(directory: Path) -> bool:
    return (directory / PACK_FILE).is_file() and (directory / AUDIT_HTML).is_file()


# --- what goes in ---------------------------------------------------------------------------------------------------


def included_paths(
    programme: Programme, records: Sequence[RunRecord], rows: Sequence[RowStatus], window_start: datetime
) -> list[str]:
    """The runs a pack carries: programme drills' runs in the window, plus each drill's latest proof and run."""
    drills = set(programme.scenarios)
    paths = {r.path for r in records if r.scenario in drills and r.started >= window_start}
    for row in rows:
        for status in row.drills:
            for record in (status.proof, status.latest):
                if record is not None:
                    paths.add(record.path)
    order = {r.path: (r.started, r.path) for r in records}
    return sorted(paths, key=lambda p: order[p])


# --- the view: everything the page says, as data (pure) ------------------------------------------------------------


def _distribution(values: Sequence[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "min": None, "p50": None, "p90": None, "max": None}
    return {
        "n": len(values),
        "min": min(values),
        "p50": nearest_rank(values, 50),
        "p90": nearest_rank(values, 90),
        "max": max(values),
    }


def _targets(tier: Tier | None) -> dict[str, Any]:
    if tier is None:
        return {}
    return {
        "availability": {"strict": tier.availability.strict, "loose": tier.availability.loose},
        "rto": {"strict": tier.rto.strict, "loose": tier.rto.loose},
        "rpo": {"strict": tier.rpo.strict, "loose": tier.rpo.loose},
    }


def _run_view(record: RunRecord, tier: str) -> dict[str, Any]:
    return {
        "path": record.path,
        "run_id": record.run_id,
        "started_at": record.started_at,
        "verdict": verdict_against(record, tier),
        "rto": record.rto_value,
        "rto_bound": record.rto_seconds is None and record.rto_seconds_at_least is not None,
        "rpo": record.rpo_seconds,
        "lost_writes": record.lost_writes,
        "acknowledged_writes": record.acknowledged_writes,
        "signed": record.signed_by is not None,
    }


def _drill_view(status: DrillStatus, runs: Sequence[RunRecord], window_start: datetime) -> dict[str, Any]:
    drill = status.drill
    in_window = [r for r in runs if r.scenario == drill.scenario and r.started >= window_start]
    rtos = [r.rto_value for r in in_window if r.rto_value is not None]
    rpos = [r.rpo_seconds for r in in_window if r.rpo_seconds is not None]
    verdicts = [verdict_against(r, drill.tier) for r in in_window]
    latest = status.latest
    return {
        "scenario": drill.scenario,
        "tier": drill.tier,
        "every": drill.every_text,
        "every_seconds": drill.every,
        "state": status.state,
        "proof": None if status.proof is None else _run_view(status.proof, drill.tier),
        "age_seconds": status.age_seconds,
        "age": age_text(status.age_seconds),
        "why_not": status.why_not,
        "tolerated": [[checker, drill.tolerate[checker]] for checker in status.tolerated],
        "tolerates": [[checker, reason] for checker, reason in sorted(drill.tolerate.items())],
        "latest": None if latest is None else _run_view(latest, drill.tier),
        "runs": [_run_view(r, drill.tier) for r in in_window],
        "verdict_counts": {v: verdicts.count(v) for v in ("pass", "warn", "fail", "unknown")},
        "rto": _distribution(rtos),
        "rpo": _distribution(rpos),
        "worst_rto": max(rtos) if rtos else None,
        "worst_rpo": max(rpos) if rpos else None,
    }


def _versions(records: Sequence[RunRecord]) -> dict[str, Any]:
    components: dict[str, dict[str, int]] = {}
    images: dict[str, dict[str, set[str]]] = {}
    for record in records:
        for component, version in record.versions.items():
            seen = components.setdefault(component, {})
            seen[version] = seen.get(version, 0) + 1
        for service, info in record.stack.items():
            if isinstance(info, Mapping):
                entry = images.setdefault(service, {"images": set(), "ids": set()})
                entry["images"].add(str(info.get("image", "?")))
                entry["ids"].add(str(info.get("image_id", "?")).removeprefix("sha256:")[:12])
    return {
        "components": [
            {"component": name, "versions": [[v, n] for v, n in sorted(found.items())]}
            for name, found in sorted(components.items())
        ],
        "images": [
            {"service": service, "images": sorted(entry["images"]), "ids": sorted(entry["ids"])}
            for service, entry in sorted(images.items())
        ],
        "modes": sorted({r.mode for r in records}),
        "harness": __version__,
    }


def audit_view(
    programme: Programme,
    tiers: Mapping[str, Tier],
    records: Sequence[RunRecord],
    *,
    tier: str,
    now: datetime,
    window_start: datetime,
    controls: Sequence[Control] | None,
) -> dict[str, Any]:
    """Everything audit.html says, as plain JSON. Pure: the same inputs give the same view."""
    from harness.core.figures import target_sentences

    rows = freshness(programme, records, tiers, now)
    row_views = []
    flags = []
    for status in rows:
        row = status.row
        drills = [_drill_view(d, records, window_start) for d in status.drills]
        for d in status.drills if status.state != "fresh" else ():  # a row proven by another drill flags none
            if d.state != "fresh":
                detail = (
                    f"last proof {age_text(d.age_seconds)} old, allowed {d.drill.every_text}"
                    if d.state == "stale"
                    else "never proven" + (f"; latest run: {d.why_not}" if d.why_not else "; never run")
                )
                flags.append({"row": row.title, "scenario": d.drill.scenario, "state": d.state, "detail": detail})
        row_views.append(
            {
                "id": row.id,
                "title": row.title,
                "source": row.source,
                "commitment": row.commitment,
                "risk": row.risk,
                "recovery": row.recovery,
                "tier": row.tier,
                "targets": target_sentences(_targets(tiers.get(row.tier))),
                "target_values": _targets(tiers.get(row.tier)),
                "require": row.require,
                "state": status.state,
                "drills": drills,
            }
        )
    chosen = tiers.get(tier)
    return {
        "title": programme.title,
        "tier": tier,
        "tier_title": chosen.title if chosen else tier,
        "tier_description": chosen.description if chosen else "",
        "targets": target_sentences(_targets(chosen)),
        "generated_at": iso(now),
        "window_start": iso(window_start),
        "rows": row_views,
        "flags": flags,
        "controls": None if controls is None else [vars_of(c) for c in controls],
        "versions": _versions(records),
        "runs": [
            {
                "path": r.path,
                "scenario": r.scenario,
                "started_at": r.started_at,
                "tier": r.tier,
                "verdict": r.verdict,
                "signed_by": r.signed_by,
            }
            for r in records
        ],
    }


def vars_of(control: Control) -> dict[str, str]:
    return {"name": control.name, "status": control.status, "detail": control.detail, "checked_at": control.checked_at}


# --- building a pack ------------------------------------------------------------------------------------------------


def _copy_run(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, symlinks=False)


def build_pack(
    out: Path,
    *,
    programme: Programme,
    programme_file: Path,
    tiers: Mapping[str, Tier],
    tiers_file: Path,
    reports: Path,
    index_records: Sequence[RunRecord],
    tier: str,
    since: str,
    now: datetime,
    controls: Sequence[Control] | None = None,
    sign_key: Path | None = None,
    pdf: bool = True,
) -> tuple[Path, list[Skipped]]:
    """Write the pack into `out` (which must not exist or be empty); return it and the runs left out."""
    from harness.verdict import signing

    key = signing.load_private_key(sign_key) if sign_key is not None else None
    now = parse_time(iso(now))  # the moment as pack.json records it (milliseconds), so a check recomputes the same ages
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise AuditError(f"{out}: exists and is not an empty directory (choose a new --out)")
    if pdf:
        from harness.programme.pdf import RenderError, find_chromium

        if find_chromium() is None:  # before anything is written
            raise RenderError(
                "no headless Chromium to print audit.pdf (install Debian's `chromium`, or set "
                "ODOO_CHAOS_CHROMIUM; `odoo-chaos audit --no-pdf` skips the PDF)"
            )
    created = not out.exists()
    try:
        return _write_pack(
            out,
            key=key,
            programme=programme,
            programme_file=programme_file,
            tiers=tiers,
            tiers_file=tiers_file,
            reports=reports,
            index_records=index_records,
            tier=tier,
            since=since,
            now=now,
            controls=controls,
            pdf=pdf,
        )
    except BaseException:  # no half-written pack is left behind
        if created:
            shutil.rmtree(out, ignore_errors=True)
        else:
            for child in out.iterdir():
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        raise


def _write_pack(
    out: Path,
    *,
    key: Ed25519PrivateKey | None,
    programme: Programme,
    programme_file: Path,
    tiers: Mapping[str, Tier],
    tiers_file: Path,
    reports: Path,
    index_records: Sequence[RunRecord],
    tier: str,
    since: str,
    now: datetime,
    controls: Sequence[Control] | None,
    pdf: bool,
) -> tuple[Path, list[Skipped]]:
    from harness.core.durations import parse_duration
    from harness.files.outputs import write_atomic
    from harness.programme.audit_page import audit_html
    from harness.report.writer import MANIFEST, manifest
    from harness.verdict import signing

    window_start = now - timedelta(seconds=parse_duration(since))
    known = [r for r in index_records if r.started <= now]
    paths = included_paths(programme, known, freshness(programme, known, tiers, now), window_start)
    out.mkdir(parents=True, exist_ok=True)
    runs_root = out / RUNS_DIR
    skipped: list[Skipped] = []
    copied: list[str] = []
    for path in paths:
        try:
            _copy_run(reports / path, runs_root / path)
            copied.append(path)
        except OSError as exc:  # gone or unreadable since it was indexed: leave it out, say so
            skipped.append(Skipped(path, f"cannot copy it ({exc.strerror or exc})"))
            shutil.rmtree(runs_root / path, ignore_errors=True)
    records: list[RunRecord] = []
    for path in copied:
        result = read_run(runs_root / path, runs_root, tiers)
        if isinstance(result, Skipped):  # changed since it was indexed: leave it out, say so
            skipped.append(result)
            shutil.rmtree(runs_root / path)
        else:
            records.append(result)
    (out / "programme").mkdir(exist_ok=True)
    shutil.copyfile(programme_file, out / PROGRAMME_COPY)
    shutil.copyfile(tiers_file, out / TIERS_COPY)
    view = audit_view(programme, tiers, records, tier=tier, now=now, window_start=window_start, controls=controls)
    document = {
        "pack_version": PACK_VERSION,
        "generated_at": iso(now),
        "tier": tier,
        "since": since,
        "window_start": iso(window_start),
        "harness_version": __version__,
        "programme_file": PROGRAMME_COPY,
        "tiers_file": TIERS_COPY,
        "signed_by": None if key is None else signing.fingerprint(key.public_key()),
        "pdf": pdf,
        "controls": view["controls"],
        "skipped": [[s.path, s.reason] for s in skipped],
        "runs": [record_to_json(r) for r in records],
        "view": view,
    }
    write_atomic(out / PACK_FILE, (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    write_atomic(out / AUDIT_HTML, audit_html(view, signed_by=document["signed_by"]).encode("utf-8"))
    if pdf:
        from harness.programme.pdf import html_to_pdf

        html_to_pdf(out / AUDIT_HTML, out / AUDIT_PDF)
    write_atomic(out / MANIFEST, manifest(out).encode("utf-8"))
    if key is not None:
        signing.sign_run_dir(out, key)
    return out, skipped


# --- verifying a pack -----------------------------------------------------------------------------------------------


def _manifest_entries(text: str) -> tuple[dict[str, str], list[str]]:
    entries: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        body = line[1:] if line.startswith("\\") else line
        digest, sep, name = body[:64], body[64:66], body[66:]
        if len(digest) != 64 or sep not in ("  ", " *") or not name:
            problems.append(f"SHA256SUMS: malformed line {number}")
            continue
        entries[("\\" if line.startswith("\\") else "") + name] = digest.lower()
    return entries, problems


def _manifest_problems(pack: Path) -> list[str]:
    from harness.report.writer import MANIFEST, manifest

    try:
        stored_text = (pack / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return [f"{MANIFEST}: missing or unreadable"]
    stored, problems = _manifest_entries(stored_text)
    current, _ = _manifest_entries(manifest(pack))
    for name in sorted(stored.keys() - current.keys()):
        problems.append(f"{name}: missing")
    for name in sorted(current.keys() - stored.keys()):
        problems.append(f"{name}: not in {MANIFEST}")
    for name in sorted(stored.keys() & current.keys()):
        if stored[name] != current[name]:
            problems.append(f"{name}: hash mismatch")
    return problems


def _load_inputs(pack: Path) -> tuple[dict[str, Any], Programme, dict[str, Tier]]:
    from harness.checkers import checker_names
    from harness.files.tiers import load_tiers
    from harness.files.validation import load_yaml
    from harness.programme.programme import parse_programme
    from harness.verdict.recheck import read_json

    document = read_json(pack / PACK_FILE)
    if not isinstance(document, dict) or document.get("pack_version") != PACK_VERSION:
        raise ValueError(f"{PACK_FILE}: not an audit pack of version {PACK_VERSION}")
    tiers = load_tiers(pack / TIERS_COPY)
    data = load_yaml(pack / PROGRAMME_COPY, "programme file", HarnessError)
    programme = parse_programme(
        data,
        PROGRAMME_COPY,
        scenarios=None,
        tiers=tiers,
        checkers=checker_names(),
        tier=str(document.get("tier")),
    )
    return document, programme, tiers


def verify_pack(pack: Path, pubkey: Path | None = None) -> list[str]:
    """Everything about the pack that does not agree with its own inputs and runs; [] when it all agrees."""
    from harness.programme.audit_page import audit_html
    from harness.programme.pages import without_plots
    from harness.verdict import signing
    from harness.verdict.recheck import recheck

    problems = _manifest_problems(pack)
    state, _ = signing.signature_state(pack)
    if pubkey is not None:
        problems += signing.verify_signature(pack, signing.load_public_key(pubkey))
    elif state == "malformed":
        problems.append("SHA256SUMS.sig: malformed")
    try:
        document, programme, tiers = _load_inputs(pack)
    except (ValueError, HarnessError) as exc:
        return [*problems, f"cannot read the pack's inputs: {exc}"]
    try:
        stored_records = [record_from_json(item) for item in document["runs"]]
        now = parse_time(str(document["generated_at"]))
        window_start = parse_time(str(document["window_start"]))
        controls = document.get("controls")
        control_list = None if controls is None else [Control(**item) for item in controls]
    except (KeyError, TypeError, ValueError) as exc:
        return [*problems, f"{PACK_FILE}: malformed ({exc})"]

    runs_root = pack / RUNS_DIR
    records: list[RunRecord] = []
    for stored in stored_records:
        run_dir = runs_root / stored.path
        if not run_dir.is_dir():
            problems.append(f"{RUNS_DIR}/{stored.path}: missing")
            continue
        problems += [f"{RUNS_DIR}/{stored.path}: {p}" for p in recheck(run_dir)]
        result = read_run(run_dir, runs_root, tiers)
        if isinstance(result, Skipped):
            problems.append(f"{RUNS_DIR}/{stored.path}: {result.reason}")
            continue
        records.append(result)
        if record_to_json(result) != record_to_json(stored):
            problems.append(f"{PACK_FILE} runs: {stored.path} differs from its run directory")
    listed = {r.path for r in stored_records}
    for extra in _run_dirs(runs_root):
        if extra not in listed:
            problems.append(f"{RUNS_DIR}/{extra}: not listed in {PACK_FILE}")

    view = audit_view(
        programme, tiers, records, tier=programme.tier, now=now, window_start=window_start, controls=control_list
    )
    if json.loads(json.dumps(view)) != document.get("view"):
        problems.append(f"{PACK_FILE} view: differs from the view recomputed from the programme, tiers and runs")
    try:
        stored_page = (pack / AUDIT_HTML).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return [*problems, f"{AUDIT_HTML}: missing or unreadable"]
    expected = audit_html(view, signed_by=document.get("signed_by"), plots=False)
    if without_plots(stored_page) != without_plots(expected):
        problems.append(f"{AUDIT_HTML}: differs from the page recomputed from the runs")
    if document.get("pdf") and not (pack / AUDIT_PDF).is_file():
        problems.append(f"{AUDIT_PDF}: missing")
    return problems


def _run_dirs(runs_root: Path) -> list[str]:
    from harness.programme.records import is_campaign_dir, looks_like_run_dir

    found: list[str] = []
    if not runs_root.is_dir():
        return found
    for child in sorted(runs_root.iterdir()):
        if looks_like_run_dir(child):
            found.append(child.name)
        elif is_campaign_dir(child):
            found += [f"{child.name}/{d.name}" for d in sorted(child.iterdir()) if looks_like_run_dir(d)]
        else:
            found.append(child.name)
    return found
