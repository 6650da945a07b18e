"""Reports from a hand-built history and hand-built verdicts: every file written, sealed and verifiable."""

from __future__ import annotations

import base64
import json
import math
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from harness.core.history import HEAL, INJECT, LAG, PHASE, WRITE, Event, Kind, make
from harness.report import RunSummary, report_json, verify_run_dir, write_run_dir
from harness.report import html as report_html_module
from harness.report import writer as writer_module
from harness.report.html import report_html
from harness.report.junit import junit_xml
from harness.report.markdown import report_md
from harness.report.timeline import timeline_png

Status = Literal["pass", "warn", "fail", "unknown"]

REQUIRED_KEYS = {
    "schema_version",
    "scenario",
    "tier",
    "verdict",
    "rto_seconds",
    "rto_resolution_seconds",
    "rpo_seconds",
    "lost_writes",
    "acknowledged_writes",
    "indeterminate_writes",
    "availability",
    "fault_injected_at",
    "recovered_at",
    "targets",
    "stack",
    "run_id",
    "outages",
    "checks",
    "aborted_reason",
    "started_at",
    "ended_at",
}
REPORT_FILES = ("report.json", "junit.xml", "report.html", "report.md", "SHA256SUMS")


@dataclass(frozen=True, slots=True)
class Verdict:
    """Structural stand-in for harness.checkers.base.Verdict."""

    checker: str
    status: Status
    metrics: dict[str, Any] = field(default_factory=dict)
    target: str = ""
    margin: float | None = None
    reason: str = ""
    unit: str = "s"
    figure: str = ""  # as `run_checkers` fills it in: the registered checker's headline of the metrics

    def __post_init__(self) -> None:
        from harness.checkers import CHECKERS

        if not self.figure and self.checker in CHECKERS:
            object.__setattr__(self, "figure", CHECKERS[self.checker].headline(self.metrics))


def _history() -> list[Event]:
    """Two writers every 0.5 s for 30 s; primary killed at 10 s (writes fail until 14 s), healed at 20 s."""
    items: list[tuple[str, Kind, str, float, dict[str, Any]] | tuple[str, Kind, str, float]] = [
        ("runner", "invoke", PHASE, 0.0, {"phase": "steady"}),
        ("runner", "ok", PHASE, 0.0),
    ]
    seq = 0
    t = 0.5
    while t < 30:
        for process, offset in (("w1", 0.0), ("w2", 0.25)):
            start = t + offset
            seq += 1
            items.append((process, "invoke", WRITE, start, {"seq": seq}))
            if 10.2 <= start < 14.0:
                kind: Kind = "info" if seq % 7 == 0 else "fail"
                items.append((process, kind, WRITE, start + 0.2, {}))
            else:
                items.append((process, "ok", WRITE, start + 0.05, {"id": seq, "node": "odoo-1"}))
        items.append(("lag", "invoke", LAG, t, {}))
        items.append(
            (
                "lag",
                "ok",
                LAG,
                t + 0.01,
                {"primary": "pg-1", "lag_bytes": 0, "lag_seconds": 1.5 if 14 <= t < 16 else 0.1},
            )
        )
        if t == 10.0:
            items.append(("fault", "invoke", INJECT, 10.0, {"fault": "kill", "target": "pg-primary"}))
            items.append(("fault", "ok", INJECT, 10.2, {}))
        if t == 20.0:
            items.append(("fault", "invoke", HEAL, 20.0, {"fault": "kill", "target": "pg-primary"}))
            items.append(("fault", "ok", HEAL, 20.5, {}))
        t += 0.5
    items.sort(key=lambda item: item[3])
    return make(items)


def _verdicts() -> list[Verdict]:
    return [
        Verdict(
            "rto",
            "pass",
            {
                "rto_seconds": 3.8,
                "rto_resolution_seconds": 0.25,
                "rto_stable_seconds": 8.8,
                "oracle_rto_seconds": 3.5,
                "fault_injected_at": "2026-01-01T00:00:10.200Z",
                "recovered_at": "2026-01-01T00:00:14.000Z",
                "injected": True,
            },
            target="RTO <= 900 s",
            margin=896.2,
        ),
        Verdict(
            "rpo",
            "fail",
            {
                "rpo_seconds": 0.5,
                "acknowledged_writes": 100,
                "lost_writes": 2,
                "lost_seqs": [17, 18],
                "indeterminate_writes": 1,
                "recovered_writes": 0,
                "unexpected_writes": 0,
                "duplicate_writes": 0,
            },
            target="RPO <= 0 s",
            margin=-0.5,
            reason="2 acknowledged writes lost",
        ),
        Verdict(
            "outages",
            "warn",
            {
                "outages": [
                    {
                        "start": 10.2,
                        "end": 14.0,
                        "duration_seconds": 3.8,
                        "start_wall": "2026-01-01T00:00:10.200Z",
                        "end_wall": "2026-01-01T00:00:14.000Z",
                        "failed_probes": ["write"],
                        "failed_ops": 15,
                        "open": False,
                    }
                ]
            },
            reason="one outage longer than 1 s",
        ),
        Verdict(
            "availability", "pass", {"availability": 0.8733, "availability_percent": 87.33, "error_budget_used": 0.4}
        ),
        Verdict(
            "latency",
            "pass",
            {
                "before": {"p50": 0.05, "p95": 0.05, "p99": 0.05, "count": 38},
                "during": {"p50": 0.2, "p95": None, "p99": None, "count": 15},
                "after": {"p50": 0.05, "p95": 0.05, "p99": 0.05, "count": 60},
            },
        ),
        Verdict("sessions", "unknown", {}, reason="no session probe ran"),
    ]


def _summary(**changes: Any) -> RunSummary:
    fields: dict[str, Any] = {
        "run_id": "20260101T000000Z-abcd",
        "scenario": "kill-primary",
        "scenario_file": "scenarios/kill-primary.yaml",
        "tier": "gold",
        "targets": {"rto_seconds": 900, "rpo_seconds": 0},
        "started_at": "2026-01-01T00:00:00.000Z",
        "ended_at": "2026-01-01T00:00:30.000Z",
        "stack": {
            "odoo-1": {"image": "odoo-chaos/odoo:17", "image_id": "sha256:" + "ab" * 32, "version": "17.0"},
            "pg-1": {"image": "odoo-chaos/pg:16", "image_id": "sha256:" + "cd" * 32, "version": "16.4"},
        },
        "verdicts": _verdicts(),
        "verdict": "fail",
        "probe_period": 0.25,
    }
    fields.update(changes)
    return RunSummary(**fields)


def _write(run_dir: Path, summary: RunSummary | None = None, events: list[Event] | None = None) -> Path:
    events = _history() if events is None else events
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "history.jsonl").write_text("".join(e.to_json() + "\n" for e in events))
    return write_run_dir(
        run_dir,
        summary or _summary(),
        events,
        evidence={"versions.json": b'{"odoo": "17.0"}', "logs/pg-1.log": b"LOG: ready\n"},
    )


# --- report.json ------------------------------------------------------------------------------------------------


def test_report_json_has_every_required_key_and_the_figures() -> None:
    doc = report_json(_summary())
    assert doc.keys() >= REQUIRED_KEYS
    assert doc["schema_version"] == 2
    assert doc["verdict"] == "fail"
    assert doc["rto_seconds"] == 3.8
    assert doc["rto_resolution_seconds"] == 0.25
    assert doc["rpo_seconds"] == 0.5
    assert (doc["lost_writes"], doc["acknowledged_writes"], doc["indeterminate_writes"]) == (2, 100, 1)
    assert doc["availability"] == 0.8733
    assert doc["fault_injected_at"] == "2026-01-01T00:00:10.200Z"
    assert doc["recovered_at"] == "2026-01-01T00:00:14.000Z"
    assert doc["outages"][0]["duration_seconds"] == 3.8
    assert [c["checker"] for c in doc["checks"]] == ["rto", "rpo", "outages", "availability", "latency", "sessions"]
    assert set(doc["checks"][1]) == {
        "checker",
        "status",
        "target",
        "margin",
        "margin_unit",
        "reason",
        "figure",
        "metrics",
    }
    assert doc["checks"][1]["figure"] == "RPO 0.50 s, lost 2 of 100 acknowledged"
    assert doc["checks"][1]["metrics"]["lost_seqs"] == [17, 18]
    json.dumps(doc, allow_nan=False)


def test_missing_or_unknown_verdicts_give_nulls_not_crashes() -> None:
    verdicts = [
        Verdict("rto", "unknown", {}),
        Verdict("rpo", "unknown", {"rpo_seconds": math.nan, "lost_writes": "n/a"}),
    ]
    doc = report_json(_summary(verdicts=verdicts, verdict="unknown"))
    assert doc.keys() >= REQUIRED_KEYS
    for key in (
        "rto_seconds",
        "rto_resolution_seconds",
        "rpo_seconds",
        "lost_writes",
        "acknowledged_writes",
        "indeterminate_writes",
        "availability",
        "fault_injected_at",
        "recovered_at",
    ):
        assert doc[key] is None, key
    assert doc["outages"] == []
    assert doc["checks"][1]["metrics"]["rpo_seconds"] is None  # NaN never reaches the JSON
    json.dumps(doc, allow_nan=False)
    empty = report_json(_summary(verdicts=[], verdict="unknown"))
    assert empty["checks"] == [] and empty["rto_seconds"] is None


# --- junit.xml --------------------------------------------------------------------------------------------------


def test_junit_has_one_testcase_per_verdict_with_failure_and_skipped() -> None:
    suite = ET.fromstring(junit_xml(_summary()))
    assert suite.tag == "testsuite"
    assert suite.get("name") == "odoo-chaos.kill-primary"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert list(cases) == ["rto", "rpo", "outages", "availability", "latency", "sessions"]
    assert all(case.get("classname") == "odoo-chaos.kill-primary" for case in cases.values())
    failure = cases["rpo"].find("failure")
    assert failure is not None and failure.get("message") == "2 acknowledged writes lost"
    skipped = cases["sessions"].find("skipped")
    assert skipped is not None and skipped.get("message") == "no session probe ran"
    assert cases["rto"].find("failure") is None and cases["rto"].find("skipped") is None
    out = cases["outages"].find("system-out")
    assert out is not None and "one outage longer than 1 s" in (out.text or "")
    counts = (suite.get("tests"), suite.get("failures"), suite.get("skipped"), suite.get("errors"))
    assert counts == ("6", "1", "1", "0")


def test_junit_aborted_run_has_an_error_case_and_survives_control_characters() -> None:
    summary = _summary(verdicts=[], verdict="unknown", aborted_reason="stack failed \x00 to start")
    suite = ET.fromstring(junit_xml(summary))
    cases = list(suite.iter("testcase"))
    assert [c.get("name") for c in cases] == ["run"]
    error = cases[0].find("error")
    assert error is not None and "stack failed" in (error.get("message") or "")
    assert suite.get("errors") == "1"


# --- report.html / report.md ------------------------------------------------------------------------------------


def _assert_self_contained(page: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page and "<script" not in page


def test_html_is_self_contained_with_an_embedded_plot() -> None:
    page = report_html(_summary(), _history())
    _assert_self_contained(page)
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match is not None
    assert base64.b64decode(match.group(1)).startswith(b"\x89PNG\r\n\x1a\n")
    for text in (
        "20260101T000000Z-abcd",
        "kill-primary",
        "gold",
        "FAIL",
        "2 acknowledged writes lost",
        "odoo-chaos/pg:16",
        "17, 18",
        "3.80 s \u00b1 0.25 s",
    ):
        assert text in page, text


def test_html_escapes_reasons() -> None:
    verdicts = [Verdict("rto", "fail", {}, reason="<script>alert(1)</script>")]
    page = report_html(_summary(verdicts=verdicts), [])
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_plot_renders_without_events_and_without_verdicts() -> None:
    assert timeline_png(_summary(verdicts=[], verdict="unknown"), []).startswith(b"\x89PNG")
    only_faults = make([("fault", "invoke", INJECT, 1.0, {"fault": "kill", "target": "pg-1"})])
    assert timeline_png(_summary(), only_faults).startswith(b"\x89PNG")


def test_plot_failure_leaves_a_note_in_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(summary: RunSummary, events: Any) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(report_html_module, "timeline_png", broken)
    page = report_html(_summary(), _history())
    assert "Timeline plot unavailable: RuntimeError: no fonts" in page
    assert "data:image/png" not in page


def test_markdown_summary() -> None:
    md = report_md(_summary())
    assert "FAIL" in md and "`gold`" in md
    assert "3.80 s \u00b1 0.25 s" in md
    assert "| Writes lost / acknowledged | 2 / 100 (first lost: 17, 18) |" in md
    assert "| Outages | 1 |" in md
    assert "| rpo | fail |" in md
    bare = report_md(_summary(verdicts=[Verdict("rto", "warn", {}, reason="a | b\nc")], verdict="warn"))
    assert "a \\| b c" in bare and "| RTO | \u2014 |" in bare


# --- run directory ----------------------------------------------------------------------------------------------


def test_write_run_dir_writes_everything_and_verifies(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    result = _write(run_dir)
    history_bytes = "".join(e.to_json() + "\n" for e in _history()).encode()
    assert result == run_dir
    for name in REPORT_FILES:
        assert (run_dir / name).is_file(), name
    assert (run_dir / "evidence" / "versions.json").read_bytes() == b'{"odoo": "17.0"}'
    assert (run_dir / "evidence" / "logs" / "pg-1.log").read_bytes() == b"LOG: ready\n"
    assert (run_dir / "history.jsonl").read_bytes() == history_bytes
    assert json.loads((run_dir / "report.json").read_text())["verdict"] == "fail"
    assert verify_run_dir(run_dir) == []

    listed = [line.split("  ", 1)[1] for line in (run_dir / "SHA256SUMS").read_text().splitlines()]
    assert listed == sorted(listed)
    assert {
        "history.jsonl",
        "report.json",
        "junit.xml",
        "report.html",
        "report.md",
        "evidence/versions.json",
        "evidence/logs/pg-1.log",
    } == set(listed)
    assert all(re.fullmatch(r"[0-9a-f]{64}  \S+", line) for line in (run_dir / "SHA256SUMS").read_text().splitlines())


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="no sha256sum binary")
def test_manifest_is_checked_by_sha256sum_itself(tmp_path: Path) -> None:
    run_dir = _write(tmp_path / "run")
    checked = subprocess.run(
        ["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=run_dir, capture_output=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_verify_reports_tampering_additions_and_deletions(tmp_path: Path) -> None:
    run_dir = _write(tmp_path / "run")
    report = run_dir / "report.json"
    report.write_text(report.read_text().replace('"fail"', '"pass"', 1))
    (run_dir / "evidence" / "extra.txt").write_text("added later")
    (run_dir / "report.md").unlink()
    problems = verify_run_dir(run_dir)
    assert "report.json: hash mismatch" in problems
    assert "evidence/extra.txt: not in SHA256SUMS" in problems
    assert "report.md: missing" in problems
    assert len(problems) == 3

    (run_dir / "SHA256SUMS").unlink()
    assert verify_run_dir(run_dir) == ["SHA256SUMS: missing"]


def test_verify_rejects_a_malformed_manifest(tmp_path: Path) -> None:
    run_dir = _write(tmp_path / "run")
    with (run_dir / "SHA256SUMS").open("a") as manifest:
        manifest.write("not a checksum line\n" + "0" * 64 + "  ../outside\n")
    problems = verify_run_dir(run_dir)
    assert "SHA256SUMS: malformed line 8" in problems
    assert "../outside: outside the run directory" in problems


def test_aborted_run_still_gets_every_file(tmp_path: Path) -> None:
    summary = _summary(verdicts=[], verdict="unknown", aborted_reason="pg-primary never became ready")
    run_dir = _write(tmp_path / "run", summary, events=[])
    for name in REPORT_FILES:
        assert (run_dir / name).is_file(), name
    doc = json.loads((run_dir / "report.json").read_text())
    assert doc["verdict"] == "unknown"
    assert doc["aborted_reason"] == "pg-primary never became ready"
    assert doc["rto_seconds"] is None and doc["checks"] == [] and doc["outages"] == []
    page = (run_dir / "report.html").read_text()
    assert "pg-primary never became ready" in page and "UNKNOWN" in page
    assert verify_run_dir(run_dir) == []


def test_atomic_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    run_dir = _write(tmp_path / "run")
    _write(run_dir)  # rewriting replaces, never leaves a stray
    names = [p.name for p in run_dir.rglob("*")]
    assert not [n for n in names if n.startswith(".") or n.endswith(".tmp")]
    assert verify_run_dir(run_dir) == []


def test_a_failed_atomic_write_keeps_the_old_file_and_removes_the_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(b"old")

    def refuse(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        writer_module.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_broken_html_renderer_costs_only_the_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(summary: RunSummary, events: Any) -> str:
        raise ValueError("template exploded")

    monkeypatch.setattr(writer_module, "report_html", broken)
    run_dir = _write(tmp_path / "run")
    page = (run_dir / "report.html").read_text()
    assert "ValueError: template exploded" in page
    _assert_self_contained(page)
    assert json.loads((run_dir / "report.json").read_text())["rto_seconds"] == 3.8
    assert ET.fromstring((run_dir / "junit.xml").read_text()).get("tests") == "6"
    assert verify_run_dir(run_dir) == []


@pytest.mark.parametrize("name", ["../escape", "/etc/passwd", "a/../../b", ""])
def test_evidence_names_stay_inside_the_run_dir(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="evidence name"):
        write_run_dir(tmp_path, _summary(), [], evidence={name: b"x"})
    assert not (tmp_path / "report.json").exists()


def test_plot_adds_a_load_panel_when_locust_ran() -> None:
    timeline = [{"at": t, "requests": 20, "failures": 5 if 10 <= t < 13 else 0, "p95": 0.05} for t in range(30)]
    load = Verdict("load", "pass", {"timeline": timeline})
    events = make([("fault", "invoke", INJECT, 10.0, {"fault": "kill", "target": "odoo-1"})])
    with_load = timeline_png(_summary(verdicts=[*_verdicts(), load]), events)
    without = timeline_png(_summary(), events)
    assert with_load.startswith(b"\x89PNG") and len(with_load) != len(without)


def test_html_has_a_load_table_per_window_and_endpoint() -> None:
    endpoint = {"requests_per_second": 3.0, "requests": 60, "error_rate": 0.0, "p50": 0.02, "p95": 0.05, "p99": 0.08}
    before = {**endpoint, "requests_per_second": 8.5, "requests": 170, "endpoints": {"browse-partners": endpoint}}
    capacity = {"baseline_ok_per_second": 8.5, "regained_after_seconds": 1.4}
    load = Verdict("load", "pass", {"before": before, "capacity": capacity, "timeline": []})
    page = report_html(_summary(verdicts=[*_verdicts(), load]), [])
    assert "<h2>Load (Locust)</h2>" in page
    assert '<td>before</td><td>all</td><td class="num">8.5</td>' in page
    assert "<td></td><td>browse-partners</td>" in page
    assert "margin 1.4 s after recovery" in page
    assert "Load (Locust)" not in report_html(_summary(), [])


# --- saying it plainly -------------------------------------------------------------------------------------------


def test_margins_are_in_the_targets_unit() -> None:
    from harness.core.figures import margin

    assert margin(895.8) == "+895.8 s"
    assert margin(-0.25) == "-0.25 s"
    assert margin(0.0001, "fraction") == "+0.010 pp"
    assert margin(None) == "\u2014"


def test_tier_targets_are_sentences() -> None:
    from harness.core.figures import target_sentences

    targets = {
        "rto": {"strict": 900.0, "loose": 3600.0},
        "rpo": {"strict": 300.0, "loose": 300.0},
        "availability": {"strict": 0.9999, "loose": 0.9995},
    }
    assert target_sentences(targets) == [
        "RTO at most 15 min (a warning up to 1 h).",
        "RPO at most 5 min.",
        "Availability at least 99.99 % (a warning down to 99.95 %): a monthly downtime budget of 259 s.",
    ]


def test_every_checker_with_figures_has_a_measured_cell() -> None:
    """Each checker's registered headline is what the "Measured" cell shows."""
    from harness.core.figures import DASH
    from harness.report.headline import key_figure

    examples = {
        "runbook": {"steps": [{"step": "rejoin-old-primary", "method": "pg_rewind", "outcome": "ok", "seconds": 3.5}]},
        "redundancy": {"redundancy_lost": True, "time_to_redundancy_seconds": 15.5},
        "load": {
            "before": {"ok_per_second": 9.8},
            "after": {"error_rate": 0.0},
            "capacity": {"regained_after_seconds": 0.4},
        },
        "liveness": {"lanes": 9, "gaps": [], "probe_errors": []},
        "steady-state": {"results": [{"condition": "writes-ok", "held": True}]},
        "guardrails": {"halted": False},
        "pitr": {"landing_error_bound_s": 0.39, "acked_writes_lost_before_the_statement": 10},
        "restore": {"restores": [{"action": "pitr-restore", "outcome": "ok", "seconds": 3.1, "copy_seconds": 0.57}]},
        "corruption": {"offline_check_found": 2, "detection_seconds": 0.76, "recovery": "failover"},
    }
    figures = {name: key_figure(Verdict(name, "pass", metrics)) for name, metrics in examples.items()}
    assert figures == {
        "runbook": "rejoin-old-primary by pg_rewind ok in 3.5 s",
        "redundancy": "streaming standby back 15.5 s after the fault",
        "load": "9.8 ok req/s before, 0.0 % errors after recovery, capacity back in 0 s",
        "liveness": "9 probe lanes, 0 fell silent, 0 broke",
        "steady-state": "1 of 1 conditions held",
        "guardrails": "not halted",
        "pitr": "landed within 0.390 s of the target; 10 writes lost",
        "restore": "pitr-restore ok in 3.1 s (copy 0.6 s, replay \u2014)",
        "corruption": "pg_checksums found 2 damaged file(s); first hit 0.76 s after; recovered by failover",
    }
    assert all(figure != DASH for figure in figures.values())


def test_reports_open_with_what_was_tested_and_the_two_answers() -> None:
    rto = Verdict(
        "rto",
        "pass",
        {
            "injected": True,
            "rto_seconds": 40.5,
            "rto_resolution_seconds": 0.25,
            "rto_journey": "web users",
            "recovered_by_detail": "the harness's heal of partition on zone-a",
            "rto_by_journey": {
                "web users": {"rto_seconds": 40.5, "rto_seconds_at_least": None},
                "integrations": {"rto_seconds": 7.2, "rto_seconds_at_least": None},
            },
        },
    )
    rpo = Verdict("rpo", "warn", {"lost_writes": 3, "acknowledged_writes": 682, "rpo_seconds": 0.4})
    summary = _summary(
        verdicts=[rto, rpo],
        verdict="warn",
        tested="the harness's reference stack (manual failover by runbook): traefik odoo-chaos/traefik:3",
        scenario_summary="Zone a goes dark",
        scenario_steps=("at 10s: fault partition on zone-a for 40s",),
    )
    md = report_md(summary).splitlines()
    assert md[2] == (
        "**RTO 40.50 s \u00b1 0.25 s, set by web users, brought back by the harness's heal of partition on zone-a. "
        "Per journey: web users 40.50 s; integrations 7.20 s.**"
    )
    assert md[3] == "**3 of 682 acknowledged writes were LOST (RPO 0.40 s).**"
    assert md[5].startswith("- Tested: the harness's reference stack (manual failover by runbook)")
    assert md[6].startswith("- Scenario: Zone a goes dark")
    assert md[7] == "  - at 10s: fault partition on zone-a for 40s"
    page = report_html(summary, _history())
    assert "What was tested" in page and "Zone a goes dark" in page and "How to read it" not in page
    assert "<dt>indeterminate</dt>" in page


def test_the_stack_table_shows_the_odoo_version_the_image_itself_stated() -> None:
    node = {
        "image": "acme/odoo-prod:latest",
        "image_id": "sha256:" + "ab" * 32,
        "version": "11.0",
        "version_in_image": "11.0 (/usr/lib/python3/dist-packages/odoo/release.py)",
        "started_as": "/usr/bin/odoo",
    }
    page = report_html(_summary(stack={"odoo-1": node}), _history())
    assert (
        "<td>11.0; the image&#39;s release: 11.0 (/usr/lib/python3/dist-packages/odoo/release.py)</td>" in page
    )


def test_the_timeline_counts_from_the_probes_start_and_marks_each_step_at_its_own_second() -> None:
    """A first drill's probes start ~257 s into the run (images, stack): the axis must not read 257."""
    from harness.core.analysis import ops_of
    from harness.report.timeline import axis_origin, mark_label

    events = make(
        [
            ("runner", "ok", PHASE, 257.4, {"phase": "probes"}),
            ("fault", "invoke", INJECT, 267.4, {"fault": "partition", "target": "zone-a"}),
            ("fault", "ok", INJECT, 267.9, {"fault": "partition", "target": "zone-a"}),
            ("fault", "invoke", HEAL, 307.4, {"fault": "partition", "target": "zone-a"}),
            ("fault", "ok", HEAL, 308.0, {"fault": "partition", "target": "zone-a"}),
        ]
    )
    origin, wall = axis_origin(events)
    assert origin == 257.4 and wall == events[0].wall[11:19]
    marks = [mark_label(op, origin) for op in ops_of(events)]
    assert marks == ["inject partition \u2192 zone-a at 10.5 s", "heal partition \u2192 zone-a at 50.6 s"]
    assert axis_origin([]) == (0.0, "")
    assert timeline_png(_summary(), events).startswith(b"\x89PNG")


def test_a_quiet_runs_figure_is_called_availability_and_an_incidents_downtime() -> None:
    """Issue 20: "Downtime | 100.000 %: 0.0 s down of 62 s" read as downtime; the figure leads with the share."""
    quiet = {"downtime_seconds": 0.0, "measured_seconds": 62.0, "availability": 1.0, "availability_journey": "web users"}
    incident = {**quiet, "incident": True, "monthly_budget_seconds": 259.2, "downtime_seconds": 7.3}
    verdicts = [*(v for v in _verdicts() if v.checker != "availability")]
    page = report_md(_summary(verdicts=[*verdicts, Verdict("availability", "pass", quiet)]))
    assert "| Availability | 100.000 %: 0.0 s down of 62 s (web users) |" in page
    assert "| Downtime |" not in page
    page = report_md(_summary(verdicts=[*verdicts, Verdict("availability", "pass", incident)]))
    assert "| Downtime | 7.3 s of 259 s monthly budget (web users) |" in page
    html_page = report_html(_summary(verdicts=[*verdicts, Verdict("availability", "pass", quiet)]), [])
    assert ">Availability<" in html_page and ">Downtime<" not in html_page
    # a run directory written before the layout had a name is re-rendered exactly as it was
    old = report_md(_summary(verdicts=[*verdicts, Verdict("availability", "pass", quiet)], pages=1))
    assert "| Downtime | 100.000 %: 0.0 s down of 62 s (web users) |" in old
    assert report_json(_summary(pages=1)).get("pages") is None and report_json(_summary())["pages"] == 2


def test_the_timeline_ticks_are_round_seconds_since_the_probes_started() -> None:
    from harness.report.timeline import ticks

    assert ticks(257.4, 256.4, 331.0) == [257.4 + 10 * k for k in range(8)]  # 0, 10, ... 70 s
    assert ticks(0.0, 0.0, 5.0) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert len(ticks(3.3, 2.3, 3600.0)) <= 12
