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

Every number has its bounds (users 1-10000, spawn_rate 0.1-1000/s, workers 0-64, task weights
0-1000, think times up to 10m) and the ramp-up (users / spawn_rate) is at most 10m; the CLI's
`--users`, `--spawn-rate` and `--workers` are held to the same limits. The file is read like
every other (`harness.files.validation.load_yaml`). Errors name the file and the field, as one line
(`InvalidLoadProfile`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, ValidationError, field_validator

from harness.core.durations import duration_field, format_duration
from harness.core.errors import HarnessError, shown
from harness.files.validation import first_problem, load_yaml, slug

TASKS = ("browse-partners", "search-partners", "open-partner", "create-partner", "update-partner")
DEFAULT_TASKS = {
    "browse-partners": 4,
    "search-partners": 3,
    "open-partner": 3,
    "create-partner": 1,
    "update-partner": 1,
}


MAX_USERS = 10_000
MIN_SPAWN_RATE, MAX_SPAWN_RATE = 0.1, 1000.0
MAX_WORKERS = 64
MAX_WEIGHT = 1000
MAX_THINK = 600.0
MAX_RAMP = 600.0  # users / spawn_rate: the warm-up before every drill
MAX_DEADLINE = 3600.0
MAX_P95 = 600.0

Whole = Annotated[int, Strict()]
Number = Annotated[float, Strict()]
Short = Annotated[str, Field(max_length=64)]


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
    min: Short
    max: Short


class _Capacity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    within: Short = "10%"
    deadline: Short = "60s"


class _Slo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    p95: Short | None = "800ms"
    error_rate: Short = "1%"


class _ProfileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    name: Annotated[str, AfterValidator(slug("name"))] = "default"
    users: Annotated[Whole, Field(ge=1, le=MAX_USERS)] = 10
    spawn_rate: Annotated[Number, Field(ge=MIN_SPAWN_RATE, le=MAX_SPAWN_RATE)] = 5.0
    think_time: _Span = Field(default_factory=lambda: _Span(min="1s", max="3s"))
    user_class: Literal["fast", "http"] = "fast"
    tasks: dict[str, Annotated[Whole, Field(ge=0, le=MAX_WEIGHT)]] = Field(default_factory=lambda: dict(DEFAULT_TASKS))
    capacity: _Capacity = Field(default_factory=_Capacity)
    slo: _Slo = Field(default_factory=_Slo)
    workers: Annotated[Whole, Field(ge=0, le=MAX_WORKERS)] = 0

    @field_validator("tasks")
    @classmethod
    def _known_tasks(cls, value: dict[str, int]) -> dict[str, int]:
        for name in value:
            if name not in TASKS:
                raise ValueError(f"unknown task {shown(name)}; tasks are {', '.join(TASKS)}")
        if not any(value.values()):
            raise ValueError("at least one task needs a weight above 0")
        return value


def check_ramp(users: int, spawn_rate: float, where: str) -> None:
    """Refuse a ramp-up (users / spawn_rate, run before every drill) longer than MAX_RAMP."""
    if users / spawn_rate > MAX_RAMP:
        raise InvalidLoadProfile(
            f"{where}: {users} users at {spawn_rate:g}/s take {users / spawn_rate:.0f}s to start; "
            f"at most {format_duration(MAX_RAMP)} (raise spawn_rate or lower users)"
        )


def _seconds(text: str, where: str, source: str, *, low: float = 0.0, high: float) -> float:
    return duration_field(text, f"field {where}", source, InvalidLoadProfile, low=low, high=high)


def _share(text: str, where: str, source: str) -> float:
    match = re.fullmatch(r"\s*(\d{1,3}(?:\.\d{1,6})?)\s*%\s*", text)
    if not match or not 0 <= float(match[1]) <= 100:
        raise InvalidLoadProfile(f"{source}: field {where}: {shown(text)} is not a percentage such as 10%")
    return float(match[1]) / 100


def parse_profile(data: Any, source: str = "<load profile>") -> LoadProfile:
    if not isinstance(data, dict):
        raise InvalidLoadProfile(f"{source}: a load profile is a mapping with users, spawn_rate, tasks, ...")
    try:
        model = _ProfileModel.model_validate(data)
    except ValidationError as exc:
        raise InvalidLoadProfile(first_problem(exc, source)) from None
    low = _seconds(model.think_time.min, "think_time.min", source, high=MAX_THINK)
    high = _seconds(model.think_time.max, "think_time.max", source, high=MAX_THINK)
    if low > high:
        raise InvalidLoadProfile(
            f"{source}: field think_time: min {model.think_time.min} is above max {model.think_time.max}"
        )
    check_ramp(model.users, model.spawn_rate, f"{source}: field spawn_rate")
    deadline = _seconds(model.capacity.deadline, "capacity.deadline", source, high=MAX_DEADLINE)
    if deadline <= 0:
        raise InvalidLoadProfile(f"{source}: field capacity.deadline: must be longer than 0s")
    p95 = _seconds(model.slo.p95, "slo.p95", source, high=MAX_P95) if model.slo.p95 else None
    if p95 is not None and p95 <= 0:
        raise InvalidLoadProfile(f"{source}: field slo.p95: must be longer than 0s (or null: no latency SLO)")
    return LoadProfile(
        name=model.name,
        users=model.users,
        spawn_rate=model.spawn_rate,
        think_time=(low, high),
        user_class=model.user_class,
        tasks=dict(model.tasks),
        capacity_within=_share(model.capacity.within, "capacity.within", source),
        capacity_deadline=deadline,
        slo_p95=p95,
        max_error_rate=_share(model.slo.error_rate, "slo.error_rate", source),
        workers=model.workers,
        source=source,
    )


def load_profile(path: Path) -> LoadProfile:
    data = load_yaml(path, "load profile file", InvalidLoadProfile)
    return parse_profile(data, str(path))
