"""Each recipe's test module runs with its recipe registered, and unregistered after.

`test_<piece>.py` beside `<piece>.py`: the piece is imported (the import is the whole registration)
before the module's tests and every name it added to a registry is taken back after them, so the
rest of the suite sees the harness as it ships.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator

import pytest

from harness.actions import ACTIONS
from harness.checkers import CHECKERS
from harness.conditions import CONDITIONS
from harness.faults import FAULTS
from harness.probes import PROBES

REGISTRIES = (FAULTS, ACTIONS, PROBES, CHECKERS, CONDITIONS)


@pytest.fixture(autouse=True, scope="module")
def recipe_registered(request: pytest.FixtureRequest) -> Iterator[None]:
    piece = f"tests.unit.recipes.{request.module.__name__.rsplit('.', 1)[-1].removeprefix('test_')}"
    before = [set(registry) for registry in REGISTRIES]
    importlib.import_module(piece)
    try:
        yield
    finally:
        for registry, names in zip(REGISTRIES, before, strict=True):
            for name in set(registry) - names:
                del registry[name]
        sys.modules.pop(piece, None)
