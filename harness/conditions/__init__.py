"""Conditions a scenario waits for or requires as its steady state, each registered by name."""

from harness.conditions.base import CONDITIONS, Condition, register

__all__ = ["CONDITIONS", "Condition", "register"]
