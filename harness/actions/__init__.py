"""Runbook actions: steps an operator performs during an incident, each a module of this package.

Adding one means a module here with a class decorated `@action("name", "summary", ...)`
(`harness.actions.base`); every module of this package is found and imported below, and so is every
installed package's `odoo_chaos.actions` entry point. The runner and the scenario grammar pick it
up by name (`action: <name>` in a step).
"""

from harness.actions.base import ACTIONS, Action, action, describe, register
from harness.core.plugins import discover

discover(__name__, "actions")

__all__ = ["ACTIONS", "Action", "action", "describe", "register"]
