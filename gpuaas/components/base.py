"""The contract every component implements, the core six and the rest alike.

A component is one module beside its templates/<name>/ folder, ending in `COMPONENT =
Component(...)`, and one line in the registry (components/__init__.py). What it does not
say takes the defaults below: no DataScienceCluster part, no prerequisites, no findings.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ..findings import Finding
    from ..plan import EnvPlan, Plan
    from ..portfolio.load import Loaded
    from ..portfolio.schema import Portfolio

Render = Callable[["Portfolio", "EnvPlan", "Context"], dict[str, str]]


@dataclass(frozen=True)
class Context:
    """What the wiring knows of the other components of an environment when it renders one."""
    dsc: dict[str, dict]          # the DataScienceCluster parts the components on here need


def _nothing(*_args) -> list:
    return []


def _empty(*_args) -> dict:
    return {}


def _no_text(*_args) -> str:
    return ""


def _plain_destination(p: Portfolio) -> tuple[str | None, list[str]]:
    return None, ["SkipDryRunOnMissingResource=true"]


@dataclass(frozen=True)
class Component:
    name: str
    wave: int                     # its Application's sync wave in the umbrella
    about: str                    # one line: what it deploys
    render: Render                # {file name: YAML} of its components/<env>/<name>/ folder
    healthy: str = ""             # what makes its Application Healthy: what the next wave waits for
    stuck: str = ""               # what a sync stuck at its wave means, and where to look
    gate: str = "healthy"         # "applied": later waves wait only until it is synced
    # the custom resources it renders ("group/Kind"): their CRDs are what `schemas import
    # --from-cluster` fetches
    kinds: tuple[str, ...] = ()
    # what the Argo CD controller must be allowed to write for it ({group, resources})
    argocd_rules: tuple[dict, ...] = ()
    # the kinds it gives Argo CD a health check for (no built-in one, or a wrong one): the
    # checks are its templates/<name>/argocd-health.yaml.j2, in the tree's bootstrap patch
    health: tuple[str, ...] = ()
    destination: Callable[[Portfolio], tuple[str | None, list[str]]] = _plain_destination
    dsc: Callable[[Portfolio], dict[str, dict]] = _empty          # DataScienceCluster parts Managed
    # {component: ignoreDifferences and sync options of that component's Application}, where
    # this one is on (a field another controller owns)
    argocd_ignore: Callable[[Portfolio], dict[str, dict]] = _empty
    prerequisites: Callable[[Plan], list[str]] = _nothing         # what the tree relies on
    # the one-per-cluster objects a sync of an environment writes, and what it sets on each
    singletons: Callable[[Plan, EnvPlan, Context], list[tuple[str, str]]] = _nothing
    summary: Callable[[Portfolio, EnvPlan], str] = _no_text       # one `gpuaas plan` line
    findings: Callable[[Loaded], list[Finding]] = _nothing        # portfolio checks
    readme: Callable[[Plan, list[EnvPlan]], str] = _no_text       # its tree README section

    @property
    def crds(self) -> list[str]:
        """The CRD names (plural.group) of its kinds, as `kubectl get crd` takes them."""
        out = []
        for kind in self.kinds:
            group, _, name = kind.partition("/")
            lower = name.lower()
            plural = (lower[:-1] + "ies" if lower.endswith("y") else
                      lower + "es" if lower.endswith("s") else lower + "s")
            out.append(f"{plural}.{group}")
        return out
