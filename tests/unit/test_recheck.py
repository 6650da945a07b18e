"""`odoo-chaos check` recomputes, it does not trust: tampered run directories must disagree, by name.

Each tampering edits one thing an auditor would be shown (a headline figure, the verdict, the list
of checks, junit.xml, report.md, report.html), then regenerates SHA256SUMS as a forger would: the
manifest then verifies, and only the recomputation from history.jsonl can catch it. A signature
catches what the recomputation cannot (an edited history).
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.core import history as h
from harness.drill.runner import scenario_evidence, write_report
from harness.files.tiers import Target, load_tiers
from harness.report.writer import MANIFEST, manifest
from harness.scenario.model import Scenario, Step
from harness.verdict import signing
from harness.verdict.recheck import RecheckError, judge_against, recheck
from tests.unit.test_checkers import Rows

TIER_1 = replace(load_tiers()["tier-1"], rto=Target(30.0, 30.0))  # a scenario's `checks: {rto: 30s}`
STACK = {"traefik": {"image": "odoo-chaos/traefik:3", "image_id": "sha256:" + "ab" * 32, "version": "3.7.15"}}


def _scenario(steps: tuple[Step, ...] = (Step(10.0, "kill", "pg-primary"),)) -> Scenario:
    probes = ("business-write",)
    return Scenario("kill-primary", "kill the primary and never fail over", "tier-1", 60.0, 5.0, probes, steps)


def _failing_history() -> list[h.Event]:
    """Writes at 10 Hz; the primary is killed at 10 s and nothing brings it back: every write fails after,
    and the last 5 acknowledged writes are lost."""
    rows = Rows()
    rows.probes(0.0, {"w1": 0.2, "w2": 0.2})
    for k in range(600):
        t = round(k * 0.1, 6)
        rows.write("w1" if k % 2 == 0 else "w2", t, t + 0.02, "fail" if t >= 10.1 else "ok")
    rows.inject(10.0, 10.05, takes_effect="start", damages_data=False, may_lose_data=True)
    rows.rows.append(("fault", "invoke", h.HEAL, 60.0, {"fault": "kill", "target": "pg-primary"}))
    rows.rows.append(("fault", "ok", h.HEAL, 60.5, {"fault": "kill", "target": "pg-primary"}))
    rows.stopped(60.0)
    rows.final_read(66.0, rows.acked[:-5])  # the last 5 acknowledged writes died with the primary
    return rows.events()


def write_run(
    tmp_path: Path,
    events: list[h.Event] | None = None,
    scenario: Scenario | None = None,
    sign_key: Path | None = None,
    name: str = "run",
) -> Path:
    scenario = scenario or _scenario()
    events = _failing_history() if events is None else events
    run_dir = tmp_path / name
    run_dir.mkdir()
    (run_dir / "history.jsonl").write_text("".join(e.to_json() + "\n" for e in events))
    evidence = scenario_evidence(scenario, TIER_1) | {"versions.json": json.dumps(STACK, indent=2).encode()}
    write_report(
        run_dir, scenario, TIER_1, events, "20260101-0000-abcdef", "2026-01-01T00:00:00.000Z", STACK, evidence, sign_key
    )
    return run_dir


def reseal(run_dir: Path) -> None:
    """What a forger does after editing: regenerate SHA256SUMS so the manifest verifies again."""
    (run_dir / MANIFEST).write_text(manifest(run_dir))


def edit_report(run_dir: Path, change: Any) -> None:
    path = run_dir / "report.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, indent=2) + "\n")
    reseal(run_dir)


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return write_run(tmp_path)


def test_an_untouched_failing_run_agrees(run_dir: Path) -> None:
    report = json.loads((run_dir / "report.json").read_text())
    assert report["verdict"] == "fail"
    assert report["rto_seconds"] is None and report["rto_seconds_at_least"] == pytest.approx(50.0, abs=0.1)
    assert recheck(run_dir) == []


def test_a_forged_pass_with_an_aborted_reason_disagrees(run_dir: Path) -> None:
    def forge(doc: dict[str, Any]) -> None:
        doc["verdict"] = "pass"
        doc["aborted_reason"] = "interrupted (Ctrl-C or SIGTERM)"

    edit_report(run_dir, forge)
    problems = recheck(run_dir)
    assert any(p.startswith('report.json field verdict: "pass" stored, ') for p in problems), problems
    assert any(p.startswith("report.json field aborted_reason: ") for p in problems), problems


def test_a_deleted_check_disagrees(run_dir: Path) -> None:
    edit_report(run_dir, lambda doc: doc.update(checks=[c for c in doc["checks"] if c["checker"] != "rpo"]))
    problems = recheck(run_dir)
    assert any(p.startswith("report.json checks: rpo applies to this run but is missing") for p in problems), problems


@pytest.mark.parametrize(
    "field", ["rto_seconds_at_least", "lost_writes", "acknowledged_writes", "availability", "downtime_seconds"]
)
def test_a_zeroed_headline_field_disagrees_and_is_named(run_dir: Path, field: str) -> None:
    edit_report(run_dir, lambda doc: doc.update({field: 0}))
    problems = recheck(run_dir)
    assert any(p.startswith(f"report.json field {field}: 0 stored, ") for p in problems), problems


def test_a_changed_checker_list_disagrees(run_dir: Path) -> None:
    def add(doc: dict[str, Any]) -> None:
        doc["checks"].append(
            {"checker": "pitr", "status": "pass", "target": "", "margin": None, "reason": "", "metrics": {}}
        )

    edit_report(run_dir, add)
    assert "report.json checks: pitr is listed but does not apply to this run" in recheck(run_dir)


def test_an_edited_check_status_disagrees(run_dir: Path) -> None:
    def soften(doc: dict[str, Any]) -> None:
        for check in doc["checks"]:
            check["status"] = "pass"

    edit_report(run_dir, soften)
    problems = recheck(run_dir)
    assert any(p.startswith('report.json checks.rto.status: "pass" stored') for p in problems), problems


def test_a_forged_junit_disagrees(run_dir: Path) -> None:
    path = run_dir / "junit.xml"
    path.write_text(re.sub(r'failures="\d+"', 'failures="0"', path.read_text()))
    reseal(run_dir)
    problems = recheck(run_dir)
    assert any(p.startswith("junit.xml: differs from the report recomputed") for p in problems), problems


def test_a_forged_pass_badge_in_report_md_disagrees(run_dir: Path) -> None:
    path = run_dir / "report.md"
    text = path.read_text()
    assert "FAIL \u274c" in text or "UNKNOWN" in text
    path.write_text(re.sub(r"(FAIL \u274c|UNKNOWN \u2754)", "PASS \u2705", text, count=1))
    reseal(run_dir)
    problems = recheck(run_dir)
    assert any(p.startswith("report.md: differs from the report recomputed") for p in problems), problems


def test_a_forged_figure_in_report_html_disagrees(run_dir: Path) -> None:
    path = run_dir / "report.html"
    text = path.read_text()
    assert '<div class="value">at least 50.00 s (not back)</div>' in text
    path.write_text(
        text.replace('<div class="value">at least 50.00 s (not back)</div>', '<div class="value">7.20 s</div>')
    )
    reseal(run_dir)
    assert "report.html: its figures differ from the report recomputed from the history" in recheck(run_dir)


def test_an_aborted_run_is_rechecked_too(tmp_path: Path) -> None:
    events = [*_failing_history()]
    abort = h.Event(len(events), "runner", "info", h.ABORT, 67.0, events[-1].wall, {"reason": "StackNotReady: x"})
    run_dir = write_run(tmp_path, [*events, abort])
    report = json.loads((run_dir / "report.json").read_text())
    assert report["verdict"] == "unknown" and report["aborted_reason"] == "StackNotReady: x" and report["checks"] == []
    assert recheck(run_dir) == []
    edit_report(run_dir, lambda doc: doc.update(verdict="pass", aborted_reason=None))
    problems = recheck(run_dir)
    assert any(p.startswith("report.json field aborted_reason: null stored") for p in problems), problems


def test_a_tampered_history_is_caught_only_by_the_signature(tmp_path: Path) -> None:
    private, public = signing.generate(tmp_path / "keys")
    run_dir = write_run(tmp_path, sign_key=private)
    assert recheck(run_dir, public) == []
    assert json.loads((run_dir / "report.json").read_text())["signed_by"] == signing.fingerprint(
        signing.load_public_key(public)
    )
    assert (
        "Evidence signed: SHA256SUMS.sig is an Ed25519 signature by key SHA256:" in (run_dir / "report.md").read_text()
    )
    # flip one byte of the report and regenerate the manifest: the signature no longer matches
    path = run_dir / "report.json"
    data = bytearray(path.read_bytes())
    data[data.index(b'"verdict"') + 12] ^= 0x01
    path.write_bytes(bytes(data))
    reseal(run_dir)
    problems = recheck(run_dir, public)
    assert (
        "SHA256SUMS.sig: the signature does not match SHA256SUMS: the manifest or the signature was changed" in problems
    )


def test_a_flipped_signature_byte_fails(tmp_path: Path) -> None:
    private, public = signing.generate(tmp_path / "keys")
    run_dir = write_run(tmp_path, sign_key=private)
    path = run_dir / "SHA256SUMS.sig"
    text = path.read_text()
    signature = text.split("\nsignature ")[1].strip()
    flipped = ("B" if signature[5] == "A" else "A").join([signature[:5], signature[6:]])
    path.write_text(text.replace(signature, flipped))
    assert recheck(run_dir, public) == [
        "SHA256SUMS.sig: the signature does not match SHA256SUMS: the manifest or the signature was changed"
    ]


def test_another_key_and_a_missing_signature_fail(tmp_path: Path) -> None:
    private, _ = signing.generate(tmp_path / "keys")
    _, other = signing.generate(tmp_path / "other")
    signed = write_run(tmp_path, sign_key=private, name="signed")
    problems = recheck(signed, other)
    assert len(problems) == 1 and problems[0].startswith("SHA256SUMS.sig: signed by key SHA256:")
    unsigned = write_run(tmp_path, name="unsigned")
    assert recheck(unsigned, other) == [
        "SHA256SUMS.sig: missing: the run was not signed, so --pubkey cannot vouch for it"
    ]
    assert "Evidence unsigned: SHA256SUMS shows accidental damage only" in (unsigned / "report.md").read_text()


# --- hostile run directories ------------------------------------------------------------------------------------


def test_report_json_that_is_a_list(run_dir: Path) -> None:
    (run_dir / "report.json").write_text("[1, 2]\n")
    reseal(run_dir)
    assert recheck(run_dir)[-1] == "report.json: not a JSON object"


def test_a_check_without_a_checker_key(run_dir: Path) -> None:
    edit_report(run_dir, lambda doc: doc["checks"][0].pop("checker"))
    assert "report.json checks.0: not a check (no checker name)" in recheck(run_dir)


def test_a_bad_tier_json(run_dir: Path) -> None:
    (run_dir / "evidence" / "tier.json").write_text('{"name": "tier-1", "rto": {"strict": "fast"}}')
    reseal(run_dir)
    assert recheck(run_dir)[-1] == "evidence/tier.json: missing field 'availability'"


def test_a_history_value_of_the_wrong_type_is_named_with_its_line(run_dir: Path) -> None:
    path = run_dir / "history.jsonl"
    lines = path.read_text().splitlines()
    record = json.loads(lines[4])
    record["time"] = "soon"
    lines[4] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    reseal(run_dir)
    assert recheck(run_dir)[-1] == "history.jsonl: line 5: not an event (field 'time' is not a finite number)"


def test_a_malformed_history_line_anywhere_is_refused(run_dir: Path) -> None:
    path = run_dir / "history.jsonl"
    lines = path.read_text().splitlines()
    lines.insert(100, '{"index": 1, "process": "w1", "kind": "ok"')
    path.write_text("\n".join(lines) + "\n")
    reseal(run_dir)
    assert recheck(run_dir)[-1].startswith("history.jsonl: line 101: not an event (")


def test_a_fifo_is_never_read(run_dir: Path) -> None:
    (run_dir / "history.jsonl").unlink()
    os.mkfifo(run_dir / "history.jsonl")
    done: list[list[str]] = []
    worker = threading.Thread(target=lambda: done.append(recheck(run_dir)), daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert done, "check hung on a FIFO"
    assert "history.jsonl: missing" in done[0]
    assert done[0][-1].startswith("history.jsonl: ") and "not a regular file" in done[0][-1]


def test_a_missing_run_directory_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecheckError, match=r"no such run directory"):
        recheck(tmp_path / "nope")
    with pytest.raises(RecheckError, match=r"no such run directory"):
        judge_against(tmp_path / "nope", TIER_1)


def test_check_tier_verifies_the_manifest_too(run_dir: Path) -> None:
    (run_dir / "report.md").write_text("edited\n")
    verdicts, problems = judge_against(run_dir, load_tiers()["tier-3"])
    assert [v.checker for v in verdicts] == ["rto", "rpo", "availability"]
    assert problems == ["report.md: hash mismatch"]


def test_the_cli_prints_one_line_per_disagreement_and_exits_1(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_report(run_dir, lambda doc: doc.update(lost_writes=0, verdict="pass"))
    monkeypatch.setattr("sys.argv", ["odoo-chaos", "check", str(run_dir)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    lines = capsys.readouterr().out.splitlines()
    assert all(line.startswith("DISAGREES: ") for line in lines)
    assert any("report.json field verdict" in line for line in lines)


def test_the_cli_on_a_missing_directory_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (["check", str(tmp_path / "nope")], ["check", str(tmp_path / "nope"), "--tier", "tier-1"]):
        monkeypatch.setattr("sys.argv", ["odoo-chaos", *args])
        with pytest.raises(SystemExit) as exit_info:
            main()
        assert exit_info.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [
            f"odoo-chaos: error: {tmp_path / 'nope'}: no such run directory (give a directory written by `odoo-chaos run`)"
        ]


def test_keygen_makes_a_private_key_only_its_owner_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["odoo-chaos", "keygen", "--out", str(tmp_path)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 0
    assert oct((tmp_path / "odoo-chaos-signing.key").stat().st_mode & 0o777) == "0o600"
    assert "fingerprint SHA256:" in capsys.readouterr().out
    with pytest.raises(SystemExit) as again:
        main()
    assert again.value.code == 2  # never overwrites a key
