"""SLA tiers: named targets for availability, RTO and RPO, and the one rule that judges a measurement.

A `Tier` holds three `Target`s. Each target has a `strict` bound (pass) and a `loose` bound (warn);
beyond the loose bound is a fail, and no measurement is `unknown`. RTO and RPO are seconds where
lower is better; availability is a fraction where higher is better. The shipped tiers live in
`tiers/tiers.yaml` next to the package (durations as "15m", "4h"; availability as "99.99%"); a user's
file has the same shape and is validated whole before use, with errors naming the file, the tier
and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from harness.core.durations import DURATION_HINT, format_duration, parse_duration, parse_percent
from harness.core.errors import HarnessError, one_line, shown
from harness.files import resources
from harness.files.validation import load_yaml, problem_text

Status = Literal["pass", "warn", "fail", "unknown"]

DEFAULT_TIER = "tier-1"
DEFAULT_TIERS_FILE = resources.default(resources.TIERS_FILE)  # the working directory's, else the shipped one

MAX_TIERS = 100
MAX_TARGET = 365 * 86400.0  # an RTO or RPO target of more than a year judges nothing


@dataclass(frozen=True, slots=True)
class Target:
    """`strict` passes, `loose` warns; for availability strict >= loose, for durations strict <= loose."""

    strict: float
    loose: float


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    title: str
    description: str
    availability: Target  # fraction, e.g. 0.9999
    rto: Target  # seconds
    rpo: Target  # seconds


def judge(target: Target, measured: float | None, *, higher_is_better: bool) -> tuple[Status, float | None]:
    """Status of `measured` against `target`, and the margin to the strict bound (positive = headroom)."""
    if measured is None:
        return "unknown", None
    if higher_is_better:
        margin = measured - target.strict
        status: Status = "pass" if measured >= target.strict else "warn" if measured >= target.loose else "fail"
    else:
        margin = target.strict - measured
        status = "pass" if measured <= target.strict else "warn" if measured <= target.loose else "fail"
    return status, round(margin, 9)


def describe(label: str, target: Target, *, higher_is_better: bool) -> str:
    """Human text of a target: "RTO <= 900 s (warn <= 3600 s)", "availability >= 99.99% (warn >= 99.95%)"."""
    if higher_is_better:
        return f"{label} >= {target.strict * 100:g}% (warn >= {target.loose * 100:g}%)"
    return f"{label} <= {target.strict:g} s (warn <= {target.loose:g} s)"


class _DurationTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    strict: float
    loose: float

    @field_validator("strict", "loose", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float:
        if not isinstance(value, str):
            given = f'"{value}"' if len(str(value)) <= 40 else shown(value)
            raise ValueError(f"invalid duration {given} ({DURATION_HINT})")
        seconds = parse_duration(value)
        if seconds > MAX_TARGET:
            raise ValueError(f'invalid duration "{value}" (a target is at most {format_duration(MAX_TARGET)})')
        return seconds

    @model_validator(mode="after")
    def _ordered(self) -> _DurationTarget:
        if self.strict > self.loose:
            raise ValueError(f"strict ({self.strict:g} s) must not be longer than loose ({self.loose:g} s)")
        return self


class _AvailabilityTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    strict: float
    loose: float

    @field_validator("strict", "loose", mode="before")
    @classmethod
    def _percent(cls, value: Any) -> float:
        return parse_percent(value)

    @model_validator(mode="after")
    def _ordered(self) -> _AvailabilityTarget:
        if self.strict < self.loose:
            raise ValueError(f"strict ({self.strict * 100:g}%) must not be lower than loose ({self.loose * 100:g}%)")
        return self


class _TierModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    availability: _AvailabilityTarget
    rto: _DurationTarget
    rpo: _DurationTarget


class _TiersFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tiers: dict[str, _TierModel]

    @field_validator("tiers")
    @classmethod
    def _names(cls, value: dict[str, _TierModel]) -> dict[str, _TierModel]:
        if not value:
            raise ValueError("no tiers defined")
        if len(value) > MAX_TIERS:
            raise ValueError(f"{len(value)} tiers; a tiers file may define at most {MAX_TIERS}")
        for name in value:
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", name):
                given = f'"{name}"' if len(name) <= 40 else shown(name)
                raise ValueError(f"tier name {given} must be lower-case letters, digits and dashes (at most 64)")
        return value


_VALID_KEYS: dict[int, str] = {
    0: "tiers",
    2: "title, description, availability, rto, rpo",
    3: "strict, loose",
}


def _one_line(source: str, exc: ValidationError) -> str:
    """The first validation error as `file: tier "x" field a.b: problem`."""
    error = exc.errors()[0]
    loc = [str(part) if len(str(part)) <= 40 else f"{str(part)[:35]}..." for part in error["loc"]]
    message = problem_text(error)
    if error["type"] == "extra_forbidden":
        message = f"unknown key (valid: {_VALID_KEYS.get(len(loc) - 1, '?')})"
    elif error["type"] == "missing":
        message = "missing (required)"
    if len(loc) >= 2 and loc[0] == "tiers":
        field = ".".join(loc[2:])
        where = f'tier "{loc[1]}"' + (f" field {field}" if field else "")
    else:
        where = "field " + (".".join(loc) or "(top level)")
    return one_line(f"{source}: {where}: {message}")


def parse_tiers(data: Any, source: str = "<tiers>") -> dict[str, Tier]:
    """Validate an already-parsed tiers document (a mapping with `tiers:`) into `Tier`s."""
    if not isinstance(data, dict):
        raise HarnessError(f"{source}: a tiers file is a mapping with one key, tiers: {{name: {{title, ...}}}}")
    try:
        model = _TiersFile.model_validate(data)
    except ValidationError as exc:
        raise HarnessError(_one_line(source, exc)) from None
    return {
        name: Tier(
            name=name,
            title=tier.title,
            description=tier.description.strip(),
            availability=Target(tier.availability.strict, tier.availability.loose),
            rto=Target(tier.rto.strict, tier.rto.loose),
            rpo=Target(tier.rpo.strict, tier.rpo.loose),
        )
        for name, tier in model.tiers.items()
    }


def load_tiers(path: Path | None = None) -> dict[str, Tier]:
    """Tiers from `path` (default: tiers/tiers.yaml here, else the shipped one), validated whole."""
    path = resources.default(resources.TIERS_FILE) if path is None else path
    data = load_yaml(path, "tiers file", HarnessError)
    return parse_tiers(data, str(path))


def get_tier(name: str, tiers: dict[str, Tier]) -> Tier:
    """The tier called `name`; an unknown name is a HarnessError listing the valid ones."""
    try:
        return tiers[name]
    except KeyError:
        raise HarnessError(f'unknown tier "{name}" (valid: {", ".join(sorted(tiers))})') from None
