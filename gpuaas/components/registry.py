"""`registry`: Model Registry, and a Job that registers every rendered model in it.

The DataScienceCluster's `modelregistry` component runs the operator; the ModelRegistry it
reconciles lives in the registries namespace, with its database given by reference (a
Secret for the password) or, for demos, provisioned by the operator itself. The Job runs
gpuaas/scripts/register_models.py (standard library) against the registry's REST API as
its own ServiceAccount, which kube-rbac-proxy in front of the registry lets through.
"""
from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import Any

from ..escapes import for_kubelet
from ..findings import Finding
from ..plan import EnvPlan, ModelPlan, Plan
from ..portfolio.load import Loaded
from ..portfolio.schema import Portfolio, dns_subdomain
from ..templating import Quoted, render_template
from .base import Component, Context
from .serving import vllm_args
from .uploads import s3_of

NAME = "registry"
SCRIPT = "register_models.py"
SA = "gpuaas-registry-writer"
PORT = 8443   # kube-rbac-proxy's https port on the registry's Service
DEFAULT_PASSWORD_KEY = "database-password"


def destination(p: Portfolio) -> tuple[str, list[str]]:
    # the operator creates the registries namespace too; whichever comes first, the other keeps it
    return p.registry.namespace, ["SkipDryRunOnMissingResource=true", "CreateNamespace=true"]


def dsc(p: Portfolio) -> dict[str, dict]:
    return {"modelregistry": {"managementState": "Managed",
                              "registriesNamespace": p.registry.namespace}}


ARGOCD_RULES = ({"group": "modelregistry.opendatahub.io", "resources": ["modelregistries"]},
                {"group": "networking.k8s.io", "resources": ["networkpolicies"]})


def summary(p: Portfolio, env: EnvPlan) -> str:
    r = p.registry
    return f"ModelRegistry {r.name} in {r.namespace}, {len(env.rendered_models)} model(s) registered"


def url(p: Portfolio) -> str:
    r = p.registry
    return f"https://{r.name}.{r.namespace}.svc:{PORT}"


def script() -> str:
    return (resources.files("gpuaas") / "scripts" / SCRIPT).read_text()


# --- what is registered -------------------------------------------------------------

def version_digest(mp: ModelPlan, p: Portfolio) -> str:
    """What makes the model: a change here is a new version (state, fit and admission are
    properties of a version, updated in place)."""
    m = mp.model
    what = [m.source, m.revision, m.precision, m.gpus, mp.pools, mp.storage.uri,
            mp.storage.s3_path, m.task, vllm_args(p, mp)]
    return hashlib.sha256(json.dumps(what).encode()).hexdigest()[:8]


def version_name(mp: ModelPlan, p: Portfolio) -> str:
    return f"{mp.model.precision}-{version_digest(mp, p)}"


def artifact(mp: ModelPlan, p: Portfolio) -> dict:
    """The model artifact: the URI the InferenceService serves (and, from S3, its data
    connection and path, as the dashboard's deploy form wants them)."""
    m = mp.model
    out: dict[str, Any] = {"name": f"{m.name}-{version_digest(mp, p)}", "modelFormatName": "vLLM",
           "modelSourceKind": "gpuaas", "modelSourceClass": "portfolio",
           "modelSourceGroup": p.metadata.name, "modelSourceName": m.source}
    if mp.storage.uri:
        out["uri"] = mp.storage.uri
    else:
        bucket = (m.source.partition("://")[2].split("/")[0] if m.scheme == "s3"
                  else s3_of(p).bucket)
        out["uri"] = f"s3://{bucket}/{mp.storage.served_path}"
        out["storageKey"] = s3_of(p).connection
        out["storagePath"] = mp.storage.served_path
    return out


def fit_properties(mp: ModelPlan) -> dict:
    fit = mp.fit
    out: dict = {"fits": "unknown" if fit.fits is None else ("yes" if fit.fits else "no")}
    if fit.reason:
        out["fitReason"] = fit.reason
    if fit.pool:
        out["fitPool"] = fit.pool
    if fit.kv_tokens is not None:
        out["kvCacheTokens"] = int(fit.kv_tokens)
    if fit.max_concurrency is not None:
        out["maxConcurrency"] = round(float(fit.max_concurrency), 2)
    if fit.weights_gib is not None:
        out["weightsGiB"] = round(float(fit.weights_gib), 2)
    return out


def document(p: Portfolio, env: EnvPlan) -> dict:
    """The registration Job's input: every rendered model, in portfolio order."""
    models = []
    for mp in env.rendered_models:
        m = mp.model
        version = {"source": m.source, "precision": m.precision, "gpus": m.gpus,
                   "pool": ", ".join(mp.pools) or "-", "state": mp.state,
                   "admission": mp.admission or "-", "environment": env.name,
                   **fit_properties(mp)}
        if m.revision:
            version["revision"] = m.revision
        models.append({
            "name": m.name,
            "description": m.displayName or f"{m.name} ({m.params} parameters, {m.task})",
            "customProperties": {"portfolio": p.metadata.name, "task": m.task},
            "version": {"name": version_name(mp, p), "author": "gpuaas",
                        "description": f"{m.source}@{m.revision or 'default'} {m.precision} on {m.gpus} GPU(s)",
                        "customProperties": version},
            "artifact": artifact(mp, p),
            "inferenceService": {"name": m.name, "runtime": p.serving.runtime.name,
                                 "desiredState": "DEPLOYED" if mp.state == "active" else "UNDEPLOYED"},
        })
    return {"servingEnvironment": {"name": p.serving.namespace,
                                   "description": f"gpuaas portfolio {p.metadata.name}, environment {env.name}"},
            "models": models}


# --- objects --------------------------------------------------------------------------

def database_spec(p: Portfolio) -> dict:
    db = p.registry.database
    if db.inCluster:
        # the operator names the database and its user itself (a database named here would
        # need a username too: the CRD's rule)
        return {"postgres": {"generateDeployment": True}}
    spec: dict[str, Any] = {"host": db.host, "database": db.database, "username": db.username,
            "passwordSecret": {"name": db.passwordSecret, "key": db.passwordKey}}
    if db.port:
        spec["port"] = db.port
    return {db.type: spec}


def client_namespaces(p: Portfolio, env: EnvPlan) -> list[str]:
    """Namespaces of the environment's other components that call the registry (the
    evaluation publishes its benchmark results)."""
    return sorted({p.evaluation.namespace} - {p.registry.namespace}
                  if env.components.get("evaluation") else set())


def render(p: Portfolio, env: EnvPlan, ctx: Context) -> dict[str, str]:
    r = p.registry
    docs = {"modelregistry.yaml": render_template(
        "registry/modelregistry.yaml.j2", name=r.name, namespace=r.namespace,
        database=database_spec(p), in_cluster=r.database.inCluster)}
    docs["rbac.yaml"] = render_template("registry/rbac.yaml.j2", name=SA, namespace=r.namespace,
                                        registry=r.name)
    docs["networkpolicy.yaml"] = render_template(
        "registry/networkpolicy.yaml.j2", name="gpuaas-registry-clients", namespace=r.namespace,
        registry=r.name, port=PORT, namespaces=client_namespaces(p, env))
    doc = json.dumps(document(p, env), indent=2, sort_keys=True) + "\n"
    code = script()
    cm = "gpuaas-registration"
    docs["configmap-registration.yaml"] = render_template(
        "registry/configmap.yaml.j2", name=cm, namespace=r.namespace,
        data={SCRIPT: code, "models.json": doc})
    digest = hashlib.sha256(json.dumps([code, doc, r.image, url(p)]).encode()).hexdigest()[:8]
    env_vars = [{"name": "REGISTRY_URL", "value": for_kubelet(url(p))},
                {"name": "MODELS_FILE", "value": "/opt/gpuaas/models.json"}]
    docs["job-register.yaml"] = render_template(
        "registry/job.yaml.j2", name=f"register-models-{digest}", namespace=r.namespace,
        service_account=SA, image=r.image, env=env_vars, configmap=cm, script=SCRIPT,
        models=[mp.name for mp in env.rendered_models])
    return docs


# --- checks and docs -----------------------------------------------------------------

def findings(loaded: Loaded) -> list[Finding]:
    p, at = loaded.portfolio, loaded.locations
    out: list[Finding] = []
    if not p.registry.enabled:
        return out
    db = p.registry.database
    if not db.inCluster:
        for field in ("host", "username", "passwordSecret"):
            if getattr(db, field) is None:
                out.append(at.finding(("registry", "database"), f"{field} is missing: name the "
                                      f"{db.type} database the registry uses (host, username, "
                                      "passwordSecret), or set inCluster: true for a demo database",
                                      "REGISTRY_DATABASE"))
    if db.passwordSecret is not None:
        try:
            dns_subdomain(db.passwordSecret)
        except ValueError as exc:
            out.append(at.finding(("registry", "database", "passwordSecret"),
                                  f"{exc} (the name of a Secret, never its value)", "SECRET_NAME"))
    return out


def prerequisites(plan: Plan) -> list[str]:
    p = plan.portfolio
    if not any(env.components[NAME] for env in plan.environments):
        return []
    db = p.registry.database
    if db.inCluster:
        return []
    return [f"Secret `{db.passwordSecret}` (key `{db.passwordKey}`) in `{p.registry.namespace}`: "
            f"the password of {db.type} user `{db.username}` on `{db.host}`, database "
            f"`{db.database}` (the registry's metadata; the database must exist and be reachable)."]


def readme(plan: Plan, envs: list[EnvPlan]) -> str:
    p = plan.portfolio
    return Quoted(render_template("registry/readme.md.j2", p=p, r=p.registry, envs=envs, url=url(p),
                           sa=SA, version_name=lambda mp: version_name(mp, p)))


COMPONENT = Component(
    # After serving: the Job registers what the serving component rendered.
    NAME, 1,
    "Model Registry (DataScienceCluster modelregistry) and a Job registering every rendered model",
    render,
    healthy="the registration Job complete (it waits for the ModelRegistry to answer)",
    stuck=("the registry not Available (`oc get modelregistry -n <registries namespace>`), "
          "or the Job failing to reach it: its log names the call"),
    kinds=("modelregistry.opendatahub.io/ModelRegistry",),
    argocd_rules=ARGOCD_RULES,
    destination=destination,
    dsc=dsc,
    prerequisites=prerequisites,
    summary=summary,
    findings=findings,
    readme=readme,
)
