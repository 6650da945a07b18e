"""The runner: the only module that knows the order of a drill. Its recipe:

1. validate the scenario and the tier (before any container starts);
2. create the run directory and stream the history into `history.jsonl`;
3. bring the stack up (or reuse one that is already up);
4. start every probe on its own thread; at each step's time inject its fault, heal it after its
   `for` (faults are recorded as operations of process `fault`);
5. at the end of `duration` heal whatever is still injected -- always: on success, failure,
   error and Ctrl-C; let the probes run `settle` longer, stop them;
6. final read of every id on the surviving primary (SQL) and through Odoo;
7. evidence (container logs, versions), pure checkers -> verdicts -> the run directory.

An aborted run still gets a report, with verdict `unknown` and the reason.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import history as h
from harness.checkers import CheckContext, checker_names, overall, run_checkers
from harness.faults import FAULTS
from harness.history import History
from harness.probes import PROBES, ProbeContext
from harness.probes.final_read import final_read
from harness.probes.pg import connect_primary
from harness.report import RunSummary, write_run_dir
from harness.scenario import Scenario, Step
from harness.stack import topology
from harness.stack.stack import Stack, StackConfig
from harness.tiers import Tier

Progress = Callable[[str], None]
SideEffect = tuple[float, Callable[[Stack, History], None]]  # for calibration: acts behind the harness's back

EXIT_CODES = {"pass": 0, "warn": 0, "fail": 1, "unknown": 2}


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run_dir: Path
    verdict: str
    exit_code: int
    report: dict[str, Any] = field(default_factory=dict)


def _quiet(_: str) -> None:
    return None


def run_dir_for(out: Path, scenario: Scenario, run_id: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"{stamp}-{scenario.name}-{run_id[-6:]}"
    path.mkdir(parents=True, exist_ok=False)
    return path


def run_scenario(
    scenario: Scenario,
    tier: Tier,
    out: Path,
    *,
    stack: Stack | None = None,
    stack_config: StackConfig | None = None,
    progress: Progress = _quiet,
    side_effects: Sequence[SideEffect] = (),
    period: float = 0.1,
    evidence_extra: dict[str, bytes] | None = None,
) -> RunOutcome:
    owned = stack is None
    stack = stack or Stack(stack_config or StackConfig(), progress=progress)
    run_dir = run_dir_for(out, scenario, stack.run_id)
    started_at = h.iso(datetime.now(UTC))
    aborted: str | None = None
    with (run_dir / "history.jsonl").open("w") as stream:
        history = History(stream)
        ctx: ProbeContext | None = None
        try:
            if stack.endpoints is None:
                stack.start()
            assert stack.endpoints is not None
            ctx = ProbeContext(
                history, stack.endpoints, stack.run_id, threading.Event(), period=period, seq_base=_next_seq(stack)
            )
            _drive(scenario, stack, history, ctx, progress, side_effects)
        except KeyboardInterrupt:
            aborted = "interrupted (Ctrl-C or SIGTERM)"
            raise
        except Exception as exc:
            aborted = f"{type(exc).__name__}: {exc}"
            progress(f"run aborted: {aborted}")
        finally:
            if ctx is not None:
                ctx.stop.set()
            stack_info = _stack_info(stack)
            evidence = _evidence(stack, scenario, tier) | (evidence_extra or {})
            evidence["versions.json"] = json.dumps(stack_info, indent=2).encode()
            if owned:
                stack.down()
            outcome = _report(
                run_dir, scenario, tier, history, stack.run_id, started_at, stack_info, evidence, aborted, period
            )
            progress(f"run directory: {outcome.run_dir} (verdict {outcome.verdict})")
    return outcome


def _next_seq(stack: Stack) -> int:
    assert stack.endpoints is not None
    with connect_primary(stack.endpoints, timeout=5.0) as conn:
        row = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM chaos_ledger_entry").fetchone()
    return int(row[0]) if row else 1


def _drive(
    scenario: Scenario,
    stack: Stack,
    history: History,
    ctx: ProbeContext,
    progress: Progress,
    side_effects: Sequence[SideEffect],
) -> None:
    threads = [
        threading.Thread(target=body, name=f"probe-{name}", daemon=True)
        for name in scenario.probes
        for body in PROBES[name](ctx)
    ]
    history.record("runner", "ok", h.PHASE, {"phase": "probes", "probes": list(scenario.probes)})
    progress(f"probes running ({', '.join(scenario.probes)}) for {scenario.duration:.0f}s")
    for thread in threads:
        thread.start()
    origin = history.now()
    injected: list[Step] = []
    timeline: list[tuple[float, str, Any]] = [(s.at, "inject", s) for s in scenario.steps]
    timeline += [(s.at + s.duration, "heal", s) for s in scenario.steps if s.duration is not None]
    timeline += [(at, "side-effect", fn) for at, fn in side_effects]
    timeline.sort(key=lambda item: item[0])
    try:
        for at, action, item in timeline:
            if at >= scenario.duration:
                continue
            if ctx.stop.wait(max(0.0, origin + at - history.now())):
                break
            if action == "inject":
                _fault_op(stack, history, item, "inject", progress)
                injected.append(item)
            elif action == "heal" and item in injected:
                _fault_op(stack, history, item, "heal", progress)
                injected.remove(item)
            elif action == "side-effect":
                threading.Thread(target=item, args=(stack, history), daemon=True).start()
        _progress_until(ctx, history, origin + scenario.duration, progress)
    finally:
        for step in reversed(injected):  # heal always, whatever happened above
            _fault_op(stack, history, step, "heal", progress)
    history.record("runner", "ok", h.PHASE, {"phase": "settle"})
    ctx.stop.wait(scenario.settle)
    ctx.stop.set()
    for thread in threads:
        thread.join(timeout=ctx.timeout + 5)
    history.record("runner", "ok", h.PHASE, {"phase": "final-read"})
    progress("final read")
    final_read(ctx)


def _progress_until(ctx: ProbeContext, history: History, end: float, progress: Progress) -> None:
    last = history.now()
    while not ctx.stop.wait(min(10.0, max(0.0, end - history.now()))):
        if history.now() >= end - 0.01:
            return
        ops = [e for e in history.events() if e.f == h.WRITE and e.kind != "invoke" and e.time > last]
        ok = sum(1 for e in ops if e.kind == "ok")
        progress(f"{history.now():5.0f}s: business writes {ok}/{len(ops)} ok in the last {history.now() - last:.0f}s")
        last = history.now()


def _fault_op(stack: Stack, history: History, step: Step, action: str, progress: Progress) -> None:
    fault = FAULTS[step.fault]
    value = {
        "fault": step.fault,
        "target": step.target,
        **step.params,
        "takes_effect": getattr(fault, "takes_effect", "end"),
    }
    f = h.INJECT if action == "inject" else h.HEAL
    history.invoke("fault", f, value)
    progress(f"{action} {step.fault} on {step.target}")
    try:
        (fault.inject if action == "inject" else fault.heal)(stack, step.target, step.params)
    except Exception as exc:
        history.record("fault", "fail", f, value, f"{type(exc).__name__}: {exc}")
        raise
    history.record("fault", "ok", f, value)


def _stack_info(stack: Stack) -> dict[str, Any]:
    info: dict[str, Any] = {}
    for service, container in stack.containers.items():
        with contextlib.suppress(Exception):
            wrapped = container.get_wrapped_container()
            info[service] = {
                "image": wrapped.image.tags[0] if wrapped.image.tags else wrapped.image.id,
                "image_id": wrapped.image.id,
                "version": _version(service, wrapped, stack),
            }
    return info


def _version(service: str, container: Any, stack: Stack) -> str:
    try:
        if service.startswith("odoo") and stack.endpoints is not None:
            return str(stack.endpoints.odoo_client(timeout=5).version().get("server_version", "?"))
        if service.startswith("pg") or service == topology.BACKUP:
            return str(container.exec_run(["postgres", "--version"]).output.decode().strip())
        if service == topology.REDIS:
            return str(container.exec_run(["redis-server", "--version"]).output.decode().split(" sha=")[0])
        if service == topology.TRAEFIK:
            out = container.exec_run(["traefik", "version"]).output.decode()
            return next((line.split()[-1] for line in out.splitlines() if line.startswith("Version")), "?")
    except Exception:
        return "?"
    return "?"


def _evidence(stack: Stack, scenario: Scenario, tier: Tier) -> dict[str, bytes]:
    evidence: dict[str, bytes] = {}
    if scenario.source and Path(scenario.source).is_file():
        evidence["scenario.yaml"] = Path(scenario.source).read_bytes()
    evidence["scenario.json"] = json.dumps(asdict(scenario), indent=2, default=str).encode()
    evidence["tier.json"] = json.dumps(asdict(tier), indent=2, default=str).encode()
    for service, container in stack.containers.items():
        with contextlib.suppress(Exception):
            evidence[f"logs/{service}.log"] = container.get_wrapped_container().logs(tail=5000, timestamps=True)
    return evidence


def _report(
    run_dir: Path,
    scenario: Scenario,
    tier: Tier,
    history: History,
    run_id: str,
    started_at: str,
    stack_info: dict[str, Any],
    evidence: dict[str, bytes],
    aborted: str | None,
    period: float,
) -> RunOutcome:
    events = history.events()
    verdicts = (
        []
        if aborted
        else run_checkers(events, CheckContext(tier=tier, probe_period=period), checkers_for(scenario.probes))
    )
    verdict = "unknown" if aborted else overall(verdicts)
    summary = RunSummary(
        run_id=run_id,
        scenario=scenario.name,
        scenario_file=scenario.source,
        tier=tier.name,
        targets=_targets(tier),
        started_at=started_at,
        ended_at=h.iso(datetime.now(UTC)),
        stack=stack_info,
        verdicts=verdicts,
        verdict=verdict,
        aborted_reason=aborted,
        probe_period=period,
    )
    write_run_dir(run_dir, summary, events, evidence=evidence)
    report = json.loads((run_dir / "report.json").read_text())
    return RunOutcome(run_dir, verdict, EXIT_CODES[verdict], report)


def checkers_for(probes: Sequence[str]) -> list[str]:
    """Every checker, less the ones whose probe did not run (no sessions probe, no sessions verdict)."""
    needs = {"sessions": "user-sessions"}
    return [name for name in checker_names() if needs.get(name, name) == name or needs[name] in probes]


def _targets(tier: Tier) -> dict[str, Any]:
    targets: dict[str, Any] = json.loads(json.dumps(asdict(tier), default=str))
    return targets


__all__ = ["EXIT_CODES", "RunOutcome", "SideEffect", "run_scenario"]
