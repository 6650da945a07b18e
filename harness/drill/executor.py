"""Carry out a scenario's steps against a running stack: timing, waits, actions, heals, guard, stop switch.

Steps run in order. A step with `at` starts at that offset from the start of the probes (at once
if an earlier step ran late); one with `after` starts that long after the previous step finished.
A fault's `for` schedules its heal; heals fire on time whatever step is running or waiting. When
the steps are done the executor idles until `duration`, printing the write success rate. An action
that is a change to production (`is_change`: a release) is also recorded as an injection at its start.

Every fault still injected is healed on the way out, whatever happened (the caller's `finally`
calls `heal_all`). Before every step, and once a second while idling, two brakes are checked:

- the **stop switch**: the file `stop_file` exists, or `ODOO_CHAOS_STOP` is set to anything but
  `0`/empty. An operator throws it to end a drill now: no further step, heal at once.
- the **guard**: business-write availability over the last `window` seconds below the threshold.

Either brake records a `halt` event; the checkers turn it into the `guardrails` verdict.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from harness.actions import ACTIONS
from harness.conditions import CONDITIONS
from harness.core import history as h
from harness.core.history import Event, History
from harness.core.progress import Progress
from harness.faults import FAULTS
from harness.files.params import record, validate_params
from harness.scenario.model import Guard, Scenario, Step
from harness.stack.handle import StackHandle

STOP_ENV = "ODOO_CHAOS_STOP"
STOP_FILE_ENV = "ODOO_CHAOS_STOP_FILE"


def default_stop_file() -> Path:
    configured = os.environ.get(STOP_FILE_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "odoo-chaos" / "STOP"


def stop_requested(stop_file: Path) -> str | None:
    """Why the operator asked the drill to stop, or None."""
    flag = os.environ.get(STOP_ENV, "")
    if flag not in ("", "0"):
        return f"stop switch: {STOP_ENV}={flag}"
    if stop_file.exists():
        return f"stop switch: {stop_file} exists"
    return None


def window_availability(events: list[Event], now: float, window: float, origin: float) -> float | None:
    """Share of business writes that completed ok in [now - window, now]; None before a full window."""
    if now - origin < window:
        return None
    done = [e for e in events if e.f == h.WRITE and e.kind != "invoke" and now - window <= e.time <= now]
    if not done:
        return 0.0  # a window without a single completion is a full outage, not "no data"
    return sum(1 for e in done if e.kind == "ok") / len(done)


def guard_tripped(guard: Guard, events: list[Event], now: float, origin: float) -> str | None:
    share = window_availability(events, now, guard.window, origin)
    if share is not None and share < guard.threshold:
        return f"guard tripped: availability {share:.0%} over the last {guard.window:g}s ({guard.text})"
    return None


class Executor:
    def __init__(
        self,
        scenario: Scenario,
        stack: StackHandle,
        history: History,
        stop: threading.Event,
        progress: Progress,
        stop_file: Path | None = None,
    ) -> None:
        self.scenario = scenario
        self.stack = stack
        self.history = history
        self.stop = stop  # set when the probes must end (Ctrl-C, error): wake every wait at once
        self.progress = progress
        self.stop_file = stop_file or default_stop_file()
        self.origin = history.now()
        self.injected: list[Step] = []
        self.heals: list[tuple[float, Step]] = []  # (due, step), fired by `_sleep_until`
        self.halted: str | None = None
        self._progress_at = self.origin

    # --- public ------------------------------------------------------------------------------
    def steady_state(self, when: str, timeout: float) -> list[str]:
        """Check each steady-state condition (polling up to `timeout`); the ones that did not hold."""
        broken = []
        for name in self.scenario.steady_state:
            value = {"condition": name, "when": when}
            self.history.invoke("runner", h.STEADY, value)
            if self._poll(name, self.history.now(), timeout):
                self.history.record("runner", "ok", h.STEADY, value)
            else:
                self.history.record("runner", "fail", h.STEADY, value, f"{name} did not hold within {timeout:g}s")
                broken.append(name)
        return broken

    def run_steps(self) -> None:
        finished = self.origin
        for step in self.scenario.steps_for(self.stack.mode):  # a step for another mode is skipped here
            start = self.origin + step.at if step.at is not None else finished + step.after
            if not self._sleep_until(start) or self._brake():
                return
            if step.kind == "fault":
                self.injected.append(step)  # first: a half-done injection (an error, Ctrl-C) is healed too
                self._fault(step, "inject")
                if step.duration is not None:
                    self.heals.append((self.history.now() + step.duration, step))
            elif step.kind == "action":
                self._action(step)
            else:
                self._wait(step)
            finished = self.history.now()

    def idle_until_end(self) -> None:
        self._sleep_until(self.origin + self.scenario.duration, report=True)

    def heal_all(self) -> None:
        """Heal every fault still injected, newest first; one failing heal does not stop the others."""
        failed: Exception | None = None
        for step in reversed(list(self.injected)):
            try:
                self._fault(step, "heal")
            except Exception as exc:
                failed = failed or exc
            self.injected.remove(step)
        self.heals.clear()
        if failed is not None:
            raise failed

    # --- internals ---------------------------------------------------------------------------
    def _sleep_until(self, when: float, report: bool = False) -> bool:
        """Wait until run time `when`, firing due heals and checking the brakes; False if stopped or halted."""
        while True:
            now = self.history.now()
            for due, step in sorted(self.heals, key=lambda item: item[0]):
                if due <= now and step in self.injected:
                    self._fault(step, "heal")
                    self.injected.remove(step)
            self.heals = [(due, step) for due, step in self.heals if step in self.injected]
            if self.halted or self._brake():
                return False
            if report and now - self._progress_at >= 10.0:
                self._report_progress(now)
            if now >= when:
                return True
            next_heal = min((due for due, _ in self.heals), default=when)
            if self.stop.wait(max(0.0, min(when, next_heal, now + 1.0) - now)):
                return False

    def _brake(self) -> bool:
        if self.halted:
            return True
        reason = stop_requested(self.stop_file)
        by = "stop"
        if reason is None and self.scenario.guard is not None:
            reason = guard_tripped(self.scenario.guard, self.history.events(), self.history.now(), self.origin)
            by = "guard"
        if reason is None:
            return False
        self.halted = reason
        self.history.record("runner", "info", h.HALT, {"by": by, "reason": reason})
        self.progress(f"halting the drill: {reason}; healing now")
        self.heal_all()
        return True

    def _poll(self, condition: str, since: float, timeout: float) -> bool:
        check = CONDITIONS[condition].check
        deadline = self.history.now() + timeout
        while True:
            try:
                if check(self.stack, self.history, since):
                    return True
            except Exception:  # a condition that cannot be evaluated right now does not hold yet
                pass
            if self.history.now() >= deadline or not self._sleep_until(min(deadline, self.history.now() + 0.2)):
                return False

    def _wait(self, step: Step) -> None:
        assert step.wait is not None and step.timeout is not None
        value = {"condition": step.wait, "timeout": step.timeout}
        self.history.invoke("runner", h.WAIT, value)
        self.progress(f"waiting until {step.wait} (timeout {step.timeout:g}s)")
        if self._poll(step.wait, self.history.now(), step.timeout):
            self.history.record("runner", "ok", h.WAIT, value)
        else:
            self.history.record("runner", "fail", h.WAIT, value, f"{step.wait} did not hold within {step.timeout:g}s")
            self.progress(f"{step.wait} did not hold within {step.timeout:g}s; going on with the next step")

    def _action(self, step: Step) -> None:
        assert step.action is not None and step.target is not None
        action = ACTIONS[step.action]
        typed = validate_params(action, step.params)  # a step built in code may hold a mapping
        params = record(typed)  # every value used, defaults included; step keys written last always win
        value: dict[str, Any] = {
            **params,
            "action": step.action,
            "target": step.target,
            "repairs_data": action.repairs_data,  # recorded: the checkers judge the data journey from the history
        }
        if action.is_change:  # a release: the incident starts with the change
            change = {
                **params,
                "fault": step.action,
                "target": step.target,
                "takes_effect": "start",
                "damages_data": False,  # a change to production can break journeys, not lose data
                "may_lose_data": False,
            }
            self.history.invoke("fault", h.INJECT, change)
            self.history.record("fault", "ok", h.INJECT, change)
        self.history.invoke("runbook", h.ACTION, value)
        self.progress(f"runbook: {step.action} on {step.target}")
        try:
            measured = action.run(self.stack, step.target, typed, self.history.events())
        except Exception as exc:  # a failed runbook step is a finding, not a crash of the drill
            self.history.record("runbook", "fail", h.ACTION, value, f"{type(exc).__name__}: {exc}"[:300])
            self.progress(f"runbook step {step.action} failed: {exc}")
            return
        self.history.record("runbook", "ok", h.ACTION, value | measured)

    def _fault(self, step: Step, action: str) -> None:
        assert step.fault is not None and step.target is not None
        fault = FAULTS[step.fault]
        typed = validate_params(fault, step.params)  # a step built in code may hold a mapping
        value = {
            **record(typed),  # the typed params, defaults included; the step keys below always win
            "fault": step.fault,
            "target": step.target,
            "takes_effect": fault.takes_effect,
        }
        if action == "inject":  # what the checkers need to know of this fault (recorded: a recheck reads it)
            lose = fault.damages_data or self.stack.layout.holds_database(step.target)
            value |= {"damages_data": fault.damages_data, "may_lose_data": lose, "one_shot": fault.one_shot}
        f = h.INJECT if action == "inject" else h.HEAL
        self.history.invoke("fault", f, value)
        self.progress(f"{action} {step.fault} on {step.target}")
        try:
            did = (fault.inject if action == "inject" else fault.heal)(self.stack, step.target, typed)
        except Exception as exc:
            self.history.record("fault", "fail", f, value, f"{type(exc).__name__}: {exc}")
            raise
        self.history.record("fault", "ok", f, value | (did or {}))

    def _report_progress(self, now: float) -> None:
        ops = [e for e in self.history.events() if e.f == h.WRITE and e.kind != "invoke" and e.time > self._progress_at]
        ok = sum(1 for e in ops if e.kind == "ok")
        self.progress(f"{now:5.0f}s: business writes {ok}/{len(ops)} ok in the last {now - self._progress_at:.0f}s")
        self._progress_at = now
