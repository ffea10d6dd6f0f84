"""The component contract, over every registered component: what each says about itself
agrees with what it renders, and with the upstream CRDs."""
from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml

from gpuaas import component_names, components, pipeline
from gpuaas.components.base import Component
from gpuaas.render import BASE_ARGOCD_RULES
from gpuaas.validate.crd_import import rendered_crds

from .conftest import CRDS, PORTFOLIOS, REPO

TEMPLATES = REPO / "gpuaas" / "templates"
# core kinds and OLM's: the openshift-gitops controller writes them without extra RBAC
NOT_CRDS = {"", "apps", "batch", "rbac.authorization.k8s.io", "networking.k8s.io", "operators.coreos.com"}


@functools.cache
def upstream_crds() -> dict[str, dict]:
    out = {}
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in CRDS.rglob("*.yaml"):
        for doc in yaml.load_all(path.read_text(), Loader=loader):
            if doc and doc.get("kind") == "CustomResourceDefinition":
                names = doc["spec"]["names"]
                out[f"{names['plural']}.{doc['spec']['group']}"] = doc
    return out


@functools.cache
def rendered_kinds() -> dict[str, set[str]]:
    """{component: {"group/Kind"}} over the bundled trees."""
    out: dict[str, set[str]] = {}
    for path in PORTFOLIOS:
        for rel, text in pipeline.build(path).files.items():
            parts = rel.split("/")
            if parts[0] != "components" or parts[-1] == "kustomization.yaml":
                continue
            for doc in yaml.safe_load_all(text):
                if doc:
                    group = doc["apiVersion"].rpartition("/")[0]
                    out.setdefault(parts[2], set()).add(f"{group}/{doc['kind']}")
    return out


def test_the_registry_and_the_names_below_it_agree():
    """component_names is what the layers below the components (the portfolio's overrides,
    validate on a tree rendered earlier) know: the same names, as REGISTRY's."""
    assert set(components.BY_NAME) == set(component_names.ALL)
    assert len(components.REGISTRY) == len(components.BY_NAME)
    waves = [c.wave for c in components.REGISTRY]
    assert waves == sorted(waves), "REGISTRY is in sync-wave order"


@pytest.mark.parametrize("c", components.REGISTRY, ids=lambda c: c.name)
def test_each_component_keeps_the_contract(c: Component):
    assert (TEMPLATES / c.name).is_dir(), "a component's templates live in templates/<name>/"
    assert c.about and c.healthy and c.stuck, "the tree README explains every wave"
    assert c.gate in ("healthy", "applied")
    _, options = c.destination(pipeline.build(PORTFOLIOS[0]).plan.portfolio)
    assert "SkipDryRunOnMissingResource=true" in options


@pytest.mark.parametrize("c", components.REGISTRY, ids=lambda c: c.name)
def test_a_components_health_checks_are_its_own_template(c: Component):
    """The kinds a component judges for Argo CD are exactly the checks of its
    argocd-health.yaml.j2, and kinds it renders (or an operator Subscription)."""
    from gpuaas.templating import render_template
    template = TEMPLATES / c.name / "argocd-health.yaml.j2"
    assert template.exists() == bool(c.health)
    if not c.health:
        return
    text = render_template(f"{c.name}/argocd-health.yaml.j2", on={*component_names.ALL, "llm-d"})
    checks = yaml.safe_load("spec:\n  resourceHealthChecks:\n" + text)["spec"]["resourceHealthChecks"]
    assert sorted(f"{k['group']}/{k['kind']}" for k in checks) == sorted(c.health)
    assert all(k in c.kinds or k.startswith("operators.coreos.com/") for k in c.health)


def test_every_kind_a_component_renders_is_declared_by_it():
    """The declared kinds feed `schemas import --from-cluster` (which CRDs to fetch) and the
    Argo CD RBAC: a kind rendered but not declared is a CRD that import would skip."""
    declared = {c.name: set(c.kinds) for c in components.REGISTRY}
    for name, kinds in rendered_kinds().items():
        custom = {k for k in kinds if k.split("/")[0] not in NOT_CRDS}
        assert custom <= declared[name], (name, custom - declared[name])


def test_the_crds_fetched_from_a_cluster_are_the_upstream_ones():
    upstream = upstream_crds()
    missing = [crd for crd in rendered_crds() if crd not in upstream]
    assert missing == []


def test_the_argocd_controller_may_write_every_kind_a_component_declares():
    rules = [r for c in components.REGISTRY for r in c.argocd_rules] + list(BASE_ARGOCD_RULES)
    upstream = upstream_crds()
    for c in components.REGISTRY:
        for kind, crd in zip(c.kinds, c.crds):
            group = kind.split("/")[0]
            if group in NOT_CRDS:
                continue
            plural = upstream[crd]["spec"]["names"]["plural"]
            assert any(r["group"] == group and plural in r["resources"] for r in rules), (c.name, kind)


def test_a_component_on_nowhere_gets_no_application(tmp_path: Path):
    built = pipeline.build(REPO / "portfolios" / "enterprise-demo.yaml")
    assert not built.plan.portfolio.evaluation.enabled
    assert not any("app-evaluation" in f for f in built.files)
    values = yaml.safe_load(built.files["charts/enterprise-demo-umbrella/values.yaml"])
    assert "evaluation" not in values["components"] and "registry" in values["components"]
