"""The PITR and restore checkers against hand-built histories; the restore script and pgBackRest parsing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from harness.checkers import CheckContext
from harness.checkers.corruption import check_corruption
from harness.checkers.pitr import check_pitr
from harness.checkers.restore import check_restore
from harness.core import history as h
from harness.core.errors import HarnessError
from harness.core.history import Event
from harness.files.tiers import load_tiers
from harness.stack import backup, restore

CTX = CheckContext(tier=load_tiers()["tier-1"])
T0 = 1_800_000_000.0  # run start, server epoch seconds (the host clock)


def wall(t: float) -> str:
    return h.iso(datetime.fromtimestamp(T0 + t, UTC))


class Timeline:
    """Events in time order; `t` is seconds since T0."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(
        self, process: str, kind: h.Kind, f: str, t: float, value: dict[str, Any], error: str | None = None
    ) -> None:
        self.events.append(Event(len(self.events), process, kind, f, t, wall(t), value, error))

    def op(self, process: str, f: str, start: float, end: float, value: dict[str, Any], done: dict[str, Any]) -> None:
        self.add(process, "invoke", f, start, value)
        self.add(process, "ok", f, end, value | done)


def drill(
    *,
    target: float = 20.0,
    statement: float = 21.0,
    restore_at: float = 30.0,
    kept_beats: set[int] | None = None,
    present: set[int] | None = None,
    restore_ok: bool = True,
) -> Timeline:
    """Writes every 0.5 s (seq = 2t), heartbeats every 0.5 s (seq = 2t), a bad DELETE, a PITR restore."""
    events = Timeline()
    beats = {}
    for i in range(1, 2 * int(restore_at)):
        t = i / 2
        events.op("writer-1", h.WRITE, t, t + 0.05, {"seq": i}, {"id": i})
        events.op("heartbeat", h.HEARTBEAT, t + 0.01, t + 0.02, {"seq": i}, {"server_time": T0 + t + 0.015})
        beats[i] = t + 0.015
    committed = statement + 0.2
    events.op(
        "fault",
        h.INJECT,
        statement,
        committed,
        {"fault": "bad-delete", "target": "pg-primary"},
        {"started_at": T0 + statement, "committed_at": T0 + committed, "rows_deleted": 40},
    )
    value = {"action": "pitr-restore", "target": "pg-primary"}
    events.add("runbook", "invoke", h.ACTION, restore_at, value)
    if restore_ok:
        done = {"restore_target_epoch": T0 + target, "copy_seconds": 0.6, "replay_seconds": 0.4, "neutralised": {}}
        events.add("runbook", "ok", h.ACTION, restore_at + 5, value | done)
    else:
        events.add("runbook", "fail", h.ACTION, restore_at + 5, value, "HarnessError: restore failed: no backup")
    if kept_beats is None:
        kept_beats = {s for s, t in beats.items() if t <= target}
    if present is None:
        present = {i for i in range(1, 2 * int(restore_at)) if i / 2 + 0.05 <= target}
    events.op(
        "final-read",
        h.FINAL_READ,
        restore_at + 10,
        restore_at + 11,
        {"via": "sql"},
        {"seqs": sorted(present), "heartbeats": sorted(kept_beats)},
    )
    return events


def test_a_restore_that_lands_on_its_target_passes_and_counts_what_it_cost() -> None:
    verdict = check_pitr(drill().events, CTX)
    assert verdict.status == "pass", verdict.reason
    m = verdict.metrics
    assert m["landing_error_bound_s"] <= 0.5
    assert m["rpo_window_seconds"] == 1.0
    assert m["acked_writes_lost_before_the_statement"] == 1  # seq 41 (20.5 s): after the target, before the DELETE
    assert m["lost_seqs"] == [41]
    # invoked after the DELETE committed (21.2 s) and acknowledged before the restore began (30 s)
    assert m["discarded_seqs"][0] == 43 and m["acked_writes_discarded_after_the_statement"] == len(range(43, 60))
    assert m["copy_seconds"] == 0.6 and m["replay_seconds"] == 0.4


def test_a_restore_that_stopped_two_seconds_late_fails() -> None:
    late = drill(kept_beats={s for s in range(1, 60) if s / 2 + 0.015 <= 22.0}, present=set(range(1, 44)))
    verdict = check_pitr(late.events, CTX)
    assert verdict.status == "fail"
    assert "heartbeat(s) written after the target survived" in verdict.reason
    assert "write(s) invoked after the target survived" in verdict.reason
    assert "more than ±1 s" in verdict.reason


def test_a_restore_that_stopped_early_loses_acknowledged_writes_and_fails() -> None:
    early = drill(kept_beats={s for s in range(1, 60) if s / 2 + 0.015 <= 18.0}, present=set(range(1, 36)))
    verdict = check_pitr(early.events, CTX)
    assert verdict.status == "fail"
    assert "acknowledged write(s) from before the target are missing" in verdict.reason
    assert verdict.metrics["missing_before_target"] == 4  # seqs 36-39, acknowledged 18.05-19.55 s


def test_a_failed_restore_fails_and_a_missing_heartbeat_read_is_unknown() -> None:
    assert check_pitr(drill(restore_ok=False).events, CTX).status == "fail"
    events = [e for e in drill().events if e.f != h.FINAL_READ]
    assert check_pitr(events, CTX).status == "unknown"


def test_a_restore_that_left_a_cron_active_fails() -> None:
    events = Timeline()
    left = {"crons_disabled": 0, "mail_servers_disabled": 0, "crons_still_active": 1, "mail_servers_still_active": 0}
    events.op("runbook", h.ACTION, 1, 2, {"action": "restore-region"}, {"copy_seconds": 1.0, "neutralised": left})
    verdict = check_restore(events.events, CTX)
    assert (verdict.status, verdict.reason) == ("fail", "restore-region left 1 crons active on the restored database")


def test_restore_checker_wants_every_restore_neutralised() -> None:
    assert check_restore(drill().events, CTX).status == "pass"
    unneutralised = Timeline()
    unneutralised.op("runbook", h.ACTION, 1, 2, {"action": "restore-region"}, {"copy_seconds": 1.0})
    verdict = check_restore(unneutralised.events, CTX)
    assert verdict.status == "fail" and "did not neutralise" in verdict.reason
    failed = drill(restore_ok=False)
    assert check_restore(failed.events, CTX).status == "fail"
    assert check_restore([], CTX).status == "unknown"


def test_restore_script_replays_on_a_socket_only_and_archives_only_when_asked() -> None:
    script = restore.restore_script("2026-11-23 23:20:03.237010+00", delta=True, archive=True)
    assert "--type=time '--target=2026-11-23 23:20:03.237010+00' --target-action=promote" in script
    assert "--delta" in script and "listen_addresses=" in script and "archive_mode=on" in script
    assert "archive-push" in script and "UPDATE ir_cron SET active = false" in script
    scratch = restore.restore_script(None, delta=False, archive=False)
    assert "--type=time" not in scratch and "archive_mode=off" in scratch and "archive-push" not in scratch


def test_restore_output_is_parsed_into_copy_and_replay_seconds() -> None:
    output = (
        "INFO: restore command end: completed successfully\n"
        "2026-11-23 23:20:05 UTC [12] LOG:  recovery stopping before commit of transaction 1832, time 2026-11-23\n"
        "neutralised=1 1 0 0\nrestore_clock=100.0 100.5 101.75\n"
    )
    restored = restore.parse_restore_output("vol", "t", output)
    assert restored.copy_seconds == pytest.approx(0.5) and restored.replay_seconds == pytest.approx(1.25)
    assert restored.neutralised == {
        "crons_disabled": 1,
        "mail_servers_disabled": 1,
        "crons_still_active": 0,
        "mail_servers_still_active": 0,
    }
    assert restored.stopped.startswith("recovery stopping before commit of transaction 1832")


def test_pgbackrest_info_is_parsed() -> None:
    text = json.dumps(
        [
            {
                "name": "odoo",
                "status": {"code": 0, "message": "ok"},
                "archive": [{"min": "000000010000000000000002", "max": "000000020000000000000009"}],
                "backup": [
                    {
                        "label": "20261123-231609F",
                        "type": "full",
                        "timestamp": {"start": 1795475769, "stop": 1795475772},
                        "info": {"size": 40728705, "repository": {"size": 7483348}},
                        "archive": {"start": "000000010000000000000005", "stop": "000000010000000000000005"},
                    }
                ],
            }
        ]
    )
    repo = backup.parse_info(text)
    assert repo.status == "ok" and repo.wal_max == "000000020000000000000009"
    (only,) = repo.backups
    assert only.kind == "full" and only.database_bytes == 40728705 and only.repository_bytes == 7483348
    assert (only.stopped - only.started).total_seconds() == 3
    assert backup.parse_info("[]").status == "missing stanza"


def _corruption(detected: bool = True, recovered: bool = True) -> list[Event]:
    events = Timeline()
    lines = ['pg_checksums: error: checksum verification failed in file "base/1/2", block 0', "Bad checksums:  1"]
    events.op("fault", h.INJECT, 10, 11, {"fault": "corrupt-relation"}, {"files": ["base/1/2"], "pg_checksums": lines})
    events.op("writer-1", h.WRITE, 11.5, 11.6, {"seq": 1}, {"id": 1})
    events.add("writer-2", "invoke", h.WRITE, 12.0, {"seq": 2})
    error = "Fault: invalid page in block 0 of relation base/1/2" if detected else "timed out"
    events.add("writer-2", "fail", h.WRITE, 12.3, {"seq": 2}, error)
    if recovered:
        events.op("runbook", h.ACTION, 18, 18.4, {"action": "promote-standby"}, {"promoted": "pg-standby"})
    return events.events


def test_corruption_checker_reports_detection_and_the_recovery_route() -> None:
    verdict = check_corruption(_corruption(), CTX)
    assert verdict.status == "pass", verdict.reason
    assert verdict.metrics["recovery"] == "failover" and verdict.metrics["offline_check_found"] == 1
    assert verdict.metrics["detection_seconds"] == pytest.approx(1.3) and "writer-2" in verdict.metrics["detected_by"]
    assert check_corruption(_corruption(detected=False), CTX).status == "fail"
    assert "nothing recovered" in check_corruption(_corruption(recovered=False), CTX).reason
    assert check_corruption([], CTX).status == "unknown"


@pytest.mark.parametrize("line", ["neutralised=", "neutralised=1 1", "", "neutralised=x 1 0 0"])
def test_a_restore_without_neutralisation_counts_is_an_error_not_zero(line: str) -> None:
    """A psql that failed used to read as "0 crons disabled": a figure nobody measured."""
    output = f"INFO: restore command end: completed successfully\n{line}\nrestore_clock=100.0 100.5 101.75\n"
    with pytest.raises(HarnessError, match="no neutralisation counts in its output"):
        restore.parse_restore_output("vol", "t", output)
