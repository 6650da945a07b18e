"""The exit codes of `odoo-chaos`, one table for every command (the README and docs/cli.md print it).

| code | meaning |
|---|---|
| 0 | pass; `warn` too, unless `--fail-on warn` |
| 1 | fail (or `warn` with `--fail-on warn`); for the other commands: the check they make did not hold |
| 2 | usage, bad input or environment: a mistyped option, an invalid file, no Docker engine, a missing
|   | image, a port in use. Nothing ran (or what had started was torn down) |
| 3 | unknown: the drill ran but its verdict is inconclusive (an aborted run, a probe that fell silent, a
|   | checker that could not decide); its report says why |
| 130 | interrupted (Ctrl-C, SIGTERM); what the command had started was torn down |

Several runs (a campaign) exit with the code of their worst verdict, worst first: fail, unknown,
warn, pass. `unknown` is not `2`: a CI job can tell "the drill could not decide" (rerun it, look
at the stack) from "the command line or a file is wrong" (fix it).
"""

from __future__ import annotations

from typing import Literal

OK = 0
FAILED = 1
USAGE = 2
UNKNOWN = 3
INTERRUPTED = 130

FailOn = Literal["warn", "fail"]
FAIL_ON: tuple[str, ...] = ("warn", "fail")

VERDICT_EXIT_CODES: dict[str, int] = {"pass": OK, "warn": OK, "fail": FAILED, "unknown": UNKNOWN}


def for_verdict(verdict: str, fail_on: str = "fail") -> int:
    """The exit code of an overall verdict: `warn` fails only with `fail_on="warn"`."""
    if verdict == "warn" and fail_on == "warn":
        return FAILED
    return VERDICT_EXIT_CODES[verdict]
