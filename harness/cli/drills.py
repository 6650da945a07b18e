"""Commands that run drills and judge them: run, load, check, keygen, list."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from harness.cli.app import app, command_progress, err, interruptible, out
from harness.cli.options import InstallOption, OdooAddonsOption, OdooConfigOption, OdooImageOption, team_odoo
from harness.core import exit_codes
from harness.core.durations import duration_field
from harness.core.errors import HarnessError, one_line
from harness.edge import images
from harness.files import resources
from harness.files.validation import writable_directory
from harness.load.profile import MAX_SPAWN_RATE, MAX_USERS, MAX_WORKERS, MIN_SPAWN_RATE
from harness.stack import topology
from harness.stack.factory import make_stack
from harness.stack.kinds import buildable
from harness.stack.stack import StackConfig

if TYPE_CHECKING:
    from harness.core.progress import Progress
    from harness.drill.runner import RunOutcome
    from harness.files.target import Target
    from harness.files.tiers import Tier
    from harness.scenario.model import Scenario

MAX_REPEAT = 1000  # runs per scenario in one campaign: a thousand drills is already days


def _on_target(
    scenarios: list[Scenario], target: Path | None, dry_run: bool, confirm: str | None
) -> tuple[Target, list[Scenario]] | None:
    """`run --target`: every drill checked against the target file; `--dry-run` prints the plan (None: done);
    else the target and the drills as they run there."""
    from harness.drill import target_plan
    from harness.files.target import load_target

    if target is None:
        raise HarnessError("--dry-run and --confirm go with --target FILE (a deployment the harness did not create)")
    chosen = load_target(target)
    for scenario in scenarios:
        target_plan.check(scenario, chosen, confirm)
    if dry_run:
        for line in target_plan.plan(scenarios, chosen):
            out.print(line, markup=False, soft_wrap=True)
        return None
    from harness.stack.target import secret

    secret(chosen, chosen.odoo_password_env, f"the Odoo password of {chosen.odoo_login}")  # before anything is reached
    if chosen.final_read[0] == "dsn_env":
        secret(chosen, chosen.final_read[1], "a PostgreSQL DSN of the primary")
    adapted = []
    for scenario in scenarios:
        on_target, notes = target_plan.for_target(scenario)
        for note in notes:
            err.print(f"[odoo-chaos] {note}", markup=False, highlight=False)
        adapted.append(on_target)
    return chosen, adapted


def _run_on_target(
    target: Target,
    plan: list[tuple[Scenario, Tier]],
    repeat: int,
    out_dir: Path,
    progress: Progress,
    run_kwargs: dict[str, Any],
) -> list[tuple[Scenario, Tier, RunOutcome]]:
    """Each drill in turn on the target: reached afresh for each run, never brought up nor torn down."""
    from harness.drill.runner import run_scenario
    from harness.edge import labels
    from harness.stack.target import TargetStack, reach

    done = []
    for scenario, chosen in plan * repeat:
        stack = TargetStack(reach(target), labels.new_run_id(), progress)
        try:
            with interruptible():
                outcome = run_scenario(scenario, chosen, out_dir, stack=stack, progress=progress, **run_kwargs)
        finally:
            stack.down()
        done.append((scenario, chosen, outcome))
    return done


@app.command(rich_help_panel="Drills and evidence")
def run(
    scenario_files: Annotated[
        list[Path],
        typer.Argument(
            help="Scenario YAML files, e.g. scenarios/db-primary-kill.yaml, or shipped drills by name "
            "(db-primary-kill); one or more."
        ),
    ],
    tier: Annotated[str | None, typer.Option(help="Tier to judge against (default: each scenario's).")] = None,
    tiers_file: Annotated[
        Path | None, typer.Option(help="Your own tiers YAML (default: tiers/tiers.yaml here, else the shipped one).")
    ] = None,
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
    odoo_image: OdooImageOption = images.DEFAULT_ODOO_IMAGE,
    odoo_addons: OdooAddonsOption = None,
    odoo_config: OdooConfigOption = None,
    install: InstallOption = None,
    ha: Annotated[
        str | None,
        typer.Option(
            "--ha",
            help="The stack's mode: manual or patroni (default: the one every scenario can run in, manual first).",
        ),
    ] = None,
    sign_key: Annotated[
        Path | None,
        typer.Option(
            help="Ed25519 private key (PEM, from `odoo-chaos keygen`): sign each run's SHA256SUMS into "
            "SHA256SUMS.sig (default: $ODOO_CHAOS_SIGNING_KEY; none: unsigned)."
        ),
    ] = None,
    junit: Annotated[
        Path | None,
        typer.Option(
            help="Also write one JUnit XML file for every run of this command: a testsuite per run, a testcase "
            "per check (warn: skipped, or a failure with --fail-on warn; unknown: an error)."
        ),
    ] = None,
    fail_on: Annotated[
        str,
        typer.Option(
            help="The verdict from which the exit code is 1: fail (default; warn exits 0) or warn (warn exits 1 too)."
        ),
    ] = "fail",
    metrics_file: Annotated[
        Path | None,
        typer.Option(
            "--metrics-file",
            help="Also write OpenMetrics text here (node_exporter's textfile collector): the latest run of "
            "every scenario in --out's run index (RTO, RPO, lost writes, verdict).",
        ),
    ] = None,
    target: Annotated[
        Path | None,
        typer.Option(
            "--target",
            metavar="FILE",
            help="A deployment the harness did not create (a target file: the engine, which container is "
            "which service, Odoo's URL and the names of the variables holding secrets); see docs/targets.md.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="With --target: print what the run would touch and each step, touch nothing, exit 0."
        ),
    ] = False,
    confirm: Annotated[
        str | None,
        typer.Option(
            "--confirm",
            metavar="NAME",
            help="With --target: repeat the target's name to allow its data-destroying faults (the file must "
            "say allow_destructive: true too).",
        ),
    ] = None,
) -> None:
    """Run drills: stack up, probes, steps (faults, runbook actions, waits), heal, final read, checkers, report.

    Every scenario file (and --tiers-file, --load, --out, --duration) is validated before anything starts.

    Several files or --repeat share one stack, warm-reset between runs, plus a campaign summary (min/median/p90/max).

    The stack is always torn down at the end. Exit code: 0 pass (and warn, unless --fail-on warn), 1 fail,
    2 bad input or environment (nothing ran), 3 unknown (inconclusive: the report says why), 130 interrupted.
    """
    from harness.drill.campaign import SEVERITY, run_campaign
    from harness.drill.runner import run_scenario
    from harness.files.tiers import get_tier, load_tiers
    from harness.files.validation import read_bytes
    from harness.scenario.load import MAX_DURATION, load_scenario

    if fail_on not in exit_codes.FAIL_ON:
        raise HarnessError(f"--fail-on: {fail_on[:40]!r} is not a verdict to fail on; use warn or fail")
    if len(scenario_files) * repeat > MAX_REPEAT:
        runs = len(scenario_files) * repeat
        raise HarnessError(
            f"{runs} runs ({len(scenario_files)} files x --repeat {repeat}); one campaign has at most {MAX_REPEAT}"
        )
    if duration is not None:
        duration_field(duration, "--duration", "", HarnessError, high=MAX_DURATION)  # in its own words first
    scenarios = [load_scenario(resources.scenario_file(path), duration=duration) for path in scenario_files]
    on_target = None
    if target is not None or dry_run or confirm is not None:
        on_target = _on_target(scenarios, target, dry_run, confirm)
        if on_target is None:
            return
        scenarios = on_target[1]
    tiers = load_tiers(tiers_file)
    plan = [(scenario, get_tier(tier or scenario.tier, tiers)) for scenario in scenarios]
    from harness.load.profile import load_profile
    from harness.verdict import signing

    profile = load_profile(load) if load else None
    _check_stop_file(stop_file)
    writable_directory(out_dir, "--out")
    if junit is not None:
        _check_junit_path(junit)
    if metrics_file is not None:
        _check_output_path(metrics_file, "--metrics-file")
    key_path = signing.key_from_environment(sign_key)
    if key_path is not None:
        signing.load_private_key(key_path)  # a bad key stops here, before any container starts
    odoo = {"odoo_image": odoo_image, **team_odoo(odoo_addons, odoo_config, install)}
    progress = command_progress()
    tiers_bytes = read_bytes(tiers_file or resources.default(resources.TIERS_FILE), "tiers file", HarnessError)
    run_kwargs: dict[str, Any] = {
        "evidence_extra": {"tiers.yaml": tiers_bytes},
        "stop_file": stop_file,
        "load": profile,
        "sign_key": key_path,
    }
    if on_target is not None:
        ran = _run_on_target(on_target[0], plan, repeat, out_dir, progress, run_kwargs)
        for scenario, chosen, outcome in ran:
            _print_outcome(scenario.name, chosen.name, outcome.verdict, outcome.report, outcome.run_dir)
        _write_junit(junit, [o for _, _, o in ran], fail_on)
        _write_metrics(metrics_file, out_dir)
        worst = max((o.verdict for _, _, o in ran), key=lambda v: SEVERITY[v])
        raise typer.Exit(exit_codes.for_verdict(worst, fail_on))
    groups = _mode_groups(plan, ha)
    if len(groups) == 1 and len(plan) == 1 and repeat == 1:
        config, [(scenario, chosen)] = groups[0]
        with interruptible():
            outcome = run_scenario(
                scenario,
                chosen,
                out_dir,
                stack_config=replace(config, **odoo),
                progress=progress,
                **run_kwargs,
            )
        _print_outcome(scenario.name, chosen.name, outcome.verdict, outcome.report, outcome.run_dir)
        _write_junit(junit, [outcome], fail_on)
        _write_metrics(metrics_file, out_dir)
        raise typer.Exit(exit_codes.for_verdict(outcome.verdict, fail_on))
    outcomes: list[RunOutcome] = []
    verdicts: list[str] = []
    for config, part in groups:
        if len(groups) > 1:
            progress(f"{len(part)} scenario(s) on a {config.ha}-mode stack")
        stack = make_stack(replace(config, **odoo), progress=progress)
        try:
            with interruptible():
                campaign = run_campaign(part, out_dir, stack, repeat=repeat, progress=progress, run_kwargs=run_kwargs)
        finally:
            stack.down()
        for (scenario, chosen), outcome in zip(part * repeat, campaign.runs, strict=False):
            _print_outcome(scenario.name, chosen.name, outcome.verdict, outcome.report, outcome.run_dir)
        out.print(f"campaign: verdict {campaign.verdict}; summary: {campaign.directory / 'summary.md'}", markup=False)
        outcomes += campaign.runs
        verdicts.append(campaign.verdict)
    _write_junit(junit, outcomes, fail_on)
    _write_metrics(metrics_file, out_dir)
    raise typer.Exit(exit_codes.for_verdict(max(verdicts, key=lambda v: SEVERITY[v]), fail_on))


def _mode_groups(
    plan: list[tuple[Scenario, Tier]], ha: str | None
) -> list[tuple[StackConfig, list[tuple[Scenario, Tier]]]]:
    """The stacks the drills run on, in turn: one when they share a mode (or --ha says which), else one per mode.

    A whole directory (`run scenarios/*.yaml`) mixes drills of the manual and the Patroni mode: each
    scenario then runs on the first mode it can run in, manual first, one stack (and campaign) per mode.
    """
    scenarios = [scenario for scenario, _ in plan]
    if ha is not None or any(all(mode in s.modes for s in scenarios) for mode in buildable()):
        return [(_stack_config(scenarios, ha), list(plan))]
    groups: list[tuple[StackConfig, list[tuple[Scenario, Tier]]]] = []
    for mode in buildable():
        part = [(s, t) for s, t in plan if next(m for m in buildable() if m in s.modes) == mode]
        if part:
            groups.append((_stack_config([s for s, _ in part], None), part))
    return groups


def _stack_config(scenarios: list[Scenario], ha: str | None) -> StackConfig:
    """The stack the drills run on: `--ha`, or the mode every scenario can run in (manual first)."""
    from harness.drill.runner import config_for

    shared = [mode for mode in buildable() if all(mode in s.modes for s in scenarios)]
    if ha is not None and ha not in buildable():
        raise HarnessError(f"--ha: unknown mode {ha!r} (modes: {', '.join(buildable())})")
    if ha is not None and ha not in shared:
        odd = next(s for s in scenarios if ha not in s.modes)
        raise HarnessError(f"--ha {ha}: scenario {odd.name} runs in {', '.join(odd.modes)} mode only")
    if not shared:
        names = "; ".join(f"{s.name}: {', '.join(s.modes)}" for s in scenarios)
        raise HarnessError(f"these scenarios share no stack mode ({names}); run them in separate commands")
    mode = ha or shared[0]
    if mode == "patroni":
        patroni_only = [s for s in scenarios if s.patroni]
        return config_for(patroni_only[0]) if len(scenarios) == 1 and patroni_only else StackConfig(ha="patroni")
    return StackConfig()


@app.command("load", rich_help_panel="Drills and evidence")
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
    tiers_file: Annotated[
        Path | None, typer.Option(help="Your own tiers YAML (default: tiers/tiers.yaml here, else the shipped one).")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Where the run directory is written.")] = Path("reports"),
    odoo_image: OdooImageOption = images.DEFAULT_ODOO_IMAGE,
    odoo_addons: OdooAddonsOption = None,
    odoo_config: OdooConfigOption = None,
    install: InstallOption = None,
) -> None:
    """Load alone: Locust users on Odoo through Traefik; throughput, errors and latency per endpoint in a run directory.

    Exit code: 0 pass or warn, 1 fail (e.g. p95 above the profile's SLO), 2 bad input or environment, 3 unknown.
    """
    from dataclasses import replace

    from harness.drill.runner import run_scenario
    from harness.files.tiers import get_tier, load_tiers
    from harness.load.profile import LoadProfile, check_ramp, load_profile
    from harness.scenario.load import MAX_DURATION
    from harness.scenario.model import Scenario

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
    chosen_tier = get_tier(tier, load_tiers(tiers_file))
    writable_directory(out_dir, "--out")
    summary = f"{chosen.users} Locust users for {duration}"
    scenario = Scenario("load", summary, tier, seconds, 2.0, ("business-write",))
    with interruptible():
        outcome = run_scenario(
            scenario,
            chosen_tier,
            out_dir,
            stack_config=StackConfig(odoo_image=odoo_image, **team_odoo(odoo_addons, odoo_config, install)),
            progress=command_progress(),
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


def _write_metrics(path: Path | None, out_dir: Path) -> None:
    if path is None:
        return
    from harness.programme.metrics import write_index_metrics

    try:
        write_index_metrics(path, out_dir)
    except OSError as exc:
        raise HarnessError(f"--metrics-file: cannot write {path} ({exc.strerror or exc})") from None
    out.print(f"metrics: {path}", markup=False)


def _check_junit_path(path: Path) -> None:
    """--junit must name a file this process can write (its folder is made if missing), checked before any run."""
    if path.is_dir():
        raise HarnessError(f"--junit: {path} is a directory; give a file name such as {path / 'odoo-chaos.xml'}")
    _check_output_path(path, "--junit")


def _check_output_path(path: Path, option: str) -> None:
    """A file output, checked before any run: a device or FIFO is written into; a file's folder must be writable."""
    from harness.files.outputs import check_output

    if check_output(path, option) in ("new", "replace"):
        writable_directory(Path(os.path.realpath(path)).parent, option)


def _write_junit(path: Path | None, outcomes: Sequence[RunOutcome], fail_on: str) -> None:
    if path is None:
        return
    from harness.report.ci_junit import write_campaign_junit

    try:
        write_campaign_junit(path, [(o.run_dir, o.report) for o in outcomes], fail_on)
    except OSError as exc:
        raise HarnessError(f"--junit: cannot write {path} ({exc.strerror or exc})") from None
    out.print(f"junit: {path} ({len(outcomes)} runs)", markup=False)


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


@app.command(rich_help_panel="Drills and evidence")
def check(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by `odoo-chaos run`.")],
    tier: Annotated[
        str | None,
        typer.Option(help="Judge the stored history against this tier instead (RTO, RPO, availability)."),
    ] = None,
    tiers_file: Annotated[
        Path | None, typer.Option(help="Tiers file for --tier (default: tiers/tiers.yaml here, else the shipped one).")
    ] = None,
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
    from harness.cli.programme import check_if_pack
    from harness.files.tiers import get_tier, load_tiers
    from harness.verdict.recheck import judge_against, recheck

    check_if_pack(run_dir, pubkey, tier)  # an audit pack (odoo-chaos audit) is verified whole, then exits
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


@app.command(rich_help_panel="Drills and evidence")
def keygen(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the key pair.")] = Path("."),
    name: Annotated[str, typer.Option(help="File name stem: NAME.key (private, 0600) and NAME.pub.")] = (
        "odoo-chaos-signing"
    ),
) -> None:
    """Make an Ed25519 key pair to sign run directories (`run --sign-key`) and verify them (`check --pubkey`).

    Keep the private key outside the run directories (and out of the repository); give auditors the .pub.
    """
    from harness.verdict import signing

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", name):
        raise HarnessError(f"--name: {name!r} is not a plain file name (letters, digits, . _ -; at most 64)")
    private, public = signing.generate(out_dir, name)
    key = signing.load_public_key(public)
    out.print(f"private key {private} (mode 0600; keep it secret)", markup=False)
    out.print(f"public key  {public} (fingerprint {signing.fingerprint(key)})", markup=False)


@app.command("list", rich_help_panel="Drills and evidence")
def list_parts(
    scenarios_dir: Annotated[
        Path | None, typer.Option(help="Where scenario files live (default: scenarios/ here, else the shipped ones).")
    ] = None,
    tiers_file: Annotated[
        Path | None, typer.Option(help="Your own tiers YAML (default: tiers/tiers.yaml here, else the shipped one).")
    ] = None,
) -> None:
    """Scenarios, faults, runbook actions (each with its params: type, range, default), conditions, targets,
    probes, checkers and tiers, one line each.

    A scenario file that does not validate is listed with its error, and the exit code is then 1.
    """
    from harness.actions import ACTIONS
    from harness.checkers import checker_names
    from harness.conditions import describe as describe_conditions
    from harness.faults import FAULTS
    from harness.files.params import describe as describe_params
    from harness.files.params import params_model
    from harness.files.tiers import load_tiers
    from harness.probes import PROBES
    from harness.scenario.load import load_scenario

    scenarios_dir = scenarios_dir or _shown_path(resources.default(resources.SCENARIOS))
    out.print(f"scenarios ({scenarios_dir}):", markup=False)
    if not scenarios_dir.is_dir():
        out.print(f"  (none: {scenarios_dir} is not a directory)", markup=False)
    invalid = 0
    for path in sorted(scenarios_dir.glob("*.yaml")) if scenarios_dir.is_dir() else []:
        try:
            loaded = load_scenario(path)
            summary = f"[{' or '.join(loaded.modes)}] {loaded.summary}"  # the stack modes it runs on
        except HarnessError as exc:
            summary = f"INVALID: {exc}"
            invalid += 1
        out.print(one_line(f"  {_shown_path(path)}  {summary}"), markup=False)
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
    for name, probe in sorted(PROBES.items()):
        journey = f" [{probe.journey}]" if probe.journey else ""
        out.print(f"  {name:<22} {probe.summary}{journey}", markup=False)
    out.print("checkers:", markup=False)
    out.print(f"  {', '.join(checker_names())}", markup=False)
    out.print("tiers:", markup=False)
    for name, tier in load_tiers(tiers_file).items():
        out.print(
            f"  {name:<22} {tier.title}: availability >= {tier.availability.strict * 100:g} %, "
            f"RTO <= {tier.rto.strict:g} s, RPO <= {tier.rpo.strict:g} s",
            markup=False,
        )
    if invalid:
        err.print(f"odoo-chaos: {invalid} scenario file(s) in {scenarios_dir} do not validate", markup=False)
        raise typer.Exit(1)


def _shown_path(path: Path) -> Path:
    """A path as short as it can be shown: relative to the working directory when it is below it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
