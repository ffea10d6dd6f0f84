"""`evaluation`: the Stage 1 serving deployment's model testing, per active chat model.

An LMEvalJob (TrustyAI; the DataScienceCluster's `trustyai` Managed, online access allowed
for the tasks' datasets) scores the model on `tasks`; a GuideLLM Job measures time to first
token, inter-token latency and throughput at a few constant rates against the model's
endpoint with a ServiceAccount token, then publishes the numbers to the model's version in
the registry (when the registry component is on in the environment).
"""
from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from typing import Any

from ..escapes import for_kubelet
from ..findings import Finding
from ..plan import EnvPlan, ModelPlan, Plan
from ..portfolio.load import Loaded
from ..portfolio.schema import Portfolio
from ..templating import Quoted, render_template
from . import registry
from .base import Component, Context
from .serving import CLIENT_SA, endpoints

NAME = "evaluation"
SA = "gpuaas-evaluation"
SCRIPTS = ("benchmark_results.py", "lmeval_results.py", "register_models.py")
# A Hugging Face repository id, as the LMEvalJob's modelArgs pattern admits it
HF_REPO = re.compile(r"^[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$")


def destination(p: Portfolio) -> tuple[str, list[str]]:
    return p.evaluation.namespace, ["SkipDryRunOnMissingResource=true"]


def dsc(p: Portfolio) -> dict[str, dict]:
    # hellaswag and arc_easy come from Hugging Face: the LMEvalJob needs online access
    return {"trustyai": {"managementState": "Managed",
                         "eval": {"lmeval": {"permitOnline": "allow", "permitCodeExecution": "deny"}}}}


ARGOCD_RULES = ({"group": "trustyai.opendatahub.io", "resources": ["lmevaljobs"]},)


def summary(p: Portfolio, env: EnvPlan) -> str:
    n = len(targets(env))
    return (f"{n} active chat model(s) evaluated in {p.evaluation.namespace} (LMEvalJob, "
            "GuideLLM benchmark)")


def tokenizer(mp: ModelPlan) -> str | None:
    """The Hugging Face repository of the model's tokenizer: its hf:// source, else the
    catalog repository its `architecture` names."""
    return model_tokenizer(mp.model)


def model_tokenizer(m) -> str | None:
    candidate = m.source.partition("://")[2].strip("/") if m.scheme == "hf" else m.architecture
    if isinstance(candidate, str) and HF_REPO.match(candidate) and not candidate.endswith(".json"):
        return candidate
    return None


def targets(env: EnvPlan) -> list[ModelPlan]:
    """The models evaluated: active chat models whose tokenizer is known."""
    return [mp for mp in env.active if mp.model.task == "chat" and tokenizer(mp)]


def scripts() -> dict[str, str]:
    return {name: (resources.files("gpuaas") / "scripts" / name).read_text() for name in SCRIPTS}


def short(prefix: str, model: str, digest: str) -> str:
    return f"{prefix}-{model[:63 - len(prefix) - 10].rstrip('-')}-{digest}"


def render(p: Portfolio, env: EnvPlan, ctx: Context) -> dict[str, str]:
    e = p.evaluation
    ns = e.namespace
    docs = {"namespace.yaml": render_template("serving/namespace.yaml.j2", name=ns, labels={},
                                              argocd_namespace=p.gitops.argocdNamespace)}
    publish = env.components[registry.NAME]
    docs["rbac.yaml"] = render_template(
        "evaluation/rbac.yaml.j2", name=SA, namespace=ns, serving_namespace=p.serving.namespace,
        client_role=CLIENT_SA if p.serving.auth else None,
        registry_namespace=p.registry.namespace if publish else None, registry_role=registry.SA)
    code = scripts()
    cm = "gpuaas-evaluation-scripts"
    docs["configmap-scripts.yaml"] = render_template("registry/configmap.yaml.j2", name=cm,
                                                     namespace=ns, data=code)
    urls = {entry["name"]: entry["url"] for entry in endpoints(p, env)[0]}
    for mp in targets(env):
        m = mp.model
        url = urls[m.name]
        spec = {"model": m.name, "url": url, "tokenizer": tokenizer(mp), "tasks": e.tasks,
                "limit": e.limit}
        digest = hashlib.sha256(json.dumps([spec, registry.version_digest(mp, p)]).encode()).hexdigest()[:8]
        lmevaljob = short("lmeval", m.name, digest)
        docs[f"lmevaljob-{m.name}.yaml"] = render_template(
            "evaluation/lmevaljob.yaml.j2", name=lmevaljob, namespace=ns,
            model=m.name, tasks=e.tasks, limit=e.limit, token_secret=f"{SA}-token" if p.serving.auth else None,
            model_args=[{"name": "model", "value": m.name},
                        {"name": "base_url", "value": f"{url}/v1/completions"},
                        {"name": "tokenizer", "value": tokenizer(mp)},
                        {"name": "tokenized_requests", "value": "False"},
                        {"name": "num_concurrent", "value": "1"},
                        {"name": "max_retries", "value": "3"},
                        # the predictor's certificate is from the cluster's service CA
                        {"name": "verify_certificate", "value": "False"}])
        bench_env = [{"name": "TARGET", "value": url}, {"name": "MODEL", "value": m.name},
                     {"name": "TOKENIZER", "value": tokenizer(mp)},
                     {"name": "RATES", "value": ",".join(f"{r:g}" for r in e.rates)},
                     {"name": "MAX_SECONDS", "value": str(e.maxSeconds)},
                     {"name": "PROMPT_TOKENS", "value": str(e.promptTokens)},
                     {"name": "OUTPUT_TOKENS", "value": str(e.outputTokens)},
                     {"name": "RESULTS_DIR", "value": "/results"},
                     {"name": "HOME", "value": "/results"}]
        if p.serving.auth:
            bench_env.append({"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {
                "name": f"{SA}-token", "key": "token"}}})
        if publish:
            publish_lmeval = [{"name": "LMEVALJOB", "value": lmevaljob}, {"name": "NAMESPACE", "value": ns},
                              {"name": "REGISTERED_MODEL", "value": m.name},
                              {"name": "MODEL_VERSION", "value": registry.version_name(mp, p)},
                              {"name": "REGISTRY_URL", "value": registry.url(p)}]
            docs[f"job-lmeval-publish-{m.name}.yaml"] = render_template(
                "evaluation/job-lmeval-publish.yaml.j2", name=short("lmeval-publish", m.name, digest),
                namespace=ns, model=m.name, lmevaljob=lmevaljob, image=e.publishImage,
                env=[{**v, "value": for_kubelet(v["value"])} for v in publish_lmeval],
                configmap=cm, service_account=SA)
        # vLLM's /metrics beside its API: what the KV cache holds on this cluster (observed)
        publish_env = [{"name": "REGISTERED_MODEL", "value": m.name},
                       {"name": "MODEL_VERSION", "value": registry.version_name(mp, p)},
                       {"name": "REGISTRY_URL", "value": registry.url(p)},
                       {"name": "RESULTS_DIR", "value": "/results"},
                       {"name": "METRICS_URL", "value": f"{url}/metrics"}]
        job: dict[str, Any] = dict(namespace=ns, model=m.name, image=e.image, publish_image=e.publishImage,
                   bench_env=[{**v, "value": for_kubelet(v["value"])} if "value" in v else v for v in bench_env],
                   publish_env=[{**v, "value": for_kubelet(v["value"])} if "value" in v else v
                                for v in publish_env + [v for v in bench_env if v["name"] == "API_TOKEN"]],
                   publish=publish, configmap=cm, service_account=SA)
        job_digest = hashlib.sha256(json.dumps([job, code], sort_keys=True).encode()).hexdigest()[:8]
        docs[f"job-benchmark-{m.name}.yaml"] = render_template(
            "evaluation/job-benchmark.yaml.j2", name=short("benchmark", m.name, job_digest), **job)
    return docs


def findings(loaded: Loaded) -> list[Finding]:
    p, at = loaded.portfolio, loaded.locations
    out: list[Finding] = []
    if not p.evaluation.enabled:
        return out
    for i, m in enumerate(p.models):
        if m.task == "chat" and m.state != "off" and model_tokenizer(m) is None:
            out.append(at.finding(("models", i, "source"), "the evaluation needs the model's "
                                  "tokenizer, a Hugging Face repository: name it in `architecture` "
                                  "(org/name), or the model is not evaluated", "EVAL_TOKENIZER", "warning"))
    return out


def readme(plan: Plan, envs: list[EnvPlan]) -> str:
    p = plan.portfolio
    return Quoted(render_template("evaluation/readme.md.j2", p=p, e=p.evaluation, envs=envs,
                                  targets=targets, sa=SA, registry=registry.NAME,
                                  rates=", ".join(f"{r:g}" for r in p.evaluation.rates)))


COMPONENT = Component(
    # After the registry: the benchmark publishes to the versions the registration made.
    NAME, 2,
    "per active chat model: an LMEvalJob (TrustyAI) and a GuideLLM benchmark Job publishing to the registry",
    render,
    healthy="each LMEvalJob complete, then each benchmark Job",
    stuck=("an LMEvalJob still running (`oc get lmevaljob -n <namespace>`: its state and message), "
          "or one that failed: the benchmark of that model then never runs"),
    health=('trustyai.opendatahub.io/LMEvalJob',),
    kinds=("trustyai.opendatahub.io/LMEvalJob",),
    argocd_rules=ARGOCD_RULES,
    destination=destination,
    dsc=dsc,
    summary=summary,
    findings=findings,
    readme=readme,
)
