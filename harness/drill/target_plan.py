"""Whether a drill may run on a target, and what it would do there, said before anything is touched.

`check()` refuses, one line naming the step and the reason, every step a target cannot take: a
fault or action needing the reference stack's internals (the registry of stack kinds says which,
`harness.stack.kinds.why_not`), a service the target file does not map, and a data-destroying
fault unless the file says `allow_destructive: true` **and** the command line repeats the
target's name (`--confirm NAME`). `plan()` is what `--dry-run` prints: the target's allow-list and
each drill's steps on it.
"""

from __future__ import annotations

from dataclasses import replace

from harness.actions import ACTIONS
from harness.core.errors import HarnessError
from harness.faults import FAULTS
from harness.files.target import Target
from harness.scenario.model import Scenario
from harness.stack.kinds import why_not
from harness.stack.target_shape import KIND, shape_of


def check(scenario: Scenario, target: Target, confirm: str | None) -> None:
    """Refuse, in one line, the first step of `scenario` that may not run on `target`."""
    shape = shape_of(target)
    for i, step in enumerate(scenario.steps_for(KIND)):
        owner = FAULTS.get(step.fault) if step.fault else ACTIONS.get(step.action) if step.action else None
        if owner is None:
            continue
        where = step.target or getattr(owner, "default_target", None)
        reason = why_not(shape, owner, where)
        if reason is not None:
            raise HarnessError(f"scenario {scenario.name}: steps.{i}: {reason} (target {target.name})")
        if getattr(owner, "damages_data", False):
            missing = []
            if not target.allow_destructive:
                missing.append(f"allow_destructive: true in {target.source}")
            if confirm != target.name:
                missing.append(f"--confirm {target.name} on the command line")
            if missing:
                raise HarnessError(
                    f"scenario {scenario.name}: steps.{i}: {owner.name} destroys data on {where}; on target "
                    f"{target.name} it needs {' and '.join(missing)}"
                )


# the probes that need nothing but Odoo's URL and psql inside the nodes; the others read PostgreSQL through the
# reference stack's published ports (heartbeat, replication lag) or its Redis-backed sessions
TARGET_PROBES = ("business-write", "business-read")


def for_target(scenario: Scenario) -> tuple[Scenario, list[str]]:
    """The scenario as it runs on a target: the probes a target supports, and it runs on the `target` kind;
    with a line for each probe left out."""
    kept = tuple(p for p in scenario.probes if p in TARGET_PROBES)
    dropped = [p for p in scenario.probes if p not in TARGET_PROBES]
    why = "it needs the reference stack's own ports"
    notes = [f"{scenario.name}: probe {p} left out on a target ({why})" for p in dropped]
    modes = scenario.modes if KIND in scenario.modes else (*scenario.modes, KIND)
    return replace(scenario, probes=kept, modes=modes), notes


def _step_line(step_name: str, target: str | None, at: float | None, duration: float | None) -> str:
    when = f"at {at:g}s" if at is not None else "after the previous step"
    on = f" {target}" if target else ""
    healed = f", healed after {duration:g}s" if duration is not None else ""
    return f"  {when}: {step_name}{on}{healed}"


def plan(scenarios: list[Scenario], target: Target) -> list[str]:
    """The lines `--dry-run` prints: the allow-list, then each drill's steps as they would run."""
    from harness.files.target import plan as target_plan

    lines = target_plan(target)
    for scenario in scenarios:
        lines.append(f"drill {scenario.name} ({scenario.duration:g}s): {scenario.summary}")
        for step in scenario.steps_for(KIND):
            lines.append(_step_line(step.name, step.target, step.at, step.duration))
    lines.append("dry run: nothing was touched")
    return lines
