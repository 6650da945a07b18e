"""The SLA controls' judging, on hand-made observations (no Docker): every rule and its exact line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from harness.core import history as h
from harness.files.backup_policy import RepositoryRetention, RetentionPolicy
from harness.programme import controls as c
from harness.programme import controls_recovery as rec
from harness.programme import controls_security as sec
from harness.programme.freshness import DrillStatus
from harness.programme.programme import Drill
from harness.programme.records import RunRecord

AT = "2026-11-29T22:00:00.000Z"
NOW = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)
SEED = RetentionPolicy(7, 4, 3, copies=3)
SHIPPED = RepositoryRetention(1, time(1, 0), "count", 7)


# --- HTTPS and TLS -------------------------------------------------------------------------------------------------


def test_https_only_wants_a_redirect_to_https() -> None:
    passed = sec.judge_https_only(308, "https://127.0.0.1:8443/web/login", AT)
    assert passed == c.Control("https-only", "pass", "HTTP answers 308 to https://127.0.0.1:8443/web/login", AT)
    to_http = sec.judge_https_only(301, "http://example.test/", AT)
    assert (to_http.status, to_http.detail) == ("fail", "HTTP answers 301 to http://example.test/, not to HTTPS")
    page = sec.judge_https_only(200, "", AT)
    assert (page.status, page.detail) == ("fail", "HTTP serves the page itself (status 200), no redirect to HTTPS")


REFUSED = "tlsv1 alert protocol version"
REFERENCE = [
    sec.Handshake("TLS 1.0", "refused", REFUSED),
    sec.Handshake("TLS 1.1", "refused", REFUSED),
    sec.Handshake("TLS 1.2", "accepted", "TLSv1.2"),
    sec.Handshake("TLS 1.3", "accepted", "TLSv1.3"),
]


def test_tls_versions_below_1_2_must_be_refused() -> None:
    passed = sec.judge_tls_versions(REFERENCE, AT)
    assert passed.status == "pass"
    assert passed.detail == (
        f"TLS 1.0 refused ({REFUSED}), TLS 1.1 refused ({REFUSED}), TLS 1.2 accepted, TLS 1.3 accepted"
    )
    weak = [sec.Handshake("TLS 1.0", "accepted", "TLSv1"), *REFERENCE[1:]]
    failed = sec.judge_tls_versions(weak, AT)
    assert failed.status == "fail"
    assert failed.detail == (
        f"TLS 1.0 accepted (must be refused): TLS 1.0 accepted, TLS 1.1 refused ({REFUSED}), "
        "TLS 1.2 accepted, TLS 1.3 accepted"
    )


def test_tls_a_version_this_client_cannot_offer_is_unknown_not_a_pass() -> None:
    untested = [sec.Handshake("TLS 1.0", "not-offered", "no protocols available"), *REFERENCE[1:]]
    judged = sec.judge_tls_versions(untested, AT)
    assert (judged.status, judged.detail) == ("unknown", "this client cannot offer TLS 1.0 (no protocols available)")
    only_old_refused = sec.judge_tls_versions([*REFERENCE[:2], sec.Handshake("TLS 1.2", "refused", "x")], AT)
    assert only_old_refused.status == "fail" and only_old_refused.detail.startswith("no TLS 1.2 or 1.3 handshake")


def chain(*certs: tuple[str, int, str | None]) -> list[sec.Certificate]:
    roles = sec.chain_roles(len(certs))
    return [sec.Certificate(role, key, bits, digest) for role, (key, bits, digest) in zip(roles, certs, strict=True)]


def test_chain_roles_name_server_intermediates_and_root() -> None:
    assert sec.chain_roles(1) == ["server"]
    assert sec.chain_roles(3) == ["server", "intermediate", "root CA"]


def test_every_key_of_the_chain_is_2048_bits_or_an_ec_key_of_256() -> None:
    reference = sec.judge_key_sizes(chain(("RSA", 2048, "sha256"), ("RSA", 2048, "sha256")), AT)
    assert (reference.status, reference.detail) == ("pass", "server RSA 2048 bits, root CA RSA 2048 bits")
    weak_root = sec.judge_key_sizes(chain(("RSA", 4096, "sha256"), ("RSA", 1024, "sha256")), AT)
    assert weak_root.status == "fail"
    assert weak_root.detail == (
        "root CA key too small (at least RSA 2048 or EC 256 bits): server RSA 4096 bits, root CA RSA 1024 bits"
    )
    assert sec.judge_key_sizes(chain(("EC", 256, "sha256")), AT).status == "pass"
    assert sec.judge_key_sizes(chain(("EC", 224, "sha256")), AT).status == "fail"
    assert sec.judge_key_sizes([], AT).status == "unknown"


def test_every_certificate_is_signed_with_sha2() -> None:
    reference = sec.judge_signatures(chain(("RSA", 2048, "sha256"), ("RSA", 2048, "sha384")), AT)
    assert (reference.status, reference.detail) == ("pass", "server signed with sha256, root CA signed with sha384")
    sha1 = sec.judge_signatures(chain(("RSA", 2048, "sha256"), ("RSA", 2048, "sha1")), AT)
    assert (sha1.status, sha1.detail) == (
        "fail",
        "root CA not signed with SHA-2: server signed with sha256, root CA signed with sha1",
    )
    assert sec.judge_signatures(chain(("Ed25519", 256, None)), AT).status == "pass"  # SHA-512 inside the scheme
    assert sec.judge_signatures(chain(("Ed448", 456, None)), AT).status == "fail"  # SHAKE256 is not SHA-2


# --- passwords -----------------------------------------------------------------------------------------------------


def test_stored_passwords_are_read_as_scheme_and_rounds_only() -> None:
    rows = sec.parse_stored_passwords("1|pbkdf2-sha512|25000\n7|pbkdf2-sha512|10\n8|1|\n9|plaintext|\n\n")
    assert rows == [
        sec.StoredPassword(1, "pbkdf2-sha512", 25000),
        sec.StoredPassword(7, "pbkdf2-sha512", 10),
        sec.StoredPassword(8, "md5-crypt", None),
        sec.StoredPassword(9, "plaintext", None),
    ]


def test_passwords_must_be_pbkdf2_sha512_with_thousands_of_rounds() -> None:
    one = sec.judge_passwords([sec.StoredPassword(1, "pbkdf2-sha512", 25000)], AT)
    assert (one.status, one.detail) == (
        "pass",
        "1 stored password: pbkdf2-sha512 with 25000 rounds (at least 1000)",
    )
    several = [sec.StoredPassword(1, "pbkdf2-sha512", 25000), sec.StoredPassword(2, "pbkdf2-sha512", 29000)]
    assert sec.judge_passwords(several, AT).detail == (
        "2 stored passwords, all pbkdf2-sha512 with 25000 to 29000 rounds (at least 1000)"
    )
    weak = sec.parse_stored_passwords("1|pbkdf2-sha512|25000\n7|pbkdf2-sha512|10\n8|1|\n9|plaintext|")
    judged = sec.judge_passwords(weak, AT)
    assert (judged.status, judged.detail) == (
        "fail",
        "3 of 4 stored passwords weaker than pbkdf2-sha512 with at least 1000 rounds: user 7 pbkdf2-sha512 with "
        "10 rounds, user 8 md5-crypt, user 9 in plain text",
    )
    assert sec.judge_passwords([], AT).status == "unknown"


# --- database list, dbfilter, isolation ----------------------------------------------------------------------------

ACCESS_DENIED = {"answer": {"error": {"code": 200, "data": {"name": "odoo.exceptions.AccessDenied"}}}}


def test_a_database_list_answer_is_refused_listed_or_unclear() -> None:
    assert sec.list_attempt("odoo-1", "web", ACCESS_DENIED) == sec.ListAttempt(
        "odoo-1", "/web/database/list", True, "AccessDenied"
    )
    listed = sec.list_attempt("odoo-1", "rpc", {"answer": {"result": ["odoo"]}})
    assert listed == sec.ListAttempt("odoo-1", "XML-RPC db.list", False, "listed 1 database")
    denied = sec.list_attempt("front door", "XML-RPC db.list", {"answer": {"fault": "Traceback...\nAccess denied"}})
    assert (denied.refused, denied.detail) == (True, "Access denied")
    other = sec.list_attempt("odoo-1", "web", {"answer": {"error": {"data": {"name": "psycopg2.OperationalError"}}}})
    assert (other.refused, other.detail) == (None, "OperationalError")  # a crash is not a refusal
    assert sec.list_attempt("odoo-2", "rpc", {"error": "URLError: refused"}).refused is None


def test_the_database_list_is_refused_everywhere() -> None:
    attempts = [
        sec.ListAttempt(where, route, True, detail)
        for where in ("odoo-1", "odoo-2", "front door")
        for route, detail in (("/web/database/list", "AccessDenied"), ("XML-RPC db.list", "Access denied"))
    ]
    passed = sec.judge_database_list(attempts, AT)
    assert (passed.status, passed.detail) == (
        "pass",
        "refused on odoo-1, odoo-2, front door (/web/database/list AccessDenied; XML-RPC db.list Access denied)",
    )
    one_node = [*attempts[2:], sec.ListAttempt("odoo-1", "/web/database/list", False, "listed 1 database")]
    failed = sec.judge_database_list(one_node, AT)
    assert (failed.status, failed.detail) == ("fail", "database list on: odoo-1 /web/database/list listed 1 database")
    unclear = sec.judge_database_list([*attempts, sec.ListAttempt("odoo-2", "XML-RPC db.list", None, "timeout")], AT)
    assert (unclear.status, unclear.detail) == ("unknown", "no answer: odoo-2 XML-RPC db.list: timeout")


def config(node: str, dbfilter: str, db_name: str = "odoo") -> sec.OdooDatabaseConfig:
    return sec.OdooDatabaseConfig(node, dbfilter, db_name, list_db=False)


def test_a_dbfilter_is_pinned_to_one_literal_database() -> None:
    assert sec.pinned_to(config("odoo-1", "^odoo$")) == "odoo"
    assert sec.pinned_to(config("odoo-1", "", "odoo")) == "odoo"  # Odoo 11+: --database alone exposes only it
    assert sec.pinned_to(config("odoo-1", "", "odoo,other")) is None
    assert sec.pinned_to(config("odoo-1", "^%d$")) is None
    assert sec.pinned_to(config("odoo-1", "odoo")) is None  # unanchored: matches odoo-copy too
    passed = sec.judge_dbfilter([config("odoo-1", "^odoo$"), config("odoo-2", "^odoo$")], "odoo", AT)
    assert (passed.status, passed.detail) == ("pass", "odoo-1, odoo-2: dbfilter ^odoo$ (serves only odoo)")
    mixed = sec.judge_dbfilter(
        [config("odoo-1", "^%d$"), config("odoo-2", ".*"), config("odoo-3", "", ""), config("odoo-4", "^x$")],
        "odoo",
        AT,
    )
    assert (mixed.status, mixed.detail) == (
        "fail",
        "odoo-1 dbfilter '^%d$' follows the Host header; odoo-2 dbfilter '.*' is not one literal database; "
        "odoo-3 has no dbfilter and database '(none)'; odoo-4 pinned to x, not odoo",
    )


MARKED = "ODOO-CHAOS-CONTROLS "
NODE_OUTPUT = "2026-11-29 22:00:00,000 1 INFO ? odoo: Odoo version 11.0\n" + (
    MARKED
    + json.dumps(
        {
            "config": {"dbfilter": "^odoo$", "db_name": "odoo", "list_db": False},
            "lists": [{"route": "web", **ACCESS_DENIED}, {"route": "rpc", "answer": {"fault": "Access denied"}}],
            "role": "odoo",
            "superuser": False,
            "connects": [
                {
                    "database": "postgres",
                    "connected": False,
                    "detail": 'connection to server at "pg-primary" (10.0.0.2), port 5432 failed: FATAL:  permission '
                    'denied for database "postgres"\nDETAIL:  User does not have CONNECT privilege.\n',
                },
                {"database": "template1", "connected": True, "detail": "connected"},
            ],
        }
    )
)


def test_a_node_report_is_read_from_its_marked_line() -> None:
    report = sec.parse_node_report("odoo-1", 0, NODE_OUTPUT, MARKED)
    assert report.config == sec.OdooDatabaseConfig("odoo-1", "^odoo$", "odoo", False)
    assert [(a.route, a.refused) for a in report.lists] == [("/web/database/list", True), ("XML-RPC db.list", True)]
    assert report.connects == (
        sec.ConnectAttempt("odoo-1", "postgres", False, "permission denied"),
        sec.ConnectAttempt("odoo-1", "template1", True, "connected"),
    )
    assert (report.role, report.superuser, report.error) == ("odoo", False, "")
    broken = sec.parse_node_report("odoo-2", 1, "Traceback ...\nModuleNotFoundError: No module named 'odoo'\n", MARKED)
    assert broken.error == "ModuleNotFoundError: No module named 'odoo'" and broken.config is None
    assert sec.parse_node_report("odoo-2", 137, "", MARKED).error == "exit code 137, no output"
    assert sec.parse_node_report("odoo-2", 0, MARKED + "{", MARKED).error.startswith("unreadable report")


def test_postgres_refusals_in_a_few_words() -> None:
    assert sec.pg_refusal('FATAL:  no pg_hba.conf entry for host "10.0.0.3", user "odoo", database "x"') == (
        "no pg_hba.conf entry"
    )
    assert sec.pg_refusal("could not translate host name") == "could not translate host name"


def test_the_apps_role_reaches_no_other_database() -> None:
    report = sec.parse_node_report("odoo-1", 0, NODE_OUTPUT, MARKED)
    failed = sec.judge_node_isolation([report], "odoo", AT)
    assert (failed.status, failed.detail) == (
        "fail",
        "the app's role odoo connects to template1 from odoo-1 (only odoo expected)",
    )
    confined = sec.judge_isolation(
        [sec.ConnectAttempt("odoo-1", "postgres", False, "permission denied")], "odoo", "odoo", False, AT
    )
    assert (confined.status, confined.detail) == (
        "pass",
        "the app's role odoo is refused by postgres (permission denied)",
    )
    superuser = sec.judge_isolation([], "odoo", "odoo", True, AT)
    assert (superuser.status, superuser.detail) == (
        "fail",
        "the app's role odoo is a superuser: it can reach every database",
    )
    unread = sec.judge_node_isolation([sec.NodeReport("odoo-1", connect_error="OperationalError: timeout")], "odoo", AT)
    assert (unread.status, unread.detail) == ("unknown", "could not observe: odoo-1: OperationalError: timeout")


def test_a_node_not_read_makes_a_passing_dbfilter_unknown_but_never_hides_a_failure() -> None:
    good = sec.parse_node_report("odoo-1", 0, NODE_OUTPUT, MARKED)
    down = sec.NodeReport("odoo-2", error="container is not running")
    judged = sec.judge_node_configs([good, down], "odoo", AT)
    assert (judged.status, judged.detail) == ("unknown", "could not observe: odoo-2: container is not running")
    bad = sec.NodeReport("odoo-1", config=config("odoo-1", ".*"))
    assert sec.judge_node_configs([bad, down], "odoo", AT).status == "fail"


# --- hot standby ---------------------------------------------------------------------------------------------------


def test_replication_rows_and_the_lag_over_a_run() -> None:
    assert rec.parse_replicas("pg-standby|streaming|0|\npg-other|catchup|2048|0.5\n") == [
        rec.Replica("pg-standby", "streaming", 0.0, None),
        rec.Replica("pg-other", "catchup", 2048.0, 0.5),
    ]
    events = h.make(
        [
            ("lag", "invoke", "lag", 1.0),
            ("lag", "ok", "lag", 1.1, {"standbys": 1, "lag_bytes": 100.0, "lag_seconds": 0.004}),
            ("lag", "invoke", "lag", 2.0),
            ("lag", "ok", "lag", 2.1, {"standbys": 0, "lag_bytes": None, "lag_seconds": None}),
            ("lag", "invoke", "lag", 3.0),
            ("lag", "ok", "lag", 3.1, {"standbys": 1, "lag_bytes": 5000.0, "lag_seconds": 0.02}),
            ("lag", "invoke", "lag", 4.0),
            ("lag", "fail", "lag", 4.1),
        ]
    )
    assert rec.lag_summary(events, "run-a") == rec.LagSummary("run-a", 3, 1, 0.02, 5000.0)
    assert rec.lag_summary([], "run-b") is None


STREAMING = [rec.Replica("pg-standby", "streaming", 0.0, 0.0)]


def test_a_hot_standby_streams_in_real_time_and_answers_queries() -> None:
    last = rec.LagSummary("20261129T213105Z-zone-outage-c749c6", 74, 7, 0.005, 4992.0)
    passed = rec.judge_hot_standby("pg-primary", STREAMING, {"pg-standby": True}, last, AT)
    assert (passed.status, passed.detail) == (
        "pass",
        "pg-standby streams from pg-primary, lag now 0 B / 0.000 s, answers queries (hot); last run "
        "20261129T213105Z-zone-outage-c749c6: worst lag 0.005 s / 4.9 kB over 74 samples (7 without a streaming "
        "standby: judged by the run's redundancy check)",
    )
    alone = rec.judge_hot_standby("pg-primary", STREAMING, {"pg-standby": True}, None, AT)
    assert alone.detail.endswith("answers queries (hot); no run recorded to judge the lag over time")
    slow = rec.LagSummary("run", 60, 0, 2.5, 1e6)
    warned = rec.judge_hot_standby("pg-primary", STREAMING, {"pg-standby": True}, slow, AT)
    assert warned.status == "warn" and warned.detail.endswith(
        "worst lag 2.500 s / 976.6 kB over 60 samples (beyond 1 s)"
    )


def test_no_streaming_standby_or_one_behind_fails() -> None:
    none = rec.judge_hot_standby("pg-primary", [], {}, None, AT)
    assert (none.status, none.detail) == ("fail", "no standby streams from pg-primary (no standby connected)")
    catching_up = rec.judge_hot_standby("pg-primary", [rec.Replica("pg-standby", "catchup", 9e7, 30.0)], {}, None, AT)
    assert catching_up.detail == "no standby streams from pg-primary (pg-standby catchup)"
    behind = rec.judge_hot_standby(
        "pg-primary", [rec.Replica("pg-standby", "streaming", 32 * 2**20, 3.0)], {"pg-standby": True}, None, AT
    )
    assert (behind.status, behind.detail) == (
        "fail",
        "pg-standby streams from pg-primary 32.0 MB / 3.000 s behind (real time: at most 16.0 MB and 1 s)",
    )
    cold = rec.judge_hot_standby("pg-primary", STREAMING, {}, None, AT)
    assert cold.detail == "pg-standby streams from pg-primary but answers no query: not a hot standby"
    assert rec.judge_hot_standby(None, [], {}, None, AT).detail == "no PostgreSQL primary is running"


# --- backups -------------------------------------------------------------------------------------------------------


def test_a_fresh_repository_has_one_backup_and_the_spacing_not_yet_met() -> None:
    kept = rec.retention_ever_kept(SEED, SHIPPED, NOW)
    assert kept is False  # count 7 keeps a week of dailies: no week or month ever gets its own backup
    judged = rec.judge_retention(SEED, [NOW - timedelta(minutes=5)], NOW, kept, AT)
    assert (judged.status, judged.detail) == (
        "fail",
        "1 full backup held, 1/14 slots filled (daily 1/7, weekly 0/4, monthly 0/3): spacing not yet met; the "
        "configured retention never keeps it (`odoo-chaos backup retention --simulate-days 120`)",
    )


def test_the_whole_promise_held_passes_and_a_gap_is_named() -> None:
    assert rec.retention_ever_kept(SEED, RepositoryRetention(1, time(1, 0), "time", 92), NOW) is True
    fulls = [NOW - timedelta(days=d, hours=1) for d in range(0, 100)]
    held = rec.judge_retention(SEED, fulls, NOW, True, AT)
    assert (held.status, held.detail) == (
        "pass",
        "100 full backups held, 14/14 slots filled (daily 7/7, weekly 4/4, monthly 3/3)",
    )
    gap = [f for f in fulls if not 20 <= (NOW - f).days <= 70]  # no backup from 20 Sep to 9 Nov
    judged = rec.judge_retention(SEED, gap, NOW, True, AT)
    assert (judged.status, judged.detail) == (
        "fail",
        "49 full backups held, 11/14 slots filled (daily 7/7, weekly 2/4, monthly 2/3): missing 2026-W45, 2026-W44, "
        "2026-10",
    )


INFO = [
    {
        "name": "odoo",
        "backup": [{"label": "20261129-222430F", "type": "full", "database": {"id": 1, "repo-key": 1}}],
        "repo": [{"cipher": "none", "key": 1, "status": {"code": 0, "message": "ok"}}],
    }
]


def test_copies_are_the_healthy_repositories_holding_backups() -> None:
    assert rec.parse_repositories(json.dumps(INFO), "odoo") == [1]
    three = [
        {
            **INFO[0],
            "backup": [{"database": {"repo-key": key}} for key in (1, 2, 3)],
            "repo": [{"key": key, "status": {"code": 0 if key != 3 else 99}} for key in (1, 2, 3)],
        }
    ]
    assert rec.parse_repositories(json.dumps(three), "odoo") == [1, 2]  # repo3 is not healthy
    assert rec.parse_repositories(json.dumps(INFO), "other") == []
    one = rec.judge_copies([1], 3, AT)
    assert (one.status, one.detail) == (
        "fail",
        "1 repository holds backups (repo1); the policy promises 3 (backup-policy.yaml promise.copies)",
    )
    assert (
        rec.judge_copies([1, 2, 3], 3, AT).detail
        == "3 repositories hold backups (repo1, repo2, repo3); the policy promises 3"
    )


def record(started_at: str) -> RunRecord:
    return RunRecord(
        path=f"{started_at[:10]}-backup-restore-drill",
        run_id="20261129-2122-c749c6",
        scenario="backup-restore-drill",
        tier="odoo-online",
        verdict="pass",
        started_at=started_at,
        ended_at=started_at,
        rto_seconds=None,
        rto_seconds_at_least=None,
        rto_journey=None,
        rpo_seconds=None,
        rpo_censored=False,
        lost_writes=0,
        acknowledged_writes=400,
        availability=1.0,
        aborted_reason=None,
        signed_by=None,
        mode="manual",
        campaign=None,
        versions={},
        stack={},
    )


DRILL = Drill("backup-restore-drill", "odoo-online", 7 * 86400.0, "weekly")


def test_the_latest_restore_test_must_be_within_its_period() -> None:
    proof = record("2026-11-29T21:22:13.000Z")
    fresh = DrillStatus("odoo-online-backups", DRILL, "fresh", proof, 2267.0, proof, "", ())
    judged = rec.judge_restore_test([fresh], AT)
    assert (judged.status, judged.detail) == (
        "pass",
        "latest restore test (backup-restore-drill) 2026-11-29 21:22 UTC, 38 min old (allowed weekly)",
    )
    old = record("2026-11-12T21:22:13.000Z")
    stale = DrillStatus("odoo-online-backups", DRILL, "stale", old, 17 * 86400.0, old, "", ())
    assert rec.judge_restore_test([stale], AT).status == "fail"
    never = DrillStatus("odoo-online-backups", DRILL, "missing", None, None, None, "", ())
    assert rec.judge_restore_test([never], AT).detail == (
        "no passing restore test (backup-restore-drill) on record; never run"
    )
    assert rec.judge_restore_test([], AT).status == "unknown"


def test_a_manual_backup_must_restore_with_the_live_data() -> None:
    good = rec.ManualBackup("incr", 2.71, 4.42, 12, 14, 14, 0)
    judged = rec.judge_manual_backup(good, AT)
    assert (judged.status, judged.detail) == (
        "pass",
        "incr backup taken in 2.7 s, restored into a scratch PostgreSQL + Odoo in 4.4 s: the copy holds the 12 "
        "ledger rows committed before it; Odoo read 14",
    )
    short = rec.judge_manual_backup(rec.ManualBackup("incr", 1, 1, 12, 11, 11, 0), AT)
    assert short.status == "fail" and short.detail.endswith(
        "the copy holds 11 ledger rows, 12 were committed before it"
    )
    unread = rec.judge_manual_backup(rec.ManualBackup("incr", 1, 1, 12, 12, 0, 0), AT)
    assert unread.detail.endswith("Odoo on the copy read 0 of its 12 ledger rows")
    filestore = rec.judge_manual_backup(rec.ManualBackup("incr", 1, 1, 12, 12, 12, 2), AT)
    assert filestore.detail.endswith("2 attachments live in a filestore the backup lacks")


# --- the result ----------------------------------------------------------------------------------------------------


def test_lines_summary_order_and_exit() -> None:
    found = [
        c.Control("backup-copies", "fail", "1 repository", AT),
        c.Control("https-only", "pass", "HTTP answers 308", AT),
        c.Control("hot-standby", "warn", "slow", AT),
    ]
    in_order = c.ordered(found)
    assert [x.name for x in in_order] == ["https-only", "hot-standby", "backup-copies"]
    assert c.render(in_order) == [
        "PASS    https-only             HTTP answers 308",
        "WARN    hot-standby            slow",
        "FAIL    backup-copies          1 repository",
    ]
    assert c.summary(in_order) == "controls: 1 of 3 pass; 1 warn (hot-standby); 1 fail (backup-copies)"
    assert c.failed(in_order) and not c.failed(in_order[:2])
    assert c.failed([c.unobserved("tls-key-size", "connection refused", AT)])
    assert len(set(c.CONTROL_NAMES)) == len(c.CONTROL_NAMES) == 13


def test_controls_are_metrics_with_stable_names(tmp_path: Path) -> None:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
    from prometheus_client.parser import text_string_to_metric_families as parse_prometheus

    from harness.programme.metrics import write_metrics

    found = [c.Control("tls-min-version", "pass", "ok", AT), c.Control("backup-copies", "fail", "1", AT)]
    text = write_metrics(tmp_path / "controls.prom", controls=found)
    assert text == (tmp_path / "controls.prom").read_text()
    families = {f.name: f for f in parse_openmetrics(text)}
    assert set(families) == {
        "odoo_chaos_control_pass",
        "odoo_chaos_control_status",
        "odoo_chaos_control_checked_timestamp_seconds",
    }
    assert {s.labels["control"]: s.value for s in families["odoo_chaos_control_pass"].samples} == {
        "tls-min-version": 1.0,
        "backup-copies": 0.0,
    }
    status = {(s.labels["control"], s.labels["status"]): s.value for s in families["odoo_chaos_control_status"].samples}
    assert status[("backup-copies", "fail")] == 1.0 and status[("backup-copies", "pass")] == 0.0
    assert len(status) == 8
    (stamp, _) = families["odoo_chaos_control_checked_timestamp_seconds"].samples
    assert stamp.value == NOW.timestamp()
    assert {f.name for f in parse_prometheus(text)} == set(families)  # node_exporter's parser reads it too


@pytest.mark.parametrize("status", ["pass", "fail"])
def test_the_audit_pack_takes_controls_of_this_shape(status: str) -> None:
    from harness.programme.audit import Control, vars_of

    control = c.Control("https-only", status, "HTTP answers 308", AT)
    assert Control is c.Control
    assert c.Control(**vars_of(control)) == control  # pack.json round trip (verify_pack reads it back so)
