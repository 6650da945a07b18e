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

Both act from the host inside the container's network namespace (`nsenter -t <pid> -n ...`),
chosen over running `tc`/`iptables` in the container because the images then need neither the
tools nor the NET_ADMIN capability, and a frozen container's namespace is still reachable for
heal. Needs root on the host (CI runs as root).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from harness.errors import HarnessError
from harness.faults.base import register
from harness.params import Duration, NoParams, Percent, params
from harness.stack import db, topology
from harness.stack.stack import Stack


def partition_cuts(target: str) -> list[tuple[str, str]]:
    """(service, network) links a partition of `target` cuts: pure, so unit-tested without Docker."""
    cuts = []
    zone = target if target in topology.ZONES else None
    for spec in topology.SERVICES:
        for network in spec.networks:
            if network == topology.EDGE:
                continue
            if zone is None:
                if spec.name == target:
                    cuts.append((spec.name, network))
            elif (spec.zone == zone and network != zone) or (spec.zone != zone and network == zone):
                cuts.append((spec.name, network))
    if not cuts:
        raise HarnessError(f"partition of {target!r} would cut nothing; targets are {', '.join(topology.TARGET_NAMES)}")
    return cuts


@dataclass(frozen=True, slots=True)
class Partition:
    takes_effect: str = "end"
    name: str = "partition"
    summary: str = "cut a zone or a service off the stack's networks (docker network disconnect) until heal"
    params_model: type[Any] = NoParams

    def inject(self, stack: Stack, target: str, params: NoParams) -> None:
        for service, network in partition_cuts(target):
            stack.disconnect(service, network)

    def heal(self, stack: Stack, target: str, params: NoParams) -> None:
        for service in sorted({service for service, _ in partition_cuts(target)}):
            if service in db.PG_NODES and db.roles(stack) == {service: "primary", db.other(service): "primary"}:
                db.follow(stack, service, db.other(service))  # promoted meanwhile: never bring back a second primary
            else:
                stack.reconnect(service)


def _nsenter(pid: int, *command: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["nsenter", "-t", str(pid), "-n", *command], capture_output=True, text=True, timeout=10, check=False
        )
    except FileNotFoundError as exc:
        hint = "install util-linux and iproute2 (`.ci/bootstrap` does)"
        raise HarnessError(f"{exc.filename} not found: {hint}") from None


def interfaces(stack: Stack, service: str) -> tuple[int, list[str]]:
    """The container's PID and its interfaces on the stack's networks other than `edge`."""
    container = stack.service_container(service)
    pid = int(container.attrs["State"]["Pid"])
    if pid == 0:
        raise HarnessError(f"{service} is not running: its network cannot be shaped")
    edge = stack.networks[topology.EDGE].name
    wanted = {net["IPAddress"] for name, net in container.attrs["NetworkSettings"]["Networks"].items() if name != edge}
    listing = _nsenter(pid, "ip", "-o", "-4", "addr", "show")
    if listing.returncode != 0:
        raise HarnessError(f"cannot enter {service}'s network namespace (needs root): {listing.stderr.strip()}")
    names = []
    for line in listing.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == "inet" and fields[3].split("/")[0] in wanted:
            names.append(fields[1].split("@")[0])
    return pid, names


def _run(pid: int, service: str, *command: str) -> None:
    done = _nsenter(pid, *command)
    if "qdisc kind is unknown" in done.stderr:
        raise HarnessError("this kernel has no sch_netem (tc netem): the latency fault cannot run here")
    if done.returncode != 0:
        raise HarnessError(f"{' '.join(command[:4])} in {service} failed: {done.stderr.strip()}")


def _namespaces(stack: Stack, target: str, running_only: bool = False) -> Iterator[tuple[str, int, list[str]]]:
    """(service, pid, interfaces) of each member of `target`; heal skips stopped ones (their rules died with them)."""
    for service in topology.members(target):
        if running_only and stack.service_container(service).status != "running":
            continue
        pid, names = interfaces(stack, service)
        yield service, pid, names


@params
class LatencyParams:
    delay: Annotated[float, Duration(0.0, 60.0, inclusive_low=False), Field(description="added to every packet")] = 0.2
    jitter: Annotated[float, Duration(0.0, 60.0), Field(description="random variation of the delay")] = 0.0


@dataclass(frozen=True, slots=True)
class Latency:
    name: str = "latency"
    summary: str = "add delay to a service's or zone's links (tc netem; params delay, jitter) until heal"
    takes_effect: str = "end"
    params_model: type[Any] = LatencyParams

    def inject(self, stack: Stack, target: str, params: LatencyParams) -> None:
        delay, jitter = params.delay, params.jitter
        args = ["delay", f"{delay * 1000:g}ms"] + ([f"{jitter * 1000:g}ms"] if jitter else [])
        for service, pid, names in _namespaces(stack, target):
            for interface in names:
                _run(pid, service, "tc", "qdisc", "replace", "dev", interface, "root", "netem", *args)

    def heal(self, stack: Stack, target: str, params: LatencyParams) -> None:
        for _, pid, names in _namespaces(stack, target, running_only=True):
            for interface in names:
                _nsenter(pid, "tc", "qdisc", "del", "dev", interface, "root")  # absent already: fine


LOSS_CHAINS = {"INPUT": ("ODOO-CHAOS-LOSS-IN", "-i"), "OUTPUT": ("ODOO-CHAOS-LOSS-OUT", "-o")}


@params
class LossParams:
    percent: Annotated[Percent, Field(gt=0, le=100, description='share of packets dropped (30 or "30%")')] = 30.0


def loss_probability(params: LossParams) -> float:
    return params.percent / 100


@dataclass(frozen=True, slots=True)
class Loss:
    name: str = "loss"
    summary: str = "drop a share of a service's or zone's packets (iptables statistic; param percent) until heal"
    takes_effect: str = "end"
    params_model: type[Any] = LossParams

    def inject(self, stack: Stack, target: str, params: LossParams) -> None:
        probability = f"{loss_probability(params):.4f}"
        for service, pid, names in _namespaces(stack, target):
            self._remove(pid)
            for hook, (chain, flag) in LOSS_CHAINS.items():
                _run(pid, service, "iptables", "-N", chain)
                for interface in names:
                    match = [flag, interface, "-m", "statistic", "--mode", "random", "--probability", probability]
                    _run(pid, service, "iptables", "-A", chain, *match, "-j", "DROP")
                _run(pid, service, "iptables", "-I", hook, "-j", chain)

    def heal(self, stack: Stack, target: str, params: LossParams) -> None:
        for _, pid, _ in _namespaces(stack, target, running_only=True):
            self._remove(pid)

    @staticmethod
    def _remove(pid: int) -> None:
        for hook, (chain, _) in LOSS_CHAINS.items():
            while _nsenter(pid, "iptables", "-D", hook, "-j", chain).returncode == 0:
                pass
            _nsenter(pid, "iptables", "-F", chain)
            _nsenter(pid, "iptables", "-X", chain)


for _fault in (Partition(), Latency(), Loss()):
    register(_fault)
