"""A load profile as data: a YAML file validated into a frozen `LoadProfile` (like scenarios).

    name: office-day
    users: 30                    # concurrent Locust users
    spawn_rate: 5                # users started per second
    think_time: {min: 1s, max: 3s}
    user_class: fast             # fast (FastHttpUser, geventhttpclient) or http (HttpUser, requests)
    tasks:                       # relative weights of what a user does
      browse-partners: 4
      search-partners: 3
      open-partner: 3
      create-partner: 1
      update-partner: 1
    capacity: {within: 10%, deadline: 60s}   # after recovery, throughput back within 10 % of before, in 60 s
    slo: {p95: 800ms, error_rate: 1%}   # p95 latency outside the recovery window; the share of
                                 # requests that may fail once every journey is back

Errors name the file and the field, as one line (`InvalidLoadProfile`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.errors import HarnessError
from harness.validation import duration_field, first_problem

TASKS = ("browse-partners", "search-partners", "open-partner", "create-partner", "update-partner")
DEFAULT_TASKS = {
    "browse-partners": 4,
    "search-partners": 3,
    "open-partner": 3,
    "create-partner": 1,
    "update-partner": 1,
}


class InvalidLoadProfile(HarnessError):
    """A load profile that cannot run; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class LoadProfile:
    name: str = "default"
    users: int = 10
    spawn_rate: float = 5.0
    think_time: tuple[float, float] = (1.0, 3.0)
    user_class: Literal["fast", "http"] = "fast"
    tasks: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_TASKS))
    capacity_within: float = 0.10  # fraction of the before-fault throughput
    capacity_deadline: float = 60.0  # seconds after recovery
    slo_p95: float | None = 0.8  # seconds
    workers: int = 0  # 0: one local process; N: a master and N worker processes
    source: str | None = None
    max_error_rate: float = 0.01  # share of requests that may fail once every journey is back (slo.error_rate)


class _Span(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: str
    max: str


class _Capacity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    within: str = "10%"
    deadline: str = "60s"


class _Slo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    p95: str | None = "800ms"
    error_rate: str = "1%"


class _ProfileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "default"
    users: int = Field(default=10, ge=1, le=10_000)
    spawn_rate: float = Field(default=5.0, gt=0)
    think_time: _Span = Field(default_factory=lambda: _Span(min="1s", max="3s"))
    user_class: Literal["fast", "http"] = "fast"
    tasks: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_TASKS))
    capacity: _Capacity = Field(default_factory=_Capacity)
    slo: _Slo = Field(default_factory=_Slo)
    workers: int = Field(default=0, ge=0, le=64)

    @field_validator("tasks")
    @classmethod
    def _known_tasks(cls, value: dict[str, int]) -> dict[str, int]:
        for name, weight in value.items():
            if name not in TASKS:
                raise ValueError(f"unknown task {name!r}; tasks are {', '.join(TASKS)}")
            if weight < 0:
                raise ValueError(f"task {name!r}: a weight is 0 or more, not {weight}")
        if not any(value.values()):
            raise ValueError("at least one task needs a weight above 0")
        return value


def _seconds(text: str, where: str, source: str) -> float:
    return duration_field(text, where, source, InvalidLoadProfile)


def _share(text: str, where: str, source: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", text)
    if not match or not 0 <= float(match[1]) <= 100:
        raise InvalidLoadProfile(f"{source}: {where}: {text!r} is not a percentage such as 10%")
    return float(match[1]) / 100


def parse_profile(data: Any, source: str = "<load profile>") -> LoadProfile:
    if not isinstance(data, dict):
        raise InvalidLoadProfile(f"{source}: a load profile is a mapping with users, spawn_rate, tasks, ...")
    try:
        model = _ProfileModel.model_validate(data)
    except ValidationError as exc:
        raise InvalidLoadProfile(first_problem(exc, source)) from None
    low = _seconds(model.think_time.min, "think_time.min", source)
    high = _seconds(model.think_time.max, "think_time.max", source)
    if low > high:
        raise InvalidLoadProfile(
            f"{source}: think_time: min {model.think_time.min} is above max {model.think_time.max}"
        )
    return LoadProfile(
        name=model.name,
        users=model.users,
        spawn_rate=model.spawn_rate,
        think_time=(low, high),
        user_class=model.user_class,
        tasks=dict(model.tasks),
        capacity_within=_share(model.capacity.within, "capacity.within", source),
        capacity_deadline=_seconds(model.capacity.deadline, "capacity.deadline", source),
        slo_p95=_seconds(model.slo.p95, "slo.p95", source) if model.slo.p95 else None,
        max_error_rate=_share(model.slo.error_rate, "slo.error_rate", source),
        workers=model.workers,
        source=source,
    )


def load_profile(path: Path) -> LoadProfile:
    if not path.is_file():
        raise InvalidLoadProfile(f"{path}: no such load profile file")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise InvalidLoadProfile(f"{path}: is not valid YAML ({getattr(exc, 'problem', exc)})") from None
    return parse_profile(data, str(path))
