"""`kueue`: the Red Hat build of Kueue's configuration (the Kueue CR), one ResourceFlavor per
pool, the portfolio's ClusterQueue and LocalQueue, and its WorkloadPriorityClasses."""
from __future__ import annotations

from ..plan import EnvPlan, Plan
from ..portfolio.schema import Portfolio
from ..templating import render_template
from .base import Component, Context


def render(p: Portfolio, env: EnvPlan, ctx: Context) -> dict[str, str]:
    api = env.target.kueue_api
    # a replica spanning nodes is a LeaderWorkerSet: Kueue admits its group whole only with
    # that integration on (without it the pods would be admitted one by one)
    groups = any(mp.model.nodes > 1 for mp in env.rendered_models) and env.components["serving"]
    docs = {"kueue.yaml": render_template("kueue/kueue.yaml.j2", leaderworkerset=groups)}
    for pool in env.pools:
        docs[f"resourceflavor-{pool.name}.yaml"] = render_template("kueue/resourceflavor.yaml.j2",
                                                                   pool=pool, api=api)
    docs["clusterqueue.yaml"] = render_template("kueue/clusterqueue.yaml.j2", quota=p.quota, env=env, api=api,
                                                namespace=p.serving.namespace,
                                                disk=any(mp.disk_gib for mp in env.rendered_models))
    docs["localqueue.yaml"] = render_template("kueue/localqueue.yaml.j2", quota=p.quota, serving=p.serving,
                                               api=api)
    for name, value in p.quota.priorities.items():
        docs[f"priority-{name}.yaml"] = render_template(
            "kueue/workloadpriorityclass.yaml.j2", name=name, value=value, api=api)
    return docs


def destination(p: Portfolio) -> tuple[str | None, list[str]]:
    options = ["SkipDryRunOnMissingResource=true"]
    if p.serving.createNamespace:
        options.append("CreateNamespace=true")   # the LocalQueue's namespace; serving labels it
    return p.serving.namespace, options


def prerequisites(plan: Plan) -> list[str]:
    if any(env.components["kueue"] and not (env.components["operators"] and env.operators["certManager"])
           for env in plan.environments):
        return ["The cert-manager Operator, installed elsewhere: the Red Hat build of Kueue "
                "operator needs it for its webhooks' certificates and does not start without it "
                "(`platform.operators.certManager` is off here)."]
    return []


def singletons(plan: Plan, env: EnvPlan, ctx: Context) -> list[tuple[str, str]]:
    if not env.components["kueue"]:
        return []
    return [("Kueue cluster", "the Red Hat build of Kueue's whole configuration, replaced by this tree's")]


COMPONENT = Component(
    "kueue", -2, "Kueue CR, ResourceFlavors, ClusterQueue, LocalQueue, priorities", render,
    healthy="the Kueue controller Available, so the queues' CRDs exist",
    stuck="the Kueue controller not ready (`oc get kueue cluster -o yaml`: replicas "
          "unavailable), or no conditions at all: cert-manager is missing",
    health=('kueue.openshift.io/Kueue',),
    kinds=("kueue.openshift.io/Kueue", "kueue.x-k8s.io/ResourceFlavor", "kueue.x-k8s.io/ClusterQueue",
           "kueue.x-k8s.io/LocalQueue", "kueue.x-k8s.io/WorkloadPriorityClass"),
    argocd_rules=({"group": "kueue.openshift.io", "resources": ["kueues"]},
                  {"group": "kueue.x-k8s.io", "resources": ["resourceflavors", "clusterqueues",
                                                            "localqueues", "workloadpriorityclasses"]}),
    destination=destination,
    prerequisites=prerequisites,
    singletons=singletons,
)
