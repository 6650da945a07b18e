"""Safe paths and teardown without Docker: run ids, state removal, label sweeps, down --all, the runner's
teardown order and the SIGTERM watchdog."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from harness import cli
from harness.cli import backup as cli_backup
from harness.core.errors import HarnessError
from harness.edge import cleanup, labels, state
from harness.files.tiers import load_tiers
from harness.scenario.model import Scenario

ROOT = Path(__file__).resolve().parents[2]
RUN = "20261123-1813-e436dd"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "odoo-chaos" / "runs"


def test_run_ids_have_one_shape() -> None:
    assert labels.is_run_id(labels.new_run_id()) and labels.is_run_id("seed-0123abcd-e436dd")
    for bad in ("../../../../etc", "", "20261123-1813-e436dd/..", "20261123-1813-E436DD", "x" * 300, "/etc"):
        assert not labels.is_run_id(bad)
    with pytest.raises(
        HarnessError, match=r"^RUN_ID: '\.\./etc' is not a run id \(they look like 20261123-1813-e436dd"
    ):
        labels.require_run_id("../etc", "RUN_ID")


def test_state_refuses_other_ids_and_never_follows_a_symlink(cache: Path, tmp_path: Path) -> None:
    state.save(RUN, "endpoints.json", b"{}")
    state.forget(RUN)
    assert not (cache / RUN).exists()
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep").write_text("x")
    other = "20261123-1813-aaaaaa"
    (cache / other).symlink_to(precious)
    state.forget(other)
    assert not (cache / other).exists() and (precious / "keep").exists()
    for bad in ("../../../../etc", "..", "../precious"):
        with pytest.raises(HarnessError):
            state.forget(bad)
    assert (precious / "keep").exists()


@dataclass
class FakeObject:
    name: str
    labels: dict[str, str]
    removed: list[str] = field(default_factory=list)

    @property
    def attrs(self) -> dict[str, Any]:
        return {"Labels": self.labels}

    def remove(self, **_: Any) -> None:
        self.removed.append(self.name)


def test_labels_that_are_no_run_id_are_not_the_harness_s(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = {labels.OWNER_PID: "999999999", labels.OWNER_HOST: os.uname().nodename}
    hostile = FakeObject("evil", {labels.RUN: "../../../../etc", **dead})
    ours = FakeObject("oc-x", {labels.RUN: RUN, **dead})
    monkeypatch.setattr(cleanup.docker, "containers", lambda label: [hostile, ours])
    monkeypatch.setattr(cleanup.docker, "networks", lambda label: [])
    monkeypatch.setattr(cleanup.docker, "volumes", lambda label: [])
    monkeypatch.setattr(labels, "owner_is_gone", lambda tags: True)
    assert [run.run_id for run in cleanup.list_runs()] == [RUN]
    removed: list[str] = []
    monkeypatch.setattr(cleanup, "remove_run", lambda run_id: removed.append(run_id) or 0)
    assert cleanup.sweep_dead_runs() == [RUN] and removed == [RUN]


def _run(run_id: str, *, gone: bool, detached: bool) -> cleanup.RunObjects:
    return cleanup.RunObjects(run_id, ("c",), ("n",), ("v",), gone, detached, "pid 1 on host")


def test_down_all_lists_first_and_keeps_live_runs_unless_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    live, up, dead = "20261123-1813-aaaaaa", "20261123-1813-bbbbbb", "20261123-1813-cccccc"
    runs = [
        _run(live, gone=False, detached=False),
        _run(up, gone=True, detached=True),
        _run(dead, gone=True, detached=False),
    ]
    removed: list[str] = []
    monkeypatch.setattr(cleanup, "list_runs", lambda: runs)
    monkeypatch.setattr(cleanup, "remove_run", lambda run_id: removed.append(run_id) or 3)
    monkeypatch.setattr(state, "forget", lambda run_id: None)
    monkeypatch.setattr(signal, "signal", lambda *_: None)
    result = CliRunner().invoke(cli.app, ["down", "--all"])
    assert result.exit_code == 0, result.output
    assert removed == [up, dead]
    lines = result.output.splitlines()
    assert (
        lines[0]
        == f"keeping (--force removes it): run {live}, owner running (pid 1 on host), 1 containers, 1 networks, 1 volumes"
    )
    assert lines[1].startswith(f"will remove: run {up}, detached (odoo-chaos up)")
    assert lines.index(f"will remove: run {dead}, owner gone (pid 1 on host), 1 containers, 1 networks, 1 volumes") < 3
    removed.clear()
    assert CliRunner().invoke(cli.app, ["down", "--all", "--force"]).exit_code == 0
    assert removed == [live, up, dead]


class FakeStack:
    def __init__(self, *_: Any, **__: Any) -> None:
        self.run_id = RUN
        self.mode = "manual"
        self.endpoints = SimpleNamespace()
        self.containers: dict[str, Any] = {}
        self.downs = 0

    def down(self) -> float:
        self.downs += 1
        return 0.0


@pytest.mark.parametrize("failure", [RecursionError("evidence"), KeyboardInterrupt()])
def test_the_stack_goes_down_before_the_report_whatever_evidence_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    from harness.drill import runner

    stacks: list[FakeStack] = []

    def make_stack(*args: Any, **kwargs: Any) -> FakeStack:
        stacks.append(FakeStack())
        return stacks[-1]

    def evidence(*_: Any, **__: Any) -> Any:
        assert stacks[0].downs == 0, "evidence is gathered while the stack still runs"
        raise failure

    order: list[str] = []
    real_report = runner.write_report

    def report(*args: Any) -> Any:
        order.append(f"report after {stacks[0].downs} down")
        return real_report(*args)

    monkeypatch.setattr(runner, "make_stack", make_stack)
    monkeypatch.setattr(runner, "_drive", lambda *args: None)
    monkeypatch.setattr(runner, "_gather_evidence", evidence)
    monkeypatch.setattr(runner, "write_report", report)
    plan = Scenario("t", "s", "tier-1", 1.0, 0.0, ("business-write",))
    tier = load_tiers()["tier-1"]
    drill = runner.Drill(next_seq=lambda stack: 1, probe_uid=lambda endpoints: None)
    if isinstance(failure, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            runner.run_scenario(plan, tier, tmp_path, drill=drill)
    else:
        runner.run_scenario(plan, tier, tmp_path, drill=drill)
    assert stacks[0].downs == 1 and order == ["report after 1 down"]
    (run_dir,) = (path for path in tmp_path.iterdir() if path.is_dir())  # beside it: the run index
    assert (run_dir / "report.json").is_file()
    assert type(failure).__name__ in (run_dir / "evidence" / "evidence-error.txt").read_text()


_STUCK = """
import os, signal, sys
from harness.edge import watchdog
watchdog.FORCE_AFTER, watchdog.EXIT_AFTER = 1.0, 3.0
watchdog.start()
watchdog.claim("20261123-1813-e436dd")
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a handler that never gets to run:
print("ready", flush=True)
sum(range(10**12))  # the main thread is stuck in one C call that holds the GIL
"""


def test_the_watchdog_tears_down_when_the_main_thread_cannot(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DOCKER_HOST": "unix:///nonexistent.sock",
        "XDG_CACHE_HOME": str(tmp_path),
    }
    stuck = subprocess.Popen(
        [sys.executable, "-c", _STUCK], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert stuck.stdout is not None and stuck.stdout.readline() == "ready\n"
    time.sleep(0.5)  # well inside sum() by now: a signal before it would let the handler run
    started = time.monotonic()
    stuck.send_signal(signal.SIGTERM)
    stuck.wait(timeout=30)
    assert stuck.returncode == -signal.SIGKILL and time.monotonic() - started < 10
    assert stuck.stderr is not None
    said = stuck.stderr.read()
    assert "watchdog: the command did not tear down within 1s of the signal: killing it" in said
    assert "20261123-1813-e436dd" in said  # then it removed the run by label (here: no engine to ask)


def test_backup_commands_refuse_another_process_s_drill(monkeypatch: pytest.MonkeyPatch) -> None:
    other = cleanup.RunObjects(RUN, ("c",), (), (), False, False, "pid 1 on elsewhere")
    attached: list[str] = []
    monkeypatch.setattr(cleanup, "list_runs", lambda: [other])
    monkeypatch.setattr(
        cli_backup.Stack, "attach", classmethod(lambda cls, run_id, progress=None: attached.append(run_id))
    )
    with pytest.raises(
        HarnessError, match=rf"^run {RUN} is a live drill, owned by pid 1 on elsewhere, .*--force acts on it anyway$"
    ):
        cli_backup.attached(RUN)
    cli_backup.attached(RUN, force=True)
    mine = cleanup.RunObjects(RUN, ("c",), (), (), False, False, f"pid {os.getpid()} on {os.uname().nodename}")
    monkeypatch.setattr(cleanup, "list_runs", lambda: [mine])
    cli_backup.attached(RUN)
    assert attached == [RUN, RUN]
