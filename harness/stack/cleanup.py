"""Find and remove a run's Docker objects by label, and nothing else.

Every query filters on `odoo-chaos.run`; an object without that label is invisible here and so
can never be removed by the harness. Removal order: containers, then networks, then volumes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from docker.errors import APIError, NotFound

from harness import labels, state
from harness.docker_env import docker_client


@dataclass(frozen=True, slots=True)
class RunObjects:
    run_id: str
    containers: tuple[str, ...]
    networks: tuple[str, ...]
    volumes: tuple[str, ...]
    owner_gone: bool
    detached: bool


def _filter(run_id: str | None) -> dict[str, str]:
    return {"label": f"{labels.RUN}={run_id}" if run_id else labels.RUN}


def list_runs() -> list[RunObjects]:
    """Every run that has at least one labelled object on this engine."""
    client = docker_client()
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    owner: dict[str, dict[str, str]] = {}
    for container in client.containers.list(all=True, filters=_filter(None)):
        run = container.labels[labels.RUN]
        found[run]["containers"].append(container.name)
        owner.setdefault(run, container.labels)
    for network in client.networks.list(filters=_filter(None)):
        run = network.attrs["Labels"][labels.RUN]
        found[run]["networks"].append(network.name)
        owner.setdefault(run, network.attrs["Labels"])
    for volume in client.volumes.list(filters=_filter(None)):
        run = volume.attrs["Labels"][labels.RUN]
        found[run]["volumes"].append(volume.name)
        owner.setdefault(run, volume.attrs["Labels"] or {})
    return [
        RunObjects(
            run_id=run,
            containers=tuple(sorted(objs["containers"])),
            networks=tuple(sorted(objs["networks"])),
            volumes=tuple(sorted(objs["volumes"])),
            owner_gone=labels.owner_is_gone(owner.get(run, {})),
            detached=state.is_detached(run),
        )
        for run, objs in sorted(found.items())
    ]


def remove_run(run_id: str) -> int:
    """Remove every container, network and volume labelled with `run_id`; returns how many."""
    client = docker_client()
    removed = 0
    for container in client.containers.list(all=True, filters=_filter(run_id)):
        try:
            container.remove(force=True, v=True)
            removed += 1
        except NotFound:
            pass
    for network in client.networks.list(filters=_filter(run_id)):
        try:
            network.remove()
            removed += 1
        except (NotFound, APIError):
            pass
    for volume in client.volumes.list(filters=_filter(run_id)):
        try:
            volume.remove(force=True)
            removed += 1
        except NotFound:
            pass
    return removed


def sweep_dead_runs() -> list[str]:
    """Remove the leftovers of runs whose owning process died (never detached `up` stacks)."""
    dead = [run.run_id for run in list_runs() if run.owner_gone and not run.detached]
    for run_id in dead:
        remove_run(run_id)
        state.forget(run_id)
    return dead
