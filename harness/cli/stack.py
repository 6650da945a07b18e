"""Commands on the stack itself: build its images, bring it up, show it, smoke it, tear it down."""

from __future__ import annotations

import json
import re
import signal
import time
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from harness.cli.app import app, command_progress, interruptible, out
from harness.cli.options import (
    DbEndpointOption,
    HaOption,
    InstallOption,
    OdooAddonsOption,
    OdooConfigOption,
    OdooImageOption,
    PatroniOption,
    ha_settings,
    team_odoo,
)
from harness.core.errors import HarnessError
from harness.core.progress import Progress
from harness.edge import cleanup, images, labels, state, watchdog
from harness.stack import topology
from harness.stack.factory import make_stack
from harness.stack.stack import Endpoints, StackConfig, require_run

images_app = typer.Typer(
    help="Build the stack's images locally (no registry needed); save and load them for CI caches.",
    no_args_is_help=True,
)
app.add_typer(images_app, name="images", rich_help_panel="Stack")


@images_app.command("build")
def images_build(
    force: Annotated[bool, typer.Option("--force", help="Rebuild even when nothing changed.")] = False,
) -> None:
    """Build or refresh the local images (Debian bases via debootstrap, then each service).

    A no-op when nothing in compose/ or the pinned artifacts changed.
    """
    progress = command_progress()
    with interruptible():
        built = images.build_all(progress, force=force)
    for tag, image_id in built.items():
        out.print(f"{tag}  {image_id[7:19]}")


def odoo_found(stack: object) -> dict[str, object]:
    """What the Odoo image's pre-flight found: its version, where it was read, the command, the notes."""
    checked = getattr(stack, "odoo_preflight", None)
    if checked is None:
        return {}
    return {
        "image": checked.image,
        "version": checked.version.series,
        "version_read_from": checked.version_source,
        "command": checked.command,
        "notes": list(checked.notes),
    }


@app.command(rich_help_panel="Stack")
def up(
    odoo_image: OdooImageOption = images.DEFAULT_ODOO_IMAGE,
    odoo_addons: OdooAddonsOption = None,
    odoo_config: OdooConfigOption = None,
    install: InstallOption = None,
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
    ha: HaOption = "manual",
    patroni_settings: PatroniOption = None,
    db_endpoint: DbEndpointOption = "libpq",
) -> None:
    """Bring a stack up and leave it running; prints endpoints and the run id.

    `--ha patroni` runs PostgreSQL under Patroni with three etcd members (automatic failover);
    `--patroni ttl=10 --patroni loop_wait=1 --patroni retry_timeout=3` sets its timings.

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
        **team_odoo(odoo_addons, odoo_config, install),
        odoo_health_path=odoo_health_path,
        https_port=https_port,
        http_port=http_port,
        build_images=build,
        ha=ha,
        patroni=ha_settings(ha, patroni_settings),
        db_endpoint=db_endpoint,
    )
    progress = command_progress()
    stack = make_stack(config, progress=progress)
    with interruptible():
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


def _target_smoke(path: Path, progress: Progress) -> None:
    from harness.drill.target_smoke import run_target_smoke
    from harness.edge.business_rows import PARTNER_MODEL
    from harness.files.target import load_target
    from harness.stack.target import reach

    deployment = reach(load_target(path))
    run_id = labels.new_run_id()
    try:
        result = run_target_smoke(deployment, run_id, progress)
    finally:
        deployment.close()
    out.print_json(json.dumps({"target": deployment.target.name, "run_id": run_id, **asdict(result)}))
    replicated = result.on_standby is None or result.on_standby == result.writes
    ok = result.on_primary == result.read_through_odoo == result.writes and replicated
    if not ok or (result.model == PARTNER_MODEL and result.left_on_primary != 0):
        raise typer.Exit(1)


def _target_status(path: Path, as_json: bool) -> None:
    from harness.files.target import load_target
    from harness.stack.target import reach

    deployment = reach(load_target(path))
    try:
        look = deployment.look()
    finally:
        deployment.close()
    if as_json:
        out.print_json(json.dumps(look.as_json()))
    else:
        for line in look.lines():
            out.print(line, markup=False, highlight=False)
    if not look.healthy:
        raise typer.Exit(1)


@app.command(rich_help_panel="Stack")
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    target: Annotated[
        Path | None,
        typer.Option(
            "--target",
            help="A deployment of your own, described in a target file (docs/targets.md): reach its engine, find "
            "each container it names, ask Odoo and PostgreSQL; change nothing.",
        ),
    ] = None,
) -> None:
    """What is running for which run id, and whether each service is healthy.

    With --target FILE: the target's containers (state, image, zone), whether Odoo takes the login and
    which PostgreSQL node is the primary. Exit 1 when a container is not running or Odoo refuses.
    """
    from harness.stack.health import service_health

    if target is not None:
        _target_status(target, as_json)
        return

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
                "patroni": _patroni_members(run.run_id, services),
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
        if item.get("patroni"):
            cluster = Table("member", "role", "state", "timeline", "lag (MB)", title="Patroni (patronictl list)")
            for member in item["patroni"]:
                cluster.add_row(*(str(member.get(k, "")) for k in ("Member", "Role", "State", "TL", "Lag in MB")))
            out.print(cluster)
        endpoints = Endpoints.load(item["run_id"])
        if endpoints:
            out.print(f"  {endpoints.https_url}/web/login  (CA: {endpoints.ca_file})")


def _patroni_members(run_id: str, services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`patronictl list` of a Patroni-mode run (leader, members, timelines, lag); [] for a manual one."""
    from harness.stack import ha, patroni
    from harness.stack.factory import attach

    if not {s["service"] for s in services} & set(patroni.ETCD_MEMBERS):
        return []
    try:
        return ha.cluster(attach(run_id))
    except Exception:  # status describes; a cluster that cannot answer shows in the service rows
        return []


@app.command(rich_help_panel="Stack")
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


@app.command(rich_help_panel="Stack")
def smoke(
    odoo_image: OdooImageOption = images.DEFAULT_ODOO_IMAGE,
    odoo_addons: OdooAddonsOption = None,
    odoo_config: OdooConfigOption = None,
    install: InstallOption = None,
    ha: HaOption = "manual",
    patroni_settings: PatroniOption = None,
    db_endpoint: DbEndpointOption = "libpq",
    target: Annotated[
        Path | None,
        typer.Option(
            "--target",
            help="A deployment of your own (a target file): write a few business rows through its Odoo, read "
            "them back through Odoo and on each PostgreSQL node, remove the partner rows again.",
        ),
    ] = None,
) -> None:
    """Bring a stack up, run a business transaction through each Odoo node, tear it down.

    The first drill of a fresh machine (`make demo`): proves the whole path works end to end. With
    --target FILE no stack is brought up: the transaction runs on your deployment (to chaos_ledger
    if its addon is installed, else to res.partner rows tagged with the run id, removed afterwards).
    """
    from harness.drill.smoke import run_smoke

    progress = command_progress()
    if target is not None:
        _target_smoke(target, progress)
        return
    config = StackConfig(
        odoo_image=odoo_image,
        **team_odoo(odoo_addons, odoo_config, install),
        ha=ha,
        patroni=ha_settings(ha, patroni_settings),
        db_endpoint=db_endpoint,
    )
    with interruptible(), make_stack(config, progress=progress) as stack:
        assert stack.endpoints is not None
        result = run_smoke(stack.endpoints, progress)
    out.print_json(
        json.dumps(
            {
                **asdict(result),
                "odoo": odoo_found(stack),
                "up_seconds": round(stack.timings.get("up", 0), 1),
                "down_seconds": round(stack.timings.get("down", 0), 1),
            }
        )
    )
