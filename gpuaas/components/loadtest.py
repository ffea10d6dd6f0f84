"""`loadtest`: the k6 script against the active models and its Deployment, at replicas 0
until a commit says otherwise."""
from __future__ import annotations

from ..loadtest import k6_script
from ..plan import EnvPlan
from ..portfolio.schema import Portfolio
from ..templating import render_template
from .base import Component, Context
from .serving import CLIENT_SA, endpoints

LOADTEST_SA = "gpuaas-loadtest"


def render(p: Portfolio, env: EnvPlan, ctx: Context) -> dict[str, str]:
    lt = p.loadtest
    ns = lt.namespace
    chat, embed = endpoints(p, env)
    docs = {"namespace.yaml": render_template("serving/namespace.yaml.j2", name=ns, labels={},
                                              argocd_namespace=p.gitops.argocdNamespace)}
    cm = "gpuaas-loadtest-script"
    if chat or embed:
        settings = lt.model_dump(include={"thresholds", "maxTokens", "promptChars", "embedBatch",
                                          "embedChars", "sleepMaxSeconds"})
        settings.update(stages=[s.model_dump() for s in env.loadtest_stages], chatShare=env.chat_share)
        script = k6_script(settings, chat, embed)
        replicas = env.loadtest_replicas
    else:
        script = "// No active model in this environment: nothing to load.\n"
        replicas = 0
    docs["configmap-script.yaml"] = render_template("configmap.yaml.j2", name=cm, namespace=ns,
                                                    key="script.js", content=script)
    if p.serving.auth:
        docs["client-token.yaml"] = render_template(
            "loadtest/client-token.yaml.j2", name=LOADTEST_SA, namespace=ns, secret=lt.tokenSecret,
            serving_namespace=p.serving.namespace, role=CLIENT_SA)
    docs["deployment.yaml"] = render_template(
        "loadtest/deployment.yaml.j2", namespace=ns, replicas=replicas, image=lt.image,
        token_secret=lt.tokenSecret if p.serving.auth else None, script_configmap=cm)
    return docs


COMPONENT = Component(
    "loadtest", 1, "k6 script and its Deployment (replicas 0 until a commit says 1)", render,
    healthy="the k6 Deployment available",
    stuck="the k6 pod not starting: `oc describe deployment`",
    argocd_rules=({"group": "apps", "resources": ["deployments"]},),
    destination=lambda p: (p.loadtest.namespace, ["SkipDryRunOnMissingResource=true"]),
)
