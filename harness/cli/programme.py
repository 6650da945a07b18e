"""The DR programme's commands on the `odoo-chaos` CLI: index, history, trend, freshness, controls, audit.

Imported once by `harness.cli` (the commands register themselves on its `app`). Every command reads
the run index beside the reports (`<reports>/index.sqlite`), which it brings up to date first: new
run directories are verified and recorded, vanished ones dropped (`--no-sync` reads it as it is;
`odoo-chaos index --rebuild` rebuilds it from the directories). `--as-of` sets the clock (UTC ISO
8601) for everything that depends on "now": ages, windows, staleness.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from harness.cli.app import app, command_progress, err, out
from harness.core.errors import HarnessError
from harness.files.outputs import check_output
from harness.programme import index as run_index
from harness.programme.controls import RESTORE_TEST, Control
from harness.programme.records import RunRecord, iso, parse_time

if TYPE_CHECKING:
    from harness.programme.controls_recovery import LagSummary

ReportsOption = Annotated[Path, typer.Option("--reports", help="The reports directory (run and campaign directories).")]
IndexOption = Annotated[Path | None, typer.Option("--index", help="The run index (default: <reports>/index.sqlite).")]
TiersOption = Annotated[
    Path | None,
    typer.Option(help="Tiers file: runs are judged against each of its tiers (default: tiers/tiers.yaml)."),
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="The moment to judge as of, UTC ISO 8601 (default: now).")
]
SyncOption = Annotated[bool, typer.Option("--sync/--no-sync", help="Record new run directories in the index first.")]
ProgrammeOption = Annotated[
    Path | None, typer.Option("--programme", help="The programme file (default: dr-programme.yaml).")
]
MetricsOption = Annotated[
    Path | None,
    typer.Option("--metrics-file", help="Also write OpenMetrics text here (node_exporter's textfile collector)."),
]


def _now(as_of: str | None) -> datetime:
    if as_of is None:
        return datetime.now(UTC)
    try:
        return parse_time(as_of)
    except ValueError:
        raise HarnessError(f"--as-of: {as_of!r} is not a UTC time (use e.g. 2026-11-30T06:00:00Z)") from None


def _since(now: datetime, since: str | None, option: str = "--since") -> datetime | None:
    try:
        return run_index.since_cutoff(now, since)
    except ValueError:
        raise HarnessError(f"{option}: invalid duration {since!r} (use e.g. 30d, 12h, 90d)") from None


def _records(
    reports: Path,
    index: Path | None,
    tiers_file: Path | None,
    sync: bool,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    scenarios: list[str] | None = None,
) -> tuple[Path, list[RunRecord]]:
    path = run_index.index_path_for(reports, index)
    if sync or not path.exists():
        report = run_index.sync(reports, path, tiers_file=tiers_file)
        if report.added or report.removed:
            err.print(f"index: recorded {report.added} new run(s), dropped {report.removed}", markup=False)
        for skipped in report.skipped:
            err.print(f"index: skipped {skipped.path}: {skipped.reason}", markup=False)
    digest = run_index.index_tiers_digest(path)
    if digest and digest != run_index.tiers_digest(tiers_file):
        err.print(
            "index: judged with another tiers file than this one; `odoo-chaos index --rebuild` judges again",
            markup=False,
        )
    return path, run_index.load_records(path, since=since, until=until, scenarios=scenarios)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


@app.command("index", rich_help_panel="DR programme")
def index_command(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Read every run directory again into a fresh index.")
    ] = False,
    reports: ReportsOption = Path("reports"),
    index: IndexOption = None,
    tiers_file: TiersOption = None,
) -> None:
    """Record run and campaign directories in the run index beside the reports (SQLite).

    Without --rebuild: add the directories not indexed yet, drop those that are gone. With --rebuild:
    verify and read every directory again (a lost or doubted index costs this one command). Only
    directories whose SHA256SUMS verifies are indexed; the others are listed with the reason.
    """
    if rebuild:
        report = run_index.rebuild(reports, index, tiers_file=tiers_file)
    else:
        report = run_index.sync(reports, index, tiers_file=tiers_file)
    path = run_index.index_path_for(reports.resolve(), index)
    out.print(
        f"{path}: {report.runs} runs, {report.campaigns} campaigns "
        f"({'rebuilt' if rebuild else f'{report.added} added, {report.removed} dropped'}); "
        f"{len(report.skipped)} directories skipped",
        markup=False,
    )
    for skipped in report.skipped:
        out.print(f"  skipped {skipped.path}: {skipped.reason}", markup=False)


@app.command("history", rich_help_panel="DR programme")
def history_command(
    scenario: Annotated[list[str] | None, typer.Option(help="Only this scenario (repeatable).")] = None,
    since: Annotated[str | None, typer.Option(help="Only runs started within this long, e.g. 30d.")] = None,
    tier: Annotated[
        str | None,
        typer.Option(help="Show each run's verdict against this tier (judged again from its history if need be)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per run.")] = False,
    reports: ReportsOption = Path("reports"),
    index: IndexOption = None,
    tiers_file: TiersOption = None,
    as_of: AsOfOption = None,
    sync: SyncOption = True,
) -> None:
    """Runs from the index, oldest first: verdict, RTO, RPO, lost writes, stack mode and versions."""
    from harness.files.tiers import get_tier, load_tiers
    from harness.programme.records import record_to_json

    if tier is not None:
        get_tier(tier, load_tiers(tiers_file))
    now = _now(as_of)
    _, records = _records(
        reports, index, tiers_file, sync, since=_since(now, since), until=now, scenarios=scenario or None
    )
    if as_json:
        for record in records:
            out.print(json.dumps(record_to_json(record), sort_keys=True), markup=False, highlight=False)
        return
    header = f"{'started (UTC)':<17} {'scenario':<27} {'tier':<15} {'verdict':<7} {'RTO':>10} {'RPO':>9}"
    out.print(f"{header} {'lost/acked':>10} {'mode':<7} versions", markup=False)
    for r in records:
        judged = r.against(tier) if tier else None
        verdict = judged.verdict if judged is not None else (r.verdict if tier is None else "?")
        rto = ("\u2265" if r.rto_seconds is None and r.rto_seconds_at_least is not None else "") + _seconds(r.rto_value)
        writes = f"{'-' if r.lost_writes is None else r.lost_writes}/{r.acknowledged_writes or 0}"
        out.print(
            f"{r.started_at[:16].replace('T', ' '):<17} {r.scenario:<27} {tier or r.tier:<15} {verdict:<7} "
            f"{rto:>10} {_seconds(r.rpo_seconds):>9} {writes:>10} {r.mode:<7} {r.versions_text()}",
            markup=False,
            highlight=False,
        )
    out.print(f"{len(records)} runs", markup=False)


@app.command("trend", rich_help_panel="DR programme")
def trend_command(
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the page.")] = Path("trend.html"),
    since: Annotated[str, typer.Option(help="The window, e.g. 90d.")] = "90d",
    tier: Annotated[
        str | None, typer.Option(help="Judge and draw every scenario against this tier (default: its latest run's).")
    ] = None,
    scenario: Annotated[list[str] | None, typer.Option(help="Only this scenario (repeatable).")] = None,
    regression_ratio: Annotated[
        float,
        typer.Option(min=1.0, help="A week regresses when its p90 RTO exceeds this times the previous 28 days' p90."),
    ] = 1.5,
    reports: ReportsOption = Path("reports"),
    index: IndexOption = None,
    tiers_file: TiersOption = None,
    as_of: AsOfOption = None,
    sync: SyncOption = True,
) -> None:
    """Write trend.html: per scenario RTO and RPO over time against the tier's targets, pass rate,
    weekly p50/p90, and a REGRESSION marker on a week whose p90 RTO is worse than the previous month's
    by more than --regression-ratio. Self-contained (no external URL), like report.html."""
    from datetime import timedelta

    from harness.files.outputs import write_output
    from harness.files.tiers import get_tier, load_tiers
    from harness.programme.trend import BASELINE_DAYS, scenario_trends, trend_html

    check_output(out_file, "--out")
    tiers = load_tiers(tiers_file)
    if tier is not None:
        get_tier(tier, tiers)
    now = _now(as_of)
    cutoff = _since(now, since)
    baseline_from = None if cutoff is None else cutoff - timedelta(days=BASELINE_DAYS)
    _, records = _records(reports, index, tiers_file, sync, since=baseline_from, until=now, scenarios=scenario or None)
    trends = scenario_trends(records, tiers, since=cutoff, now=now, tier=tier, ratio=regression_ratio)
    write_output(out_file, trend_html(trends, since=cutoff, now=now, ratio=regression_ratio).encode("utf-8"), "--out")
    for t in trends:
        marks = ", ".join(w.label for w in t.regressions)
        out.print(
            f"{t.scenario}: {len(t.runs)} runs against {t.tier}, pass rate {t.pass_rate * 100:.0f} %"
            + (f"; REGRESSION in {marks}" if marks else ""),
            markup=False,
        )
    out.print(f"trend: {out_file}", markup=False)


@app.command("freshness", rich_help_panel="DR programme")
def freshness_command(
    programme_file: ProgrammeOption = None,
    tier: Annotated[
        str | None, typer.Option(help="Judge the rows that name no tier against this one (default: the programme's).")
    ] = None,
    metrics_file: MetricsOption = None,
    list_due: Annotated[
        bool,
        typer.Option(
            "--list-due",
            help="Print only the scenario files of the drills due now (no proof, stale, or stale within "
            "--due-within), one per line; exit 0.",
        ),
    ] = False,
    due_within: Annotated[str, typer.Option(help="With --list-due: also drills whose proof expires this soon.")] = "1d",
    scenarios_dir: Annotated[Path | None, typer.Option(help="Where the scenario files live.")] = None,
    reports: ReportsOption = Path("reports"),
    index: IndexOption = None,
    tiers_file: TiersOption = None,
    as_of: AsOfOption = None,
    sync: SyncOption = True,
) -> None:
    """Each SLA commitment of the programme: its drills' last passing proof and its age.

    A proof is a run whose verdict against the row's tier is pass (a warn only when the programme
    tolerates each warning, with a reason) and whose RTO and RPO meet the tier's strict targets. Exit 1
    when any row's proof is stale or missing, 0 when all are fresh.
    """
    from harness.core.durations import parse_duration
    from harness.files.tiers import load_tiers
    from harness.programme.freshness import age_text, due_scenarios, freshness
    from harness.programme.metrics import write_metrics
    from harness.programme.programme import DEFAULT_SCENARIOS_DIR, load_programme, scenario_names

    if metrics_file is not None:
        check_output(metrics_file, "--metrics-file")
    programme = load_programme(programme_file, tier=tier, scenarios_dir=scenarios_dir, tiers_file=tiers_file)
    tiers = load_tiers(tiers_file)
    now = _now(as_of)
    _, records = _records(reports, index, tiers_file, sync, until=now, scenarios=programme.scenarios)
    rows = freshness(programme, records, tiers, now)
    if metrics_file is not None:
        write_metrics(metrics_file, runs=records, proofs=rows)
    if list_due:
        try:
            within = parse_duration(due_within)
        except ValueError:
            raise HarnessError(f"--due-within: invalid duration {due_within!r} (use e.g. 1d, 12h)") from None
        files = scenario_names(scenarios_dir or DEFAULT_SCENARIOS_DIR)
        for name in due_scenarios(rows, within):
            out.print(str(files[name]), markup=False, highlight=False)
        return
    bad = 0
    for row in rows:
        bad += row.state != "fresh"
        out.print(f"{row.state.upper():<8} {row.row.title} (against {row.row.tier})", markup=False)
        for status in row.drills:
            drill = status.drill
            if status.proof is not None:
                proof = (
                    f"last proof {status.proof.started_at[:16].replace('T', ' ')} UTC, "
                    f"{age_text(status.age_seconds)} old (allowed {drill.every_text})"
                )
            else:
                proof = "no passing proof" + ("" if status.latest is not None else " (never run)")
            out.print(f"  {status.state:<8} {drill.scenario:<27} {proof}", markup=False)
            if status.why_not:
                out.print(f"  {'':<8} {'':<27} latest run is not a proof: {status.why_not}", markup=False)
    out.print(
        f"freshness: {len(rows) - bad} of {len(rows)} commitments proven within their period "
        f"as of {now:%Y-%m-%d %H:%M} UTC",
        markup=False,
    )
    if bad:
        raise typer.Exit(1)


def _last_run_lag(run_dir: Path | None, reports: Path, records: list[RunRecord]) -> LagSummary | None:
    """The replication lag over `run_dir`, or over the index's latest run that sampled it (of its last 5)."""
    from harness.core.history import MalformedHistory, load
    from harness.programme.controls_recovery import lag_summary

    if run_dir is not None:
        try:
            return lag_summary(load(run_dir / "history.jsonl"), run_dir.name)
        except MalformedHistory as exc:
            raise HarnessError(f"--run-dir: {exc}") from None
    for record in sorted(records, key=lambda r: (r.started, r.path), reverse=True)[:5]:
        try:
            found = lag_summary(load(reports / record.path / "history.jsonl"), Path(record.path).name)
        except (MalformedHistory, OSError):
            continue
        if found is not None:
            return found
    return None


def run_controls(
    run_id: str | None,
    *,
    force: bool = False,
    policy_file: Path | None = None,
    programme_file: Path | None = None,
    run_dir: Path | None = None,
    manual_backup: bool = True,
    reports: Path = Path("reports"),
    index: Path | None = None,
    tiers_file: Path | None = None,
    sync: bool = True,
    run_id_from: str = "RUN_ID",
) -> tuple[str, list[Control]]:
    """The SLA controls on a stack `odoo-chaos up` left running (`controls`, `audit --controls`): its run id and them.

    Inputs (the run id, given as `run_id_from`, the policy, the programme, the tiers) are checked before the
    stack is touched.
    """
    from harness.cli.backup import attached
    from harness.edge import labels
    from harness.files.backup_policy import load_policy
    from harness.files.tiers import load_tiers
    from harness.programme.controls import ordered
    from harness.programme.controls_recovery import judge_restore_test
    from harness.programme.freshness import freshness
    from harness.programme.observations import check_stack
    from harness.programme.programme import load_programme

    if run_id is not None:
        labels.require_run_id(run_id, run_id_from)
    if run_dir is not None and not (run_dir / "history.jsonl").is_file():
        raise HarnessError(f"--run-dir: {run_dir} holds no history.jsonl (give a run directory under reports/)")
    promise, repository = load_policy(policy_file)
    programme = load_programme(programme_file, tiers_file=tiers_file)
    tiers = load_tiers(tiers_file)
    stack = attached(run_id, force)
    now = datetime.now(UTC)
    try:
        _, records = _records(reports, index, tiers_file, sync, until=now)
        index_problem = ""
    except HarnessError as exc:
        records, index_problem = [], str(exc)
    found = check_stack(
        stack,
        policy=promise,
        repository=repository,
        last_run=_last_run_lag(run_dir, reports.resolve(), records),
        take_manual_backup=manual_backup,
        progress=command_progress(),
    )
    checked_at = iso(datetime.now(UTC))
    if index_problem:
        restore = Control(RESTORE_TEST, "fail", f"no restore test on record: {index_problem}", checked_at)
    else:
        statuses = [d for row in freshness(programme, records, tiers, now) for d in row.drills]
        restore = judge_restore_test(statuses, checked_at)
    return stack.run_id, ordered([*found, restore])


@app.command("controls", rich_help_panel="DR programme")
def controls_command(
    run_id: Annotated[
        str | None, typer.Argument(help="Run id of a stack `odoo-chaos up` left running (default: the only one).")
    ] = None,
    target: Annotated[
        Path | None,
        typer.Option("--target", help="A deployment of your own, described in a file (not supported yet)."),
    ] = None,
    metrics_file: MetricsOption = None,
    run_dir: Annotated[
        Path | None,
        typer.Option(
            "--run-dir", help="Judge the replication lag over this run too (default: the index's latest run)."
        ),
    ] = None,
    policy: Annotated[Path | None, typer.Option(help="Backup policy file (default: backup-policy.yaml).")] = None,
    manual_backup: Annotated[
        bool,
        typer.Option(
            "--manual-backup/--no-manual-backup",
            help="Take a manual (incremental) backup and restore it into a scratch stack (~7 s); "
            "--no-manual-backup leaves that control out.",
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per control.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Act on a run another process still owns (a drill under way) anyway.")
    ] = False,
    programme_file: ProgrammeOption = None,
    reports: ReportsOption = Path("reports"),
    index: IndexOption = None,
    tiers_file: TiersOption = None,
    sync: SyncOption = True,
) -> None:
    """Check the Odoo Online SLA's security and backup commitments on a live stack, one line per control.

    HTTPS only, TLS >= 1.2, certificate keys >= 2048 bits and SHA-2 signatures; passwords stored as
    PBKDF2-SHA512 with thousands of rounds; the database list off, the dbfilter pinned, the app's database
    role confined to its database; a hot standby streaming in real time; backups against 7 daily / 4 weekly
    / 3 monthly and the policy's copies, the latest restore test's age (run index), a manual backup
    restored. Exit 1 when a control fails or cannot be observed.
    """
    import time

    from harness.programme.audit import vars_of
    from harness.programme.controls import failed, render, summary
    from harness.programme.metrics import write_metrics

    if target is not None:
        raise HarnessError(
            f"--target {str(target)[:80]}: not supported yet: controls run on a stack `odoo-chaos up` left running; "
            "give its RUN_ID"
        )
    if metrics_file is not None:
        check_output(metrics_file, "--metrics-file")
    started = time.monotonic()
    checked_run, found = run_controls(
        run_id,
        force=force,
        policy_file=policy,
        programme_file=programme_file,
        run_dir=run_dir,
        manual_backup=manual_backup,
        reports=reports,
        index=index,
        tiers_file=tiers_file,
        sync=sync,
    )
    if metrics_file is not None:
        write_metrics(metrics_file, controls=found)
    if as_json:
        for control in found:
            out.print(json.dumps(vars_of(control), sort_keys=True), markup=False, highlight=False)
    else:
        for line in render(found):
            out.print(line, markup=False, highlight=False)
        out.print(f"{summary(found)}; run {checked_run}, {time.monotonic() - started:.1f} s", markup=False)
    if failed(found):
        raise typer.Exit(1)


@app.command("audit", rich_help_panel="DR programme")
def audit_command(
    out_dir: Annotated[Path, typer.Option("--out", help="The pack's directory (new or empty).")],
    tier: Annotated[
        str | None, typer.Option(help="The tier for the rows that name none (default: the programme's, tier-1).")
    ] = None,
    since: Annotated[str, typer.Option(help="The window of runs to include, e.g. 90d.")] = "90d",
    programme_file: ProgrammeOption = None,
    sign_key: Annotated[
        Path | None,
        typer.Option(
            help="Ed25519 private key (from `odoo-chaos keygen`): sign the pack's SHA256SUMS "
            "(default: $ODOO_CHAOS_SIGNING_KEY; none: unsigned)."
        ),
    ] = None,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Print audit.pdf with headless Chromium.")] = True,
    scenarios_dir: Annotated[Path | None, typer.Option(help="Where the scenario files live.")] = None,
    reports: ReportsOption = Path("reports"),
    index: IndexOption = None,
    tiers_file: TiersOption = None,
    as_of: AsOfOption = None,
    sync: SyncOption = True,
    controls_run: Annotated[
        str | None,
        typer.Option(
            "--controls",
            metavar="RUN_ID",
            help="Check the SLA controls on this running stack first (as `odoo-chaos controls` does) and put "
            "them in the pack.",
        ),
    ] = None,
) -> None:
    """Write an audit pack: audit.html and audit.pdf, the included run directories, pack.json, a SHA256SUMS
    manifest (signed with --sign-key).

    First page: the tier's targets and every stale or missing proof. Then per SLA row of the programme: the
    drills, their latest and worst RTO/RPO with the distribution, verdicts and dates. Then the control
    checks, the versions of every component, the runs. `odoo-chaos check DIR` verifies the pack.
    """
    from harness.files.tiers import DEFAULT_TIERS_FILE, load_tiers
    from harness.programme.audit import build_pack
    from harness.programme.controls import summary
    from harness.programme.programme import DEFAULT_PROGRAMME_FILE, load_programme
    from harness.verdict import signing

    programme = load_programme(programme_file, tier=tier, scenarios_dir=scenarios_dir, tiers_file=tiers_file)
    tiers = load_tiers(tiers_file)
    now = _now(as_of)
    _since(now, since)
    key_path = signing.key_from_environment(sign_key)
    if key_path is not None:
        signing.load_private_key(key_path)
    controls = None
    if controls_run is not None:
        _, controls = run_controls(
            controls_run,
            programme_file=programme_file,
            reports=reports,
            index=index,
            tiers_file=tiers_file,
            sync=sync,
            run_id_from="--controls",
        )
    _, records = _records(reports, index, tiers_file, sync, until=now, scenarios=programme.scenarios)
    pack, skipped = build_pack(
        out_dir,
        programme=programme,
        programme_file=programme_file or DEFAULT_PROGRAMME_FILE,
        tiers=tiers,
        tiers_file=tiers_file or DEFAULT_TIERS_FILE,
        reports=reports.resolve(),
        index_records=records,
        tier=programme.tier,
        since=since,
        now=now,
        sign_key=key_path,
        pdf=pdf,
        controls=controls,
    )
    for item in skipped:
        err.print(f"audit: left out {item.path}: {item.reason}", markup=False)
    document = json.loads((pack / "pack.json").read_text())
    flags = document["view"]["flags"]
    files = "audit.html" + (", audit.pdf" if pdf else "")
    checks = "" if controls is None else f"; {summary(controls)}"
    out.print(
        f"audit pack {pack}: {files}; {len(document['runs'])} runs; "
        f"{len(flags)} stale or missing proofs{checks}; {'signed' if key_path else 'unsigned'}",
        markup=False,
    )
    for flag in flags:
        out.print(f"  {flag['state'].upper():<8} {flag['row']}: {flag['scenario']}: {flag['detail']}", markup=False)


def check_pack(pack: Path, pubkey: Path | None) -> None:
    """`odoo-chaos check PACK`: print what disagrees (exit 1) or that everything agrees (exit 0)."""
    from harness.programme.audit import verify_pack

    problems = verify_pack(pack, pubkey)
    for problem in problems:
        out.print(f"DISAGREES: {problem}", markup=False)
    if problems:
        raise typer.Exit(1)
    signed = "; signature verified" if pubkey is not None else ""
    out.print(
        f"{pack}: audit pack SHA256SUMS verified{signed}; every included run, its record and the page "
        "recomputed from the runs agree",
        markup=False,
    )


def check_if_pack(directory: Path, pubkey: Path | None, tier: str | None = None) -> None:
    """For `odoo-chaos check`: verify `directory` as an audit pack and exit (0 agrees, 1 not) when it is one;
    return when it is not (a run directory, checked as before)."""
    from harness.programme.audit import is_pack

    if not is_pack(directory):
        return
    if tier is not None:
        raise HarnessError(f"--tier judges one run; {directory} is an audit pack (its runs are under runs/)")
    check_pack(directory, pubkey)
    raise typer.Exit(0)
