"""`operators`: the OLM Subscriptions (OpenShift AI, cert-manager, Kueue, NFD, NVIDIA GPU) and
their operands (ClusterPolicy, NodeFeatureDiscovery). A pinned operator gets Manual install
plans and a Job, in the Subscription's own wave, that approves the plans up to the pin."""
from __future__ import annotations

import hashlib
from importlib import resources

from .. import catalog
from ..escapes import for_kubelet
from ..plan import EnvPlan, Plan
from ..portfolio.schema import Portfolio
from ..templating import Quoted, render_template
from .base import Component, Context


def render(p: Portfolio, env: EnvPlan, ctx: Context) -> dict[str, str]:
    docs = {}
    ops = p.platform.operators
    wanted = {"rhoai": env.components["rhoai"], **env.operators}
    t = env.target
    for key, enabled in wanted.items():
        if not enabled:
            continue
        op = catalog.OPERATORS[key]
        if key == "rhoai":
            channel, csv = t.channel, t.csv
        else:
            spec = getattr(ops, key)
            channel = t.kueue_channel if key == "kueue" else spec.channel
            csv = op.csv_name(spec.version) if spec.version else None
        docs[f"{key.lower()}-operator.yaml"] = render_template(
            "operators/operator.yaml.j2", op=op, channel=channel, starting_csv=csv,
            argocd_namespace=p.gitops.argocdNamespace)
        if csv:
            docs[f"{key.lower()}-installplan-approver.yaml"] = render_approver(op, csv, t.release.approver_image)
    if env.operators["nfd"]:
        docs["nodefeaturediscovery.yaml"] = render_template("operators/nodefeaturediscovery.yaml.j2")
    if env.operators["nvidiaGpu"]:
        docs["clusterpolicy.yaml"] = render_template("operators/clusterpolicy.yaml.j2",
                                                     driver=catalog.GPU_DRIVER)
    return docs


def render_approver(op: catalog.Operator, csv: str, image: str) -> str:
    script = (resources.files("gpuaas") / "scripts" / "approve_installplan.sh").read_text()
    digest = hashlib.sha256(csv.encode()).hexdigest()[:8]
    return render_template("operators/installplan-approver.yaml.j2", name=f"{op.package}-approver"[:63],
                           job=f"approve-{op.package[:45]}-{digest}", namespace=op.namespace,
                           csv=csv, subscription=op.package, image=image,
                           script=for_kubelet(script))


def singletons(plan: Plan, env: EnvPlan, ctx: Context) -> list[tuple[str, str]]:
    out = []
    if env.components["operators"] and env.operators["nvidiaGpu"]:
        out.append(("ClusterPolicy gpu-cluster-policy", "the NVIDIA GPU Operator's whole "
                    "configuration (driver pinned), replaced by this tree's"))
    if env.components["operators"] and env.operators["nfd"]:
        out.append(("NodeFeatureDiscovery nfd-instance", "in openshift-nfd, replaced by this tree's"))
    return out


def readme(plan: Plan, envs: list[EnvPlan]) -> str:
    """Which OpenShift AI each environment runs, once a release other than 3.0 is in play."""
    if all(e.target.release.version == catalog.DEFAULT_RELEASE for e in plan.environments):
        return ""
    return Quoted(render_template("operators/readme.md.j2", envs=plan.environments))


COMPONENT = Component(
    "operators", -3,
    "OLM Subscriptions (RHOAI, cert-manager, Kueue, NFD, NVIDIA GPU) and their operands",
    render,
    healthy="every Subscription's CSV installed (a pinned one's install plan approved by its Job)",
    stuck="an install plan waiting for approval (`oc get installplan -A`; the approver Job's "
          "log), or a catalog that does not offer the channel or pinned version (the "
          "Subscription is Degraded: ResolutionFailed)",
    health=('operators.coreos.com/Subscription',),
    kinds=("operators.coreos.com/Subscription", "operators.coreos.com/OperatorGroup",
           "nvidia.com/ClusterPolicy", "nfd.openshift.io/NodeFeatureDiscovery"),
    argocd_rules=({"group": "nvidia.com", "resources": ["clusterpolicies"]},
                  {"group": "nfd.openshift.io", "resources": ["nodefeaturediscoveries"]}),
    destination=lambda p: (None, ["SkipDryRunOnMissingResource=true", "ServerSideApply=true"]),
    singletons=singletons,
    readme=readme,
)
