"""What a cluster needs once, before the ApplicationSet: the Argo CD health checks the tree's
sync waves rely on (Application, InferenceService, the Kueue CR), as a merge patch."""
from __future__ import annotations

from .portfolio.schema import Portfolio
from .templating import render_template

HEALTH_CHECKS = "bootstrap/argocd-health-checks.yaml"


def render_bootstrap(p: Portfolio, root: str, on: set[str]) -> dict[str, str]:
    """`on`: the components on in some environment (a kind's check only where it is rendered)."""
    return {HEALTH_CHECKS: render_template("bootstrap/argocd-health-checks.yaml.j2",
                                           ns=p.gitops.argocdNamespace, root=root, on=on)}
