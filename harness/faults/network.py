"""Network faults: cut a zone or a service off, or make its links slow or lossy.

- `partition`: `docker network disconnect` from the stack's internal networks. A service loses
  every network but `edge`; a zone keeps its own network (its services still talk to each other)
  but its services leave `interzone` and Traefik leaves the zone's network. Heal reconnects with
  the service aliases; a PostgreSQL node that is still a primary while the other node was
  promoted is fenced and rejoined as a standby instead (never two primaries after heal).
  Connections that were open stay half-open: nothing sends a reset, exactly as in a real cut.
  `edge` is never cut: it carries only the harness's observer traffic to the ports published on
  127.0.0.1 (the probes keep seeing an isolated primary).
- `loss` (param `percent`, default 30, in (0, 100]): each packet in or out of the target's interfaces (all
  but `edge`) is dropped with that probability, by iptables rules (`-m statistic --mode random`)
  in a chain of our own inside the container's network namespace; heal removes the chain.
- `latency` (params `delay`, default 200ms; `jitter`, default 0ms): a `tc netem` qdisc on the
  same interfaces. Needs the kernel's `sch_netem`; kernels without it (some microVM kernels, this
  project's own CI machine among them) get a one-line error naming the missing module.

Both act from the host inside the container's network namespace (`ServiceHandle.netns_exec`:
`nsenter -t <pid> -n ...` for the reference stack),
chosen over running `tc`/`iptables` in the container because the images then need neither the
tools nor the NET_ADMIN capability, and a frozen container's namespace is still reachable for
heal. Needs root on the host (CI runs as root).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field

from harness.core.errors import HarnessError
from harness.faults.base import fault
from harness.files.params import Duration, Percent, params
from harness.stack import db, topology
from harness.stack.handle import NetworkCut, ServiceHandle, StackHandle, capable


@params
class PartitionParams:
    only: Annotated[
        Literal["zone-a", "zone-b", "zone-c", "interzone"] | None,
        Field(
            description="cut only the links to this network (interzone: the target keeps its own zone, "
            "so what shares the zone still reaches it)"
        ),
    ] = None


def partition_cuts(
    target: str, layout: topology.Layout = topology.MANUAL, only: str | None = None
) -> list[tuple[str, str]]:
    """(service, network) links a partition of `target` cuts (`only`: those to that network); pure."""
    if only is not None:
        cuts = [(service, network) for service, network in partition_cuts(target, layout) if network == only]
        if not cuts:
            raise HarnessError(f"partition of {target!r} only from {only!r} would cut nothing: it is not on {only}")
        return cuts
    cuts = []
    zone = target if target in layout.zones else None
    for spec in layout.services:
        for network in spec.networks:
            if network == topology.EDGE:
                continue
            if zone is None:
                if spec.name == target:
                    cuts.append((spec.name, network))
            elif (spec.zone == zone and network != zone) or (spec.zone != zone and network == zone):
                cuts.append((spec.name, network))
    if not cuts:
        raise HarnessError(f"partition of {target!r} would cut nothing; targets are {', '.join(layout.targets)}")
    return cuts


@fault(
    "partition",
    "cut a zone or a service off the stack's networks (docker network disconnect) until heal",
    params_model=PartitionParams,
    needs=(NetworkCut,),
)
class Partition:
    def inject(self, stack: StackHandle, target: str, params: PartitionParams) -> None:
        cut = capable(stack, NetworkCut)
        for service, network in partition_cuts(target, stack.layout, params.only):
            cut.disconnect(service, network)

    def heal(self, stack: StackHandle, target: str, params: PartitionParams) -> None:
        for service in sorted({service for service, _ in partition_cuts(target, stack.layout, params.only)}):
            manual = not stack.automatic_failover  # an HA manager demotes a returning old leader itself
            if (
                manual
                and service in db.PG_NODES
                and db.roles(stack) == {service: "primary", db.other(service): "primary"}
            ):
                db.rejoin(stack, service, db.other(service))  # promoted meanwhile: never bring back a second primary
            else:
                capable(stack, NetworkCut).reconnect(service)


def interfaces(stack: StackHandle, service: str) -> tuple[ServiceHandle, list[str]]:
    """The node and its interfaces on the stack's networks other than `edge`."""
    node = stack.service(service)
    if node.status != "running":
        raise HarnessError(f"{service} is not running: its network cannot be shaped")
    edge = stack.network_name(topology.EDGE) if isinstance(stack, NetworkCut) else None
    wanted = {address for name, address in node.addresses().items() if name != edge}
    listing = node.netns_exec(["ip", "-o", "-4", "addr", "show"])
    if listing.exit_code != 0:
        raise HarnessError(f"cannot enter {service}'s network namespace (needs root): {listing.output.strip()}")
    names = []
    for line in listing.output.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == "inet" and fields[3].split("/")[0] in wanted:
            names.append(fields[1].split("@")[0])
    return node, names


def _run(node: ServiceHandle, service: str, *command: str) -> None:
    done = node.netns_exec(command)
    if "qdisc kind is unknown" in done.output:
        raise HarnessError("this kernel has no sch_netem (tc netem): the latency fault cannot run here")
    if done.exit_code != 0:
        raise HarnessError(f"{' '.join(command[:4])} in {service} failed: {done.output.strip()}")


def _namespaces(
    stack: StackHandle, target: str, running_only: bool = False
) -> Iterator[tuple[str, ServiceHandle, list[str]]]:
    """(service, node, interfaces) of each member of `target`; heal skips stopped ones (their rules died with them)."""
    for service in stack.layout.members(target):
        if running_only and stack.service(service).status != "running":
            continue
        node, names = interfaces(stack, service)
        yield service, node, names


@params
class LatencyParams:
    delay: Annotated[float, Duration(0.0, 60.0, inclusive_low=False), Field(description="added to every packet")] = 0.2
    jitter: Annotated[float, Duration(0.0, 60.0), Field(description="random variation of the delay")] = 0.0


@fault(
    "latency",
    "add delay to a service's or zone's links (tc netem; params delay, jitter) until heal",
    params_model=LatencyParams,
)
class Latency:
    def inject(self, stack: StackHandle, target: str, params: LatencyParams) -> None:
        delay, jitter = params.delay, params.jitter
        args = ["delay", f"{delay * 1000:g}ms"] + ([f"{jitter * 1000:g}ms"] if jitter else [])
        for service, node, names in _namespaces(stack, target):
            for interface in names:
                _run(node, service, "tc", "qdisc", "replace", "dev", interface, "root", "netem", *args)

    def heal(self, stack: StackHandle, target: str, params: LatencyParams) -> None:
        for _, node, names in _namespaces(stack, target, running_only=True):
            for interface in names:
                node.netns_exec(["tc", "qdisc", "del", "dev", interface, "root"])  # absent already: fine


LOSS_CHAINS = {"INPUT": ("ODOO-CHAOS-LOSS-IN", "-i"), "OUTPUT": ("ODOO-CHAOS-LOSS-OUT", "-o")}


@params
class LossParams:
    percent: Annotated[Percent, Field(gt=0, le=100, description='share of packets dropped (30 or "30%")')] = 30.0


def loss_probability(params: LossParams) -> float:
    return params.percent / 100


@fault(
    "loss",
    "drop a share of a service's or zone's packets (iptables statistic; param percent) until heal",
    params_model=LossParams,
)
class Loss:
    def inject(self, stack: StackHandle, target: str, params: LossParams) -> None:
        probability = f"{loss_probability(params):.4f}"
        for service, node, names in _namespaces(stack, target):
            self._remove(node)
            for hook, (chain, flag) in LOSS_CHAINS.items():
                _run(node, service, "iptables", "-N", chain)
                for interface in names:
                    match = [flag, interface, "-m", "statistic", "--mode", "random", "--probability", probability]
                    _run(node, service, "iptables", "-A", chain, *match, "-j", "DROP")
                _run(node, service, "iptables", "-I", hook, "-j", chain)

    def heal(self, stack: StackHandle, target: str, params: LossParams) -> None:
        for _, node, _ in _namespaces(stack, target, running_only=True):
            self._remove(node)

    @staticmethod
    def _remove(node: ServiceHandle) -> None:
        for hook, (chain, _) in LOSS_CHAINS.items():
            for _ in range(100):  # each -D removes one jump; a handful at most
                if node.netns_exec(["iptables", "-D", hook, "-j", chain]).exit_code != 0:
                    break
            node.netns_exec(["iptables", "-F", chain])
            node.netns_exec(["iptables", "-X", chain])
