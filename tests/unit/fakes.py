"""A `FakeStack`: the `StackHandle` seam without Docker, for unit tests of what runs against a stack.

Each service is a `FakeService` with a state (`running`, `paused`, `exited`), and each PostgreSQL
node a role. The fake answers the commands the harness sends (the psql queries of
`harness.stack.db`: the role, `pg_promote`, the replication view, a slot) like a two-node
PostgreSQL cluster would; a task named `<node>-rejoin` (a pg_rewind or re-clone) makes that node a
standby of the other when it starts again. Tests add their own answers with `on_exec` hooks and
read what happened in `calls`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.errors import HarnessError
from harness.core.history import History
from harness.edge.credentials import Credentials
from harness.stack import db, topology
from harness.stack.endpoints import Endpoints, StackConfig
from harness.stack.handle import Exec, Task

PG = (topology.PG_PRIMARY, topology.PG_STANDBY)
ExecHook = Callable[["FakeService", Sequence[str], Mapping[str, str]], Exec | None]


@dataclass(eq=False)
class FakeService:
    name: str
    stack: FakeStack = field(repr=False)
    state: str = "running"
    role: str | None = None  # PostgreSQL nodes: "primary" or "standby" (what the data directory says)
    networks: set[str] = field(default_factory=set)
    generation: int = 1

    @property
    def short_id(self) -> str:
        return f"{self.name[:6]}{self.generation:06d}"

    @property
    def status(self) -> str:
        return self.state

    @property
    def pid(self) -> int:
        return 1000 + self.generation if self.state in ("running", "paused") else 0

    def addresses(self) -> dict[str, str]:
        return {
            self.stack.network_name(net): f"10.0.{i}.{self.generation}" for i, net in enumerate(sorted(self.networks))
        }

    def volume_at(self, path: str) -> str | None:
        if path == "/var/lib/postgresql/data" and self.name in PG:
            return f"{self.name}-data"
        return "backup-repo" if path == "/backup" and (self.name in PG or self.name == topology.BACKUP) else None

    def exec(
        self, command: Sequence[str], user: str | None = None, environment: Mapping[str, str] | None = None
    ) -> Exec:
        self.stack.calls.append(("exec", self.name, " ".join(command)))
        if self.state != "running":
            return Exec(1, f"container {self.name} is not running")
        for hook in self.stack.on_exec:
            answer = hook(self, command, environment or {})
            if answer is not None:
                return answer
        return self.stack.answer(self, " ".join(command))

    def netns_exec(self, command: Sequence[str]) -> Exec:
        self.stack.calls.append(("netns", self.name, " ".join(command)))
        return Exec(0, "")

    def pause(self) -> None:
        self._record("pause")
        self.state = "paused"

    def unpause(self) -> None:
        self._record("unpause")
        self.state = "running"

    def kill(self, signal: str | None = None) -> None:
        self._record(f"kill {signal or 'SIGKILL'}")
        self.state = "exited"

    def stop(self, timeout: float) -> None:
        self._record("stop")
        self.state = "exited"

    def start(self) -> None:
        self._record("start")
        self.state = "running"
        pending = self.stack.becomes.pop(self.name, None)
        if pending is not None:
            self.role = pending

    def restart(self, timeout: float) -> None:
        self._record("restart")
        self.state = "running"

    def wait(self, timeout: float) -> int:
        return 0

    def logs(self, tail: int = 50, timestamps: bool = False) -> bytes:
        return b""

    def last_lines(self, count: int = 5) -> list[str]:
        return []

    def _record(self, what: str) -> None:
        self.stack.calls.append((what, self.name, ""))


@dataclass(eq=False)
class FakeStack:
    run_id: str = "20260101-0000-abcdef"
    mode: str = "manual"
    description: str = "a fake stack (unit tests)"
    releases: dict[str, str | None] = field(default_factory=lambda: dict.fromkeys(topology.ODOO_NODES))
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    on_exec: list[ExecHook] = field(default_factory=list)
    becomes: dict[str, str] = field(default_factory=dict)  # node -> role it has when it next starts
    nodes: dict[str, FakeService] = field(default_factory=dict, repr=False)
    credentials: Credentials = field(default_factory=Credentials)
    config: StackConfig = field(default_factory=StackConfig)
    broken_releases: set[str] = field(default_factory=lambda: {"broken-start"})
    up: bool = True

    def __post_init__(self) -> None:
        for name in topology.SERVICE_NAMES:
            spec = topology.service(name)
            role = {topology.PG_PRIMARY: "primary", topology.PG_STANDBY: "standby"}.get(name)
            self.nodes[name] = FakeService(name, self, role=role, networks=set(spec.networks))

    # --- StackHandle -----------------------------------------------------------------------
    @property
    def layout(self) -> topology.Layout:
        return topology.MANUAL

    @property
    def automatic_failover(self) -> bool:
        return self.mode != "manual"

    def configure_ha(self, given: Mapping[str, object]) -> str:
        self.calls.append(("configure-ha", ",".join(f"{k}={v}" for k, v in sorted(given.items())), ""))
        if not self.automatic_failover:
            raise HarnessError("a manual stack has no HA settings (they are for `--ha patroni`)")
        return ", ".join(f"{k} {v}" for k, v in sorted(given.items()))

    def switch_back(self) -> str | None:
        switched = db.switch_back(self)
        return None if switched is None else f"pg-primary is primary again; pg-standby {switched.method}"

    @property
    def odoo_image(self) -> str:
        return self.config.odoo_image

    @property
    def backup_stanza(self) -> str:
        return "odoo"

    @property
    def endpoints(self) -> Endpoints:
        return Endpoints(
            self.run_id, "https://127.0.0.1:1", "http://127.0.0.1:2", "odoo", "admin", "secret", "/ca.pem", 3, 4, "pg"
        )

    def start(self) -> Endpoints:
        return self.endpoints

    def down(self) -> float:
        self.up = False
        return 0.0

    def inventory(self) -> dict[str, dict[str, str]]:
        return {name: {"image": f"fake/{name}", "image_id": "sha256:0", "version": "1"} for name in self.nodes}

    def service(self, name: str) -> FakeService:
        if name not in self.nodes:
            raise HarnessError(f"unknown target {name!r}")
        return self.nodes[name]

    def services(self) -> tuple[str, ...]:
        return tuple(name for name in topology.SERVICE_NAMES if name in self.nodes)

    def network_name(self, network: str) -> str:
        return f"oc-{self.run_id}-{network}"

    def volume_name(self, role: str) -> str:
        return f"oc-{self.run_id}-{role}"

    def disconnect(self, service: str, network: str) -> bool:
        node = self.service(service)
        self.calls.append(("disconnect", service, network))
        if network not in node.networks:
            return False
        node.networks.discard(network)
        return True

    def reconnect(self, service: str) -> list[str]:
        node = self.service(service)
        missing = sorted(set(topology.service(service).networks) - node.networks)
        node.networks |= set(missing)
        self.calls.append(("reconnect", service, ",".join(missing)))
        return missing

    def replace_odoo_node(self, node: str, timeout: float = 120.0, release: str | None = None) -> None:
        self.calls.append(("replace", node, str(release)))
        old = self.service(node)
        self.nodes[node] = FakeService(node, self, networks=set(old.networks), generation=old.generation + 1)
        self.releases[node] = release
        if release in self.broken_releases:
            self.nodes[node].state = "exited"
            raise HarnessError(f"fresh {node} exited with code 1: chaos_node_header 2.0.0: KEY is not set")

    def destroy(self, services: tuple[str, ...]) -> list[str]:
        for name in services:
            del self.nodes[name]
        self.calls.append(("destroy", ",".join(services), ""))
        return [f"{name}-data" for name in services]

    def recreate_volume(self, role: str) -> str:
        self.calls.append(("volume", role, ""))
        return self.volume_name(role)

    def start_service(self, service: str) -> FakeService:
        spec = topology.service(service)
        role = "primary" if service == topology.PG_PRIMARY else "standby" if service == topology.PG_STANDBY else None
        self.nodes[service] = FakeService(service, self, role=role, networks=set(spec.networks))
        self.calls.append(("start-service", service, ""))
        return self.nodes[service]

    def run_task(self, task: Task) -> tuple[int, str]:
        self.calls.append(("task", task.name, task.network or ""))
        if task.name.endswith("-rejoin"):
            node = task.name.removesuffix("-rejoin")
            self.becomes[node] = "standby"
            return 0, "method=re-clone" if task.environment.get("FORCE_RECLONE") else "method=pg_rewind"
        return 0, ""

    def serving(self) -> bool:
        return all(self.nodes[node].state == "running" for node in topology.ODOO_NODES if node in self.nodes)

    # --- the PostgreSQL cluster it pretends to be ------------------------------------------
    def primaries(self) -> list[str]:
        return [
            name
            for name in PG
            if name in self.nodes and self.nodes[name].state == "running" and self.nodes[name].role == "primary"
        ]

    def answer(self, node: FakeService, command: str) -> Exec:
        if "pg_is_in_recovery()" in command:
            return Exec(0, "t" if node.role == "standby" else "f")
        if "pg_promote(" in command:
            node.role = "primary"
            return Exec(0, "t")
        if "FROM pg_stat_replication" in command:
            follower = next((name for name in PG if f"'{name}'" in command), "")
            other = self.nodes.get(follower)
            streaming = (
                other is not None and other.state == "running" and other.role == "standby" and node.role == "primary"
            )
            return Exec(0, "1" if streaming else "0")
        return Exec(0, "")


def run_steps(data: Mapping[str, object], stack: FakeStack, tmp_path: Path) -> History:
    """A one-second scenario's steps (`data` adds to it) run by the real executor on `stack`, always healed."""
    from harness.drill.executor import Executor
    from harness.scenario.load import parse_scenario

    plan = parse_scenario({"name": "recipe", "summary": "s", "duration": "1s", "settle": "0s", **data})
    history = History()
    executor = Executor(plan, stack, history, threading.Event(), lambda _: None, tmp_path / "STOP")  # type: ignore[arg-type]
    try:
        executor.run_steps()
    finally:
        executor.heal_all()
    return history
