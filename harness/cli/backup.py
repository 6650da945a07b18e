"""Commands on the backup repository (pgBackRest) of a running stack: list, run, verify, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from harness.cli.app import app, command_progress, err, out
from harness.core.errors import HarnessError
from harness.edge import cleanup, labels
from harness.files.backup_policy import MAX_SIMULATED_DAYS
from harness.stack.stack import Stack

backup_app = typer.Typer(
    help="The backup repository (pgBackRest): list backups, take one, prove the latest restores, check retention.",
    no_args_is_help=True,
)
app.add_typer(backup_app, name="backup", rich_help_panel="Stack")


def attached(run_id: str | None, force: bool = False) -> Stack:
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
    return Stack.attach(run_id, progress=command_progress())


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

    repository = backup.info(attached(run_id, force))
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
    taken = backup.take(attached(run_id, force), type_)
    out.print(f"{taken.label} ({taken.kind}) finished {taken.stopped:%Y-%m-%d %H:%M:%S} UTC", markup=False)


@backup_app.command("verify")
def backup_verify(run_id: RunIdArgument = None, force: ForceOption = False) -> None:
    """Restore the latest backup and every archived WAL file into a scratch PostgreSQL + Odoo, check it, remove it.

    The scratch pair has its own network and mounts the repository read-only; the copy is
    neutralised (no cron, no outgoing mail) before Odoo starts on it. Prints copy and replay
    times, the ledger's row count and what Odoo read; exit 1 if the restore or the read failed.
    """
    from harness.stack import scratch

    stack = attached(run_id, force)
    verified = scratch.scratch_restore(stack, progress=command_progress())
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
    from harness.files import backup_policy as retention
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
        fulls = [b.stopped for b in backup.info(attached(run_id, force)).backups if b.kind == "full"]
        report = retention.check(promise, fulls, datetime.now(UTC))
    suggestion = None if report.satisfied else retention.settings_that_satisfy(promise)
    lines = retention.render(report, simulated=simulate_days is not None, suggestion=suggestion, searched=True)
    for line in lines:
        out.print(line, markup=False)
    raise typer.Exit(0 if report.satisfied else 1)
