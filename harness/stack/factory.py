"""A handle on a stack: one the harness brings up (`make_stack`), or one already running (`attach`).

Both ask the registry of stack kinds (`harness.stack.kinds`): `make_stack(config)` makes the kind
`config.ha` names; `attach(run_id)` finds a running stack (`odoo-chaos up`) by its labels and gives
it back as the kind that recognises it, with the configuration `up` saved in the run's state
directory. No kind is named here.
"""

from __future__ import annotations

from typing import Any

from harness.core.errors import HarnessError
from harness.core.progress import Progress, quiet
from harness.edge import engine, labels, state
from harness.stack.endpoints import StackConfig
from harness.stack.handle import StackHandle
from harness.stack.kinds import STACK_KINDS, buildable
from harness.stack.stack import CONFIG_FILE

DB_ENDPOINTS = ("libpq", "haproxy")


def make_stack(config: StackConfig | None = None, *, run_id: str | None = None, progress: Progress = quiet) -> Any:
    """A stack of the kind `config.ha` names, not started yet (`with make_stack(config) as stack:` starts it)."""
    config = config or StackConfig()
    kind = STACK_KINDS.get(config.ha)
    if kind is None or kind.make is None:
        raise HarnessError(f'unknown HA mode "{config.ha}" (modes: {", ".join(buildable())})')
    if config.db_endpoint not in DB_ENDPOINTS:
        raise HarnessError(f'unknown database endpoint "{config.db_endpoint}" (endpoints: {", ".join(DB_ENDPOINTS)})')
    if config.db_endpoint == "haproxy" and kind.shape.layout.names.count("haproxy") == 0:
        raise HarnessError(f"--db-endpoint haproxy needs --ha patroni (the {kind.name} stack has no HAProxy)")
    return kind.make(config, run_id, progress)


def attach(run_id: str, progress: Progress = quiet) -> StackHandle:
    """A handle on a running stack another process brought up, as the kind that recognises it."""
    labels.require_run_id(run_id)
    services = {c.labels.get(labels.SERVICE, "") for c in engine.containers(f"{labels.RUN}={run_id}")}
    saved: dict[str, Any] = state.load_json(run_id, CONFIG_FILE) or {}
    found = [k for k in STACK_KINDS.values() if k.attach is not None and k.recognise and k.recognise(services, saved)]
    # the kind `up` saved; else the one whose layout holds the most of the run's services (a Patroni stack
    # has the manual stack's services too, and its etcd members)
    chosen = next((k for k in found if k.name == saved.get("ha")), None) or max(
        found, key=lambda k: len(services & set(k.shape.layout.names)), default=None
    )
    if chosen is None or chosen.attach is None:
        raise HarnessError(f"no stack carries the run id {run_id!r}; `odoo-chaos status` lists the runs")
    return chosen.attach(run_id, progress)
