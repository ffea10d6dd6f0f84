"""What a cluster needs once, before the ApplicationSet: the Argo CD health checks the tree's
sync waves rely on, as a merge patch: the Applications' own, and each component's for the
kinds it renders (Subscription, the Kueue CR, InferenceService, ...)."""
from __future__ import annotations

from .portfolio.schema import Portfolio
from .templating import render_template

HEALTH_CHECKS = "bootstrap/argocd-health-checks.yaml"


def render_bootstrap(p: Portfolio, root: str, on: set[str], checks: list[str]) -> dict[str, str]:
    """`checks`: the components on in some environment that judge a kind's health (their
    templates/<name>/argocd-health.yaml.j2), in wave order; `on` is what those templates may
    ask (the components on, and "llm-d" where a model is served that way)."""
    return {HEALTH_CHECKS: render_template("bootstrap/argocd-health-checks.yaml.j2",
                                           ns=p.gitops.argocdNamespace, root=root, on=on, checks=checks)}
