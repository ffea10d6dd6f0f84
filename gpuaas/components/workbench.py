"""`workbench`: the GPU-as-a-Service demo's gpu-switchboard, a Jupyter workbench walking the demo's scenarios.

A `kubeflow.org/v1` Notebook with `notebooks.opendatahub.io/inject-auth: "true"` (RHOAI
3.0's notebook controller adds kube-rbac-proxy, the Services and the route through the data
science gateway), its ServiceAccount and PVC, a Role in the serving namespace to read (and,
with `switching: live`, switch) the InferenceServices and read Kueue's Workloads, and a
ConfigMap with a notebook generated from the plan (gpuaas/switchboard.py).
"""
from __future__ import annotations

import re

from .. import switchboard
from ..findings import Finding
from ..plan import EnvPlan, Plan
from ..portfolio.load import Loaded
from ..portfolio.schema import Portfolio
from ..templating import Quoted, render_template
from .base import Component, Context

NAME = "workbench"
HOME = "/opt/app-root/src"          # the workbench images' working directory (the PVC)
FOLDER = "gpuaas"                   # the generated notebook, read-only under HOME
# RHOAI's workbench images are ImageStreams in the applications namespace; the dashboard
# names the stream in an annotation so it shows the image the workbench runs.
IMAGESTREAM = re.compile(r"^image-registry\.openshift-image-registry\.svc:5000/redhat-ods-applications/"
                         r"([a-z0-9-]+:[A-Za-z0-9._-]+)$")
LIVE_FIELDS = ["/spec/predictor/minReplicas", "/spec/predictor/maxReplicas"]


def destination(p: Portfolio) -> tuple[str, list[str]]:
    return p.workbench.namespace, ["SkipDryRunOnMissingResource=true"]


def dsc(p: Portfolio) -> dict[str, dict]:
    # the notebook controllers (Kubeflow's and ODH's, which injects kube-rbac-proxy)
    return {"workbenches": {"managementState": "Managed"}}


ARGOCD_RULES = ({"group": "kubeflow.org", "resources": ["notebooks"]},
                {"group": "", "resources": ["persistentvolumeclaims"]})


def argocd_ignore(p: Portfolio) -> dict[str, dict]:
    """{Application's component: its ignoreDifferences and sync options}, where the
    workbench is on. The notebook controller's webhook adds kube-rbac-proxy, its volumes and
    the trusted CA bundle to the Notebook: the Application would never be in sync otherwise.
    With live switching, the serving Application leaves the replicas to the workbench."""
    w = p.workbench
    ours = ["home", "gpuaas-notebook"]
    out: dict[str, dict] = {NAME: {"ignore": [{
        "group": "kubeflow.org", "kind": "Notebook", "name": w.name, "namespace": w.namespace,
        "jqPathExpressions": [
            f'.spec.template.spec.containers[] | select(.name != "{w.name}")',
            f'.spec.template.spec.containers[] | select(.name == "{w.name}") | .env',
            f'.spec.template.spec.containers[] | select(.name == "{w.name}") | .volumeMounts',
            ".spec.template.spec.volumes[] | select(.name as $n | " + " and ".join(
                f'$n != "{v}"' for v in ours) + ")",
        ]}], "options": []}}
    if w.switching == "live":
        out["serving"] = {"ignore": [{"group": "serving.kserve.io", "kind": "InferenceService",
                                      "namespace": p.serving.namespace, "jsonPointers": LIVE_FIELDS}],
                          "options": ["RespectIgnoreDifferences=true"]}
    return out


def render(p: Portfolio, env: EnvPlan, ctx: Context) -> dict[str, str]:
    w = p.workbench
    docs = {}
    if w.namespace != p.serving.namespace:
        docs["namespace.yaml"] = render_template(
            "serving/namespace.yaml.j2", name=w.namespace, labels={"opendatahub.io/dashboard": "true"},
            argocd_namespace=p.gitops.argocdNamespace)
    docs["rbac.yaml"] = render_template(
        "workbench/rbac.yaml.j2", name=w.name, namespace=w.namespace,
        serving_namespace=p.serving.namespace, live=w.switching == "live",
        models=[mp.name for mp in env.rendered_models])
    docs["pvc.yaml"] = render_template("workbench/pvc.yaml.j2", w=w)
    docs["configmap-notebook.yaml"] = render_template(
        "registry/configmap.yaml.j2", name=f"{w.name}-notebook", namespace=w.namespace,
        data={switchboard.NOTEBOOK: switchboard.notebook(p, env, w.switching)})
    selection = IMAGESTREAM.match(w.image)
    docs["notebook.yaml"] = render_template(
        "workbench/notebook.yaml.j2", w=w, home=HOME, folder=FOLDER,
        image_selection=selection.group(1) if selection else None,
        base_url=f"/notebook/{w.namespace}/{w.name}", configmap=f"{w.name}-notebook")
    return docs


def summary(p: Portfolio, env: EnvPlan) -> str:
    w = p.workbench
    played = [s.key for s in switchboard.steps(p, env)[1:]]
    how = ("live (Argo CD leaves the replicas to it)" if w.switching == "live"
           else "by commit (Git decides what runs)")
    return (f"Notebook {w.name} in {w.namespace}, scenarios: {', '.join(played) or 'none'}; "
            f"switching {how}")


# --- checks and docs -----------------------------------------------------------------

def findings(loaded: Loaded) -> list[Finding]:
    p, at = loaded.portfolio, loaded.locations
    out: list[Finding] = []
    if not p.workbench.enabled:
        return out
    if p.workbench.namespace == p.serving.namespace and any(
            e.overrides.components.get("kueue", True) and e.overrides.components.get(NAME, True)
            for e in p.environments):
        out.append(at.finding(("workbench", "namespace"), "the serving namespace is Kueue-managed: "
                              "a Notebook there must name a LocalQueue and takes CPU and memory "
                              "from the GPU flavors' quota; give the workbench a namespace of its own",
                              "WORKBENCH_NAMESPACE"))
    if p.workbench.switching == "live":
        for i, m in enumerate(p.models):
            if (m.mode or p.serving.mode) == "llm-d":
                where = ("models", i, "mode") if m.mode else ("serving", "mode")
                out.append(at.finding(where, f"{m.name} is served by llm-d, which the notebook's "
                                      "live switching does not patch (it scales InferenceServices): "
                                      "set workbench.switching: commit", "WORKBENCH_LIVE"))
    return out


def readme(plan: Plan, envs: list[EnvPlan]) -> str:
    p = plan.portfolio
    return Quoted(render_template("workbench/readme.md.j2", p=p, w=p.workbench, envs=envs,
                                  steps=lambda env: switchboard.steps(p, env),
                                  notebook=switchboard.NOTEBOOK, folder=FOLDER,
                                  scenarios=switchboard.SCENARIOS, not_played=switchboard.NOT_PLAYED,
                                  fields=LIVE_FIELDS, selection=IMAGESTREAM.match(p.workbench.image)))


COMPONENT = Component(
    # After serving: the Role names the InferenceServices the notebook reads and switches.
    NAME, 1,
    "a Jupyter workbench whose notebook plays the GPU scenarios (conflict, handover, efficiency) against the plan",
    render,
    healthy="the workbench's home volume bound (once its pod is scheduled)",
    stuck="the Notebook's pod not scheduled: `oc describe notebook` and its PersistentVolumeClaim",
    kinds=("kubeflow.org/Notebook",),
    argocd_rules=ARGOCD_RULES,
    destination=destination,
    dsc=dsc,
    argocd_ignore=argocd_ignore,
    summary=summary,
    findings=findings,
    readme=readme,
)
