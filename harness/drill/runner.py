"""The runner: the only module that knows the order of a drill. Its recipe:

1. validate the scenario and the tier (before any container starts);
2. create the run directory and stream the history into `history.jsonl`;
3. bring the stack up (or reuse one that is already up);
4. with a load profile, start Locust first and let its users ramp up and settle (`harness.load`);
   start every probe on its own thread; at each step's time inject its fault, heal it after its
   `for` (faults are recorded as operations of process `fault`);
5. at the end of `duration` heal whatever is still injected -- always: on success, failure,
   error and Ctrl-C; let the probes run `settle` longer, stop them;
6. final read of every id on every PostgreSQL node (SQL) and through Odoo;
7. evidence (container logs, versions), pure checkers -> verdicts (`harness.verdict.judgement`, the same
   recipe `odoo-chaos check` replays) -> the run directory, signed when a key is given.

An aborted run still gets a report, with verdict `unknown` and the reason (recorded in the history
as an `abort` event, so a recheck knows it too).

What talks to the system under test is a `Drill` of replaceable parts (the probes' bodies, the final
read, the first ledger seq, the probe user's login, the steady-state timeout, the clock); the defaults
are the real ones. Faults and actions come from their registries and act through the stack handle, so
a unit test drives this very recipe on a FakeStack and asserts the order of `history.jsonl`
(tests/unit/test_runner_order.py; `tests/mutate_runner.py` checks those tests fail when a phase goes).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import __version__
from harness.actions import ACTIONS
from harness.core import history as h
from harness.core.errors import HarnessError
from harness.core.exit_codes import VERDICT_EXIT_CODES
from harness.core.history import History
from harness.core.progress import Progress
from harness.drill.executor import Executor
from harness.edge.business_rows import LEDGER
from harness.faults import FAULTS
from harness.files.tiers import Tier
from harness.load.profile import LoadProfile
from harness.load.runner import LoadRun
from harness.probes import PROBES, ProbeContext, journeys_of
from harness.probes.base import NodeSql
from harness.probes.final_read import final_read
from harness.probes.pg import connect_primary
from harness.report import write_run_dir
from harness.scenario.load import typed
from harness.scenario.model import Scenario
from harness.stack.endpoints import Endpoints, StackConfig
from harness.stack.factory import make_stack
from harness.stack.handle import HaControl, StackHandle
from harness.stack.kinds import STACK_KINDS, Shape, why_not
from harness.stack.patroni import parse_settings
from harness.verdict.judgement import summarise_run, with_checks

SideEffect = tuple[float, Callable[[StackHandle, History], None]]  # for calibration: acts behind the harness's back

EXIT_CODES = VERDICT_EXIT_CODES  # the documented table: harness.core.exit_codes
STEADY_TIMEOUT = 30.0  # how long a steady-state condition may take to hold
ProbeBodies = Callable[[ProbeContext, Sequence[str]], list[Callable[[], None]]]


def registered_probes(ctx: ProbeContext, names: Sequence[str]) -> list[Callable[[], None]]:
    """Each named probe's thread bodies, from the probe registry (what a real run starts)."""
    return [body for name in names for body in PROBES[name](ctx)]


def probe_uid(endpoints: Endpoints) -> int | None:
    """The probe user's id, asked once before the run (None: each client authenticates on its first call)."""
    try:
        return endpoints.odoo_client(timeout=10.0).authenticate()
    except Exception:
        return None


def next_seq(stack: StackHandle) -> int:
    if isinstance(stack, NodeSql):
        return stack.first_seq()
    return _ledger_next_seq(stack)


def _ledger_next_seq(stack: StackHandle) -> int:
    """The first ledger seq this run's writers use: one past the highest on the primary."""
    assert stack.endpoints is not None
    with connect_primary(stack.endpoints, timeout=5.0) as conn:
        row = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM chaos_ledger_entry").fetchone()
    return int(row[0]) if row else 1


@dataclass(frozen=True, slots=True)
class Drill:
    """The runner's parts that touch the system under test; the defaults are the real ones."""

    probes: ProbeBodies = registered_probes
    final_read: Callable[[ProbeContext], None] = final_read
    next_seq: Callable[[StackHandle], int] = next_seq
    probe_uid: Callable[[Endpoints], int | None] = probe_uid
    steady_timeout: float = STEADY_TIMEOUT
    clock: Callable[[], float] = time.monotonic


REAL = Drill()


class SteadyStateNotMet(HarnessError):
    """The system was not in its steady state before the first step: the drill would measure nothing."""


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
    stack: StackHandle | None = None,
    stack_config: StackConfig | None = None,
    progress: Progress = _quiet,
    side_effects: Sequence[SideEffect] = (),
    period: float = 0.1,
    evidence_extra: dict[str, bytes] | None = None,
    stop_file: Path | None = None,
    load: LoadProfile | None = None,
    sign_key: Path | None = None,
    drill: Drill = REAL,
) -> RunOutcome:
    scenario = typed(scenario)  # a scenario built in code gets its params checked before anything starts
    tier = with_checks(tier, scenario)
    owned = stack is None
    stack = stack or make_stack(stack_config or config_for(scenario), progress=progress)
    require_mode(scenario, stack)  # before anything starts: a drill for another kind of stack is bad input
    try:
        run_dir = run_dir_for(out, scenario, stack.run_id)
    except OSError as exc:
        raise HarnessError(f"cannot create a run directory in {out} ({exc.strerror or exc})") from None
    load_dir = tempfile.TemporaryDirectory(prefix="odoo-chaos-load-")  # Locust's files; its log becomes evidence
    started_at = h.iso(datetime.now(UTC))
    aborted: str | None = None
    interrupted: BaseException | None = None
    with (run_dir / "history.jsonl").open("w") as stream:
        history = History(stream, clock=drill.clock)
        history.record("runner", "info", h.HEADER, {"version": h.HISTORY_VERSION, "harness": __version__})
        ctx: ProbeContext | None = None
        try:
            if stack.endpoints is None:
                stack.start()
            assert stack.endpoints is not None
            ctx = ProbeContext(
                history,
                stack.endpoints,
                stack.run_id,
                threading.Event(),
                period=period,
                seq_base=drill.next_seq(stack),
                stack=stack,
                uid=drill.probe_uid(stack.endpoints),
                rows=stack.rows if isinstance(stack, NodeSql) else LEDGER,
                nodes=stack if isinstance(stack, NodeSql) else None,
            )
            loader = LoadRun(load, stack.endpoints, history, Path(load_dir.name), progress) if load else None
            _drive(scenario, stack, history, ctx, progress, side_effects, stop_file, loader, drill)
        except KeyboardInterrupt:
            aborted = "interrupted (Ctrl-C or SIGTERM)"
            raise
        except Exception as exc:
            aborted = f"{type(exc).__name__}: {exc}"
            progress(f"run aborted: {aborted}")
        finally:
            # Teardown cannot be skipped: evidence is gathered in its own try, the stack goes down in that
            # try's finally whatever gathering did (a RecursionError, a second Ctrl-C), and the report is
            # written in a try of its own after that.
            if ctx is not None:
                ctx.stop.set()
            stack_info: dict[str, Any] = {}
            evidence: dict[str, bytes] = dict(evidence_extra or {}) | {"versions.json": b"{}\n"}
            with contextlib.suppress(Exception):  # what `check` needs, even when gathering the rest fails
                evidence |= scenario_evidence(scenario, tier)
            try:
                try:
                    stack_info, evidence = _gather_evidence(
                        stack, scenario, tier, evidence_extra, Path(load_dir.name), quick=aborted is not None
                    )
                except BaseException as exc:
                    evidence["evidence-error.txt"] = f"{type(exc).__name__}: {exc}"[:2000].encode()
                    progress(f"evidence incomplete: {type(exc).__name__}")
                    if isinstance(exc, KeyboardInterrupt):
                        aborted, interrupted = aborted or "interrupted (Ctrl-C or SIGTERM)", exc
            finally:
                load_dir.cleanup()
                if owned:
                    stack.down()
            try:
                if aborted is not None:
                    history.record("runner", "info", h.ABORT, {"reason": aborted})
                outcome = write_report(
                    run_dir, scenario, tier, history.events(), stack.run_id, started_at, stack_info, evidence, sign_key
                )
                progress(f"run directory: {outcome.run_dir} (verdict {outcome.verdict})")
            except Exception as exc:
                progress(f"report not written: {type(exc).__name__}: {exc}")
                reason = aborted or f"report not written: {type(exc).__name__}: {exc}"
                outcome = RunOutcome(run_dir, "unknown", EXIT_CODES["unknown"], {"aborted_reason": reason})
    if interrupted is not None:
        raise interrupted
    return outcome


def config_for(scenario: Scenario) -> StackConfig:
    """The stack a run brings up for itself: of the one kind the scenario needs (Patroni with its settings),
    else the reference stack."""
    if len(scenario.modes) == 1 and scenario.modes[0] == "patroni":
        try:
            settings = parse_settings(scenario.patroni)
        except ValueError as exc:
            raise HarnessError(f"{scenario.source or scenario.name}: field patroni: {exc}") from None
        return StackConfig(ha="patroni", patroni=settings)
    if len(scenario.modes) == 1:
        return StackConfig(ha=scenario.modes[0])
    return StackConfig()


def require_mode(scenario: Scenario, stack: StackHandle) -> None:
    """One line and no run when the stack cannot run the scenario: of a kind the scenario cannot run on, or
    lacking what one of its steps needs (the registry of stack kinds says why)."""
    if not scenario.runs_on(stack.mode):
        needs = " or ".join(scenario.modes)
        only = len(scenario.modes) == 1 and scenario.modes[0] == "patroni"
        why = "requires: {ha: patroni}" if only else "its steps are a manual runbook"
        kind = STACK_KINDS.get(scenario.modes[0]) if len(scenario.modes) == 1 else None
        hint = kind.up_hint if kind is not None else "odoo-chaos up"
        raise HarnessError(
            f"scenario {scenario.name} runs on a {needs} stack ({why}); this stack ({stack.run_id}) is "
            f"{stack.mode}: bring one up with `{hint}`"
        )
    shape: Shape | None = None
    for i, step in enumerate(scenario.steps_for(stack.mode)):
        owner = FAULTS.get(step.fault) if step.fault else ACTIONS.get(step.action) if step.action else None
        if owner is None:
            continue
        shape = shape or Shape.of(stack)
        reason = why_not(shape, owner, step.target)
        if reason is not None:
            raise HarnessError(f"scenario {scenario.name}: steps.{i}: {reason} (stack {stack.run_id})")


def _gather_evidence(
    stack: StackHandle,
    scenario: Scenario,
    tier: Tier,
    extra: dict[str, bytes] | None,
    load_dir: Path,
    *,
    quick: bool,
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Versions and evidence (logs, the scenario and tier as run, Locust's log) while the stack still runs.

    `quick` (an aborted or interrupted run) skips asking every service its version: with a service
    hung, each question waits for its timeout, and teardown must come first.
    """
    stack_info = {} if quick else stack.inventory()
    evidence = _evidence(stack, scenario, tier) | (extra or {})
    for path in sorted(load_dir.glob("locust.log")):
        evidence["load/locust.log"] = path.read_bytes()
    evidence["versions.json"] = json.dumps(stack_info, indent=2).encode()
    return stack_info, evidence


def _drive(
    scenario: Scenario,
    stack: StackHandle,
    history: History,
    ctx: ProbeContext,
    progress: Progress,
    side_effects: Sequence[SideEffect],
    stop_file: Path | None,
    loader: LoadRun | None = None,
    drill: Drill = REAL,
) -> None:
    threads = [
        threading.Thread(target=body, name=f"probe-{i}", daemon=True)
        for i, body in enumerate(drill.probes(ctx, scenario.probes))
    ]
    # this run's Patroni settings, on the running cluster (the warm reset puts them back); a scenario that
    # also runs on a stack without an HA manager (zone-outage) states them for its Patroni runs only
    if scenario.patroni and isinstance(stack, HaControl):
        applied = stack.configure_ha(scenario.patroni)
        history.record("runner", "ok", h.PHASE, {"phase": "ha-settings", "settings": dict(scenario.patroni)})
        progress(f"Patroni settings for this run: {applied}")
    elif scenario.patroni:
        progress(f"the scenario's Patroni settings do not apply: a {stack.mode} stack has no HA manager")
    try:
        if loader is not None:  # the users ramp up and settle before the drill's clock starts
            warmup = loader.warmup_seconds()
            loader.start(run_time=warmup + scenario.duration + scenario.settle)
            progress(f"load warming up for {warmup:.0f}s before the drill starts")
            if ctx.stop.wait(warmup):
                return
        history.record(
            "runner",
            "ok",
            h.PHASE,
            {
                "phase": "probes",
                "probes": list(scenario.probes),
                "journeys": journeys_of(scenario.probes),  # op -> user journey, from the probes' registrations
                "lanes": dict(ctx.lanes),
                "period": ctx.period,
                "stable_for": scenario.stable_for,
                "stack": stack.description,
                "mode": stack.mode,
            },
        )
        progress(f"probes running ({', '.join(scenario.probes)}) for {scenario.duration:.0f}s")
        for thread in threads:
            thread.start()
        _steps(scenario, stack, history, ctx, progress, side_effects, stop_file, drill.steady_timeout)
    finally:
        if loader is not None:
            loader.stop()
    history.record("runner", "ok", h.PHASE, {"phase": "probes-stopped"})
    ctx.stop.set()
    for thread in threads:
        if thread.ident is not None:  # started (a stopped warm-up starts none)
            thread.join(timeout=ctx.timeout + 5)
    history.record("runner", "ok", h.PHASE, {"phase": "final-read"})
    progress("final read")
    drill.final_read(ctx)


def _steps(
    scenario: Scenario,
    stack: StackHandle,
    history: History,
    ctx: ProbeContext,
    progress: Progress,
    side_effects: Sequence[SideEffect],
    stop_file: Path | None,
    steady_timeout: float = STEADY_TIMEOUT,
) -> None:
    """Steady state, the steps, idle to the end, heal always, settle, steady state after recovery."""
    executor = Executor(scenario, stack, history, ctx.stop, progress, stop_file)
    for at, fn in side_effects:
        _after(ctx, executor.origin + at, fn, stack, history)
    try:
        broken = executor.steady_state("before", steady_timeout)
        if broken:
            raise SteadyStateNotMet(f"steady state did not hold before the first step: {', '.join(broken)}")
        executor.run_steps()
        executor.idle_until_end()
    finally:
        executor.heal_all()  # heal always, whatever happened above
    history.record("runner", "ok", h.PHASE, {"phase": "settle"})
    ctx.stop.wait(scenario.settle)
    if scenario.steady_state:
        progress("checking the steady state after recovery")
        executor.steady_state("after", steady_timeout)


def _after(
    ctx: ProbeContext, at: float, fn: Callable[[StackHandle, History], None], stack: StackHandle, history: History
) -> None:
    """Run a calibration side effect at run time `at` on its own thread (it acts behind the harness's back)."""

    def later() -> None:
        if not ctx.stop.wait(max(0.0, at - history.now())):
            fn(stack, history)

    threading.Thread(target=later, daemon=True).start()


def scenario_evidence(scenario: Scenario, tier: Tier) -> dict[str, bytes]:
    """The scenario and the tier as run: what `odoo-chaos check` judges the history with again."""
    evidence: dict[str, bytes] = {}
    if scenario.source and Path(scenario.source).is_file():
        evidence["scenario.yaml"] = Path(scenario.source).read_bytes()
    evidence["scenario.json"] = json.dumps(asdict(scenario), indent=2, default=str).encode()
    evidence["tier.json"] = json.dumps(asdict(tier), indent=2, default=str).encode()
    return evidence


def _evidence(stack: StackHandle, scenario: Scenario, tier: Tier) -> dict[str, bytes]:
    evidence = scenario_evidence(scenario, tier)
    for service in stack.services():
        with contextlib.suppress(Exception):
            evidence[f"logs/{service}.log"] = stack.service(service).logs(tail=5000, timestamps=True)
    return evidence


def write_report(
    run_dir: Path,
    scenario: Scenario,
    tier: Tier,
    events: Sequence[h.Event],
    run_id: str,
    started_at: str,
    stack_info: dict[str, Any],
    evidence: dict[str, bytes],
    sign_key: Path | None,
) -> RunOutcome:
    """Judge the run (`harness.verdict.judgement`) and write its directory: reports, evidence, SHA256SUMS, signature."""
    from harness.programme.index import record_finished
    from harness.verdict import signing

    key = signing.load_private_key(sign_key) if sign_key is not None else None
    summary = summarise_run(
        scenario,
        tier,
        events,
        run_id=run_id,
        started_at=started_at,
        ended_at=h.iso(datetime.now(UTC)),
        stack=stack_info,
        signed_by=signing.fingerprint(key.public_key()) if key is not None else None,
    )
    write_run_dir(run_dir, summary, events, evidence=evidence)
    if key is not None:
        signing.sign_run_dir(run_dir, key)
    record_finished(run_dir)  # the run index beside the reports (harness.programme.index); never raises
    report = json.loads((run_dir / "report.json").read_text())
    return RunOutcome(run_dir, summary.verdict, EXIT_CODES[summary.verdict], report)


__all__ = ["EXIT_CODES", "REAL", "Drill", "RunOutcome", "SideEffect", "run_scenario"]
