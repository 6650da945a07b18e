"""A drill as data: a YAML file validated completely into a frozen `Scenario` before anything starts.

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

Errors name the file, the field and the valid alternatives, as one line (`InvalidScenario`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from harness.actions import ACTIONS
from harness.conditions import CONDITIONS
from harness.errors import HarnessError
from harness.faults import FAULTS
from harness.probes import PROBES
from harness.stack import topology
from harness.tiers import parse_duration, parse_percent
from harness.validation import duration_field, first_problem

GUARD = re.compile(r"availability\s*<\s*(?P<percent>\d+(?:\.\d+)?)\s*%\s+for\s+(?P<window>\S+)")
WAIT = re.compile(r"until\s+(?P<condition>[a-z0-9-]+)\s+timeout\s+(?P<timeout>\S+)")
CHECKABLE = ("rto", "rpo", "availability")  # targets that replace the tier's
CHECK_KEYS = (*CHECKABLE, "rto_stable", "lost_writes")
EXPECTATIONS = ("self-healing",)
DEFAULT_STABLE_FOR = 5.0  # seconds a journey must stay up after its first success to count as recovered


class InvalidScenario(HarnessError):
    """A scenario file that cannot run; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Step:
    """One step: a fault (healed after `duration`), a runbook action, or a wait for a condition."""

    at: float | None  # offset from the start of the probes; None: `after` the previous step
    fault: str | None = None
    target: str | None = None
    duration: float | None = None  # faults: None means healed at the end of the run
    params: dict[str, Any] = field(default_factory=dict)
    action: str | None = None
    wait: str | None = None  # a condition name
    timeout: float | None = None  # waits only
    after: float = 0.0

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


def _one_of(value: str, known: dict[str, Any] | tuple[str, ...], what: str) -> str:
    if value not in known:
        raise ValueError(f"unknown {what} {value!r}; {what}s are {', '.join(sorted(known))}")
    return value


class _StepModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    at: str | None = None
    after: str | None = None
    fault: str | None = None
    action: str | None = None
    wait: str | None = None
    target: str | None = None
    for_: str | None = Field(default=None, alias="for")
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("fault")
    @classmethod
    def _known_fault(cls, value: str | None) -> str | None:
        return value if value is None else _one_of(value, FAULTS, "fault")

    @field_validator("action")
    @classmethod
    def _known_action(cls, value: str | None) -> str | None:
        return value if value is None else _one_of(value, ACTIONS, "action")

    @field_validator("target")
    @classmethod
    def _known_target(cls, value: str | None) -> str | None:
        if value is not None and value not in topology.TARGET_NAMES:
            raise ValueError(f"unknown target {value!r}; targets are {', '.join(topology.TARGET_NAMES)}")
        return value

    @field_validator("wait")
    @classmethod
    def _wait_grammar(cls, value: str | None) -> str | None:
        if value is None:
            return None
        match = WAIT.fullmatch(value.strip())
        if not match:
            raise ValueError(f"wait {value!r} must read 'until <condition> timeout <duration>'")
        _one_of(match["condition"], CONDITIONS, "condition")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> _StepModel:
        kinds = [k for k in ("fault", "action", "wait") if getattr(self, k) is not None]
        if len(kinds) != 1:
            found = " and ".join(kinds) if kinds else "none"
            raise ValueError(f"a step has exactly one of fault, action, wait (found {found})")
        if self.at is not None and self.after is not None:
            raise ValueError("a step has `at` or `after`, not both")
        if self.fault and self.target is None:
            raise ValueError(f"fault {self.fault!r} needs a target; targets are {', '.join(topology.TARGET_NAMES)}")
        if self.for_ is not None and not self.fault:
            raise ValueError("`for` belongs to faults only (actions and waits are not healed)")
        if self.wait and (self.target is not None or self.params):
            raise ValueError("a wait step takes no target or params")
        if self.action:
            action = ACTIONS[self.action]
            target = self.target or action.default_target
            if target is None:
                raise ValueError(f"action {self.action!r} needs a target; one of {', '.join(action.targets)}")
            if target not in action.targets:
                valid = ", ".join(action.targets)
                raise ValueError(f"action {self.action!r} cannot act on {target!r}; targets are {valid}")
            check_params = getattr(action, "check_params", None)  # optional: actions that take params
            if check_params is not None:
                check_params(self.params)
        return self


class _ScenarioModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    summary: str
    tier: str = "tier-1"
    duration: str = "60s"
    settle: str = "5s"
    probes: list[str] | None = None
    steady_state: list[str] = Field(default_factory=list)
    checks: dict[str, Any] = Field(default_factory=dict)
    guard: str | None = None
    expect: str | None = None
    steps: list[_StepModel] = Field(default_factory=list)

    @field_validator("expect")
    @classmethod
    def _known_expectation(cls, value: str | None) -> str | None:
        if value is not None and value not in EXPECTATIONS:
            raise ValueError(f"unknown expectation {value!r}; expectations are {', '.join(EXPECTATIONS)}")
        return value

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", value):
            raise ValueError(f"name {value!r} must be lower-case letters, digits and dashes")
        return value

    @field_validator("probes")
    @classmethod
    def _known_probes(cls, value: list[str] | None) -> list[str] | None:
        for name in value or []:
            _one_of(name, PROBES, "probe")
        return value

    @field_validator("steady_state")
    @classmethod
    def _known_conditions(cls, value: list[str]) -> list[str]:
        for name in value:
            _one_of(name, CONDITIONS, "condition")
        return value

    @field_validator("checks")
    @classmethod
    def _known_checks(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if name not in CHECK_KEYS:
                raise ValueError(f"unknown check {name!r}; checks are {', '.join(CHECK_KEYS)}")
        return value


def _seconds(text: str, where: str, source: str) -> float:
    return duration_field(text, where, source, InvalidScenario)


def _check_value(name: str, value: Any, source: str) -> tuple[float, float]:
    where = f"{source}: checks.{name}"
    if isinstance(value, dict):
        if set(value) != {"strict", "loose"}:
            raise InvalidScenario(f"{where}: give one value or a mapping with strict and loose")
        strict, loose = value["strict"], value["loose"]
    else:
        strict = loose = value
    try:
        if name == "availability":
            return parse_percent(str(strict)), parse_percent(str(loose))
        return parse_duration(str(strict)), parse_duration(str(loose))
    except (ValueError, HarnessError):
        hint = "a percentage such as 99.9%" if name == "availability" else "a duration such as 30s or 15m"
        raise InvalidScenario(f"{where}: invalid value {value!r} (use {hint})") from None


def _stable_for(value: Any, source: str) -> float:
    where = f"{source}: checks.rto_stable"
    try:
        seconds = parse_duration(str(value)) if isinstance(value, str) else None
    except ValueError:
        seconds = None
    if seconds is None or not 0 < seconds <= 600:
        raise InvalidScenario(f"{where}: invalid value {value!r} (a duration from 1s to 10m, such as 10s)")
    return seconds


def _lost_writes(value: Any, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidScenario(f"{source}: checks.lost_writes: invalid value {value!r} (a count of writes, such as 0)")
    return value


def _guard(text: str | None, source: str) -> Guard | None:
    if text is None:
        return None
    match = GUARD.fullmatch(text.strip())
    if not match:
        raise InvalidScenario(f"{source}: guard: {text!r} must read 'availability < <percent>% for <duration>'")
    threshold = float(match["percent"]) / 100
    if not 0 < threshold <= 1:
        raise InvalidScenario(f"{source}: guard: the percentage must be in (0, 100]")
    return Guard(threshold, _seconds(match["window"], "guard", source), text.strip())


def _step(i: int, model: _StepModel, source: str) -> Step:
    where = f"steps.{i}"
    at = _seconds(model.at, f"{where}.at", source) if model.at is not None else None
    after = _seconds(model.after, f"{where}.after", source) if model.after is not None else 0.0
    lasts = _seconds(model.for_, f"{where}.for", source) if model.for_ else None
    if model.wait:
        match = WAIT.fullmatch(model.wait.strip())
        assert match is not None  # checked by the model
        timeout = _seconds(match["timeout"], f"{where}.wait timeout", source)
        return Step(at, wait=match["condition"], timeout=timeout, after=after)
    if model.action:
        target = model.target or ACTIONS[model.action].default_target
        return Step(at, target=target, params=dict(model.params), action=model.action, after=after)
    return Step(at, model.fault, model.target, lasts, dict(model.params), after=after)


def parse_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    if not isinstance(data, dict):
        raise InvalidScenario(f"{source}: a scenario is a mapping with name, summary, duration, steps")
    try:
        model = _ScenarioModel.model_validate(data)
    except ValidationError as exc:
        raise InvalidScenario(first_problem(exc, source)) from None
    duration = _seconds(model.duration, "field duration", source)
    settle = _seconds(model.settle, "field settle", source)
    if duration <= 0:
        raise InvalidScenario(f"{source}: field duration: must be longer than 0s")
    steps = []
    earliest = 0.0  # the soonest each step can start: `at` steps are fixed, `after` adds to the previous
    for i, model_step in enumerate(model.steps):
        step = _step(i, model_step, source)
        earliest = step.at if step.at is not None else earliest + step.after
        if earliest >= duration:
            when = model_step.at if model_step.at is not None else f"{earliest:g}s (counting the `after`s)"
            end = f"duration {model.duration}"
            raise InvalidScenario(f"{source}: steps.{i}.at: {when} is past the end of the run ({end})")
        steps.append(step)
    probes = tuple(model.probes) if model.probes is not None else tuple(sorted(PROBES))
    checks = {name: _check_value(name, value, source) for name, value in model.checks.items() if name in CHECKABLE}
    stable_for = _stable_for(model.checks["rto_stable"], source) if "rto_stable" in model.checks else None
    lost_allowed = _lost_writes(model.checks["lost_writes"], source) if "lost_writes" in model.checks else None
    return Scenario(
        model.name,
        model.summary,
        model.tier,
        duration,
        settle,
        probes,
        tuple(steps),
        source,
        tuple(model.steady_state),
        checks,
        _guard(model.guard, source),
        model.expect,
        DEFAULT_STABLE_FOR if stable_for is None else stable_for,
        lost_allowed,
    )


def load_scenario(path: Path) -> Scenario:
    if not path.is_file():
        raise InvalidScenario(f"{path}: no such scenario file (scenarios live in scenarios/*.yaml)")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise InvalidScenario(f"{path}:{where} is not valid YAML ({getattr(exc, 'problem', exc)})") from None
    return parse_scenario(data, str(path))


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
                params=dict(step.get("params") or {}),
                action=step.get("action"),
                wait=step.get("wait"),
                timeout=None if step.get("timeout") is None else float(step["timeout"]),
                after=float(step.get("after") or 0.0),
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
        )
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise ValueError(f"the scenario record lacks or mistypes a field ({type(exc).__name__}: {exc})") from None
