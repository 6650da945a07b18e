"""`dr-programme.yaml`: which drills prove which SLA commitment, against which tier, how often.

The file is validated whole before anything is read, like scenarios and tiers: unknown keys,
unknown scenarios (named with the valid ones), unknown tiers, unknown checkers and bad frequencies
are one-line errors `file: field rows.2.drills.0.scenario: ...`. Its shape:

```yaml
title: DR programme of the reference stack
tier: tier-1                 # rows that name no tier are judged against this one (`--tier` overrides it)
rows:
  - id: database-corruption  # lower-case letters, digits, dashes; unique
    title: Database corruption
    source: "Healthcare ERP hosting SLA, failure-scenario table"
    commitment: RPO definition and restore validation
    risk: Data loss and transactional inconsistency               # optional
    recovery: Point-in-time PostgreSQL recovery, backup verification  # optional
    tier: tier-1             # optional: this row is always judged against this tier
    every: weekly            # daily, weekly, monthly, quarterly, yearly, or a duration: 30d, 36h
    require: all             # all (default): every drill needs a fresh proof; any: one is enough
    drills:
      - db-physical-corruption
      - scenario: db-logical-corruption-pitr
        every: monthly       # optional, per drill
        tolerate:            # warnings that still count as proof, each with the reason
          rpo: "restoring the past discards the writes made after the restore target, by design"
```

**What counts as proof.** A run of the drill whose verdict against the row's tier is `pass`. A
`warn` counts only when every check that warned is listed under the drill's `tolerate`, with a
reason that the audit pack prints beside the proof; `fail` and `unknown` never count. The default
is strict because the reader is an auditor: a warning is a finding until someone writes down why
it is not.

**Frequencies** are maximum ages: a proof is fresh while its run started at most that long ago
(`daily` 1 d, `weekly` 7 d, `monthly` 31 d, `quarterly` 92 d, `yearly` 366 d).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.core.errors import HarnessError
from harness.files import resources
from harness.files.validation import first_problem, load_yaml

DEFAULT_PROGRAMME_FILE = resources.default(resources.PROGRAMME)  # the working directory's, else the shipped one
DEFAULT_SCENARIOS_DIR = resources.default(resources.SCENARIOS)
DAY = 86400.0
FREQUENCIES: dict[str, float] = {
    "daily": 1 * DAY,
    "weekly": 7 * DAY,
    "monthly": 31 * DAY,
    "quarterly": 92 * DAY,
    "yearly": 366 * DAY,
}
_FREQUENCY_HINT = "use daily, weekly, monthly, quarterly, yearly or a duration such as 30d or 36h"


class ProgrammeError(HarnessError):
    """A programme file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Drill:
    scenario: str
    tier: str  # the tier its proofs are judged against
    every: float  # seconds: the oldest a proof may be
    every_text: str  # as written ("weekly", "30d")
    tolerate: Mapping[str, str] = field(default_factory=dict)  # checker -> why its warning still proves


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    title: str
    source: str
    commitment: str
    risk: str
    recovery: str
    tier: str
    require: Literal["all", "any"]
    drills: tuple[Drill, ...]


@dataclass(frozen=True, slots=True)
class Programme:
    title: str
    tier: str
    rows: tuple[Row, ...]
    source: str = "<programme>"

    @property
    def scenarios(self) -> list[str]:
        """Every drill the programme names, once each, in the order of first mention."""
        return list(dict.fromkeys(d.scenario for row in self.rows for d in row.drills))


def parse_frequency(text: str) -> float:
    """ "weekly" -> 604800.0, "30d" -> 2592000.0; ValueError otherwise."""
    from harness.core.durations import parse_duration

    if not isinstance(text, str):
        raise ValueError(f'invalid frequency "{text}" ({_FREQUENCY_HINT})')
    word = text.strip().lower()
    if word in FREQUENCIES:
        return FREQUENCIES[word]
    try:
        seconds = parse_duration(word)
    except ValueError:
        raise ValueError(f'invalid frequency "{text}" ({_FREQUENCY_HINT})') from None
    if seconds <= 0:
        raise ValueError(f'invalid frequency "{text}" (must be longer than 0)')
    return seconds


class _Drill(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: str
    every: str | None = None
    tier: str | None = None
    tolerate: dict[str, str] = Field(default_factory=dict)

    @field_validator("every")
    @classmethod
    def _every(cls, value: str | None) -> str | None:
        if value is not None:
            parse_frequency(value)
        return value

    @field_validator("tolerate")
    @classmethod
    def _reasons(cls, value: dict[str, str]) -> dict[str, str]:
        for checker, reason in value.items():
            if not reason.strip():
                raise ValueError(f'tolerating "{checker}" needs a reason (the audit pack prints it)')
        return value


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    source: str
    commitment: str
    risk: str = ""
    recovery: str = ""
    tier: str | None = None
    every: str
    require: Literal["all", "any"] = "all"
    drills: list[_Drill] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", value):
            raise ValueError(f'row id "{value}" must be lower-case letters, digits and dashes')
        return value

    @field_validator("every")
    @classmethod
    def _every(cls, value: str) -> str:
        parse_frequency(value)
        return value

    @field_validator("drills", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"scenario": item} if isinstance(item, str) else item for item in value]
        return value


class _Programme(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    tier: str = "tier-1"
    rows: list[_Row] = Field(min_length=1)


def scenario_names(scenarios_dir: Path) -> dict[str, Path]:
    """Scenario name -> file, for every YAML file of `scenarios_dir` (its `name:`, else the file's stem)."""
    names: dict[str, Path] = {}
    for path in sorted(scenarios_dir.glob("*.yaml")):
        try:
            data = load_yaml(path, "scenario", ProgrammeError)
        except ProgrammeError:
            data = None
        found = data.get("name") if isinstance(data, dict) else None
        names.setdefault(found if isinstance(found, str) else path.stem, path)
    return names


def _problem(source: str, where: str, message: str) -> ProgrammeError:
    return ProgrammeError(f"{source}: field {where}: {message}")


def _known(value: str, valid: Iterable[str], what: str, source: str, where: str) -> None:
    valid = sorted(valid)
    if value not in valid:
        raise _problem(source, where, f'unknown {what} "{value}" (valid: {", ".join(valid)})')


def parse_programme(
    data: Any,
    source: str,
    *,
    scenarios: Iterable[str] | None,
    tiers: Iterable[str],
    checkers: Iterable[str],
    tier: str | None = None,
) -> Programme:
    """Validate an already-parsed programme document. `tier` replaces the file's default tier.

    `scenarios=None` accepts any scenario name (an audit pack's copy, checked without the scenarios).
    """
    if not isinstance(data, dict):
        raise ProgrammeError(f"{source}: a programme file is a mapping with title, tier and rows")
    try:
        model = _Programme.model_validate(data)
    except ValidationError as exc:
        raise ProgrammeError(first_problem(exc, source)) from None
    scenario_list = None if scenarios is None else list(scenarios)
    tier_list, checker_list = list(tiers), list(checkers)
    default_tier = tier or model.tier
    _known(default_tier, tier_list, "tier", source, "tier" if tier is None else "tier (--tier)")
    rows: list[Row] = []
    seen: set[str] = set()
    for i, row in enumerate(model.rows):
        if row.id in seen:
            raise _problem(source, f"rows.{i}.id", f'row id "{row.id}" is used twice')
        seen.add(row.id)
        if row.tier is not None:
            _known(row.tier, tier_list, "tier", source, f"rows.{i}.tier")
        drills: list[Drill] = []
        for j, drill in enumerate(row.drills):
            where = f"rows.{i}.drills.{j}"
            if scenario_list is not None:
                _known(drill.scenario, scenario_list, "scenario", source, f"{where}.scenario")
            if drill.tier is not None:
                _known(drill.tier, tier_list, "tier", source, f"{where}.tier")
            for checker in drill.tolerate:
                _known(checker, checker_list, "checker", source, f"{where}.tolerate.{checker}")
            every = drill.every or row.every
            drills.append(
                Drill(
                    scenario=drill.scenario,
                    tier=drill.tier or row.tier or default_tier,
                    every=parse_frequency(every),
                    every_text=every,
                    tolerate=dict(drill.tolerate),
                )
            )
        rows.append(
            Row(
                id=row.id,
                title=row.title,
                source=row.source,
                commitment=row.commitment,
                risk=row.risk,
                recovery=row.recovery,
                tier=row.tier or default_tier,
                require=row.require,
                drills=tuple(drills),
            )
        )
    return Programme(title=model.title, tier=default_tier, rows=tuple(rows), source=source)


def load_programme(
    path: Path | None = None,
    *,
    tier: str | None = None,
    scenarios_dir: Path | None = None,
    tiers_file: Path | None = None,
) -> Programme:
    """The programme file (default: the shipped dr-programme.yaml), validated whole."""
    from harness.checkers import checker_names
    from harness.files.tiers import load_tiers

    path = resources.default(resources.PROGRAMME) if path is None else path
    data = load_yaml(path, "programme file", ProgrammeError)
    return parse_programme(
        data,
        str(path),
        scenarios=scenario_names(resources.default(resources.SCENARIOS) if scenarios_dir is None else scenarios_dir),
        tiers=load_tiers(tiers_file),
        checkers=checker_names(),
        tier=tier,
    )
