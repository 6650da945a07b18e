"""One JUnit file for a whole `odoo-chaos run` (`--junit PATH`): what a CI server shows as the drills' tests.

`<testsuites>` holds one `<testsuite>` per run (named `odoo-chaos.<scenario>`, with `.2`, `.3`...
for a scenario's later runs in a campaign, so no two suites share a name), one `<testcase>` per
check (`name` = the checker), built from each run's `report.json`. A check's status shows as:

- pass: a passing testcase;
- warn: `<skipped message="warn: <reason>">`, or with `--fail-on warn` a `<failure type="warn">`. A
  warning is a finding, not a pass: CI servers draw a skipped test apart from the green ones, and
  under `--fail-on warn` the red test matches the failed job;
- fail: `<failure type="fail">`;
- unknown: `<error type="unknown">`: the check could not decide (exit code 3), which is neither a
  pass nor a failure of the system under test.

Every testcase also carries a `status` property (pass/warn/fail/unknown) and its target, so
nothing depends on how a CI server draws `<skipped>`; the check's figures are in `<system-out>`.
A run that aborted has an extra `<error type="aborted">` case `run`. The per-run `junit.xml` in each
run directory is unchanged (it is part of the sealed evidence that `odoo-chaos check` recomputes).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.report.junit import _duration, _text


def campaign_junit(runs: Sequence[tuple[Path, dict[str, Any]]], fail_on: str = "fail") -> str:
    """The JUnit document for `runs` ((run directory, its report.json content), in run order)."""
    root = ET.Element("testsuites", {"name": "odoo-chaos"})
    seen: Counter[str] = Counter()
    totals = Counter[str]()
    for run_dir, report in runs:
        scenario = str(report.get("scenario") or run_dir.name)
        seen[scenario] += 1
        name = f"odoo-chaos.{scenario}" + (f".{seen[scenario]}" if seen[scenario] > 1 else "")
        suite = _suite(root, name, run_dir, report, fail_on)
        for key in ("tests", "failures", "errors", "skipped"):
            totals[key] += int(suite.get(key, "0"))
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(totals[key]))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _suite(root: ET.Element, name: str, run_dir: Path, report: dict[str, Any], fail_on: str) -> ET.Element:
    checks = [c for c in report.get("checks") or [] if isinstance(c, dict)]
    aborted = report.get("aborted_reason")
    suite = ET.SubElement(root, "testsuite", {"name": _text(name), "timestamp": _text(report.get("started_at") or "")})
    duration = _duration(str(report.get("started_at")), str(report.get("ended_at")))
    if duration is not None:
        suite.set("time", f"{duration:.3f}")
    properties = ET.SubElement(suite, "properties")
    for key, value in (
        ("scenario", report.get("scenario")),
        ("tier", report.get("tier")),
        ("verdict", report.get("verdict") or "unknown"),
        ("run_id", report.get("run_id")),
        ("run_dir", str(run_dir)),
        ("report", str(run_dir / "report.html")),
        ("fail_on", fail_on),
    ):
        ET.SubElement(properties, "property", {"name": key, "value": _text(value or "")})
    counts = Counter[str]()
    for check in checks:
        counts[_case(suite, name, check, fail_on)] += 1
    if aborted or not checks:
        case = ET.SubElement(suite, "testcase", {"classname": _text(name), "name": "run"})
        reason = str(aborted or "the run wrote no checks (see its run directory)")
        ET.SubElement(case, "error", {"message": _text(reason), "type": "aborted"}).text = _text(reason)
        counts["error"] += 1
    suite.set("tests", str(len(checks) + (1 if aborted or not checks else 0)))
    suite.set("failures", str(counts["failure"]))
    suite.set("errors", str(counts["error"]))
    suite.set("skipped", str(counts["skipped"]))
    return suite


def _case(suite: ET.Element, classname: str, check: dict[str, Any], fail_on: str) -> str:
    """One check as a testcase; returns how it counts: pass, skipped, failure or error."""
    status = str(check.get("status") or "unknown")
    checker = str(check.get("checker") or "?")
    case = ET.SubElement(suite, "testcase", {"classname": _text(classname), "name": _text(checker)})
    props = ET.SubElement(case, "properties")
    ET.SubElement(props, "property", {"name": "status", "value": _text(status)})
    if check.get("target"):
        ET.SubElement(props, "property", {"name": "target", "value": _text(check["target"])})
    reason = str(check.get("reason") or f"{checker}: {status}")
    details = json.dumps(
        {"target": check.get("target"), "margin": check.get("margin"), "metrics": check.get("metrics")},
        indent=2,
        sort_keys=True,
        default=str,
    )
    ET.SubElement(case, "system-out").text = _text(f"{status}: {reason}\n{details}")
    if status == "fail" or (status == "warn" and fail_on == "warn"):
        ET.SubElement(case, "failure", {"message": _text(f"{status}: {reason}"), "type": status})
        return "failure"
    if status == "warn":
        ET.SubElement(case, "skipped", {"message": _text(f"warn: {reason}")})
        return "skipped"
    if status != "pass":
        ET.SubElement(case, "error", {"message": _text(f"unknown: {reason}"), "type": "unknown"})
        return "error"
    return "pass"


def write_campaign_junit(path: Path, runs: Sequence[tuple[Path, dict[str, Any]]], fail_on: str = "fail") -> Path:
    """Write the document (`harness.files.outputs`: a file replaced atomically, a device or FIFO written into)."""
    from harness.files.outputs import write_output

    write_output(path, campaign_junit(runs, fail_on).encode("utf-8"), "--junit")
    return path
