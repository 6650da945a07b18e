"""Typed parameters of faults and actions: each declares a frozen pydantic dataclass, checked when the scenario loads.

A fault or action that takes parameters names their class in its `params_model` attribute (none: it
takes no parameters, `NoParams`). The class is a `params` dataclass: unknown names are refused
(a typo is an error, not a silently ignored setting), every number has its range, every choice
its values, every duration its bounds, and defaults are filled in. The scenario loader
validates each step's `params:` against it before anything starts; the executor hands the typed
instance to `inject`/`heal`/`run`, and records `record(params)` (every value used, defaults
included) in the history.

Step keys (`fault`, `target`, `at`, ...) can never be parameters: a history value is
`{**params, "fault": ..., "target": ...}` and checkers read those keys, so a parameter named
`target` would make the history lie about what was done.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import UnionType
from typing import Annotated, Any, Literal, TypeVar, Union, cast, get_args, get_origin

from pydantic import (
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    TypeAdapter,
    ValidationError,
)
from pydantic.dataclasses import dataclass as _pydantic_dataclass
from pydantic.fields import FieldInfo
from pydantic_core import CoreSchema, core_schema

from harness.core.durations import format_duration, parse_duration
from harness.core.errors import shown
from harness.files.validation import problem_text

PARAMS_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False)
RESERVED = ("at", "after", "fault", "action", "wait", "target", "for", "params", "takes_effect")

Whole = Annotated[int, Strict()]  # YAML's 3, never 3.0, "3" or true
Number = Annotated[float, Strict()]  # 3 or 3.5, never "3" or true
Text = Annotated[str, Strict()]


T = TypeVar("T")


def params(cls: type[T]) -> type[T]:
    """Declare a parameters class: a frozen pydantic dataclass that refuses unknown names and NaN/infinity."""
    made = cast(type[T], _pydantic_dataclass(frozen=True, slots=True, config=PARAMS_CONFIG)(cls))
    clash = sorted(set(RESERVED) & {f.name for f in dataclasses.fields(made)})  # type: ignore[arg-type]
    if clash:
        raise TypeError(f"{cls.__name__}: {', '.join(clash)} is a step key, not a parameter name")
    return made


@params
class NoParams:
    """Takes no parameters."""


@dataclasses.dataclass(frozen=True, slots=True)
class Duration:
    """A duration parameter's annotation: "200ms", "30s", "2m" or seconds, within its bounds; float seconds."""

    low: float
    high: float
    inclusive_low: bool = True

    @property
    def span(self) -> str:
        above = "" if self.inclusive_low else "more than "
        return f"from {above}{format_duration(self.low)} to {format_duration(self.high)}"

    def seconds(self, value: Any) -> float:
        hint = f"a duration such as 200ms or 30s ({self.span})"
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f"must be {hint}, not {shown(value)}")
        try:
            parsed = parse_duration(value) if isinstance(value, str) else float(value)
        except ValueError:
            raise ValueError(f"must be {hint}, not {shown(value)}") from None
        above = self.low <= parsed if self.inclusive_low else self.low < parsed
        if not (above and parsed <= self.high):
            raise ValueError(f"must be a duration {self.span}, not {shown(value)}")
        return parsed

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self.seconds, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        return {"type": "string", "format": "duration", "x-span": self.span}


def percent_text(value: Any) -> Any:
    """ "30%" -> 30.0; anything else is left for the number check (which names what was given)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1])
        except ValueError:
            return value
    return value


Percent = Annotated[Number, BeforeValidator(percent_text)]


class InvalidParams(ValueError):
    """A step's params do not fit its fault or action; `field` is the dotted name under `params`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def params_model(owner: object) -> type[Any]:
    """The parameters class of a fault or action (`NoParams` when it declares none)."""
    model: type[Any] = getattr(owner, "params_model", NoParams)
    return model


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(model: type[Any]) -> TypeAdapter[Any]:
    if model not in _ADAPTERS:
        _ADAPTERS[model] = TypeAdapter(model)
    return _ADAPTERS[model]


def field_names(model: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(model))


def validate_params(owner: object, raw: Mapping[str, Any] | Any) -> Any:
    """`raw` as `owner`'s typed parameters (defaults filled in), or InvalidParams naming the param."""
    model = params_model(owner)
    if isinstance(raw, model):
        return raw
    name = getattr(owner, "name", "this step")
    if not isinstance(raw, Mapping):
        raise InvalidParams("", f"must be a mapping of parameter names to values, not {shown(raw)}")
    known = field_names(model)
    for key in raw:
        if key in RESERVED:
            raise InvalidParams(
                str(key), f"{key!r} is a step key, not a parameter: write it beside {name!r}, outside params"
            )
        if key not in known:
            takes = f"{name} takes {', '.join(known)}" if known else f"{name} takes no params"
            raise InvalidParams(str(key)[:40], f"unknown param ({takes})")
    try:
        return _adapter(model).validate_python(dict(raw))
    except ValidationError as exc:
        error = exc.errors()[0]
        raise InvalidParams(".".join(str(part)[:40] for part in error["loc"]), problem_text(error)) from None


def record(value: Any) -> dict[str, Any]:
    """Typed parameters as plain data for the history and the evidence (every value, defaults included)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return dict(value) if isinstance(value, Mapping) else {}


def describe(model: type[Any]) -> list[str]:
    """One line per parameter: name, type and range, default, what it does (`odoo-chaos list`, docs/scenarios.md)."""
    fields: dict[str, FieldInfo] = getattr(model, "__pydantic_fields__", {})
    return [_describe_field(name, info) for name, info in fields.items()]


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any], bool]:
    """(base type, its constraints, optional?) of a field: `Annotated[X, ...] | None` gives (X, [...], True)."""
    optional = False
    if get_origin(annotation) in (Union, UnionType):
        options = [option for option in get_args(annotation) if option is not type(None)]
        optional = len(options) < len(get_args(annotation))
        annotation = options[0] if len(options) == 1 else annotation
    if get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        metadata = [*metadata, *extra]
    flat: list[Any] = []
    for item in metadata:
        flat += [item, *item.metadata] if isinstance(item, FieldInfo) else [item]
    return annotation, flat, optional


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _describe_field(name: str, info: FieldInfo) -> str:
    base, metadata, optional = _unwrap(info.annotation, list(info.metadata))
    span = next((m for m in metadata if isinstance(m, Duration)), None)
    bounds = [
        f"{symbol} {_number(getattr(m, attr))}"
        for m in metadata
        for attr, symbol in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="))
        if getattr(m, attr, None) is not None
    ]
    most = next((m.max_length for m in metadata if getattr(m, "max_length", None) is not None), None)
    if span is not None:
        kind = f"duration {span.span}"
    elif get_origin(base) is Literal:
        kind = "one of " + ", ".join(str(choice) for choice in get_args(base))
    elif get_origin(base) in (list, tuple):
        kind = "list" + (f" of at most {most}" if most is not None else "")
    else:
        words: dict[Any, str] = {int: "whole number", float: "number", str: "text", bool: "true or false"}
        kind = words.get(base, "value") + (f" {' and '.join(bounds)}" if bounds else "")
    if optional:
        kind += ", optional"
    if info.is_required():
        default = "required"
    elif info.default is None:
        default = "default: none"
    else:
        given = info.default
        if span is not None and isinstance(given, int | float):
            given = format_duration(float(given))
        elif isinstance(given, float):
            given = f"{given:g}"
        elif isinstance(given, tuple):
            given = ", ".join(str(item) for item in given)
        default = f"default {given}"
    described = info.description or next((m.description for m in metadata if isinstance(m, FieldInfo)), None)
    doc = f": {described}" if described else ""
    return f"{name} ({kind}; {default}){doc}"
