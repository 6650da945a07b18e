"""The DR programme on a fabricated reports directory spanning 120 days, with a fixed clock.

The directory holds real run directories (the runner's report writer, real checkers, SHA256SUMS),
each recorded in the live index as it is written, one campaign, one tampered run and one still in
progress. NOW is 120 days after the first run. What happened:

| scenario | runs (day: outage, outcome) |
|---|---|
| app-node-kill | every 7 days, days 0-119; RTO ~1 s, ~4 s from day 105 on (a regression in that week) |
| app-node-hang | days 0, 30, 60 (in a campaign), 90: pass; the last is 30 days old |
| db-primary-kill | days 10, 40, 70 (in the campaign), 100: pass; day 115: 3 acknowledged writes lost (rpo warn) |
| db-physical-corruption | days 50, 110: writes lost with only an Odoo node killed (rpo fail) |
| region-outage-restore | days 20, 95, judged against odoo-online-dc as run (and against tier-1 again) |
| zone-outage | never |
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli import main
from harness.files.tiers import DEFAULT_TIERS_FILE, load_tiers
from harness.programme import index as run_index
from harness.programme.audit import build_pack, verify_pack
from harness.programme.freshness import due_scenarios, freshness
from harness.programme.metrics import metrics_text, write_metrics
from harness.programme.programme import ProgrammeError, load_programme, parse_programme, scenario_names
from harness.programme.records import Skipped, parse_time
from harness.programme.trend import scenario_trends, trend_html
from harness.report.writer import MANIFEST, manifest
from harness.verdict import signing
from tests.unit.programme_runs import T0, days, fabricate

NOW = T0 + days(120)
TIERS = load_tiers()
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

PROGRAMME = {
    "title": "test programme",
    "tier": "tier-1",
    "rows": [
        {
            "id": "app-failure",
            "title": "Application node failure",
            "source": "healthcare",
            "commitment": "restore service",
            "every": "weekly",
            "drills": ["app-node-kill", "app-node-hang"],
        },
        {
            "id": "app-failure-any",
            "title": "Application node failure, either drill",
            "source": "healthcare",
            "commitment": "restore service",
            "every": "weekly",
            "require": "any",
            "drills": ["app-node-kill", "app-node-hang"],
        },
        {
            "id": "server-disaster",
            "title": "Server disaster",
            "source": "odoo online",
            "commitment": "RPO 5 min, RTO 30 min",
            "tier": "odoo-online",
            "every": "weekly",
            "drills": ["db-primary-kill"],
        },
        {
            "id": "server-disaster-tolerant",
            "title": "Server disaster, lost writes tolerated",
            "source": "odoo online",
            "commitment": "RPO 5 min, RTO 30 min",
            "tier": "odoo-online",
            "every": "30d",
            "drills": [{"scenario": "db-primary-kill", "tolerate": {"rpo": "a killed primary loses its last writes"}}],
        },
        {
            "id": "zone",
            "title": "Zone outage",
            "source": "healthcare",
            "commitment": "HA scope",
            "every": "monthly",
            "drills": ["zone-outage"],
        },
        {
            "id": "corruption",
            "title": "Database corruption",
            "source": "healthcare",
            "commitment": "RPO",
            "every": "monthly",
            "drills": ["db-physical-corruption"],
        },
        {
            "id": "region",
            "title": "Regional outage",
            "source": "healthcare",
            "commitment": "DR",
            "every": "quarterly",
            "drills": ["region-outage-restore"],
        },
        {
            "id": "data-center",
            "title": "Data-center disaster",
            "source": "odoo online",
            "commitment": "RPO 24 h, RTO 24 h",
            "tier": "odoo-online-dc",
            "every": "quarterly",
            "drills": ["region-outage-restore"],
        },
    ],
}


class Reports:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.live = root / "index.sqlite"
        self.skipped: list[Skipped] = []

    def run(self, scenario: str, day: float, outage: float = 1.0, campaign: Path | None = None, **kw: Any) -> Path:
        run_dir = fabricate(campaign or self.root, scenario, T0 + days(day), outage, **kw)
        result = run_index.record_run(run_dir)  # what the runner does once a run directory is sealed
        assert not isinstance(result, Skipped), result
        return run_dir


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    r = Reports(tmp_path_factory.mktemp("reports"))
    campaign = r.root / f"{T0 + days(60):%Y%m%dT%H%M%SZ}-campaign-abc123"
    campaign.mkdir()
    for day in range(0, 120, 7):
        if day == 56:
            r.run("app-node-hang", 60, 1.0, campaign)
            r.run("db-primary-kill", 70, 2.0, campaign)
            (campaign / "summary.json").write_text(json.dumps({"verdict": "pass", "scenarios": {}}) + "\n")
            run_index.record_campaign(campaign)
        r.run("app-node-kill", day, 4.0 if day >= 105 else 1.0)
    for day in (0, 30, 90):
        r.run("app-node-hang", day, 1.0)
    for day in (10, 40, 100):
        r.run("db-primary-kill", day, 2.0)
    r.run("db-primary-kill", 115, 2.0, lost=3)
    for day in (50, 110):
        r.run("db-physical-corruption", day, 1.0, lost=2, fault_on="odoo-1")
    for day in (20, 95):
        r.run("region-outage-restore", day, 3.0, tier="odoo-online-dc")
    # not evidence: a run edited after it was sealed, and one still running
    tampered = fabricate(r.root, "app-node-kill", T0 + days(64), 0.5)
    report = tampered / "report.json"
    report.write_text(report.read_text().replace('"verdict": "pass"', '"verdict": "warn"'))
    r.skipped.append(run_index.record_run(tampered))  # type: ignore[arg-type]
    running = r.root / f"{T0 + days(119):%Y%m%dT%H%M%SZ}-zone-outage-999999"
    running.mkdir()
    (running / "history.jsonl").write_text("")
    return r


def records(reports: Reports) -> list[Any]:
    return run_index.load_records(reports.live, until=NOW)


def programme() -> Any:
    return parse_programme(
        PROGRAMME, "test.yaml", scenarios=scenario_names(SCENARIOS), tiers=TIERS, checkers=["rpo", "sessions"]
    )


def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.argv", ["odoo-chaos", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


# --- the index ---------------------------------------------------------------------------------------------------------


def test_a_rebuild_from_the_directories_equals_the_live_index(reports: Reports, tmp_path: Path) -> None:
    rebuilt = tmp_path / "rebuilt.sqlite"
    report = run_index.rebuild(reports.root, rebuilt)
    assert report.runs == 31 and report.campaigns == 1
    assert run_index.dump(rebuilt) == run_index.dump(reports.live)
    skipped = {s.path.split("-", 1)[1]: s.reason for s in report.skipped}
    assert skipped == {
        "app-node-kill-" + reports.skipped[0].path.rsplit("-", 1)[1]: "does not verify: report.json: hash mismatch",
        "zone-outage-999999": "does not verify: SHA256SUMS: missing",
    }


def test_the_live_recording_of_a_tampered_run_is_a_skip_with_the_reason(reports: Reports) -> None:
    assert isinstance(reports.skipped[0], Skipped)
    assert reports.skipped[0].reason == "does not verify: report.json: hash mismatch"


def test_a_sync_adds_new_directories_and_drops_vanished_ones(reports: Reports, tmp_path: Path) -> None:
    copy = tmp_path / "reports"
    shutil.copytree(reports.root, copy)
    first = run_index.sync(copy)
    assert (first.added, first.removed, first.runs) == (0, 0, 31)
    gone = next(copy.glob("*-app-node-hang-*"))
    shutil.rmtree(gone)
    fabricate(copy, "zone-outage", T0 + days(119.5), 1.0)
    second = run_index.sync(copy)
    assert (second.added, second.removed, second.runs) == (1, 1, 31)
    assert [s.path for s in second.skipped] == [s.path for s in first.skipped]


def test_a_run_is_judged_against_every_tier_and_its_own_verdict_is_the_stored_one(reports: Reports) -> None:
    region = [r for r in records(reports) if r.scenario == "region-outage-restore"]
    assert len(region) == 2
    for record in region:
        assert record.tier == "odoo-online-dc" and record.verdict == "pass"
        assert sorted(v.tier for v in record.verdicts) == sorted(TIERS)
        own = record.against("odoo-online-dc")
        assert own is not None and own.own and own.verdict == "pass"
        again = record.against("tier-1")
        assert again is not None and not again.own and again.verdict == "pass"
        assert record.versions == {"odoo": "11.0", "postgresql": "15.18", "redis": "7.0.15", "traefik": "3.7.15"}
        assert record.mode == "manual"


def test_the_campaign_is_indexed_with_its_runs(reports: Reports) -> None:
    (campaign,) = run_index.load_campaigns(reports.live)
    assert campaign.verdict == "pass" and campaign.runs == 2 and campaign.started_at == "2026-10-02T02:00:00.000Z"
    inside = [r for r in records(reports) if r.campaign == campaign.path]
    assert sorted(r.scenario for r in inside) == ["app-node-hang", "db-primary-kill"]


def test_history_filters_by_scenario_and_since_and_shows_another_tier(
    reports: Reports, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["history", "--reports", str(reports.root), "--as-of", "2026-12-01T02:00:00Z", "--no-sync"]
    code, out, _ = cli(monkeypatch, capsys, *args, "--scenario", "db-primary-kill", "--since", "30d")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("started (UTC)") and lines[-1] == "2 runs"
    assert "2026-11-11 02:00  db-primary-kill" in lines[1] and "pass" in lines[1]
    assert "warn" in lines[2] and "3/" in lines[2] and "manual" in lines[2] and "odoo 11.0" in lines[2]
    code, out, _ = cli(monkeypatch, capsys, *args, "--scenario", "region-outage-restore", "--tier", "tier-1")
    assert [line.split()[3:5] for line in out.splitlines()[1:-1]] == [["tier-1", "pass"]] * 2
    code, out, err = cli(monkeypatch, capsys, *args, "--since", "thirty days")
    assert (
        code == 2
        and err.strip() == "odoo-chaos: error: --since: invalid duration 'thirty days' (use e.g. 30d, 12h, 90d)"
    )


def test_an_index_that_is_not_sqlite_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "index.sqlite").write_text("not a database")
    code, _, err = cli(monkeypatch, capsys, "history", "--reports", str(tmp_path))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "not a usable run index" in err and "odoo-chaos index --rebuild" in err


# --- freshness -----------------------------------------------------------------------------------------------------


def test_freshness_gives_each_drill_its_last_proof_and_age(reports: Reports) -> None:
    rows = {row.row.id: row for row in freshness(programme(), records(reports), TIERS, NOW)}
    states = {
        name: (row.state, [(d.drill.scenario, d.state, d.age_seconds) for d in row.drills])
        for name, row in rows.items()
    }
    day = 86400.0
    assert states == {
        "app-failure": ("stale", [("app-node-kill", "fresh", 1 * day), ("app-node-hang", "stale", 30 * day)]),
        "app-failure-any": ("fresh", [("app-node-kill", "fresh", 1 * day), ("app-node-hang", "stale", 30 * day)]),
        "server-disaster": ("stale", [("db-primary-kill", "stale", 20 * day)]),
        "server-disaster-tolerant": ("fresh", [("db-primary-kill", "fresh", 5 * day)]),
        "zone": ("missing", [("zone-outage", "missing", None)]),
        "corruption": ("missing", [("db-physical-corruption", "missing", None)]),
        "region": ("fresh", [("region-outage-restore", "fresh", 25 * day)]),
        "data-center": ("fresh", [("region-outage-restore", "fresh", 25 * day)]),
    }
    (kill,) = rows["server-disaster"].drills
    assert kill.why_not.startswith("warn against odoo-online: rpo: 3 acknowledged writes were lost")
    (tolerant,) = rows["server-disaster-tolerant"].drills
    assert tolerant.tolerated == ("rpo",) and tolerant.why_not == ""
    (failing,) = rows["corruption"].drills
    assert failing.latest is not None and failing.why_not.startswith("fail against tier-1: rpo: ")
    assert rows["zone"].drills[0].latest is None
    assert rows["region"].drills[0].proof is not None and rows["region"].drills[0].proof.tier == "odoo-online-dc"


def test_freshness_as_of_an_earlier_day_ignores_later_runs(reports: Reports) -> None:
    then = T0 + days(100.5)
    rows = {row.row.id: row for row in freshness(programme(), records(reports), TIERS, then)}
    (kill,) = rows["server-disaster"].drills
    assert kill.state == "fresh" and kill.age_seconds == 0.5 * 86400 and kill.why_not == ""


def test_due_drills_include_those_about_to_go_stale(reports: Reports) -> None:
    rows = freshness(programme(), records(reports), TIERS, NOW)
    assert due_scenarios(rows) == ["app-node-hang", "db-primary-kill", "zone-outage", "db-physical-corruption"]
    assert due_scenarios(rows, within=6.5 * 86400) == ["app-node-kill", *due_scenarios(rows)]


def test_the_freshness_command_exits_1_on_a_stale_row_and_writes_metrics(
    reports: Reports, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
    from prometheus_client.parser import text_string_to_metric_families as parse_prometheus

    programme_file = tmp_path / "programme.yaml"
    programme_file.write_text(yaml.safe_dump(PROGRAMME))
    metrics = tmp_path / "odoo_chaos.prom"
    base = ["--reports", str(reports.root), "--as-of", "2026-12-01T02:00:00Z", "--programme", str(programme_file)]
    code, out, _ = cli(monkeypatch, capsys, "freshness", *base, "--metrics-file", str(metrics))
    assert code == 1
    assert "STALE    Application node failure (against tier-1)" in out
    assert "  stale    app-node-hang               last proof 2026-11-01 02:00 UTC, 30.0 d old (allowed weekly)" in out
    assert "MISSING  Zone outage (against tier-1)" in out
    assert "  missing  zone-outage                 no passing proof (never run)" in out
    assert out.splitlines()[-1] == (
        "freshness: 4 of 8 commitments proven within their period as of 2026-12-01 02:00 UTC"
    )
    text = metrics.read_text()
    families = {f.name: f for f in parse_openmetrics(text)}
    assert set(families) == {
        "odoo_chaos_last_run_timestamp_seconds",
        "odoo_chaos_last_rto_seconds",
        "odoo_chaos_last_rpo_seconds",
        "odoo_chaos_last_lost_writes",
        "odoo_chaos_last_verdict",
        "odoo_chaos_proof_age_seconds",
        "odoo_chaos_proof_max_age_seconds",
        "odoo_chaos_proof_stale",
    }
    assert {f.name for f in parse_prometheus(text)} == set(families)  # node_exporter's parser reads it too
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}
    ages = {labels: value for (name, labels), value in samples.items() if name == "odoo_chaos_proof_age_seconds"}
    assert ages[(("row", "app-failure"), ("scenario", "app-node-hang"), ("tier", "tier-1"))] == 30 * 86400
    assert ages[(("row", "zone"), ("scenario", "zone-outage"), ("tier", "tier-1"))] == float("inf")
    stale = (
        "odoo_chaos_proof_stale",
        (("row", "server-disaster"), ("scenario", "db-primary-kill"), ("tier", "odoo-online")),
    )
    assert samples[stale] == 1
    kill = (("scenario", "db-primary-kill"), ("tier", "tier-1"))
    assert samples[("odoo_chaos_last_lost_writes", kill)] == 3
    assert samples[("odoo_chaos_last_verdict", (*kill[:1], ("tier", "tier-1"), ("verdict", "warn")))] == 1
    assert samples[("odoo_chaos_last_verdict", (*kill[:1], ("tier", "tier-1"), ("verdict", "pass")))] == 0
    assert samples[("odoo_chaos_last_run_timestamp_seconds", kill)] == (T0 + days(115)).timestamp()

    code, out, _ = cli(monkeypatch, capsys, "freshness", *base, "--list-due", "--scenarios-dir", str(SCENARIOS))
    assert code == 0
    assert [Path(line).name for line in out.splitlines()] == [
        "app-node-hang.yaml",
        "db-primary-kill.yaml",
        "zone-outage.yaml",
        "db-physical-corruption.yaml",
    ]


def test_metrics_of_a_single_run_are_one_call(reports: Reports, tmp_path: Path) -> None:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families

    (latest,) = [r for r in records(reports) if r.scenario == "app-node-kill"][-1:]
    text = write_metrics(tmp_path / "run.prom", runs=[latest])
    assert text == (tmp_path / "run.prom").read_text() == metrics_text([latest])
    families = {f.name: f for f in text_string_to_metric_families(text)}
    (rto,) = families["odoo_chaos_last_rto_seconds"].samples
    assert rto.labels == {"scenario": "app-node-kill", "tier": "tier-1"} and 4.0 < rto.value < 4.2
    assert "odoo_chaos_proof_age_seconds" not in families


# --- trends --------------------------------------------------------------------------------------------------------


def test_trends_give_weekly_percentiles_pass_rates_and_the_regression_week(reports: Reports) -> None:
    since = NOW - timedelta(days=90)
    trends = {t.scenario: t for t in scenario_trends(records(reports), TIERS, since=since, now=NOW)}
    assert sorted(trends) == [
        "app-node-hang",
        "app-node-kill",
        "db-physical-corruption",
        "db-primary-kill",
        "region-outage-restore",
    ]
    kill = trends["app-node-kill"]
    assert len(kill.runs) == 13 and kill.pass_rate == 1.0
    assert [w.label for w in kill.regressions] == ["2026-W47"]  # day 105: 2026-11-16
    week = kill.regressions[0]
    assert week.rto_p90 is not None and week.baseline_p90 is not None
    assert week.rto_p90 > 1.5 * week.baseline_p90 and week.runs == 1
    assert all(not w.regression for w in kill.weeks if w.label != "2026-W47")  # the next weeks compare with 4 s too
    primary = trends["db-primary-kill"]
    assert primary.tier == "tier-1" and primary.verdicts == ("pass", "pass", "pass", "warn")
    assert primary.pass_rate == 0.75 and not primary.regressions
    assert trends["region-outage-restore"].tier == "odoo-online-dc"
    again = {t.scenario: t for t in scenario_trends(records(reports), TIERS, since=since, now=NOW, tier="tier-3")}
    assert again["region-outage-restore"].tier == "tier-3" and again["region-outage-restore"].verdicts == ("pass",)


def test_the_trend_page_is_self_contained_and_marks_the_regression(
    reports: Reports, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "trend.html"
    args = ["trend", "--reports", str(reports.root), "--as-of", "2026-12-01T02:00:00Z", "--out", str(page)]
    code, out, _ = cli(monkeypatch, capsys, *args, "--no-sync")
    assert code == 0
    assert "app-node-kill: 13 runs against tier-1, pass rate 100 %; REGRESSION in 2026-W47" in out
    html = page.read_text()
    assert not re.search(r"""(?:src|href)=["'](?!data:|#)""", html), "an external reference"
    assert "http://" not in html and "https://" not in html
    assert html.count('src="data:image/png;base64,') == 5
    assert html.count('<td><span class="regression">REGRESSION</span></td>') == 1
    assert "2026-W47" in html


def test_a_trend_page_without_runs_still_renders() -> None:
    html = trend_html([], since=None, now=NOW)
    assert "0 runs of 0 scenarios" in html and "No regression in the window." in html


# --- the programme file --------------------------------------------------------------------------------------------


def _problem(tmp_path: Path, change: Any) -> str:
    data = json.loads(json.dumps(PROGRAMME))
    change(data)
    path = tmp_path / "dr-programme.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ProgrammeError) as error:
        load_programme(path, scenarios_dir=SCENARIOS)
    return str(error.value).replace(str(path), "FILE")


VALID_SCENARIOS = ", ".join(
    sorted(path.stem for path in (Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["rows"][0]["drills"].append("app-node-explode"),
            f'FILE: field rows.0.drills.2.scenario: unknown scenario "app-node-explode" (valid: {VALID_SCENARIOS})',
        ),
        (
            lambda d: d["rows"][1].update(every="fortnightly"),
            'FILE: field rows.1.every: invalid frequency "fortnightly" (use daily, weekly, monthly, quarterly, '
            "yearly or a duration such as 30d or 36h)",
        ),
        (
            lambda d: d["rows"][2].update(tier="tier-9"),
            'FILE: field rows.2.tier: unknown tier "tier-9" (valid: odoo-online, odoo-online-dc, tier-1, tier-2, tier-3)',
        ),
        (
            lambda d: d["rows"][0].update(owner="sre"),
            "FILE: field rows.0.owner: unknown field (remove it or check its spelling)",
        ),
        (lambda d: d["rows"][0].pop("drills"), "FILE: field rows.0.drills: missing required field"),
        (
            lambda d: d["rows"][3]["drills"][0]["tolerate"].update(rpoo="typo"),
            'FILE: field rows.3.drills.0.tolerate.rpoo: unknown checker "rpoo" (valid: ',
        ),
        (
            lambda d: d["rows"][3]["drills"][0]["tolerate"].update(rpo=" "),
            'FILE: field rows.3.drills.0.tolerate: tolerating "rpo" needs a reason (the audit pack prints it)',
        ),
        (lambda d: d["rows"][1].update(id="app-failure"), 'FILE: field rows.1.id: row id "app-failure" is used twice'),
        (lambda d: d.update(rows=[]), "FILE: field rows: needs at least 1 item, not []"),
    ],
)
def test_a_malformed_programme_is_one_line_naming_the_field(tmp_path: Path, change: Any, message: str) -> None:
    assert _problem(tmp_path, change).startswith(message)


def test_the_shipped_programme_maps_every_sla_row_to_shipped_drills() -> None:
    shipped = load_programme()
    rows = {row.id: row for row in shipped.rows}
    healthcare = [r for r in shipped.rows if r.source.startswith("Healthcare")]
    assert [r.title for r in healthcare] == [
        "Application node failure",
        "Database corruption",
        "Zone outage",
        "Regional outage",
        "Faulty release deployment",
    ]
    assert all(r.tier == "tier-1" for r in healthcare)
    assert {r.id: [d.scenario for d in r.drills] for r in shipped.rows} == {
        "application-node-failure": ["app-node-kill", "app-node-hang"],
        "database-corruption": ["db-logical-corruption-pitr", "db-physical-corruption"],
        "zone-outage": ["zone-outage"],
        "regional-outage": ["region-outage-restore"],
        "faulty-release-deployment": ["faulty-release-rollback"],
        "odoo-online-server-disaster": ["db-primary-kill"],
        "odoo-online-data-center-disaster": ["region-outage-restore"],
        "odoo-online-backups": ["backup-restore-drill"],
    }
    assert rows["odoo-online-server-disaster"].tier == "odoo-online"
    assert rows["odoo-online-data-center-disaster"].tier == "odoo-online-dc"
    assert rows["regional-outage"].drills[0].every == 92 * 86400.0
    assert rows["odoo-online-backups"].drills[0].every == 7 * 86400.0
    assert load_programme(tier="tier-2").rows[0].tier == "tier-2"
    assert load_programme(tier="tier-2").rows[5].tier == "odoo-online"  # a row that names its tier keeps it


# --- the audit pack ------------------------------------------------------------------------------------------------


def _chromium_or_skip() -> None:
    from harness.programme.pdf import find_chromium

    if find_chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("no headless Chromium: CI must install Debian's chromium to print audit packs")
        pytest.skip("no headless Chromium here (apt-get install chromium)")


@pytest.fixture(scope="module")
def pack(reports: Reports, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    _chromium_or_skip()
    keys = tmp_path_factory.mktemp("keys")
    private, public = signing.generate(keys)
    programme_file = keys / "programme.yaml"
    programme_file.write_text(yaml.safe_dump(PROGRAMME))
    out = tmp_path_factory.mktemp("packs") / "audit"
    build_pack(
        out,
        programme=programme(),
        programme_file=programme_file,
        tiers=TIERS,
        tiers_file=DEFAULT_TIERS_FILE,
        reports=reports.root,
        index_records=records(reports),
        tier="tier-1",
        since="90d",
        now=NOW,
        sign_key=private,
    )
    return out, public


def test_the_audit_pack_has_a_page_per_sla_row_and_flags_stale_proofs_first(pack: tuple[Path, Path]) -> None:
    from pypdf import PdfReader

    out, _ = pack
    for name in ("audit.html", "audit.pdf", "pack.json", "SHA256SUMS", "SHA256SUMS.sig", "programme/tiers.yaml"):
        assert (out / name).is_file(), name
    pages = [page.extract_text() for page in PdfReader(out / "audit.pdf").pages]
    titles = [row["title"] for row in PROGRAMME["rows"]]
    assert len(pages) >= len(titles) + 1
    first = pages[0]
    assert "DR audit pack: test programme" in first
    assert "4 proofs stale or missing" in first
    assert "RTO at most 15 min (a warning up to 1 h)." in first
    for flagged in ("app-node-hang", "db-primary-kill", "zone-outage", "db-physical-corruption"):
        assert flagged in first.split("The tier's targets")[0], flagged
    starts = [(page.strip().splitlines() or [""])[0] for page in pages]
    for number, title in enumerate(titles, start=1):
        assert any(start.startswith(f"{number}. {title}") for start in starts), (title, starts)
    html = (out / "audit.html").read_text()
    assert not re.search(r"""(?:src|href)=["'](?!data:|#|runs/)""", html), "an external reference"
    assert html.count("break-before: page") == 1 and html.count('class="page row-section"') == len(titles)
    assert "Not run in this pack." in html
    assert "a killed primary loses its last writes" in html  # the tolerated warning, with its reason


def test_the_audit_pack_carries_the_runs_and_the_versions(pack: tuple[Path, Path], reports: Reports) -> None:
    out, _ = pack
    document = json.loads((out / "pack.json").read_text())
    included = [run["path"] for run in document["runs"]]
    window = NOW - timedelta(days=90)
    expected = [
        r.path
        for r in records(reports)
        if r.started >= window or r.path.endswith(("-000030", "-000031"))  # hang's proofs: day 30 is older
    ]
    assert set(included) >= {r.path for r in records(reports) if r.started >= window}
    assert all((out / "runs" / path / "report.json").is_file() for path in included)
    assert len(included) <= len(expected) + 2
    view = document["view"]
    assert view["versions"]["components"][0] == {"component": "odoo", "versions": [["11.0", len(included)]]}
    assert view["versions"]["modes"] == ["manual"]
    kill = view["rows"][0]["drills"][0]
    assert kill["rto"]["n"] == 13 and kill["worst_rto"] == max(r["rto"] for r in kill["runs"])
    assert kill["verdict_counts"] == {"pass": 13, "warn": 0, "fail": 0, "unknown": 0}


def test_a_pack_verifies_and_any_change_to_it_is_named(pack: tuple[Path, Path], tmp_path: Path) -> None:
    out, public = pack
    assert verify_pack(out, public) == []
    copy = tmp_path / "pack"
    shutil.copytree(out, copy)
    run = next(
        r
        for r in sorted((copy / "runs").glob("*-db-primary-kill-*"))
        if '"verdict": "pass"' in (r / "report.json").read_text()
    )
    report = run / "report.json"
    report.write_text(report.read_text().replace('"verdict": "pass"', '"verdict": "fail"'))
    (run / MANIFEST).write_text(manifest(run))
    (copy / MANIFEST).write_text(manifest(copy))  # a forger reseals both manifests
    problems = verify_pack(copy)
    name = run.relative_to(copy).as_posix()
    assert f'{name}: report.json field verdict: "fail" stored, "pass" recomputed' in problems
    assert f"pack.json runs: {run.name} differs from its run directory" in problems
    assert any(p.startswith("SHA256SUMS.sig: the signature does not match") for p in verify_pack(copy, public))


def test_a_pack_whose_page_was_edited_disagrees(pack: tuple[Path, Path], tmp_path: Path) -> None:
    out, _ = pack
    copy = tmp_path / "pack"
    shutil.copytree(out, copy)
    page = copy / "audit.html"
    page.write_text(page.read_text().replace("4 proofs stale or missing", "0 proofs stale or missing"))
    document = json.loads((copy / "pack.json").read_text())
    document["view"]["flags"] = []
    (copy / "pack.json").write_text(json.dumps(document))
    (copy / MANIFEST).write_text(manifest(copy))
    assert verify_pack(copy) == [
        "pack.json view: differs from the view recomputed from the programme, tiers and runs",
        "audit.html: differs from the page recomputed from the runs",
    ]


def test_the_audit_command_makes_a_pack_in_one_command(
    reports: Reports, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pack"
    args = ["audit", "--reports", str(reports.root), "--as-of", "2026-12-01T02:00:00Z", "--out", str(out)]
    code, stdout, _ = cli(monkeypatch, capsys, *args, "--tier", "tier-1", "--since", "90d", "--no-pdf", "--no-sync")
    assert code == 0
    assert stdout.startswith(f"audit pack {out}: audit.html; ")
    assert "unsigned" in stdout and "MISSING  Zone outage: zone-outage: never proven; never run" in stdout
    assert verify_pack(out) == []
    assert parse_time(json.loads((out / "pack.json").read_text())["generated_at"]) == parse_time("2026-12-01T02:00:00Z")
    code, _, err = cli(monkeypatch, capsys, *args)
    assert code == 2
    assert (
        err.strip().splitlines()[-1]
        == f"odoo-chaos: error: {out}: exists and is not an empty directory (choose a new --out)"
    )

    from harness.cli.programme import check_pack

    check_pack(out, None)  # what `odoo-chaos check PACK` runs once the lead routes packs to it
    assert "audit pack SHA256SUMS verified" in capsys.readouterr().out


def test_recording_a_finished_directory_never_raises(tmp_path: Path) -> None:
    said: list[str] = []
    run_dir = fabricate(tmp_path, "app-node-kill", T0, 1.0)
    (tmp_path / "index.sqlite").write_text("not a database")
    run_index.record_finished(run_dir, said.append)
    assert len(said) == 1 and said[0].startswith(f"run index: {run_dir} not recorded (")
    (tmp_path / "index.sqlite").unlink()
    campaign = tmp_path / f"{T0:%Y%m%dT%H%M%SZ}-campaign-def456"
    inside = fabricate(campaign, "app-node-hang", T0 + days(1), 1.0)
    (inside / "report.md").write_text("edited")
    run_index.record_finished(run_dir, said.append)
    run_index.record_finished(campaign, said.append)
    assert said[1:] == [
        f"run index: {campaign.name}/{inside.name} not recorded: does not verify: report.md: hash mismatch"
    ]
    assert [r.scenario for r in run_index.load_records(tmp_path / "index.sqlite")] == ["app-node-kill"]
    assert [c.path for c in run_index.load_campaigns(tmp_path / "index.sqlite")] == [campaign.name]


def test_index_metrics_for_the_run_command(reports: Reports, tmp_path: Path) -> None:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families

    from harness.programme.metrics import write_index_metrics

    text = write_index_metrics(tmp_path / "odoo_chaos.prom", reports.root)
    families = {f.name: f for f in text_string_to_metric_families(text)}
    scenarios = {s.labels["scenario"] for s in families["odoo_chaos_last_rto_seconds"].samples}
    assert scenarios == {
        "app-node-hang",
        "app-node-kill",
        "db-physical-corruption",
        "db-primary-kill",
        "region-outage-restore",
    }


def test_an_audit_that_cannot_print_leaves_no_pack_behind(
    reports: Reports, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pack"
    monkeypatch.setenv("ODOO_CHAOS_CHROMIUM", str(tmp_path / "no-such-browser"))
    code, _, err = cli(monkeypatch, capsys, "audit", "--reports", str(reports.root), "--out", str(out), "--no-sync")
    assert code == 2 and not out.exists()
    assert err.strip().splitlines()[-1] == (
        "odoo-chaos: error: no headless Chromium to print audit.pdf (install Debian's `chromium`, or set "
        "ODOO_CHAOS_CHROMIUM; `odoo-chaos audit --no-pdf` skips the PDF)"
    )
    monkeypatch.setenv("ODOO_CHAOS_CHROMIUM", "/bin/false")  # a browser that fails once the pack is half written
    out.mkdir()
    code, _, err = cli(monkeypatch, capsys, "audit", "--reports", str(reports.root), "--out", str(out), "--no-sync")
    assert code == 2 and list(out.iterdir()) == []
    assert "odoo-chaos: error: Chromium failed to render the PDF (exit 1)" in err
