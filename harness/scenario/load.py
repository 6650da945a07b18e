"""Loading a drill: a YAML file (or parsed data) validated completely into a `Scenario` before anything starts.

The grammar is `harness.scenario.model`'s. Every value has its bounds, checked here: `duration` up
to 24h, `settle` up to 10m, at most 200 steps; a step starts before the end of the run, a fault's
`for` ends by it, a wait's timeout is more than 0s; a fault may not hit a target (or a zone holding
it) that another fault still holds; a guard's window is at least 5s (the probes' pace) and at most
the run; `checks` have strict no looser than loose. Each step's `params` are validated against its
fault's or action's own parameters (`harness.files.params`; `odoo-chaos list` shows them): unknown
names, values of the wrong type and values out of range are refused, and a step key (`target`,
`fault`, ...) can never be a parameter. The registries of faults, actions, probes and conditions
and the kinds of stack are what a name is checked against, which is why this module sits above
them and the scenario's data (`model`) does not.

Errors name the file, the field and the valid alternatives, as one line (`InvalidScenario`):
`scenarios/x.yaml: field steps.2.params.percent: must be <= 100, not 5000`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from harness.actions import ACTIONS
from harness.conditions import CONDITIONS
from harness.core.durations import duration_field, format_duration, is_duration_text, parse_duration, parse_percent
from harness.core.errors import HarnessError, one_line, shown
from harness.faults import FAULTS
from harness.files.params import InvalidParams, validate_params
from harness.files.tiers import MAX_TARGET
from harness.files.validation import first_problem, load_yaml, slug
from harness.probes import PROBES
from harness.scenario.model import DEFAULT_STABLE_FOR, Guard, Scenario, Step
from harness.stack import kinds as stack_kinds
from harness.stack.patroni import parse_settings

GUARD = re.compile(r"availability\s*<\s*(?P<percent>\d{1,3}(?:\.\d{1,6})?)\s*%\s+for\s+(?P<window>\S+)")
WAIT = re.compile(r"until\s+(?P<condition>[a-z0-9-]+)\s+timeout\s+(?P<timeout>\S+)")
CHECKABLE = ("rto", "rpo", "availability")  # targets that replace the tier's
CHECK_KEYS = (*CHECKABLE, "rto_stable", "lost_writes")
EXPECTATIONS = ("self-healing",)
MAX_DURATION = 86400.0  # 24h: a soak test is a day, not a year
MAX_SETTLE = 600.0
MAX_WAIT = 3600.0
MAX_STEPS = 200
MIN_GUARD_WINDOW = 5.0  # a shorter window holds too few business writes (10 Hz, 2 s timeout) and trips on a healthy run
MAX_LOST_WRITES = 1_000_000

Short = Annotated[str, Field(max_length=64)]


class InvalidScenario(HarnessError):
    """A scenario file that cannot run; the message names the file and the field."""


def _owner(fault: str | None, action: str | None) -> object | None:
    return FAULTS.get(fault) if fault else ACTIONS.get(action) if action else None


def _one_of(value: str, known: Mapping[str, Any] | tuple[str, ...], what: str) -> str:
    if value not in known:
        raise ValueError(f"unknown {what} {shown(value)}; {what}s are {', '.join(sorted(known))}")
    return value


def _unique(values: list[str], what: str) -> list[str]:
    twice = sorted({v for v in values if values.count(v) > 1})
    if twice:
        raise ValueError(f"{what} {twice[0]!r} is listed twice")
    return values


class _StepModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    at: Short | None = None
    after: Short | None = None
    fault: Short | None = None
    action: Short | None = None
    wait: Annotated[str, Field(max_length=200)] | None = None
    target: Short | None = None
    for_: Short | None = Field(default=None, alias="for")
    params: dict[str, Any] = Field(default_factory=dict)
    mode: Short | None = None

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, value: str | None) -> str | None:
        return value if value is None else _one_of(value, stack_kinds.names(), "mode")

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
        if value is not None and value not in stack_kinds.all_targets():
            raise ValueError(f"unknown target {shown(value)}; targets are {', '.join(stack_kinds.all_targets())}")
        return value

    @field_validator("wait")
    @classmethod
    def _wait_grammar(cls, value: str | None) -> str | None:
        if value is None:
            return None
        match = WAIT.fullmatch(value.strip())
        if not match:
            raise ValueError(f"wait {shown(value)} must read 'until <condition> timeout <duration>'")
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
            raise ValueError(f"fault {self.fault!r} needs a target; targets are {', '.join(stack_kinds.all_targets())}")
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
        return self


class _ScenarioModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    summary: Annotated[str, Field(min_length=1, max_length=500)]
    tier: Annotated[str, AfterValidator(slug("tier"))] = "tier-1"
    duration: Short = "60s"
    settle: Short = "5s"
    probes: list[str] | None = None
    steady_state: list[str] = Field(default_factory=list)
    checks: dict[str, Any] = Field(default_factory=dict)
    guard: Annotated[str, Field(max_length=200)] | None = None
    expect: str | None = None
    requires: dict[str, str] = Field(default_factory=dict)
    patroni: dict[str, Any] = Field(default_factory=dict)
    steps: Annotated[list[_StepModel], Field(max_length=MAX_STEPS)] = Field(default_factory=list)

    @field_validator("requires")
    @classmethod
    def _known_requirements(cls, value: dict[str, str]) -> dict[str, str]:
        for name, wanted in value.items():
            if name != "ha":
                raise ValueError(f"unknown requirement {shown(name)}; requirements are ha")
            _one_of(wanted, stack_kinds.buildable(), "HA mode")
        return value

    @field_validator("expect")
    @classmethod
    def _known_expectation(cls, value: str | None) -> str | None:
        if value is not None and value not in EXPECTATIONS:
            raise ValueError(f"unknown expectation {shown(value)}; expectations are {', '.join(EXPECTATIONS)}")
        return value

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        return slug("name")(value)

    @field_validator("probes")
    @classmethod
    def _known_probes(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("list at least one probe, or leave probes out for all of them")
        for name in value or []:
            _one_of(name, PROBES, "probe")
        return value if value is None else _unique(value, "probe")

    @field_validator("steady_state")
    @classmethod
    def _known_conditions(cls, value: list[str]) -> list[str]:
        for name in value:
            _one_of(name, CONDITIONS, "condition")
        return _unique(value, "condition")

    @field_validator("checks")
    @classmethod
    def _known_checks(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if name not in CHECK_KEYS:
                raise ValueError(f"unknown check {shown(name)}; checks are {', '.join(CHECK_KEYS)}")
        return value


def _seconds(text: str, where: str, source: str, *, low: float = 0.0, high: float | None = None) -> float:
    return duration_field(text, f"field {where}", source, InvalidScenario, low=low, high=high)


def _check_value(name: str, value: Any, source: str) -> tuple[float, float]:
    where = f"{source}: field checks.{name}"
    if isinstance(value, dict):
        if set(value) != {"strict", "loose"}:
            raise InvalidScenario(f"{where}: give one value or a mapping with strict and loose")
        strict, loose = value["strict"], value["loose"]
    else:
        strict = loose = value
    hint = "a percentage such as 99.9%" if name == "availability" else "a duration such as 30s or 15m"
    try:
        if not isinstance(strict, str) or not isinstance(loose, str):
            raise ValueError("not text")
        if name == "availability":
            pair = parse_percent(strict), parse_percent(loose)
        else:
            pair = parse_duration(strict), parse_duration(loose)
    except (ValueError, HarnessError):
        if name != "availability" and (is_duration_text(strict) and is_duration_text(loose)):
            raise InvalidScenario(f"{where}: at most {format_duration(MAX_TARGET)}, not {shown(value)}") from None
        raise InvalidScenario(f"{where}: invalid value {shown(value)} (use {hint})") from None
    if name != "availability" and pair[1] > MAX_TARGET:
        raise InvalidScenario(f"{where}: at most {format_duration(MAX_TARGET)}, not {shown(value)}")
    if name == "availability" and pair[0] < pair[1]:
        raise InvalidScenario(f"{where}: strict ({strict}) must not be lower than loose ({loose})")
    if name != "availability" and pair[0] > pair[1]:
        raise InvalidScenario(f"{where}: strict ({strict}) must not be longer than loose ({loose})")
    return pair


def _stable_for(value: Any, source: str) -> float:
    where = f"{source}: field checks.rto_stable"
    try:
        seconds = parse_duration(str(value)) if isinstance(value, str) else None
    except ValueError:
        seconds = None
    if seconds is None or not 0 < seconds <= 600:
        raise InvalidScenario(f"{where}: invalid value {shown(value)} (a duration from 1s to 10m, such as 10s)")
    return seconds


def _lost_writes(value: Any, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LOST_WRITES:
        raise InvalidScenario(
            f"{source}: field checks.lost_writes: invalid value {shown(value)} "
            f"(a count of writes from 0 to {MAX_LOST_WRITES}, such as 0)"
        )
    return value


def _guard(text: str | None, source: str, duration: float, run: str) -> Guard | None:
    if text is None:
        return None
    match = GUARD.fullmatch(text.strip())
    if not match:
        raise InvalidScenario(
            f"{source}: field guard: {shown(text)} must read 'availability < <percent>% for <duration>'"
        )
    threshold = float(match["percent"]) / 100
    if not 0 < threshold <= 1:
        raise InvalidScenario(f"{source}: field guard: the percentage must be in (0, 100]")
    window = _seconds(match["window"], "guard", source)
    if window < MIN_GUARD_WINDOW:
        raise InvalidScenario(
            f"{source}: field guard: the window {match['window']} is shorter than {format_duration(MIN_GUARD_WINDOW)}: "
            "it holds too few business writes and would trip on a healthy run"
        )
    if window > duration:
        raise InvalidScenario(
            f"{source}: field guard: the window {match['window']} is longer than the run ({run}), "
            "so it would never be checked"
        )
    return Guard(threshold, window, text.strip())


def _step_params(i: int, model: _StepModel, source: str) -> Any:
    owner = _owner(model.fault, model.action)
    try:
        return validate_params(owner, model.params)
    except InvalidParams as exc:
        where = f"steps.{i}.params" + (f".{exc.field}" if exc.field else "")
        raise InvalidScenario(one_line(f"{source}: field {where}: {exc.message}")) from None


def _step(i: int, model: _StepModel, source: str, duration: float, run: str) -> Step:
    where = f"steps.{i}"
    at = _seconds(model.at, f"{where}.at", source) if model.at is not None else None
    after = _seconds(model.after, f"{where}.after", source) if model.after is not None else 0.0
    lasts = _seconds(model.for_, f"{where}.for", source) if model.for_ is not None else None
    if lasts is not None and lasts > duration:
        raise InvalidScenario(f"{source}: field {where}.for: {model.for_} is longer than the run ({run})")
    if lasts is not None and lasts <= 0:
        raise InvalidScenario(
            f"{source}: field {where}.for: must be longer than 0s (or leave it out: healed at the end)"
        )
    if model.wait:
        match = WAIT.fullmatch(model.wait.strip())
        assert match is not None  # checked by the model
        timeout = _seconds(match["timeout"], f"{where}.wait", source, high=MAX_WAIT)
        if timeout <= 0:
            raise InvalidScenario(f"{source}: field {where}.wait: the timeout must be longer than 0s")
        return Step(at, wait=match["condition"], timeout=timeout, after=after, mode=model.mode)
    typed = _step_params(i, model, source)
    if model.action:
        target = model.target or ACTIONS[model.action].default_target
        return Step(at, target=target, params=typed, action=model.action, after=after, mode=model.mode)
    return Step(at, model.fault, model.target, lasts, typed, after=after, mode=model.mode)


def _overlap(
    step: Step, i: int, start: float, held: list[tuple[int, Step, float]], source: str, modes: tuple[str, ...]
) -> None:
    """Refuse a fault on a target a fault still in force holds (the same service, or a zone holding it)."""
    assert step.target is not None
    for j, other, until in held:
        assert other.target is not None
        shared = [
            mode
            for mode in modes
            if step.mode in (None, mode)
            and other.mode in (None, mode)
            and set(_members(step.target, mode)) & set(_members(other.target, mode))
        ]
        if start < until and shared:
            raise InvalidScenario(
                f"{source}: field steps.{i}: {step.fault} on {step.target} while {other.fault} on {other.target} "
                f"(steps.{j}) is still in force; give steps.{j} a `for` that ends first, or another target"
            )


def _members(target: str, mode: str) -> tuple[str, ...]:
    layout = stack_kinds.layout_of(mode)
    return layout.members(target) if target in layout.targets else ()


def _modes(model: _ScenarioModel, source: str) -> tuple[str, ...]:
    """The kinds of stack the scenario can run on: `requires`, narrowed by what each step can do there (the
    registry of kinds judges: a hand promotion is manual-only, etcd-a exists only in patroni mode, a
    partition needs NetworkCut); a step with `mode:` runs only there."""
    required = model.requires.get("ha")
    modes = [required] if required else list(stack_kinds.buildable())
    for i, step in enumerate(model.steps):
        if step.mode is not None:
            if step.mode not in modes:
                runs = ", ".join(modes)
                raise InvalidScenario(
                    f"{source}: field steps.{i}.mode: {step.mode}, but the scenario runs in {runs} mode"
                )
            continue
        owner = FAULTS[step.fault] if step.fault else ACTIONS[step.action] if step.action else None
        target = step.target or (ACTIONS[step.action].default_target if step.action else None)
        can = {kind for kind in stack_kinds.buildable() if stack_kinds.fits(kind, owner, target)}
        narrowed = [mode for mode in modes if mode in can]
        if not narrowed:
            what = step.fault or step.action or "this step"
            can_text = ", ".join(sorted(can)) or "no"
            raise InvalidScenario(
                f"{source}: field steps.{i}: {what} on {target} runs in {can_text} mode only, but the scenario "
                f"runs in {', '.join(modes)} mode; give the step `mode: {min(can) if can else 'manual'}` "
                "(skipped on other stacks), or change `requires`"
            )
        modes = narrowed
    return tuple(modes)


def _patroni(model: _ScenarioModel, source: str, modes: tuple[str, ...]) -> dict[str, Any]:
    if not model.patroni:
        return {}
    if "patroni" not in modes:
        raise InvalidScenario(
            f"{source}: field patroni: Patroni settings on a scenario that runs in {', '.join(modes)} mode only; "
            "drop them, or let it run in patroni mode (`requires: {ha: patroni}`, or no `requires`)"
        )
    try:
        parse_settings(model.patroni)
    except ValueError as exc:
        raise InvalidScenario(one_line(f"{source}: field patroni: {exc}")) from None
    return dict(model.patroni)


def _plan(model: _ScenarioModel, source: str, duration: float, run: str, modes: tuple[str, ...]) -> tuple[Step, ...]:
    steps: list[Step] = []
    held: list[tuple[int, Step, float]] = []  # faults in force: (index, step, earliest end)
    earliest = 0.0  # the soonest each step can start: `at` steps are fixed, `after` adds to the previous
    for i, model_step in enumerate(model.steps):
        step = _step(i, model_step, source, duration, run)
        earliest = step.at if step.at is not None else earliest + step.after
        if earliest >= duration:
            when = model_step.at if model_step.at is not None else f"{earliest:g}s (counting the `after`s)"
            raise InvalidScenario(f"{source}: field steps.{i}.at: {when} is past the end of the run ({run})")
        if step.kind == "fault":
            if step.duration is not None and earliest + step.duration > duration:
                raise InvalidScenario(
                    f"{source}: field steps.{i}.for: {model_step.for_} from {earliest:g}s ends past the end of the "
                    f"run ({run}); shorten it, or leave it out to heal at the end"
                )
            _overlap(step, i, earliest, held, source, modes)
            if not FAULTS[step.name].one_shot:
                held.append((i, step, duration if step.duration is None else earliest + step.duration))
        steps.append(step)
    return tuple(steps)


def parse_scenario(data: Any, source: str = "<scenario>", *, duration: str | None = None) -> Scenario:
    """Validate a parsed scenario; `duration` (the CLI's --duration) replaces the file's before any check."""
    if not isinstance(data, dict):
        raise InvalidScenario(f"{source}: a scenario is a mapping with name, summary, duration, steps")
    if duration is not None:
        data = {**data, "duration": duration}
    try:
        model = _ScenarioModel.model_validate(data)
    except ValidationError as exc:
        raise InvalidScenario(first_problem(exc, source)) from None
    run = f"duration {model.duration}" + (" from --duration" if duration is not None else "")
    seconds = _seconds(model.duration, "duration", source, high=MAX_DURATION)
    settle = _seconds(model.settle, "settle", source, high=MAX_SETTLE)
    if seconds <= 0:
        raise InvalidScenario(f"{source}: field duration: must be longer than 0s")
    modes = _modes(model, source)
    steps = _plan(model, source, seconds, run, modes)
    probes = (
        tuple(model.probes) if model.probes is not None else tuple(sorted(n for n, p in PROBES.items() if p.default))
    )
    checks = {name: _check_value(name, value, source) for name, value in model.checks.items() if name in CHECKABLE}
    stable_for = _stable_for(model.checks["rto_stable"], source) if "rto_stable" in model.checks else None
    lost_allowed = _lost_writes(model.checks["lost_writes"], source) if "lost_writes" in model.checks else None
    return Scenario(
        model.name,
        model.summary,
        model.tier,
        seconds,
        settle,
        probes,
        steps,
        source,
        tuple(model.steady_state),
        checks,
        _guard(model.guard, source, seconds, run),
        model.expect,
        DEFAULT_STABLE_FOR if stable_for is None else stable_for,
        lost_allowed,
        modes,
        _patroni(model, source, modes),
    )


def load_scenario(path: Path, *, duration: str | None = None) -> Scenario:
    """Read and validate a scenario file (see `harness.files.validation.load_yaml` for what reading refuses)."""
    data = load_yaml(path, "scenario file", InvalidScenario, hint="(scenarios live in scenarios/*.yaml)")
    return parse_scenario(data, str(path), duration=duration)


def typed(scenario: Scenario) -> Scenario:
    """`scenario` with every step's params typed against its fault or action (a scenario built in code
    may give mappings); InvalidScenario naming the step and the param otherwise."""
    steps = []
    for i, step in enumerate(scenario.steps):
        owner = _owner(step.fault, step.action)
        if owner is None:
            steps.append(step)
            continue
        try:
            steps.append(replace(step, params=validate_params(owner, step.params)))
        except InvalidParams as exc:
            where = f"steps.{i}.params" + (f".{exc.field}" if exc.field else "")
            raise InvalidScenario(
                one_line(f"{scenario.source or scenario.name}: field {where}: {exc.message}")
            ) from None
    return replace(scenario, steps=tuple(steps))
