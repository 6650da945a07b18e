"""Reports of a finished run: report.json, junit.xml, report.html, report.md, sealed by SHA256SUMS.

`RunSummary` is what the runner hands over; `write_run_dir` writes every report atomically into the
run directory next to the streamed `history.jsonl`; `verify_run_dir` checks the directory against its
manifest, so an auditor can tell the evidence was not altered after the run.
"""

from __future__ import annotations

from harness.report.model import RunSummary, Status, VerdictLike, report_json
from harness.report.writer import verify_run_dir, write_run_dir

__all__ = ["RunSummary", "Status", "VerdictLike", "report_json", "verify_run_dir", "write_run_dir"]
