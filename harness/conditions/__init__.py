"""Conditions a scenario waits for or requires as its steady state, each registered by name.

Every module of this package registers its conditions when imported (`harness.conditions.base`
holds the registry); all are found below, and so is every installed package's
`odoo_chaos.conditions` entry point.
"""

from harness.conditions.base import CONDITIONS, Condition, describe, register
from harness.core.plugins import discover

discover(__name__, "conditions")

__all__ = ["CONDITIONS", "Condition", "describe", "register"]
