"""The shape of a deployment the harness did not create, from its target file (pure).

A target's layout holds the services its file maps (named as on the reference stack: `traefik`,
`odoo-1`, `pg-primary`, ...), its zones and the region; it has none of the capability protocols of
`harness.stack.handle` (no task containers on its volumes, no pgBackRest stanza of the harness's,
no Odoo fleet to replace, no HA settings to change), and whether its database fails over by
itself is not known until it is reached. `harness.stack.kinds.why_not` judges each step against
this shape, like any other kind's, so a drill needing the reference stack's internals is refused
with the reason before anything is touched.
"""

from __future__ import annotations

from harness.files.target import Target
from harness.stack.kinds import Shape
from harness.stack.topology import Layout, ServiceSpec

KIND = "target"


def layout_of(target: Target) -> Layout:
    services = tuple(ServiceSpec(s.name, s.zone, ()) for s in target.services)
    return Layout(KIND, services, (), target.zones)


def shape_of(target: Target) -> Shape:
    return Shape(KIND, layout_of(target), frozenset(), None)
