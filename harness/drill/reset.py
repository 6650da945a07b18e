"""Warm reset: put a used stack back in its reference state between drills, instead of rebuilding it.

1. every fault's heal on every service (unpause, start, reconnect networks, drop netem qdiscs and
   loss rules); a PostgreSQL node that comes back while the other is primary rejoins as standby,
   never as a second primary;
2. an Odoo node left on a release (`rolling-release`) is replaced by one on the shipped addons;
3. `stack.switch_back()`: pg-primary primary again, pg-standby streaming from it (manual mode:
   `db.switch_back`; Patroni mode: its own switchover, and the stack's Patroni settings back);
4. wait until the stack serves steadily: six good business reads through the front door in a row,
   a quarter second apart (one good read can hide Odoo workers still holding broken connections).

It takes the `StackHandle` seam only, so it runs on any stack that implements it (and on the
unit tests' `FakeStack`).
"""

from __future__ import annotations

import time

from harness.core.clock import poll_until
from harness.core.errors import StackNotReady
from harness.core.progress import Progress
from harness.faults import FAULTS
from harness.files.params import params_model
from harness.stack.handle import OdooFleet, StackHandle, WarmReset

STEADY_CHECKS = 6  # consecutive good reads through the front door (both Odoo nodes, 0.25 s apart) ...
STEADY_PERIOD = 0.25  # ... before the next drill may start: a drill must not begin inside the last one's tail


def warm_reset(stack: StackHandle, progress: Progress, timeout: float = 90.0) -> float:
    """Put a used stack back in its reference state (see the module doc); returns the seconds it took."""
    started = time.monotonic()
    for fault in FAULTS.values():
        defaults = params_model(fault)()
        for service in stack.services():
            fault.heal(stack, service, defaults)
    if isinstance(stack, OdooFleet):  # a rollout that ended on a release: the shipped addons
        for node, release in list(stack.releases.items()):
            if release is not None:
                progress(f"warm reset: {node} back to the shipped addons (was on release {release})")
                stack.replace_odoo_node(node, release=None)
    switched = stack.switch_back() if isinstance(stack, WarmReset) else None
    if switched is not None:
        progress(f"warm reset: {switched}")
    streak = [0]

    def steadily_serving() -> bool:  # one good read can hide pools of broken connections behind it
        streak[0] = streak[0] + 1 if stack.serving() else 0
        return streak[0] >= STEADY_CHECKS

    what = "stack back to its reference state, serving steadily"
    poll_until(steadily_serving, timeout=timeout, what=what, on_timeout=StackNotReady, period=STEADY_PERIOD)
    seconds = time.monotonic() - started
    progress(f"warm reset done in {seconds:.1f}s")
    return seconds
