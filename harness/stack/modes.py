"""The kinds of stack the harness drives (its modes) and the shape of each.

`manual`: the reference stack, failed over by the drill's runbook steps. `patroni`: the same front
with Patroni + etcd failing over by themselves. A scenario may run in every mode, or require one
(`requires: {ha: patroni}`, or steps that only one mode can do: a hand promotion is manual-only);
`harness.scenario` works that out before anything starts, and the runner refuses a stack of the
wrong mode with one line.
"""

from __future__ import annotations

from harness.stack import patroni, topology
from harness.stack.topology import Layout

LAYOUTS: dict[str, Layout] = {topology.MANUAL.mode: topology.MANUAL, patroni.LAYOUT.mode: patroni.LAYOUT}
MODES: tuple[str, ...] = tuple(LAYOUTS)  # every mode: what a fault or an action runs in unless it says otherwise
MANUAL_ONLY: tuple[str, ...] = (topology.MANUAL.mode,)
PATRONI_ONLY: tuple[str, ...] = (patroni.LAYOUT.mode,)
ALL_TARGETS: tuple[str, ...] = tuple(dict.fromkeys(t for layout in LAYOUTS.values() for t in layout.targets))


def layout_of(mode: str) -> Layout:
    return LAYOUTS[mode]


def modes_with_target(target: str) -> tuple[str, ...]:
    """The modes whose stack has `target` (a service, zone or the region)."""
    return tuple(mode for mode, layout in LAYOUTS.items() if target in layout.targets)
