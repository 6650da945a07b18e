"""Checkers: pure functions from a run's history to verdicts, run together, worst result wins.

Each checker is a module here that decorates one function with `@register("name", ...)` (from
`harness.checkers.base`): the function takes `(events, ctx)` and returns a `Verdict`, and the
registration carries its metadata: `applies` (does this run give it anything to judge), `headline`
(its figure in words, for the reports) and `order` (where it stands in reports). To add a checker:
write `harness/checkers/<name>.py` with a docstring stating its idea and a registered function;
every module of this package is imported below (`discover`), and so is every installed package's
`odoo_chaos.checkers` entry point. The runner, the judge and the reports pick it up by its metadata.

`run_checkers` runs them in report order (`checker_names()`); a checker that raises yields an
`unknown` verdict instead of crashing the run (Jepsen's rule), and `overall` merges verdicts with
fail > unknown > warn > pass.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from harness.checkers.base import CHECKERS, CheckContext, Checker, ScenarioFacts, Status, Verdict, register
from harness.core.analysis import Analysis
from harness.core.errors import HarnessError
from harness.core.history import Event
from harness.core.plugins import discover

discover(__name__, "checkers")

__all__ = [
    "CHECKERS",
    "CheckContext",
    "Checker",
    "ScenarioFacts",
    "Status",
    "Verdict",
    "applicable",
    "checker_names",
    "overall",
    "register",
    "run_checkers",
    "validate_checker_names",
]

_SEVERITY: dict[str, int] = {"pass": 0, "warn": 1, "unknown": 2, "fail": 3}


def checker_names(registry: Mapping[str, Checker] | None = None) -> list[str]:
    """Every registered checker name, in report order (by `order`, then registration)."""
    known = CHECKERS if registry is None else registry
    ranked = sorted((checker.order, i, name) for i, (name, checker) in enumerate(known.items()))
    return [name for _, _, name in ranked]


def applicable(
    scenario: ScenarioFacts, events: Sequence[Event] = (), registry: Mapping[str, Checker] | None = None
) -> list[str]:
    """The checkers whose metadata says this run gives them something to judge, in report order."""
    known = CHECKERS if registry is None else registry
    return [name for name in checker_names(known) if known[name].applies(scenario, events)]


def validate_checker_names(names: Iterable[str], registry: Mapping[str, Checker] | None = None) -> None:
    """Raise HarnessError for a name no checker is registered under (validate before a run starts)."""
    known = CHECKERS if registry is None else registry
    for name in names:
        if name not in known:
            raise HarnessError(f'unknown checker "{name}" (valid: {", ".join(sorted(known))})')


def run_checkers(
    events: Sequence[Event],
    ctx: CheckContext,
    names: Iterable[str] | None = None,
    *,
    registry: Mapping[str, Checker] | None = None,
) -> list[Verdict]:
    """One verdict per checker (all registered by default), in order, each with its headline figure; never raises.

    The checkers share one `Analysis` of the history: it is paired, and its recoveries found, once."""
    known = CHECKERS if registry is None else registry
    events = Analysis.of(events)
    verdicts: list[Verdict] = []
    for name in checker_names(known) if names is None else list(names):
        checker = known.get(name)
        if checker is None:
            reason = f'unknown checker "{name}" (valid: {", ".join(sorted(known))})'
            verdicts.append(Verdict(name, "unknown", {}, reason=reason))
            continue
        try:
            verdict = checker(events, ctx)
            verdicts.append(
                dataclasses.replace(verdict, figure=checker.headline(verdict.metrics) if verdict.metrics else "")
            )
        except Exception as exc:  # a checker bug must not cost the run its other verdicts
            message = str(exc).splitlines()[0] if str(exc) else ""
            verdicts.append(Verdict(name, "unknown", {}, reason=f"checker crashed: {type(exc).__name__}: {message}"))
    return verdicts


def overall(verdicts: Iterable[Verdict]) -> Status:
    """The worst status: fail > unknown > warn > pass; no verdicts at all is unknown."""
    worst: Status | None = None
    for verdict in verdicts:
        if worst is None or _SEVERITY[verdict.status] > _SEVERITY[worst]:
            worst = verdict.status
    return "unknown" if worst is None else worst
