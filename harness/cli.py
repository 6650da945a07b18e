"""The `odoo-chaos` command: build images, bring a stack up, show it, tear it down, smoke it.

Errors the user can fix print one line (`odoo-chaos: error: ...`) and exit 2; Ctrl-C or SIGTERM
during start tears the run down and exits 130. Progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import json
import math
import re
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from harness import __version__, images, labels, state, watchdog
from harness.backup_retention import MAX_SIMULATED_DAYS
from harness.durations import duration_field
from harness.errors import HarnessError
from harness.load.profile import MAX_SPAWN_RATE, MAX_USERS, MAX_WORKERS, MIN_SPAWN_RATE
from harness.stack import cleanup, topology
from harness.stack.stack import Endpoints, Stack, StackConfig, require_run
from harness.validation import one_line, writable_directory

MAX_REPEAT = 1000  # runs per scenario in one campaign: a thousand drills is already days

app = typer.Typer(
    name="odoo-chaos",
    help="Chaos and failover drills for self-hosted Odoo. Brings up a real HA Odoo stack "
    "(Traefik, two Odoo nodes, PostgreSQL primary + hot standby, Redis, backup repository) from "
    "locally built images and measures what users lose when it breaks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
images_app = typer.Typer(help="Build the stack's images locally (no registry needed).", no_args_is_help=True)
app.add_typer(images_app, name="images")
backup_app = typer.Typer(
    help="The backup repository (pgBackRest): list backups, take one, prove the latest restores, check retention.",
    no_args_is_help=True,
)
app.add_typer(backup_app, name="backup")

out = Console(soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Progress:
    """Timestamped progress lines on stderr (readable in CI logs, no cursor tricks)."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        err.print(f"[dim][{time.monotonic() - self.started:6.1f}s][/dim] {message}")


_interrupted = False


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    """The first SIGTERM or SIGINT interrupts; later ones are ignored, so they cannot cut its teardown short."""
    global _interrupted
    if _interrupted:
        return
    _interrupted = True
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextmanager
def _interruptible() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C, so `finally` blocks (teardown) run for both; a second one waits for them.

    A watchdog process (`harness.watchdog`) backs the handler: if the main thread cannot react (a
    C call holds it), the stacks this command claimed are removed within 15 s of the signal anyway.
    """
    watchdog.start()
    previous = {signum: signal.signal(signum, _raise_interrupt) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        watchdog.stop()


@images_app.command("build")
def images_build(
    force: Annotated[bool, typer.Option("--force", help="Rebuild even when nothing changed.")] = False,
) -> None:
    """Build or refresh the local images (Debian bases via debootstrap, then each service).

    A no-op when nothing in compose/ or the pinned artifacts changed.
    """
    progress = Progress()
    with _interruptible():
        built = images.build_all(progress, force=force)
    for tag, image_id in built.items():
        out.print(f"{tag}  {image_id[7:19]}")


@app.command()
def up(
    odoo_image: Annotated[str, typer.Option(help="Odoo image to run (local).")] = images.DEFAULT_ODOO_IMAGE,
    odoo_health_path: Annotated[
        str | None,
        typer.Option(
            help="Path Traefik's active health check requests on each Odoo node "
            "(default: a static file on Odoo <16, /web/health on 16+)."
        ),
    ] = None,
    https_port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="127.0.0.1 port for HTTPS (default: a free one).")
    ] = None,
    http_port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="127.0.0.1 port that redirects to HTTPS (default: a free one)."),
    ] = None,
    show_credentials: Annotated[
        bool, typer.Option(help="Print the Odoo admin password (otherwise only the file that holds it).")
    ] = False,
    build: Annotated[bool, typer.Option(help="Build missing or changed images first.")] = True,
) -> None:
    """Bring a stack up and leave it running; prints endpoints and the run id.

    Returns once a business write through Traefik -> Odoo -> PostgreSQL is acknowledged and
    visible on the standby. Tear it down with `odoo-chaos down RUN_ID`.
    """
    if odoo_health_path is not None and not re.fullmatch(r"/[A-Za-z0-9._~/%-]{0,200}", odoo_health_path):
        raise HarnessError(
            f"--odoo-health-path: {odoo_health_path!r} is not a URL path such as /web/health "
            "(letters, digits and ._~/%- only, at most 200)"
        )
    config = StackConfig(
        odoo_image=odoo_image,
        odoo_health_path=odoo_health_path,
        https_port=https_port,
        http_port=http_port,
        build_images=build,
    )
    progress = Progress()
    stack = Stack(config, progress=progress)
    with _interruptible():
        endpoints = stack.start()
        state.mark_detached(stack.run_id)
        watchdog.release(stack.run_id)  # left running on purpose: no longer this process's to tear down
    progress(
        f"stack up in {stack.timings.get('up', 0):.1f}s (images and snapshot: {stack.timings.get('seed', 0):.1f}s)"
    )
    _print_endpoints(endpoints, show_credentials)


def _print_endpoints(endpoints: Endpoints, show_credentials: bool) -> None:
    secrets_file = str(state.run_dir(endpoints.run_id) / "endpoints.json")
    rows = {
        "run id": endpoints.run_id,
        "https": f"{endpoints.https_url}/web/login",
        "http": f"{endpoints.http_url} (redirects to https)",
        "CA certificate": endpoints.ca_file,
        "database": endpoints.db,
        "login": endpoints.login,
        "password": endpoints.password if show_credentials else f"(in {secrets_file})",
        "pg-primary": f"127.0.0.1:{endpoints.pg_primary_port} (user postgres, password in the same file)",
        "pg-standby": f"127.0.0.1:{endpoints.pg_standby_port}",
        "tear down": f"odoo-chaos down {endpoints.run_id}",
    }
    for key, value in rows.items():
        out.print(f"{key:<15} {value}", markup=False, highlight=False)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """What is running for which run id, and whether each service is healthy."""
    from harness.stack.health import service_health

    runs = cleanup.list_runs()
    report: list[dict[str, Any]] = []
    for run in runs:
        services = service_health(run.run_id)
        report.append(
            {
                "run_id": run.run_id,
                "kind": "detached (odoo-chaos up)"
                if run.detached
                else ("dead (owner gone)" if run.owner_gone else "owned by a running process"),
                "healthy": bool(services)
                and all(s["healthy"] for s in services)
                and {s["service"] for s in services} >= set(topology.SERVICE_NAMES),
                "services": services,
                "networks": len(run.networks),
                "volumes": len(run.volumes),
            }
        )
    if as_json:
        out.print_json(json.dumps(report))
        return
    if not report:
        out.print("no odoo-chaos runs on this Docker engine")
        return
    for item in report:
        verdict = "[green]healthy[/green]" if item["healthy"] else "[red]not healthy[/red]"
        out.print(
            f"run [bold]{item['run_id']}[/bold]: {verdict}, {item['kind']}, "
            f"{item['networks']} networks, {item['volumes']} volumes"
        )
        table = Table("service", "state", "healthy", "detail")
        for svc in item["services"]:
            table.add_row(svc["service"], svc["state"], "yes" if svc["healthy"] else "no", svc["detail"])
        out.print(table)
        endpoints = Endpoints.load(item["run_id"])
        if endpoints:
            out.print(f"  {endpoints.https_url}/web/login  (CA: {endpoints.ca_file})")


@app.command()
def down(
    run_id: Annotated[str | None, typer.Argument(help="Run id to tear down (see `odoo-chaos status`).")] = None,
    all_runs: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Tear down every run no live process owns: stacks left by `odoo-chaos up` and leftovers of runs "
            "whose process died. Runs whose owner is still running (a drill, smoke, load) are listed and kept.",
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With --all: tear down runs whose owner is still running too.")
    ] = False,
) -> None:
    """Tear down one run, or with --all every run no live process owns, by label. Nothing unlabelled is touched.

    --all first lists what it removes and what it keeps (runs a live process owns, unless --force).
    """
    if not run_id and not all_runs:
        raise HarnessError("say which run to tear down (`odoo-chaos down RUN_ID`) or use --all")
    if run_id and all_runs:
        raise HarnessError("give a run id or --all, not both")
    if force and not all_runs:
        raise HarnessError("--force goes with --all (`odoo-chaos down RUN_ID` always removes that run)")
    if all_runs:
        runs = cleanup.list_runs()
        targets = [r.run_id for r in runs if force or not r.live]
        for run in runs:
            why = "detached (odoo-chaos up)" if run.detached else "owner gone" if run.owner_gone else "owner running"
            objects = f"{len(run.containers)} containers, {len(run.networks)} networks, {len(run.volumes)} volumes"
            verb = "will remove" if run.run_id in targets else "keeping (--force removes it)"
            out.print(f"{verb}: run {run.run_id}, {why} ({run.owner}), {objects}", markup=False)
    else:
        targets = [require_run(labels.require_run_id(run_id or "", "RUN_ID")).run_id]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a half-done teardown helps nobody
    for target in targets:
        started = time.monotonic()
        removed = cleanup.remove_run(target)
        state.forget(target)
        out.print(f"removed run {target}: {removed} objects in {time.monotonic() - started:.1f}s")
    if not targets:
        out.print("nothing to remove")


@app.command()
def smoke(
    odoo_image: Annotated[str, typer.Option(help="Odoo image to run (local).")] = images.DEFAULT_ODOO_IMAGE,
) -> None:
    """Bring a stack up, run a business transaction through each Odoo node, tear it down.

    The first drill of a fresh machine (`make demo`): proves the whole path works end to end.
    """
    from harness.smoke import run_smoke

    progress = Progress()
    with _interruptible(), Stack(StackConfig(odoo_image=odoo_image), progress=progress) as stack:
        assert stack.endpoints is not None
        result = run_smoke(stack.endpoints, progress)
    out.print_json(
        json.dumps(
            {
                **asdict(result),
                "up_seconds": round(stack.timings.get("up", 0), 1),
                "down_seconds": round(stack.timings.get("down", 0), 1),
            }
        )
    )


@app.command()
def run(
    scenario_files: Annotated[
        list[Path], typer.Argument(help="Scenario YAML files, e.g. scenarios/db-primary-kill.yaml (one or more).")
    ],
    tier: Annotated[str | None, typer.Option(help="Tier to judge against (default: each scenario's).")] = None,
    tiers_file: Annotated[Path | None, typer.Option(help="Your own tiers YAML (default: tiers/tiers.yaml).")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Where run directories are written.")] = Path("reports"),
    repeat: Annotated[
        int, typer.Option(min=1, max=MAX_REPEAT, help="Run each scenario N times: RTO/RPO min, median, p90, max.")
    ] = 1,
    duration: Annotated[
        str | None,
        typer.Option(help="Override every scenario's duration, e.g. 30s (up to 24h; the scenario is re-checked)."),
    ] = None,
    stop_file: Annotated[
        Path | None,
        typer.Option(
            help="Stop switch: when this file exists the drill stops before its next step and heals "
            "(default: $ODOO_CHAOS_STOP_FILE or ~/.cache/odoo-chaos/STOP; ODOO_CHAOS_STOP=1 works too)."
        ),
    ] = None,
    load: Annotated[
        Path | None, typer.Option(help="Load profile YAML: Locust users on Odoo during every drill.")
    ] = None,
    odoo_image: Annotated[str, typer.Option(help="Odoo image to run (local).")] = images.DEFAULT_ODOO_IMAGE,
    sign_key: Annotated[
        Path | None,
        typer.Option(
            help="Ed25519 private key (PEM, from `odoo-chaos keygen`): sign each run's SHA256SUMS into "
            "SHA256SUMS.sig (default: $ODOO_CHAOS_SIGNING_KEY; none: unsigned)."
        ),
    ] = None,
) -> None:
    """Run drills: stack up, probes, steps (faults, runbook actions, waits), heal, final read, checkers, report.

    Every scenario file (and --tiers-file, --load, --out, --duration) is validated before anything starts.

    Several files or --repeat share one stack, warm-reset between runs, plus a campaign summary (min/median/p90/max).

    The stack is always torn down at the end. Exit code: 0 pass or warn, 1 fail, 2 error (a report is still written).
    """
    from harness.campaign import run_campaign
    from harness.runner import run_scenario
    from harness.scenario import MAX_DURATION, load_scenario
    from harness.stack.stack import Stack
    from harness.tiers import DEFAULT_TIERS_FILE, get_tier, load_tiers
    from harness.validation import read_bytes

    if len(scenario_files) * repeat > MAX_REPEAT:
        runs = len(scenario_files) * repeat
        raise HarnessError(
            f"{runs} runs ({len(scenario_files)} files x --repeat {repeat}); one campaign has at most {MAX_REPEAT}"
        )
    if duration is not None:
        duration_field(duration, "--duration", "", HarnessError, high=MAX_DURATION)  # in its own words first
    scenarios = [load_scenario(path, duration=duration) for path in scenario_files]
    tiers = load_tiers(tiers_file)
    plan = [(scenario, get_tier(tier or scenario.tier, tiers)) for scenario in scenarios]
    from harness import signing
    from harness.load.profile import load_profile

    profile = load_profile(load) if load else None
    _check_stop_file(stop_file)
    writable_directory(out_dir, "--out")
    key_path = signing.key_from_environment(sign_key)
    if key_path is not None:
        signing.load_private_key(key_path)  # a bad key stops here, before any container starts
    progress = Progress()
    run_kwargs: dict[str, Any] = {
        "evidence_extra": {"tiers.yaml": read_bytes(tiers_file or DEFAULT_TIERS_FILE, "tiers file", HarnessError)},
        "stop_file": stop_file,
        "load": profile,
        "sign_key": key_path,
    }
    config = StackConfig(odoo_image=odoo_image)
    if len(plan) == 1 and repeat == 1:
        scenario, chosen = plan[0]
        with _interruptible():
            outcome = run_scenario(scenario, chosen, out_dir, stack_config=config, progress=progress, **run_kwargs)
        _print_outcome(scenario.name, chosen.name, outcome.verdict, outcome.report, outcome.run_dir)
        raise typer.Exit(outcome.exit_code)
    stack = Stack(config, progress=progress)
    try:
        with _interruptible():
            campaign = run_campaign(plan, out_dir, stack, repeat=repeat, progress=progress, run_kwargs=run_kwargs)
    finally:
        stack.down()
    for (scenario, chosen), outcome in zip(plan * repeat, campaign.runs, strict=False):
        _print_outcome(scenario.name, chosen.name, outcome.verdict, outcome.report, outcome.run_dir)
    out.print(f"campaign: verdict {campaign.verdict}; summary: {campaign.directory / 'summary.md'}", markup=False)
    raise typer.Exit(campaign.exit_code)


@app.command("load")
def load_command(
    users: Annotated[
        int | None,
        typer.Option(min=1, max=MAX_USERS, help="Concurrent Locust users (default: the profile's, else 10)."),
    ] = None,
    spawn_rate: Annotated[
        float | None,
        typer.Option(
            help=f"Users started per second, {MIN_SPAWN_RATE:g} to {MAX_SPAWN_RATE:g} (default: the profile's, else 5)."
        ),
    ] = None,
    duration: Annotated[str, typer.Option(help="How long the load runs, e.g. 60s, 5m (up to 24h).")] = "60s",
    profile: Annotated[
        Path | None, typer.Option(help="Load profile YAML (tasks, think time, SLO); --users/--spawn-rate override it.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=0, max=MAX_WORKERS, help="Locust worker processes (distributed mode).")
    ] = None,
    tier: Annotated[str, typer.Option(help="Tier for the probes' verdicts.")] = "tier-1",
    out_dir: Annotated[Path, typer.Option("--out", help="Where the run directory is written.")] = Path("reports"),
    odoo_image: Annotated[str, typer.Option(help="Odoo image to run (local).")] = images.DEFAULT_ODOO_IMAGE,
) -> None:
    """Load alone: Locust users on Odoo through Traefik; throughput, errors and latency per endpoint in a run directory.

    Exit code: 0 pass or warn, 1 fail (e.g. p95 above the profile's SLO), 2 error.
    """
    from dataclasses import replace

    from harness.load.profile import LoadProfile, check_ramp, load_profile
    from harness.runner import run_scenario
    from harness.scenario import MAX_DURATION, Scenario
    from harness.tiers import get_tier, load_tiers

    seconds = duration_field(duration, "--duration", "", HarnessError, high=MAX_DURATION)
    if seconds <= 0:
        raise HarnessError("--duration: must be longer than 0s")
    if spawn_rate is not None and not (math.isfinite(spawn_rate) and MIN_SPAWN_RATE <= spawn_rate <= MAX_SPAWN_RATE):
        span = f"{MIN_SPAWN_RATE:g} to {MAX_SPAWN_RATE:g}"
        raise HarnessError(f"--spawn-rate: give users started per second from {span}, not {spawn_rate:g}")
    chosen = load_profile(profile) if profile else LoadProfile()
    chosen = replace(
        chosen,
        users=chosen.users if users is None else users,
        spawn_rate=chosen.spawn_rate if spawn_rate is None else spawn_rate,
        workers=chosen.workers if workers is None else workers,
    )
    check_ramp(chosen.users, chosen.spawn_rate, "--users/--spawn-rate")
    chosen_tier = get_tier(tier, load_tiers())
    writable_directory(out_dir, "--out")
    summary = f"{chosen.users} Locust users for {duration}"
    scenario = Scenario("load", summary, tier, seconds, 2.0, ("business-write",))
    with _interruptible():
        outcome = run_scenario(
            scenario,
            chosen_tier,
            out_dir,
            stack_config=StackConfig(odoo_image=odoo_image),
            progress=Progress(),
            load=chosen,
        )
    check = next((c for c in outcome.report.get("checks", []) if c["checker"] == "load"), None)
    before = (check or {}).get("metrics", {}).get("before", {})
    out.print(
        f"load: verdict {outcome.verdict}; {before.get('requests_per_second')} requests/s, "
        f"error rate {before.get('error_rate')}, p50 {before.get('p50')} s, p95 {before.get('p95')} s, "
        f"p99 {before.get('p99')} s; report: {outcome.run_dir / 'report.html'}",
        markup=False,
    )
    if outcome.report.get("aborted_reason"):
        err.print(f"odoo-chaos: error: run aborted: {outcome.report['aborted_reason']}", markup=False)
    raise typer.Exit(outcome.exit_code)


def _check_stop_file(stop_file: Path | None) -> None:
    """The stop switch must be a path the drill can check (and not thrown already: it would stop at once)."""
    if stop_file is None:
        return
    try:
        thrown = stop_file.exists()
    except OSError as exc:
        raise HarnessError(f"--stop-file: cannot check {stop_file} ({exc.strerror or exc})") from None
    if thrown:
        raise HarnessError(f"--stop-file: {stop_file} exists already, so the drill would stop at once; remove it first")


def _print_outcome(name: str, tier: str, verdict: str, report: dict[str, Any], run_dir: Path) -> None:
    rto = report.get("rto_seconds")
    bound = report.get("rto_seconds_at_least")
    journey = report.get("rto_journey")
    rto_text = _fmt(rto) if rto is not None or bound is None else f"at least {bound} s"
    if journey:
        rto_text += f" ({journey})"
    rpo_text = _fmt(report.get("rpo_seconds")) + (" at least" if report.get("rpo_censored") else "")
    out.print(
        f"{name}: verdict {verdict} against {tier}; "
        f"RTO {rto_text}, RPO {rpo_text}, "
        f"lost {report.get('lost_writes')} of {report.get('acknowledged_writes')} acknowledged writes, "
        f"availability {_fmt_pct(report.get('availability'))}; report: {run_dir / 'report.html'}",
        markup=False,
    )
    if report.get("aborted_reason"):
        err.print(f"odoo-chaos: error: run aborted: {report['aborted_reason']}", markup=False)


def _fmt(value: object) -> str:
    return "none" if value is None else f"{value} s"


def _fmt_pct(value: object) -> str:
    return "unknown" if not isinstance(value, int | float) else f"{value * 100:.3f} %"


@app.command()
def check(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by `odoo-chaos run`.")],
    tier: Annotated[
        str | None,
        typer.Option(help="Judge the stored history against this tier instead (RTO, RPO, availability)."),
    ] = None,
    tiers_file: Annotated[Path | None, typer.Option(help="Tiers file for --tier (default: tiers/tiers.yaml).")] = None,
    pubkey: Annotated[
        Path | None,
        typer.Option(help="Ed25519 public key (PEM): verify SHA256SUMS.sig, the run's signature, with it."),
    ] = None,
) -> None:
    """Judge a stored run again from its history and scenario alone (no Docker), trusting no report.

    Verifies SHA256SUMS (and SHA256SUMS.sig with --pubkey), recomputes which checks apply, every
    verdict, the overall verdict and every headline figure, re-renders junit.xml, report.md and
    report.html's figures, and lists every difference. Exit 0 when everything agrees, 1 otherwise.
    With --tier, print how the same evidence fares against another tier (exit 1 if any of RTO,
    RPO, availability fails or the evidence does not verify).
    """
    from harness.recheck import judge_against, recheck
    from harness.tiers import get_tier, load_tiers

    if tier is not None:
        chosen = get_tier(tier, load_tiers(tiers_file))
        judged, problems = judge_against(run_dir, chosen)
        for problem in problems:
            out.print(f"DISAGREES: {problem}", markup=False)
        for verdict in judged:
            out.print(f"{verdict.checker:<13} {verdict.status:<5} {verdict.target}; {verdict.reason}", markup=False)
        raise typer.Exit(1 if problems or any(v.status == "fail" for v in judged) else 0)
    problems = recheck(run_dir, pubkey)
    if problems:
        for problem in problems:
            out.print(f"DISAGREES: {problem}", markup=False)
        raise typer.Exit(1)
    signed = "; signature verified" if pubkey is not None else ""
    out.print(
        f"{run_dir}: SHA256SUMS verified{signed}; every verdict, figure and report recomputed from "
        "history.jsonl agrees",
        markup=False,
    )


@app.command()
def keygen(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the key pair.")] = Path("."),
    name: Annotated[str, typer.Option(help="File name stem: NAME.key (private, 0600) and NAME.pub.")] = (
        "odoo-chaos-signing"
    ),
) -> None:
    """Make an Ed25519 key pair to sign run directories (`run --sign-key`) and verify them (`check --pubkey`).

    Keep the private key outside the run directories (and out of the repository); give auditors the .pub.
    """
    from harness import signing

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", name):
        raise HarnessError(f"--name: {name!r} is not a plain file name (letters, digits, . _ -; at most 64)")
    private, public = signing.generate(out_dir, name)
    key = signing.load_public_key(public)
    out.print(f"private key {private} (mode 0600; keep it secret)", markup=False)
    out.print(f"public key  {public} (fingerprint {signing.fingerprint(key)})", markup=False)


def _attached(run_id: str | None, force: bool = False) -> Stack:
    """The stack `odoo-chaos up` left running: the one given, or the only one there is.

    A run another process owns (a drill under way) is refused unless `force`: a backup taken or
    restored behind a drill's back changes what the drill measures. This process's own stack is fine.
    """
    if run_id is not None:
        labels.require_run_id(run_id, "RUN_ID")
    runs = cleanup.list_runs()
    if run_id is None:
        running = [r.run_id for r in runs if r.detached]
        if len(running) != 1:
            found = ", ".join(running) or "none"
            raise HarnessError(f"name the run: stacks left running by `odoo-chaos up`: {found}")
        run_id = running[0]
    found_run = next((r for r in runs if r.run_id == run_id), None)
    if found_run is not None and not found_run.detached and not found_run.mine:
        what = "a run whose owner died (the next run sweeps it)" if found_run.owner_gone else "a live drill"
        if not force:
            raise HarnessError(
                f"run {run_id} is {what}, owned by {found_run.owner}, not a stack `odoo-chaos up` left running; "
                "--force acts on it anyway"
            )
        err.print(f"odoo-chaos: warning: acting on run {run_id}, {what} ({found_run.owner})", markup=False)
    return Stack.attach(run_id, progress=Progress())


RunIdArgument = Annotated[
    str | None, typer.Argument(help="Run id of a stack `odoo-chaos up` left running (default: the only one).")
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Act on a run another process still owns (a drill under way) anyway.")
]


@backup_app.command("list")
def backup_list(run_id: RunIdArgument = None, force: ForceOption = False) -> None:
    """The repository's backups (type, when, age, size) and the WAL range it holds."""
    from harness.stack import backup

    repository = backup.info(_attached(run_id, force))
    now = datetime.now(UTC)
    out.print(f"repository: pgBackRest stanza odoo, status {repository.status}", markup=False)
    out.print(f"WAL archived: {repository.wal_min or '-'} .. {repository.wal_max or '-'}", markup=False)
    out.print(f"{'label':<34} {'type':<5} {'finished (UTC)':<20} {'age':>9} {'database':>10} {'stored':>10}")
    for b in repository.backups:
        age = b.age_seconds(now)
        out.print(
            f"{b.label:<34} {b.kind:<5} {b.stopped:%Y-%m-%d %H:%M:%S} {_age(age):>9} "
            f"{b.database_bytes / 1e6:>8.1f}MB {b.repository_bytes / 1e6:>8.1f}MB",
            markup=False,
        )
    if not repository.backups:
        raise typer.Exit(1)


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h" if seconds < 86400 else f"{seconds / 86400:.1f} d"


@backup_app.command("run")
def backup_run(
    run_id: RunIdArgument = None,
    type_: Annotated[str, typer.Option("--type", help="full, diff or incr.")] = "incr",
    force: ForceOption = False,
) -> None:
    """Take a backup now (`pgbackrest backup` on the current primary)."""
    from harness.stack import backup

    if type_ not in ("full", "diff", "incr"):
        raise HarnessError(f"--type: {type_[:40]!r} is not a backup type (full, diff, incr)")
    taken = backup.take(_attached(run_id, force), type_)
    out.print(f"{taken.label} ({taken.kind}) finished {taken.stopped:%Y-%m-%d %H:%M:%S} UTC", markup=False)


@backup_app.command("verify")
def backup_verify(run_id: RunIdArgument = None, force: ForceOption = False) -> None:
    """Restore the latest backup and every archived WAL file into a scratch PostgreSQL + Odoo, check it, remove it.

    The scratch pair has its own network and mounts the repository read-only; the copy is
    neutralised (no cron, no outgoing mail) before Odoo starts on it. Prints copy and replay
    times, the ledger's row count and what Odoo read; exit 1 if the restore or the read failed.
    """
    from harness.stack import backup

    stack = _attached(run_id, force)
    verified = backup.scratch_restore(stack, progress=Progress())
    for key, value in verified.as_value().items():
        out.print(f"{key:<18} {value}", markup=False)
    if verified.business_read != verified.ledger_rows or verified.attachments.get("attachments_in_a_filestore"):
        raise typer.Exit(1)


@backup_app.command("retention")
def backup_retention(
    run_id: RunIdArgument = None,
    policy: Annotated[Path | None, typer.Option(help="Backup policy file (default: backup-policy.yaml).")] = None,
    simulate_days: Annotated[
        int | None,
        typer.Option(
            help=f"Replay the policy's schedule and pgBackRest's expiry for N days, 1 to {MAX_SIMULATED_DAYS} "
            "(simulated dates)."
        ),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Would the repository keep the SLA's promise (7 daily, 4 weekly, 3 monthly full backups)?

    With --simulate-days the dates are simulated from backup-policy.yaml's schedule and retention;
    without it the running stack's real full backups are judged. Exit 1 when the promise is not kept.
    """
    from harness import backup_retention as retention
    from harness.stack import backup

    if simulate_days is not None and not 1 <= simulate_days <= MAX_SIMULATED_DAYS:
        limit = MAX_SIMULATED_DAYS
        raise HarnessError(f"--simulate-days: give a number of days from 1 to {limit}, not {simulate_days}")
    promise, repository = retention.load_policy(policy)
    if simulate_days is not None:
        start = datetime.now(UTC) - timedelta(days=simulate_days)
        held = retention.simulate(repository, simulate_days, start)
        report = retention.check(promise, held, held[-1] if held else datetime.now(UTC))
    else:
        fulls = [b.stopped for b in backup.info(_attached(run_id, force)).backups if b.kind == "full"]
        report = retention.check(promise, fulls, datetime.now(UTC))
    suggestion = None if report.satisfied else retention.settings_that_satisfy(promise)
    lines = retention.render(report, simulated=simulate_days is not None, suggestion=suggestion, searched=True)
    for line in lines:
        out.print(line, markup=False)
    raise typer.Exit(0 if report.satisfied else 1)


@app.command("list")
def list_parts(
    scenarios_dir: Annotated[Path, typer.Option(help="Where scenario files live.")] = Path("scenarios"),
) -> None:
    """Scenarios, faults, runbook actions (each with its params: type, range, default), conditions, targets,
    probes, checkers and tiers, one line each. A scenario file that does not validate is listed with its error.
    """
    from harness.actions import ACTIONS
    from harness.checkers import checker_names
    from harness.conditions import describe as describe_conditions
    from harness.faults import FAULTS
    from harness.params import describe as describe_params
    from harness.params import params_model
    from harness.probes import PROBES
    from harness.scenario import load_scenario
    from harness.stack import topology
    from harness.tiers import load_tiers

    out.print("scenarios:", markup=False)
    if not scenarios_dir.is_dir():
        out.print(f"  (none: {scenarios_dir} is not a directory)", markup=False)
    for path in sorted(scenarios_dir.glob("*.yaml")) if scenarios_dir.is_dir() else []:
        try:
            summary = load_scenario(path).summary
        except HarnessError as exc:
            summary = f"INVALID: {exc}"
        out.print(one_line(f"  {path}  {summary}"), markup=False)
    parts: dict[str, dict[str, Any]] = {"faults:": dict(FAULTS), "actions:": dict(ACTIONS)}
    for title, registered in parts.items():
        out.print(title, markup=False)
        for name, part in sorted(registered.items()):
            out.print(f"  {name:<22} {part.summary}", markup=False)
            for line in describe_params(params_model(part)):
                out.print(f"  {'':<22}   param {line}", markup=False)
    out.print("conditions (steady_state, wait until):", markup=False)
    for name, summary in describe_conditions().items():
        out.print(f"  {name:<22} {summary}", markup=False)
    out.print("targets:", markup=False)
    out.print(f"  {', '.join(topology.TARGET_NAMES)}", markup=False)
    out.print("probes:", markup=False)
    for name in sorted(PROBES):
        doc = (sys.modules[PROBES[name].__module__].__doc__ or "").strip().splitlines()[0]
        out.print(f"  {name:<22} {doc}", markup=False)
    out.print("checkers:", markup=False)
    out.print(f"  {', '.join(checker_names())}", markup=False)
    out.print("tiers:", markup=False)
    for name, tier in load_tiers().items():
        out.print(
            f"  {name:<22} {tier.title}: availability >= {tier.availability.strict * 100:g} %, "
            f"RTO <= {tier.rto.strict:g} s, RPO <= {tier.rpo.strict:g} s",
            markup=False,
        )


@app.command()
def version() -> None:
    """Print the harness version."""
    out.print(__version__)


def _is(exc: BaseException, name: str) -> bool:
    """Match click's exception classes by name (typer may vendor its own copy of click)."""
    return any(cls.__name__ == name for cls in type(exc).__mro__)


def main() -> None:
    """Entry point: one-line errors, exit 2 for bad input or environment, 130 on interrupt."""
    try:
        result = app(args=sys.argv[1:], prog_name="odoo-chaos", standalone_mode=False)
    except HarnessError as exc:
        err.print(f"odoo-chaos: error: {one_line(str(exc))}", markup=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("odoo-chaos: interrupted; what the command had started was torn down", markup=False)
        sys.exit(130)
    except Exception as exc:
        if _is(exc, "UsageError"):
            ctx = getattr(exc, "ctx", None)
            hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            message = one_line(exc.format_message())  # type: ignore[attr-defined]
            err.print(f"odoo-chaos: error: {message}{hint}", markup=False)
            sys.exit(2)
        if _is(exc, "Abort"):
            err.print("odoo-chaos: interrupted; what the command had started was torn down", markup=False)
            sys.exit(130)
        raise
    sys.exit(result if isinstance(result, int) else 0)
