"""Faults: things done *to* the stack, each a small module registered by name.

A fault has `inject(stack, target, params)` and `heal(stack, target, params)`; the runner records
both as operations of process `fault` and always heals, on success, failure, error or Ctrl-C.
Faults act only on containers carrying the run's label (`StackHandle.service`). A fault may
say when it bites (`takes_effect = "start"` for a signal sent as the call begins, `"end"`, the
default, for one in force once the call returns); the RTO is counted from that moment. Adding one
means adding a module here and importing it below; the runner does not change.
"""

from harness.faults import container, data, network  # noqa: F401
from harness.faults.base import FAULTS, Fault, register

__all__ = ["FAULTS", "Fault", "register"]
