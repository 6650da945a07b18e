"""Recipe: a new fault is one module. `fill-disk` fills a service's /tmp with a file of `size_mb` MB.

Registered by importing this module; nothing else in the harness is edited (tests/unit/test_recipes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from harness.faults.base import TakesEffect, register
from harness.files.params import Whole, params
from harness.stack import topology
from harness.stack.handle import StackHandle
from harness.stack.modes import MODES

FILE = "/tmp/odoo-chaos-fill"


@params
class FillParams:
    size_mb: Annotated[Whole, Field(ge=1, le=10_000, description="size of the file written, in MB")] = 100


@dataclass(frozen=True, slots=True)
class FillDisk:
    name: str = "fill-disk"
    summary: str = "write a large file into a service's /tmp until heal removes it"
    takes_effect: TakesEffect = "end"  # the disk is full once the write returns
    reversible: bool = True
    damages_data: bool = False
    one_shot: bool = False
    params_model: type[Any] = FillParams
    modes: tuple[str, ...] = MODES  # every kind of stack (manual, patroni)

    def inject(self, stack: StackHandle, target: str, params: FillParams) -> None:
        for service in topology.members(target):
            stack.service(service).exec(["fallocate", "-l", f"{params.size_mb}M", FILE])

    def heal(self, stack: StackHandle, target: str, params: FillParams) -> None:
        for service in topology.members(target):
            stack.service(service).exec(["rm", "-f", FILE])


register(FillDisk())
