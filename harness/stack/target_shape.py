"""The shape of a deployment the harness did not create, from its target file (pure).

A target's layout holds the services its file maps (named as on the reference stack: `traefik`,
`odoo-1`, `pg-primary`, ...), its zones and the region; it has none of the capability protocols of
`harness.stack.handle` (no task containers on its volumes, no pgBackRest stanza of the harness's,
no Odoo fleet to replace, no HA settings to change), and whether its database fails over by
itself is not known until it is reached. `harness.stack.kinds.why_not` judges each step against
this shape, like any other kind's, so a drill needing the reference stack's internals is refused
with the reason before anything is touched. `match` finds, among the containers the target's engine
lists, the one each service names (the allow-list, resolved).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from harness.core.errors import HarnessError
from harness.files.target import Target
from harness.stack.kinds import Shape
from harness.stack.topology import Layout, ServiceSpec

KIND = "target"


def layout_of(target: Target) -> Layout:
    services = tuple(ServiceSpec(s.name, s.zone, ()) for s in target.services)
    return Layout(KIND, services, (), target.zones)


def shape_of(target: Target) -> Shape:
    return Shape(KIND, layout_of(target), frozenset(), None)


@dataclass(frozen=True, slots=True)
class Listed:
    """One container as the target's engine lists it (name without the leading /)."""

    name: str
    id: str
    labels: Mapping[str, str]
    status: str
    image: str


def match(target: Target, listed: Sequence[Listed]) -> dict[str, Listed]:
    """Each service of the target file -> the one container it names on the engine (pure).

    A service given by name must find that container; one given by label must find exactly one
    (two containers answering one role would make every fault ambiguous). Each problem is one
    line naming the service, the selector and what was found; all are said at once.
    """
    by_name = {c.name: c for c in listed}
    found: dict[str, Listed] = {}
    problems: list[str] = []
    for service in target.services:
        if service.container is not None:
            hit = by_name.get(service.container)
            if hit is None:
                problems.append(f"{service.name}: no container named {service.container}")
            else:
                found[service.name] = hit
            continue
        key, _, value = (service.label or "").partition("=")
        hits = sorted((c for c in listed if c.labels.get(key) == value), key=lambda c: c.name)
        if len(hits) == 1:
            found[service.name] = hits[0]
        elif not hits:
            problems.append(f"{service.name}: no container labelled {service.label}")
        else:
            names = ", ".join(c.name for c in hits[:4]) + (", ..." if len(hits) > 4 else "")
            problems.append(
                f"{service.name}: {len(hits)} containers labelled {service.label} ({names}); the label must pick one"
            )
    twice = [name for name in {c.name for c in found.values()} if [c.name for c in found.values()].count(name) > 1]
    for name in sorted(twice):
        roles = ", ".join(s for s, c in found.items() if c.name == name)
        problems.append(f"container {name} plays {roles}; each service is its own container")
    if problems:
        raise HarnessError(f"target {target.name} ({target.source}): " + "; ".join(problems))
    return found
