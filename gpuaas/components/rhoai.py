"""`rhoai`: the DataScienceCluster, writing only what the portfolio owns: dashboard and KServe
Managed, Kueue Unmanaged with the portfolio's queues, and the parts the other components on
in the environment need."""
from __future__ import annotations

from ..plan import EnvPlan, Plan
from ..portfolio.schema import Portfolio
from ..templating import render_template
from .base import Component, Context


def parts(p: Portfolio, ctx: Context) -> dict[str, dict]:
    """The DataScienceCluster components written beside dashboard, kserve and kueue: the
    portfolio's own, then those the components on here need (Managed)."""
    out: dict[str, dict] = {name: {"managementState": state}
                            for name, state in p.platform.rhoai.components.items()}
    out.update(ctx.dsc)
    return out


def render(p: Portfolio, env: EnvPlan, ctx: Context) -> dict[str, str]:
    extra = parts(p, ctx)
    # the workload-variant autoscaler (3.4 and later, default Removed) for llm-d's spec.scaling
    wva = env.components["serving"] and any(mp.mode == "llm-d" and mp.model.scaling
                                            for mp in env.rendered_models)
    return {"datasciencecluster.yaml": render_template(
        "rhoai/datasciencecluster.yaml.j2", kueue=env.components["kueue"],
        cluster_queue=p.quota.clusterQueue, local_queue=p.quota.localQueue, extra=extra, wva=wva)}


def prerequisites(plan: Plan) -> list[str]:
    p = plan.portfolio
    serving = [env for env in plan.environments if env.components["serving"] and env.rendered_models]
    if serving and not all(env.components["rhoai"] for env in serving):
        return ["OpenShift AI 3.0 installed elsewhere, with a DataScienceCluster whose `kserve` is "
                "Managed (RawDeployment) and whose `kueue` is Unmanaged with "
                f"`defaultLocalQueueName: {p.quota.localQueue}` (the `rhoai` component is off "
                "where serving is on: this tree does not touch the DataScienceCluster there)."]
    return []


def singletons(plan: Plan, env: EnvPlan, ctx: Context) -> list[tuple[str, str]]:
    if not env.components["rhoai"]:
        return []
    p = plan.portfolio
    extra = "".join(f", {name} {part['managementState']}" for name, part in sorted(parts(p, ctx).items()))
    return [("DataScienceCluster default-dsc", "dashboard and kserve Managed, kueue "
             f"{'Unmanaged' if env.components['kueue'] else 'Removed'} with the portfolio's "
             f"queues{extra}; applied server-side, so every other component stays as its "
             "manager set it" + (
                 f". OpenShift AI then adds a LocalQueue `{p.quota.localQueue}` into the "
                 "portfolio's ClusterQueue to every namespace labelled "
                 "`kueue.openshift.io/managed`; the ClusterQueue selects only "
                 f"`{p.serving.namespace}`, so Kueue admits nothing from the others and the "
                 "GPU quota stays this portfolio's" if env.components["kueue"] else ""))]


COMPONENT = Component(
    "rhoai", -1, "DataScienceCluster: dashboard and KServe, Kueue Unmanaged, and what the "
    "components on here need (Model Registry, workbenches, TrustyAI)", render,
    healthy="the DataScienceCluster Ready: its components, and the CRDs they install, are up",
    stuck="a component not ready: `oc get datasciencecluster default-dsc -o "
          "jsonpath='{.status.conditions}'` names it",
    health=('datasciencecluster.opendatahub.io/DataScienceCluster',),
    kinds=("datasciencecluster.opendatahub.io/DataScienceCluster",),
    argocd_rules=({"group": "datasciencecluster.opendatahub.io", "resources": ["datascienceclusters"]},),
    destination=lambda p: (None, ["SkipDryRunOnMissingResource=true", "ServerSideApply=true"]),
    prerequisites=prerequisites,
    singletons=singletons,
)
