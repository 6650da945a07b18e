"""The seam between the harness and a system under test: a small `StackHandle`, and capabilities beside it.

Every kind of stack (`harness.stack.kinds`: the reference stack, its Patroni mode, a team's own
deployment) implements the core protocol `StackHandle`: what it is (run id, kind, description,
layout), how it is reached (endpoints, each node as a `ServiceHandle` with `exec`), how heal treats
a returning node (`automatic_failover`), and its lifecycle (start, down, inventory, serving). What
only some stacks can do is a capability protocol of its own:

- `NetworkCut`: disconnect a node from one of the stack's networks and reconnect it (`partition`);
- `NodeSurgery`: task containers on the nodes' volumes, destroying and rebuilding nodes (a rejoin by
  pg_rewind, block corruption, losing and rebuilding a region);
- `PgBackRest`: the stack's own pgBackRest repository and stanza (backups, point-in-time restores);
- `OdooFleet`: replacing an Odoo node with a fresh container on a release (`replace-node`, releases);
- `HaControl`: an HA manager's settings for one run (a scenario's `patroni:`, `patroni-switchover`);
- `WarmReset`: a controlled switch back to pg-primary between two runs on one stack (campaigns).

A fault or action names the capabilities it needs (`needs`); the registry of stack kinds refuses,
before anything starts and with the reason, a drill whose steps need one its stack lacks, and
`capable(stack, Capability)` is how a step reaches a capability at run time (a HarnessError naming
both when the stack lacks it). The reference stack (`harness.stack.stack.Stack`, Docker) and its
Patroni mode implement every capability; so does `FakeStack` in the unit tests.

A service handle is what a fault may touch: one running node of the stack, found by service name
(`pg-primary`, `odoo-1`, ...) and refused unless the stack owns it (the run's label, or a target's
allow-list). Its operations are those an operator has on a node: freeze and thaw it, signal it,
start and stop it, run a command inside it or in its network namespace, read its logs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from harness.core.commands import Exec
from harness.core.errors import HarnessError

if TYPE_CHECKING:
    from harness.edge.credentials import Credentials
    from harness.stack.endpoints import Endpoints
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


@runtime_checkable
class StackHandle(Protocol):
    """A running stack of any kind: what it is, how it is reached, how heal treats a node, its lifecycle."""

    @property
    def run_id(self) -> str: ...

    @property
    def mode(self) -> str:
        """Its kind (`harness.stack.kinds`): `manual` (failed over by runbook), `patroni`, ..."""
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

    @property
    def endpoints(self) -> Endpoints | None: ...

    @property
    def credentials(self) -> Credentials:
        """The database and Odoo credentials the harness uses on it (kept out of every report)."""
        ...

    def service(self, name: str) -> ServiceHandle:
        """The node called `name`; HarnessError for an unknown service or one the stack does not own."""
        ...

    def services(self) -> tuple[str, ...]:
        """The services that exist right now (a destroyed region's are gone until restored)."""
        ...

    def start(self) -> Endpoints:
        """Bring it up, or reach it (a stack that is already up: return its endpoints)."""
        ...

    def down(self) -> float:
        """Tear down everything it created (nothing else); the seconds it took."""
        ...

    def inventory(self) -> dict[str, dict[str, str]]:
        """Service -> {"image", "image_id", "version"}: what exactly ran, for the evidence."""
        ...

    def serving(self) -> bool:
        """Both Odoo nodes serve and a business read through the front door works: the stack is usable."""
        ...


@runtime_checkable
class NetworkCut(Protocol):
    """Cutting a node off one of the stack's networks, and putting it back with its address and aliases."""

    def network_name(self, network: str) -> str:
        """The engine's name of one of the stack's networks (`interzone` -> `oc-<run>-interzone`)."""
        ...

    def disconnect(self, service: str, network: str) -> bool: ...

    def reconnect(self, service: str) -> list[str]: ...


@runtime_checkable
class NodeSurgery(Protocol):
    """What the runbook does beside and to the nodes: task containers on their volumes, losing and rebuilding them."""

    def volume_name(self, role: str) -> str:
        """The engine's name of one of the stack's volumes (`pg-primary-data`, `backup-repo`)."""
        ...

    def run_task(self, task: Task) -> tuple[int, str]:
        """Run a one-off labelled task container to its end (removed whatever happened): exit code and output."""
        ...

    def destroy(self, services: tuple[str, ...]) -> list[str]: ...

    def recreate_volume(self, role: str) -> str: ...

    def start_service(self, service: str) -> ServiceHandle: ...


@runtime_checkable
class PgBackRest(Protocol):
    """The stack's own pgBackRest repository: a `backup` service and the stanza every PostgreSQL node archives to."""

    @property
    def backup_stanza(self) -> str: ...


@runtime_checkable
class OdooFleet(Protocol):
    """Odoo nodes the harness may replace with fresh containers, on a release of its choosing."""

    @property
    def releases(self) -> dict[str, str | None]:
        """The release each Odoo node runs (None: the shipped addons)."""
        ...

    @property
    def odoo_image(self) -> str:
        """The image every Odoo node runs."""
        ...

    def replace_odoo_node(self, node: str, timeout: float = 120.0, release: str | None = None) -> None: ...


@runtime_checkable
class HaControl(Protocol):
    """An HA manager whose settings a scenario may change for one run."""

    def configure_ha(self, given: Mapping[str, object]) -> str:
        """Apply a scenario's HA settings for one run (Patroni's: `patronictl edit-config`); what now
        applies, in words (the warm reset puts them back)."""
        ...


@runtime_checkable
class WarmReset(Protocol):
    """A controlled way back to the starting roles between two runs on one stack."""

    def switch_back(self) -> str | None:
        """Give pg-primary the primary role back, pg-standby streaming from it (the warm reset's
        controlled switchover); what was done, in words, or None when nothing was needed."""
        ...


CAPABILITIES: tuple[type, ...] = (NetworkCut, NodeSurgery, PgBackRest, OdooFleet, HaControl, WarmReset)

C = TypeVar("C")


def capable(stack: StackHandle, capability: type[C]) -> C:
    """`stack` as the capability a step needs; HarnessError naming the stack and the capability when it lacks it."""
    if isinstance(stack, capability):
        return stack
    raise HarnessError(
        f"this stack ({stack.mode}, run {stack.run_id}) has no {capability.__name__}: "
        f"{(capability.__doc__ or '').strip().splitlines()[0].rstrip('.')}"
    )
