"""The system under test: the reference HA Odoo stack as one context manager (see stack.py)."""

from harness.stack.stack import Endpoints, Stack, StackConfig

__all__ = ["Endpoints", "Stack", "StackConfig"]
