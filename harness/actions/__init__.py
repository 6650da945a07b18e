"""Runbook actions: steps an operator performs during an incident, each registered by name.

Adding one means a module here that calls `register(...)` and an import below; the runner and the
scenario grammar pick it up by name (`action: <name>` in a step).
"""

from harness.actions import patroni, recovery, release, runbook  # noqa: F401
from harness.actions.base import ACTIONS, Action, describe, register

__all__ = ["ACTIONS", "Action", "describe", "register"]
