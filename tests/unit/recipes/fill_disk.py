"""Recipe: a new fault is one module. `fill-disk` fills a service's /tmp with a file of `size_mb` MB.

Dropped into `harness/faults/` it is found by the package's discovery, with its test
(`test_fill_disk.py`) in tests/unit/: two files, nothing else in the harness edited
(tests/unit/test_recipes.py does exactly that in a copy of the tree).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from harness.faults.base import fault
from harness.files.params import Whole, params
from harness.stack.handle import StackHandle

FILE = "/tmp/odoo-chaos-fill"


@params
class FillParams:
    size_mb: Annotated[Whole, Field(ge=1, le=10_000, description="size of the file written, in MB")] = 100


@fault(
    "fill-disk",
    "write a large file into a service's /tmp until heal removes it",
    params_model=FillParams,  # every other field keeps its default: bites once the write returns, heal undoes it
)
class FillDisk:
    def inject(self, stack: StackHandle, target: str, params: FillParams) -> None:
        for service in stack.layout.members(target):  # the stack's own layout: a zone's etcd member too
            stack.service(service).exec(["fallocate", "-l", f"{params.size_mb}M", FILE])

    def heal(self, stack: StackHandle, target: str, params: FillParams) -> None:
        for service in stack.layout.members(target):
            stack.service(service).exec(["rm", "-f", FILE])
