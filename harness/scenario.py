"""A drill as data: a YAML file validated completely into a frozen `Scenario` before anything starts.

Grammar (the scenario-engine issue extends it; unknown keys are refused today, not ignored):

    name: baseline                 # required, [a-z0-9-]
    summary: one line              # required
    tier: tier-1                   # default tier (a name in the tiers file); --tier overrides
    duration: 60s                  # how long the probes run before heal and final read
    settle: 5s                     # probes keep running this long after the last heal
    probes: [business-write, ...]  # default: every registered probe
    steps:                         # faults at time offsets from the start of the probes
      - at: 10s
        fault: pause
        target: traefik
        for: 5s                    # heal after this long (default: at the end of `duration`)

Errors name the file, the field and the valid alternatives, as one line (`InvalidScenario`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.errors import HarnessError
from harness.faults import FAULTS
from harness.probes import PROBES
from harness.stack import topology
from harness.tiers import parse_duration


class InvalidScenario(HarnessError):
    """A scenario file that cannot run; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Step:
    at: float
    fault: str
    target: str
    duration: float | None = None  # None: healed at the end of the run
    params: dict[str, Any] = field(default_factory=dict)


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


class _StepModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    at: str
    fault: str
    target: str
    for_: str | None = Field(default=None, alias="for")
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("fault")
    @classmethod
    def _known_fault(cls, value: str) -> str:
        if value not in FAULTS:
            raise ValueError(f"unknown fault {value!r}; faults are {', '.join(sorted(FAULTS))}")
        return value

    @field_validator("target")
    @classmethod
    def _known_target(cls, value: str) -> str:
        if value not in topology.SERVICE_NAMES:
            raise ValueError(f"unknown target {value!r}; targets are {', '.join(topology.SERVICE_NAMES)}")
        return value


class _ScenarioModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    summary: str
    tier: str = "tier-1"
    duration: str = "60s"
    settle: str = "5s"
    probes: list[str] | None = None
    steps: list[_StepModel] = Field(default_factory=list)

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
            if name not in PROBES:
                raise ValueError(f"unknown probe {name!r}; probes are {', '.join(sorted(PROBES))}")
        return value


def _seconds(text: str, where: str, source: str) -> float:
    try:
        return parse_duration(text)
    except ValueError:
        raise InvalidScenario(f"{source}: {where}: invalid duration {text!r} (use e.g. 500ms, 30s, 2m)") from None


def parse_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    if not isinstance(data, dict):
        raise InvalidScenario(f"{source}: a scenario is a mapping with name, summary, duration, steps")
    try:
        model = _ScenarioModel.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field (remove it or check its spelling)"
        elif error["type"] == "missing":
            message = "missing required field"
        raise InvalidScenario(f"{source}: field {where}: {message}") from None
    duration = _seconds(model.duration, "field duration", source)
    settle = _seconds(model.settle, "field settle", source)
    steps = []
    for i, step in enumerate(model.steps):
        at = _seconds(step.at, f"steps.{i}.at", source)
        lasts = _seconds(step.for_, f"steps.{i}.for", source) if step.for_ else None
        if at >= duration:
            raise InvalidScenario(
                f"{source}: steps.{i}.at: {step.at} is past the end of the run (duration {model.duration})"
            )
        steps.append(Step(at, step.fault, step.target, lasts, dict(step.params)))
    probes = tuple(model.probes) if model.probes is not None else tuple(sorted(PROBES))
    return Scenario(model.name, model.summary, model.tier, duration, settle, probes, tuple(steps), source)


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
