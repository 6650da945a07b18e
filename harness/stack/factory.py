"""Which stack class runs a configuration, and which one a running stack is: the one place that knows.

`make_stack(config)` gives the reference stack in the mode `config.ha` asks for (`manual` or
`patroni`); `attach(run_id)` finds a running stack (`odoo-chaos up`) by its labels and gives it back
in its own mode, with the configuration `up` saved in the run's state directory.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from harness.core.errors import HarnessError
from harness.core.progress import Progress, quiet
from harness.edge import engine, labels, state
from harness.stack import patroni
from harness.stack.endpoints import StackConfig
from harness.stack.modes import MODES
from harness.stack.patroni_stack import PatroniStack
from harness.stack.stack import CONFIG_FILE, Stack


def make_stack(config: StackConfig | None = None, *, run_id: str | None = None, progress: Progress = quiet) -> Stack:
    config = config or StackConfig()
    if config.ha not in MODES:
        raise HarnessError(f'unknown HA mode "{config.ha}" (modes: {", ".join(MODES)})')
    if config.db_endpoint not in ("libpq", "haproxy"):
        raise HarnessError(f'unknown database endpoint "{config.db_endpoint}" (endpoints: libpq, haproxy)')
    if config.ha == "manual" and config.db_endpoint != "libpq":
        raise HarnessError("--db-endpoint haproxy needs --ha patroni (the manual stack has no HAProxy)")
    if config.ha == "patroni":
        return PatroniStack(config, run_id=run_id, progress=progress)
    return Stack(config, run_id=run_id, progress=progress)


def attach(run_id: str, progress: Progress = quiet) -> Stack:
    """A handle on a running stack another process brought up, in its own mode."""
    labels.require_run_id(run_id)
    services = {c.labels.get(labels.SERVICE, "") for c in engine.containers(f"{labels.RUN}={run_id}")}
    saved: dict[str, Any] = state.load_json(run_id, CONFIG_FILE) or {}
    is_patroni = saved.get("ha") == "patroni" or bool(services & set(patroni.ETCD_MEMBERS))
    if not is_patroni:
        return Stack.attach(run_id, progress)
    try:
        settings = patroni.parse_settings(saved.get("patroni") or {})
    except ValueError:
        settings = patroni.DEFAULTS
    config = replace(StackConfig(), ha="patroni", patroni=settings, db_endpoint=str(saved.get("db_endpoint", "libpq")))
    stack = PatroniStack.attach(run_id, progress)
    stack.config = config
    stack.settings = settings
    return stack
