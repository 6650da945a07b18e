"""Find and remove a run's Docker objects by label, and nothing else.

Every query filters on `odoo-chaos.run`; an object without that label is invisible here and so
can never be removed by the harness. A label whose value is not a run id (`labels.RUN_ID`) was
not written by the harness: such objects are left alone too (their value would become a path).
Removal order: containers (side by side), then networks, then volumes.
"""

from __future__ import annotations

import os
import socket
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from harness.edge import engine as docker
from harness.edge import labels, state


@dataclass(frozen=True, slots=True)
class RunObjects:
    run_id: str
    containers: tuple[str, ...]
    networks: tuple[str, ...]
    volumes: tuple[str, ...]
    owner_gone: bool
    detached: bool
    owner: str = ""  # "pid N on HOST" of the process that created it

    @property
    def live(self) -> bool:
        """Owned by a process that is still running (a drill, `smoke`, a `up` still starting): not leftovers."""
        return not self.owner_gone and not self.detached

    @property
    def mine(self) -> bool:
        """Created by this very process (a test session's own stack, say)."""
        return self.owner == _owner_text({labels.OWNER_PID: str(os.getpid()), labels.OWNER_HOST: socket.gethostname()})


def _filter(run_id: str | None) -> str:
    if run_id is not None:
        labels.require_run_id(run_id)
    return f"{labels.RUN}={run_id}" if run_id else labels.RUN


def list_runs() -> list[RunObjects]:
    """Every run that has at least one labelled object on this engine (labels that are no run id: skipped)."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    owner: dict[str, dict[str, str]] = {}
    listings: dict[str, list[docker.Container] | list[docker.Network] | list[docker.Volume]] = {
        "containers": docker.containers(_filter(None)),
        "networks": docker.networks(_filter(None)),
        "volumes": docker.volumes(_filter(None)),
    }
    for kind, objects in listings.items():
        for obj in objects:
            tags = obj.labels
            run = tags.get(labels.RUN, "")
            if not labels.is_run_id(run):
                continue  # not the harness's: its label would become a path
            found[run][kind].append(obj.name)
            owner.setdefault(run, tags)
    return [
        RunObjects(
            run_id=run,
            containers=tuple(sorted(objs["containers"])),
            networks=tuple(sorted(objs["networks"])),
            volumes=tuple(sorted(objs["volumes"])),
            owner_gone=labels.owner_is_gone(owner.get(run, {})),
            detached=state.is_detached(run),
            owner=_owner_text(owner.get(run, {})),
        )
        for run, objs in sorted(found.items())
    ]


def _owner_text(tags: dict[str, str]) -> str:
    return f"pid {tags.get(labels.OWNER_PID, '?')} on {tags.get(labels.OWNER_HOST, '?')}"


def remove_run(run_id: str) -> int:
    """Remove every container, network and volume labelled with `run_id`; returns how many."""
    containers = docker.containers(_filter(run_id))
    with ThreadPoolExecutor(max_workers=8) as pool:  # side by side: a SIGTERM'd run has seconds, not minutes
        removed = sum(pool.map(lambda container: int(container.remove()), containers))
    removed += sum(int(network.remove()) for network in docker.networks(_filter(run_id)))
    removed += sum(int(volume.remove()) for volume in docker.volumes(_filter(run_id)))
    return removed


def sweep_dead_runs() -> list[str]:
    """Remove the leftovers of runs whose owning process died (never detached `up` stacks)."""
    dead = [run.run_id for run in list_runs() if run.owner_gone and not run.detached]
    for run_id in dead:
        remove_run(run_id)
        state.forget(run_id)
    return dead
