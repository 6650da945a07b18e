"""A rolling release behind Traefik: node by node, two gates per node, automatic rollback on the first failure.

`rolling-release` is the deploy a CD pipeline runs. For each Odoo node in turn (the target first,
default odoo-1, then the other):

1. replace the node with a fresh container on the release (`Stack.replace_odoo_node(release=...)`);
2. gate `serves-http`: within `start_timeout` the node serves HTTP (the path Traefik's health check
   asks) and its container still runs; a container that exits fails the gate at once;
3. gate `canary-writes`: `canary_writes` business writes made on that node itself (XML-RPC to
   127.0.0.1 inside its container, with the run's admin login) all succeed.

The first gate that fails stops the rollout: every node already on the release is put back on the
release it ran before (the failing node first, so capacity returns before the next one goes down)
and the action waits until they serve. Traefik keeps traffic away from a node that does not serve,
but a node that serves and breaks writes takes its share of real traffic from the moment its health
check passes until the rollback removes it: the probes, writing through Traefik all along, measure
what users saw (outages, availability, failed and lost writes).

The `ok` value says: `release`, `outcome` (`rolled-out` or `rolled-back`), `nodes_rolled` (the
nodes the release reached), `failed_node`, `failed_gate`, `reason` (the node's last log line or the
write's error), `detect_seconds` (from that node's replacement start to the failed gate),
`rolled_back`, `rollback_seconds`, `serve_seconds` per node, and a one-line `summary`.

The action is a change to production (`is_change`): the executor records its start as the drill's
injection, so the drill is judged as the incident a bad release causes. Canary rows carry the
writer `release-canary` and negative `seq` values below any existing one: they never clash with the
probes' sequence (positive, increasing) and are not part of any run's final read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from harness.actions.base import action
from harness.core.errors import HarnessError
from harness.core.history import Event
from harness.files.params import Duration, Text, Whole, params
from harness.stack import releases, topology
from harness.stack.handle import OdooFleet, StackHandle, capable

SERVES_HTTP = "serves-http"
CANARY_WRITES = "canary-writes"
CANARY_WRITER = "release-canary"
ROLLBACK_TIMEOUT = 120.0  # the previous release started before; this is a generous bound, not a gate


def _known_release(name: str) -> str:
    try:
        releases.resolve(name)
    except HarnessError as exc:
        raise ValueError(str(exc)) from None
    return name


@params
class ReleaseParams:
    """A rollout's parameters; `release: previous` rolls out the shipped addons."""

    release: Annotated[
        Text, AfterValidator(_known_release), Field(description="a directory of compose/releases/, or previous")
    ]
    canary_writes: Annotated[Whole, Field(ge=0, le=100, description="ledger writes on each node as its gate")] = 3
    start_timeout: Annotated[
        float, Duration(0.0, 600.0, inclusive_low=False), Field(description="how long a node may take to serve")
    ] = 60.0

    @property
    def resolved(self) -> str | None:
        """The release a node records: None for the shipped addons (`previous`)."""
        return releases.resolve(self.release)


def rollout_order(first: str) -> tuple[str, ...]:
    """The Odoo nodes in rollout order: `first`, then the others as the topology lists them."""
    return (first, *(node for node in topology.ODOO_NODES if node != first))


# Runs inside the node's container (its own python3): `count` ledger writes straight to that node.
_CANARY = f"""
import json, os, socket, sys, xmlrpc.client
socket.setdefaulttimeout(10)
url = "http://127.0.0.1:{topology.ODOO_HTTP_PORT}/xmlrpc/2/"
db, writer, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
login, password = os.environ["ODOO_CHAOS_LOGIN"], os.environ["ODOO_CHAOS_PASSWORD"]
written = []

def error(exc):
    if isinstance(exc, xmlrpc.client.Fault):
        lines = [line for line in str(exc.faultString).strip().splitlines() if line.strip()]
        return (lines[-1] if lines else str(exc.faultCode)).strip()
    return type(exc).__name__ + ": " + str(exc)

def done(problem=None):
    print(json.dumps({{"written": written, "error": problem}}))
    raise SystemExit(0 if problem is None else 1)

try:
    uid = xmlrpc.client.ServerProxy(url + "common").authenticate(db, login, password, {{}})
    if not uid:
        done("login " + login + " refused")
    models = xmlrpc.client.ServerProxy(url + "object")
    def call(method, args, kwargs=None):
        return models.execute_kw(db, uid, password, "chaos.ledger.entry", method, args, kwargs or {{}})
    lowest = call("search_read", [[("seq", "<", 0)]], {{"fields": ["seq"], "order": "seq asc", "limit": 1}})
    seq = min([row["seq"] for row in lowest] + [0])
    for _ in range(count):
        seq -= 1
        written.append(call("create", [{{"seq": seq, "writer": writer, "note": "release canary"}}]))
except Exception as exc:
    done(error(exc))
done()
"""


@dataclass(frozen=True, slots=True)
class CanaryResult:
    written: int
    error: str | None


def canary_writes(stack: StackHandle, node: str, count: int) -> CanaryResult:
    """`count` business writes on `node` itself; the first error stops them."""
    assert stack.endpoints is not None
    endpoints = stack.endpoints
    try:
        result = stack.service(node).exec(
            ["python3", "-c", _CANARY, endpoints.db, CANARY_WRITER, str(count)],
            environment={"ODOO_CHAOS_LOGIN": endpoints.login, "ODOO_CHAOS_PASSWORD": endpoints.password},
        )
    except Exception as exc:  # the node died after it served: Docker refuses the exec
        return CanaryResult(0, f"{type(exc).__name__}: {exc}"[:300])
    output = result.output.strip().splitlines()
    report = next((line for line in reversed(output) if line.startswith("{")), None)
    if report is None:
        return CanaryResult(0, (output[-1] if output else "no output")[:300])
    parsed = json.loads(report)
    return CanaryResult(len(parsed["written"]), None if parsed["error"] is None else str(parsed["error"])[:300])


@action(
    "rolling-release",
    "roll a release out node by node (serves HTTP, canary writes); roll back on the first failed gate",
    default_target=topology.ODOO_1,  # the first node of the rollout
    targets=topology.ODOO_NODES,
    is_change=True,  # a change to production: the executor records its start as the injection
    params_model=ReleaseParams,
    needs=(OdooFleet,),
)
class RollingRelease:
    def run(self, stack: StackHandle, target: str, params: ReleaseParams, events: Sequence[Event]) -> dict[str, Any]:
        plan = params
        fleet = capable(stack, OdooFleet)
        previous = {node: fleet.releases.get(node) for node in topology.ODOO_NODES}
        rolled: list[str] = []
        serve_seconds: dict[str, float] = {}
        for node in rollout_order(target):
            started = time.monotonic()
            rolled.append(node)
            failed_gate, reason = SERVES_HTTP, ""
            try:
                fleet.replace_odoo_node(node, timeout=plan.start_timeout, release=plan.resolved)
            except HarnessError as exc:
                reason = str(exc)
            else:
                serve_seconds[node] = round(time.monotonic() - started, 3)
                canary = canary_writes(stack, node, plan.canary_writes) if plan.canary_writes else None
                if canary is not None and canary.error is not None:
                    failed_gate = CANARY_WRITES
                    reason = f"canary write {canary.written + 1} of {plan.canary_writes} failed: {canary.error}"
            if reason:
                detected = time.monotonic()
                rollback = self._roll_back(fleet, rolled, previous)
                return {
                    "release": plan.release,
                    "outcome": "rolled-back",
                    "nodes_rolled": rolled,
                    "failed_node": node,
                    "failed_gate": failed_gate,
                    "reason": reason[:300],
                    "detect_seconds": round(detected - started, 3),
                    "rolled_back": list(reversed(rolled)),
                    "rollback_seconds": round(rollback, 3),
                    "serve_seconds": serve_seconds,
                    "summary": (
                        f"{plan.release} rolled back: {node} failed {failed_gate} after {detected - started:.1f}s; "
                        f"{', '.join(reversed(rolled))} back on the previous release in {rollback:.1f}s"
                    ),
                }
        return {
            "release": plan.release,
            "outcome": "rolled-out",
            "nodes_rolled": rolled,
            "failed_node": None,
            "failed_gate": None,
            "reason": None,
            "detect_seconds": None,
            "rolled_back": [],
            "rollback_seconds": None,
            "serve_seconds": serve_seconds,
            "summary": f"{plan.release} rolled out to {', '.join(rolled)}; every gate passed",
        }

    @staticmethod
    def _roll_back(stack: OdooFleet, rolled: list[str], previous: dict[str, str | None]) -> float:
        """Put every rolled node back on its previous release, newest first; the seconds until all serve."""
        started = time.monotonic()
        for node in reversed(rolled):
            try:
                stack.replace_odoo_node(node, timeout=ROLLBACK_TIMEOUT, release=previous[node])
            except HarnessError as exc:
                back = previous[node] or releases.PREVIOUS
                raise HarnessError(f"rolling-release: rollback of {node} to {back} failed: {exc}") from None
        return time.monotonic() - started

