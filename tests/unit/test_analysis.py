"""One judgement decodes its history once: paired once, recoveries found once, whatever the checkers.

And the history says its version: the runner writes a header event first; a history without one is
version 1 (every run directory written before headers, kept as fixtures in tests/fixtures/rundirs),
and one newer than this harness reads is refused with the line and the fix.
"""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path
from typing import Any

import pytest

from harness.checkers import CHECKERS
from harness.core import analysis
from harness.core import history as h
from harness.core.history import MalformedHistory, load
from harness.scenario.model import scenario_from_record
from harness.verdict.judgement import judge_run
from harness.verdict.recheck import read_json, tier_from_json

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "rundirs"


def _unpack(name: str, into: Path) -> Path:
    (archive,) = FIXTURES.glob(f"*-{name}-*.tar.xz")
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    (run_dir,) = (p for p in into.iterdir() if p.is_dir())
    return run_dir


@pytest.mark.parametrize("name", ["db-primary-kill", "patroni-primary-kill"])
def test_a_judgement_pairs_the_history_once_and_finds_recoveries_once(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = _unpack(name, tmp_path)
    events = load(run_dir / "history.jsonl")
    scenario = scenario_from_record(read_json(run_dir / "evidence" / "scenario.json"))
    tier = tier_from_json(read_json(run_dir / "evidence" / "tier.json"))
    calls = {"pair": 0, "recoveries": 0}
    real_pair, real_find = h.pair, analysis.find_recoveries

    def pair(*args: Any, **kwargs: Any) -> Any:
        calls["pair"] += 1
        return real_pair(*args, **kwargs)

    def find(*args: Any, **kwargs: Any) -> Any:
        calls["recoveries"] += 1
        return real_find(*args, **kwargs)

    monkeypatch.setattr(h, "pair", pair)
    monkeypatch.setattr(analysis, "find_recoveries", find)
    judged = judge_run(scenario, tier, events)
    assert len(judged.verdicts) >= 10  # rto, rpo, outages, availability, latency, failover... all judged
    assert calls == {"pair": 1, "recoveries": 1}


def test_no_checker_pairs_the_history_or_finds_recoveries_by_itself() -> None:
    """What makes the count above true for every checker, a user's own included when it follows the recipe."""
    for checker in CHECKERS.values():
        module = __import__(checker.fn.__module__, fromlist=["_"])
        source = Path(module.__file__ or "").read_text()
        assert not re.search(r"\b(pair|find_recoveries)\(", source), f"{checker.name}: use ops_of / recoveries_of"


def test_a_history_without_a_header_is_version_1_and_the_runner_s_is_version_3() -> None:
    old = h.make([("runner", "ok", h.PHASE, 0.1, {"phase": "probes"})])
    assert h.version_of(old) == 1 and analysis.Analysis(old).version == 1
    new = h.make([("runner", "info", h.HEADER, 0.0, {"version": 3, "harness": "0.1.0"})])
    assert h.version_of(new) == h.HISTORY_VERSION == 3


@pytest.mark.parametrize("version", [4, "2", None])
def test_a_history_of_a_version_this_harness_does_not_read_is_refused_in_one_line(
    version: object, tmp_path: Path
) -> None:
    path = tmp_path / "history.jsonl"
    header = {"index": 0, "process": "runner", "kind": "info", "f": "history", "time": 0.0,
              "wall": "2026-12-07T00:00:00.000Z", "value": {"version": version}}
    path.write_text(json.dumps(header) + "\n")
    with pytest.raises(MalformedHistory) as raised:
        load(path)
    assert str(raised.value) == (
        f"{path}: line 1: history version {version!r}; this odoo-chaos reads versions 1 to 3 "
        "(a newer history needs a newer odoo-chaos)"
    )


def test_an_analysis_is_the_sequence_of_its_events() -> None:
    events = h.make([("w1", "invoke", h.WRITE, 1.0, {"seq": 1}), ("w1", "ok", h.WRITE, 1.1, {"seq": 1})])
    shared = analysis.Analysis(events)
    assert list(shared) == events and shared[1] is events[1] and len(shared) == 2
    assert analysis.Analysis.of(shared) is shared
    assert shared.ops is shared.ops and len(shared.ops) == 1 and shared.ops[0].kind == "ok"
    assert analysis.ops_of(events) == list(shared.ops)  # a plain list is paired afresh, the same way


def test_the_timeline_starts_the_rto_clock_at_the_injection_s_own_run_time(tmp_path: Path) -> None:
    """Not the RTO checker's wall time converted back (two events may share a millisecond of wall time)."""
    from harness.report.timeline import _injection_time
    from harness.verdict.judgement import summarise_run

    run_dir = _unpack("db-primary-kill", tmp_path)
    events = analysis.Analysis(load(run_dir / "history.jsonl"))
    scenario = scenario_from_record(read_json(run_dir / "evidence" / "scenario.json"))
    tier = tier_from_json(read_json(run_dir / "evidence" / "tier.json"))
    summary = summarise_run(scenario, tier, events, run_id="r", started_at="", ended_at="", stack={})
    first_inject = next(e for e in events if e.process == "fault" and e.f == h.INJECT and e.kind == "invoke")
    assert _injection_time(summary, events, []) == first_inject.time
