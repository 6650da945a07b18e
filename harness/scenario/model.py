"""A drill as data: the frozen `Scenario` a YAML file is validated into (`harness.scenario.load`), and back.

Grammar (unknown keys are refused, not ignored):

    name: db-primary-kill            # required, [a-z0-9-]
    summary: one line                # required
    tier: tier-1                     # default tier (a name in the tiers file); --tier overrides
    duration: 60s                    # how long the probes run before the final heal and read
    settle: 5s                       # probes keep running this long after the last heal
    probes: [business-write, ...]    # default: every registered probe
    steady_state: [writes-ok, replication-streaming]   # conditions that must hold before the
                                     # first step (else the run aborts) and after recovery
    checks: {rto: 2m, rpo: 0s}       # targets replacing the tier's (a value, or {strict, loose});
                                     # also rto_stable: 10s (how long a journey must stay up to count
                                     # as recovered, default 5s) and lost_writes: 0 (any lost
                                     # acknowledged write fails, e.g. synchronous replication)
    expect: self-healing             # recovery by the harness's heal or a runbook step fails
    guard: availability < 50% for 60s  # stop injecting and heal at once when this trips
    steps:                           # run in order
      - at: 10s                      # at an offset from the start of the probes, or
        fault: kill                  #   `after: 5s` (after the previous step finished; default 0s)
        target: pg-primary           # a service or a zone (zone-a, zone-b)
        for: 20s                     # heal after this long (default: at the end of `duration`)
        params: {}
      - wait: until writes-failing timeout 30s   # block until a condition holds
      - after: 5s                    # detection delay
        action: promote-standby      # a runbook action; its target defaults per action

Every value's bounds, and the errors that name the file and field, are `harness.scenario.load`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from harness.files.params import NoParams

DEFAULT_STABLE_FOR = 5.0  # seconds a journey must stay up after its first success to count as recovered


@dataclass(frozen=True, slots=True)
class Step:
    """One step: a fault (healed after `duration`), a runbook action, or a wait for a condition.

    `params` is the fault's or action's typed parameters (`harness.files.params`) once loaded; a Step
    built in code may hold a mapping, typed (`harness.scenario.load.typed`) before it runs.
    """

    at: float | None  # offset from the start of the probes; None: `after` the previous step
    fault: str | None = None
    target: str | None = None
    duration: float | None = None  # faults: None means healed at the end of the run
    params: Any = field(default_factory=NoParams)
    action: str | None = None
    wait: str | None = None  # a condition name
    timeout: float | None = None  # waits only
    after: float = 0.0
    mode: str | None = None  # runs only on a stack of this mode (skipped on another); None: every mode

    @property
    def kind(self) -> Literal["fault", "action", "wait"]:
        return "fault" if self.fault else "action" if self.action else "wait"

    @property
    def name(self) -> str:
        return self.fault or self.action or f"wait until {self.wait}"


@dataclass(frozen=True, slots=True)
class Guard:
    """Abort condition: business-write availability below `threshold` over a sliding `window`."""

    threshold: float  # fraction
    window: float  # seconds
    text: str


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    summary: str
    tier: str
    duration: float
    settle: float
    probes: tuple[str, ...]
    steps: tuple[Step, ...] = ()
    source: str | None = None
    steady_state: tuple[str, ...] = ()
    checks: dict[str, tuple[float, float]] = field(default_factory=dict)  # target -> (strict, loose)
    guard: Guard | None = None
    expect: str | None = None  # "self-healing": recovery must come from the system itself
    stable_for: float = DEFAULT_STABLE_FOR  # checks.rto_stable
    lost_writes_allowed: int | None = None  # checks.lost_writes: more lost acknowledged writes fail
    modes: tuple[str, ...] = ()  # the kinds of stack it can run on (`requires`, and what its steps can do); (): any
    patroni: dict[str, Any] = field(default_factory=dict)  # Patroni settings for this run (patroni mode)

    def steps_for(self, mode: str) -> tuple[Step, ...]:
        """The steps that run on a stack of `mode` (a step with another `mode:` is skipped there)."""
        return tuple(step for step in self.steps if step.mode in (None, mode))

    def runs_on(self, kind: str) -> bool:
        """Whether it can run on a stack of this kind (a scenario built in code, `modes` (), runs on any)."""
        return not self.modes or kind in self.modes


def scenario_from_record(data: Any) -> Scenario:
    """The `Scenario` a run recorded as `evidence/scenario.json` (`dataclasses.asdict` of it).

    Used by `odoo-chaos check` to judge a stored run again exactly as it was run; ValueError when
    the record does not have the shape.
    """
    if not isinstance(data, dict):
        raise ValueError("the scenario record is not a JSON object")
    try:
        steps = tuple(
            Step(
                at=None if step.get("at") is None else float(step["at"]),
                fault=step.get("fault"),
                target=step.get("target"),
                duration=None if step.get("duration") is None else float(step["duration"]),
                params=dict(step.get("params") or {}) if step.get("fault") or step.get("action") else NoParams(),
                action=step.get("action"),
                wait=step.get("wait"),
                timeout=None if step.get("timeout") is None else float(step["timeout"]),
                after=float(step.get("after") or 0.0),
                mode=None if step.get("mode") is None else str(step["mode"]),
            )
            for step in data.get("steps") or []
        )
        guard_data = data.get("guard")
        guard = (
            Guard(float(guard_data["threshold"]), float(guard_data["window"]), str(guard_data["text"]))
            if isinstance(guard_data, dict)
            else None
        )
        checks = {str(k): (float(v[0]), float(v[1])) for k, v in (data.get("checks") or {}).items()}
        allowed = data.get("lost_writes_allowed")
        return Scenario(
            name=str(data["name"]),
            summary=str(data.get("summary", "")),
            tier=str(data.get("tier", "")),
            duration=float(data["duration"]),
            settle=float(data.get("settle", 0.0)),
            probes=tuple(str(p) for p in data.get("probes") or ()),
            steps=steps,
            source=None if data.get("source") is None else str(data["source"]),
            steady_state=tuple(str(c) for c in data.get("steady_state") or ()),
            checks=checks,
            guard=guard,
            expect=None if data.get("expect") is None else str(data["expect"]),
            stable_for=float(data.get("stable_for", DEFAULT_STABLE_FOR)),
            lost_writes_allowed=None if allowed is None else int(allowed),
            modes=tuple(str(m) for m in data.get("modes") or ()),
            patroni=dict(data.get("patroni") or {}),
        )
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise ValueError(f"the scenario record lacks or mistypes a field ({type(exc).__name__}: {exc})") from None
