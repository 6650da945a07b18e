"""The seam between the harness and a system under test: `StackHandle` and `ServiceHandle`.

Faults, runbook actions, conditions, the database runbook (`harness.stack.db`), the backup
repository (`harness.stack.backup`), health checks and the warm reset take these protocols, never
a concrete stack. The reference stack (`harness.stack.stack.Stack`, Docker) implements them; so
does `FakeStack` in the unit tests, which is how "heal never makes a second primary" and the warm
reset are tested without Docker. A new kind of stack (an HA mode, a user's own deployment) is one
new implementation.

A service handle is what a fault may touch: one running node of the stack, found by service name
(`pg-primary`, `odoo-1`, ...) and refused unless it carries the run's label. Its operations are
those an operator has on a node: freeze and thaw it, signal it, start and stop it, run a command
inside it, read its logs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from harness.core.commands import Exec

if TYPE_CHECKING:
    from harness.edge.credentials import Credentials
    from harness.stack.endpoints import Endpoints, StackConfig
    from harness.stack.topology import Layout


@dataclass(frozen=True, slots=True)
class Task:
    """A one-off task container next to the stack (a pg_rewind, a restore, a corruption): what it runs on."""

    name: str  # short, unique within the run: becomes part of the container's name and its service label
    image: str
    script: str  # bash
    timeout: float
    volumes: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # volume -> (bind path, mode)
    environment: Mapping[str, str] = field(default_factory=dict)
    network: str | None = None  # a network of the stack (`interzone`), or None: no network at all
    user: str = "postgres"


class ServiceHandle(Protocol):
    """One node of the stack, as an operator handles it."""

    @property
    def name(self) -> str: ...

    @property
    def short_id(self) -> str: ...

    @property
    def status(self) -> str:
        """`running`, `paused`, `exited`, `created`, ... read now."""
        ...

    @property
    def pid(self) -> int: ...

    def addresses(self) -> dict[str, str]:
        """Network name (as the engine names it) -> the node's address on it."""
        ...

    def volume_at(self, path: str) -> str | None: ...

    def exec(
        self, command: Sequence[str], user: str | None = None, environment: Mapping[str, str] | None = None
    ) -> Exec: ...

    def netns_exec(self, command: Sequence[str]) -> Exec:
        """Run a host command inside the node's network namespace (`tc`, `iptables`, `ip`): the images need
        neither the tools nor the capability, and a frozen node's namespace is still reachable."""
        ...

    def pause(self) -> None: ...

    def unpause(self) -> None: ...

    def kill(self, signal: str | None = None) -> None: ...

    def stop(self, timeout: float) -> None: ...

    def start(self) -> None: ...

    def restart(self, timeout: float) -> None: ...

    def wait(self, timeout: float) -> int: ...

    def logs(self, tail: int = 50, timestamps: bool = False) -> bytes: ...

    def last_lines(self, count: int = 5) -> list[str]: ...


class StackHandle(Protocol):
    """A running stack: its services, networks and volumes, and the node surgery the runbook needs."""

    @property
    def run_id(self) -> str: ...

    @property
    def mode(self) -> str:
        """How the stack fails over: `manual` (by runbook) or an HA mode (`patroni`)."""
        ...

    @property
    def description(self) -> str:
        """What is tested, in words, for the reports ("the harness's reference stack, ...")."""
        ...

    @property
    def layout(self) -> Layout:
        """Its shape: services, zones, networks (what a scenario's targets stand for on this stack)."""
        ...

    @property
    def automatic_failover(self) -> bool:
        """True when the stack fails over and rejoins nodes by itself (Patroni): heal then only brings
        nodes back and the HA manager demotes or rewinds them; False: heal fences and rejoins a
        returning old primary itself (`harness.stack.db.follow`), so it never makes a second primary."""
        ...

    def configure_ha(self, given: Mapping[str, object]) -> str:
        """Apply a scenario's HA settings for one run (Patroni's: `patronictl edit-config`); what now
        applies, in words. HarnessError on a stack that has none (the warm reset puts them back)."""
        ...

    def switch_back(self) -> str | None:
        """Give pg-primary the primary role back, pg-standby streaming from it (the warm reset's
        controlled switchover); what was done, in words, or None when nothing was needed."""
        ...

    def start(self) -> Endpoints:
        """Bring it up (a stack that is already up: return its endpoints)."""
        ...

    def down(self) -> float:
        """Tear down everything it created; the seconds it took."""
        ...

    def inventory(self) -> dict[str, dict[str, str]]:
        """Service -> {"image", "image_id", "version"}: what exactly ran, for the evidence."""
        ...

    @property
    def endpoints(self) -> Endpoints | None: ...

    @property
    def credentials(self) -> Credentials: ...

    @property
    def config(self) -> StackConfig: ...

    @property
    def releases(self) -> dict[str, str | None]:
        """The release each Odoo node runs (None: the shipped addons)."""
        ...

    def service(self, name: str) -> ServiceHandle:
        """The node called `name`; HarnessError for an unknown service or one without the run's label."""
        ...

    def services(self) -> tuple[str, ...]:
        """The services that exist right now (a destroyed region's are gone until restored)."""
        ...

    def network_name(self, network: str) -> str:
        """The engine's name of one of the stack's networks (`interzone` -> `oc-<run>-interzone`)."""
        ...

    def volume_name(self, role: str) -> str:
        """The engine's name of one of the stack's volumes (`pg-primary-data`, `backup-repo`)."""
        ...

    def disconnect(self, service: str, network: str) -> bool: ...

    def reconnect(self, service: str) -> list[str]: ...

    def replace_odoo_node(self, node: str, timeout: float = 120.0, release: str | None = None) -> None: ...

    def destroy(self, services: tuple[str, ...]) -> list[str]: ...

    def recreate_volume(self, role: str) -> str: ...

    def start_service(self, service: str) -> ServiceHandle: ...

    def run_task(self, task: Task) -> tuple[int, str]:
        """Run a one-off labelled task container to its end (removed whatever happened): exit code and output."""
        ...

    def serving(self) -> bool:
        """Both Odoo nodes serve and a business read through the front door works: the stack is usable."""
        ...
