"""The components: each one module beside its templates/<name>/ folder, implementing the
contract of base.Component, and its name on one line of component_names. Everything that
wires a component in (the per-environment switch, the umbrella chart and ApplicationSet, the
DataScienceCluster, the Argo CD rules, the tree README, plan's summary, the rules) reads
REGISTRY; nothing names a component's module elsewhere."""
from __future__ import annotations

from importlib import import_module

from .. import component_names
from ..plan import EnvPlan, Plan
from ..portfolio.schema import Portfolio
from .base import Component, Context

# Each name's module, in sync-wave order (the tree README's tables and the umbrella's
# templates follow it); components of one wave in the order component_names lists them.
REGISTRY: tuple[Component, ...] = tuple(sorted(
    (import_module(f"{__name__}.{name}").COMPONENT for name in component_names.ALL),
    key=lambda c: (c.wave, component_names.ALL.index(c.name))))
BY_NAME: dict[str, Component] = {c.name: c for c in REGISTRY}


def on(plan: Plan) -> list[Component]:
    """The components on in some environment of the plan."""
    return [c for c in REGISTRY if any(env.components[c.name] for env in plan.environments)]


def context(p: Portfolio, env: EnvPlan) -> Context:
    dsc: dict[str, dict] = {}
    for c in REGISTRY:
        if env.components[c.name]:
            dsc.update(c.dsc(p))
    return Context(dsc=dsc)


def prerequisites(plan: Plan) -> list[str]:
    """What the tree relies on and does not create: exactly what its enabled components use."""
    return [item for c in REGISTRY for item in c.prerequisites(plan)]


def singletons(plan: Plan, env: EnvPlan) -> list[tuple[str, str]]:
    """The cluster-wide, one-per-cluster objects a sync of `env` writes, and what it sets on
    each: what a reviewer must know before pointing the tree at a shared cluster."""
    ctx = context(plan.portfolio, env)
    return [item for c in REGISTRY for item in c.singletons(plan, env, ctx)]
