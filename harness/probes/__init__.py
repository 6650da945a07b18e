"""Probes: real traffic through the real access path, each on its own thread, recorded as ops.

A probe is a factory registered by name (`@register("name", f=..., journey=...)`) that returns the
thread bodies it needs (one per process: `writer-1`, `writer-2`, `session-3`, ...), with the
operation name it records and the user journey it stands for (None: it watches the system). The
runner records the probes' `f -> journey` map in the history, so the checkers judge a new probe's
journey without an edit. Adding one means adding a module here, never touching the runner, a
checker or this file: every module of this package is imported below (`discover`), and so is
every installed package's `odoo_chaos.probes` entry point. Each body loops until `ctx.stop`
is set, recording every operation in the history as `invoke` then `ok`/`fail`/`info`.
The final read (`final_read.py`) is not periodic: the runner calls it once, after heal.
"""

from harness.core.plugins import discover
from harness.probes.base import PROBES, Probe, ProbeContext, journeys_of, register

discover(__name__, "probes")

__all__ = ["PROBES", "Probe", "ProbeContext", "journeys_of", "register"]
