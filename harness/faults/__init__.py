"""Faults: things done *to* the stack, each a small module of this package that registers itself.

A fault has `inject(stack, target, params)` and `heal(stack, target, params)`; the runner records
both as operations of process `fault` and always heals, on success, failure, error or Ctrl-C.
Faults act only on nodes the stack owns (`StackHandle.service`). Adding one means adding a module
here with a class decorated `@fault("name", "summary", ...)` (`harness.faults.base`); every module
of this package is found and imported below, and so is every installed package's
`odoo_chaos.faults` entry point. Neither the runner nor this file changes.
"""

from harness.core.plugins import discover
from harness.faults.base import FAULTS, Fault, fault, register, register_fault

discover(__name__, "faults")

__all__ = ["FAULTS", "Fault", "fault", "register", "register_fault"]
