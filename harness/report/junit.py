"""The run as a JUnit test suite, so any CI shows a failed drill as a failed test.

One suite `odoo-chaos.<scenario>`, one test case per verdict (name = checker): `fail` is a
`<failure>`, `unknown` is `<skipped>` (the checker could not decide: not a pass), `pass` and `warn`
pass (a warning keeps its reason in `<system-out>`). An aborted run adds an `<error>` case `run`.
Text is stripped of characters XML 1.0 cannot carry, so the file always parses.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime

from harness.core.figures import jsonable
from harness.report.model import RunSummary, check_entry

_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    return _XML_INVALID.sub("\ufffd", str(value))


def _duration(started_at: str, ended_at: str) -> float | None:
    try:
        start = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
        end = datetime.fromisoformat(ended_at.replace("Z", "+00:00"))
        return max(0.0, (end - start).total_seconds())
    except (ValueError, TypeError, AttributeError):
        return None


def junit_xml(summary: RunSummary) -> str:
    suite_name = f"odoo-chaos.{summary.scenario}"
    checks = [check_entry(v) for v in summary.verdicts]
    failures = sum(1 for c in checks if c["status"] == "fail")
    skipped = sum(1 for c in checks if c["status"] == "unknown")
    errors = 1 if summary.aborted_reason else 0

    suite = ET.Element(
        "testsuite",
        {
            "name": _text(suite_name),
            "tests": str(len(checks) + errors),
            "failures": str(failures),
            "errors": str(errors),
            "skipped": str(skipped),
            "timestamp": _text(summary.started_at),
        },
    )
    duration = _duration(summary.started_at, summary.ended_at)
    if duration is not None:
        suite.set("time", f"{duration:.3f}")

    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("run_id", summary.run_id),
        ("scenario", summary.scenario),
        ("scenario_file", summary.scenario_file or ""),
        ("tier", summary.tier),
        ("verdict", summary.verdict),
        ("started_at", summary.started_at),
        ("ended_at", summary.ended_at),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": _text(value)})

    for check in checks:
        case = ET.SubElement(suite, "testcase", {"classname": _text(suite_name), "name": _text(check["checker"])})
        if check["target"]:
            props = ET.SubElement(case, "properties")
            ET.SubElement(props, "property", {"name": "target", "value": _text(check["target"])})
        reason = check["reason"] or f"{check['checker']}: {check['status']}"
        details = json.dumps(
            jsonable({"target": check["target"], "margin": check["margin"], "metrics": check["metrics"]}),
            indent=2,
            sort_keys=True,
        )
        if check["status"] == "fail":
            failure = ET.SubElement(case, "failure", {"message": _text(reason), "type": "fail"})
            failure.text = _text(details)
        elif check["status"] == "unknown":
            ET.SubElement(case, "skipped", {"message": _text(reason)})
        elif check["status"] == "warn":
            ET.SubElement(case, "system-out").text = _text(f"warn: {reason}\n{details}")

    if summary.aborted_reason:
        case = ET.SubElement(suite, "testcase", {"classname": _text(suite_name), "name": "run"})
        error = ET.SubElement(case, "error", {"message": _text(summary.aborted_reason), "type": "aborted"})
        error.text = _text(summary.aborted_reason)

    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
