"""`serving`: the serving namespace, the vLLM ServingRuntime, one InferenceService per
rendered model (RawDeployment, Kueue-labelled, placed on its pools), a HardwareProfile per
pool, and the RBAC of the clients that call the models."""
from __future__ import annotations

from typing import Any

from .. import catalog
from ..escapes import container_arg
from ..catalog import version_tuple
from ..plan import EnvPlan, ModelPlan, Plan
from ..portfolio.schema import FIELD_FLAGS, Portfolio
from ..templating import Quoted, render_template
from .base import Component, Context
from .uploads import UPLOAD_SCRIPT, upload_script, wait_for_upload

CLIENT_SA = "gpuaas-inference-client"
HF_PULL_SA = "gpuaas-hf-pull"
UPLOAD_WAIT_CM = "gpuaas-upload-wait"
# odh-model-controller merges a Secret into KServe's storage-config only when it is a data
# connection: these labels and this annotation.
DATA_CONNECTION = ('labels `opendatahub.io/dashboard: "true"` and `opendatahub.io/managed: "true"`, '
                   'annotation `opendatahub.io/connection-type: s3`')


def render(p: Portfolio, env: EnvPlan, ctx: Context) -> dict[str, str]:
    ns = p.serving.namespace
    labels = {"opendatahub.io/dashboard": "true"}
    if env.components["kueue"]:
        labels["kueue.openshift.io/managed"] = "true"
    docs = {"servingruntime.yaml": render_template("serving/servingruntime.yaml.j2",
                                                   runtime=p.serving.runtime, image=env.target.image, namespace=ns,
                                                   shm=shm_size(env))}
    if p.serving.createNamespace:
        docs["namespace.yaml"] = render_template("serving/namespace.yaml.j2", name=ns, labels=labels,
                                                 argocd_namespace=p.gitops.argocdNamespace)
    models = env.rendered_models
    if p.serving.hfTokenSecret and any(mp.storage.kind == "hf" for mp in models):
        docs["hf-pull.yaml"] = render_template("serving/hf-pull.yaml.j2", name=HF_PULL_SA,
                                               namespace=ns, secret=p.serving.hfTokenSecret)
    if p.serving.auth and models:
        # who may call a model: `get` on its InferenceService (kube-rbac-proxy) or its
        # LLMInferenceService (the gateway's AuthPolicy, kserve docs/samples/llmisvc 02-authentication)
        kinds = {"inferenceservices": [m.name for m in models if m.mode != "llm-d"],
                 "llminferenceservices": [m.name for m in models if m.mode == "llm-d"]}
        docs["client-rbac.yaml"] = render_template(
            "serving/client-rbac.yaml.j2", name=CLIENT_SA, namespace=ns,
            kinds={kind: names for kind, names in kinds.items() if names})
    if any(mp.storage.upload for mp in models):
        docs["configmap-upload-wait.yaml"] = render_template(
            "configmap.yaml.j2", name=UPLOAD_WAIT_CM, namespace=ns, key=UPLOAD_SCRIPT,
            content=upload_script())
    if env.components["kueue"]:
        for pool in env.pools:
            docs[f"hardwareprofile-{pool.name}.yaml"] = render_hardware_profile(p, env, pool)
    for mp in models:
        if mp.mode == "llm-d":
            docs[f"llmisvc-{mp.name}.yaml"] = render_llmisvc(p, env, mp)
        else:
            docs[f"isvc-{mp.name}.yaml"] = render_isvc(p, env, mp)
    return docs


def hardware_profile_name(pool_name: str) -> str:
    return f"gpuaas-{pool_name}"[:63].rstrip("-")


def model_pool(env: EnvPlan, mp: ModelPlan):
    """The pool whose hardware profile a model names: where Kueue tries it first."""
    return env.pool(mp.flavor) if mp.flavor else (env.pool(mp.pools[0]) if mp.pools else env.pools[0])


def render_hardware_profile(p: Portfolio, env: EnvPlan, pool) -> str:
    """One Queue-type HardwareProfile per pool, in RHOAI's applications namespace (where the
    dashboard lists profiles for every project)."""
    cpu, mem = pool.cpu_per_gpu // 2 or 1, pool.memory_gib_per_gpu // 2 or 1
    identifiers = [
        {"identifier": "nvidia.com/gpu", "displayName": f"{pool.pool.gpu} GPU",
         "resourceType": "Accelerator", "minCount": 1, "defaultCount": 1},
        {"identifier": "cpu", "displayName": "CPU", "resourceType": "CPU", "minCount": 1,
         "defaultCount": cpu},
        {"identifier": "memory", "displayName": "Memory", "resourceType": "Memory",
         "minCount": "1Gi", "defaultCount": f"{mem}Gi"}]
    kueue: dict[str, str | None] = {"localQueueName": p.quota.localQueue}
    priorities = {mp.model.priority for mp in env.rendered_models if model_pool(env, mp).name == pool.name}
    if len(priorities) == 1 and None not in priorities:  # one priority fits every model here
        kueue["priorityClass"] = priorities.pop()
    return render_template(
        "serving/hardwareprofile.yaml.j2", pool=pool, name=hardware_profile_name(pool.name),
        namespace=catalog.RHOAI_APPLICATIONS_NAMESPACE, identifiers=identifiers, kueue=kueue,
        display=f"{pool.name}: {pool.pool.gpu} x {pool.gpus_per_node} per node",
        description=f"{pool.nodes_text}, Kueue queue {p.quota.localQueue}")


def shm_size(env: EnvPlan) -> str:
    biggest = max((m.model.gpus for m in env.rendered_models), default=1)
    return "2Gi" if biggest <= 1 else f"{2 * biggest}Gi"


def vllm_args(p: Portfolio, mp: ModelPlan) -> list[str]:
    m = mp.model
    given = {name for name, _ in m.flags}
    args = []
    if "--tensor-parallel-size" not in given and m.nodes == 1:    # across nodes: the preset's, from spec.parallelism
        args.append(f"--tensor-parallel-size={m.gpus}")
    if m.maxModelLen and "--max-model-len" not in given:
        args.append(f"--max-model-len={m.maxModelLen}")
    # the other fields that mean a vLLM argument, written only when the portfolio sets them
    for field, value in (("gpuMemoryUtilization", m.gpuMemoryUtilization),
                         ("kvCacheDtype", m.kvCacheDtype), ("maxNumSeqs", m.maxNumSeqs),
                         ("quantization", m.quantization)):
        if value is not None and FIELD_FLAGS[field] not in given:
            args.append(f"{FIELD_FLAGS[field]}={value:g}" if isinstance(value, float)
                        else f"{FIELD_FLAGS[field]}={value}")
    if m.enforceEager and "--enforce-eager" not in given:
        args.append("--enforce-eager")
    if m.task == "embed" and not given & {"--runner", "--task"}:
        args.append("--task=embed" if version_tuple(mp.vllm) < (0, 10) else "--runner=pooling")
    return args + [container_arg(a) for a in m.vllmArgs]


def metadata(p: Portfolio, env: EnvPlan, mp: ModelPlan, own: dict[str, str]) -> tuple[dict, dict]:
    """The labels and annotations of a model's object, either kind: Kueue's queue and priority
    (the webhook requires the queue in a Kueue-managed namespace, and KServe copies
    kueue.x-k8s.io labels to the pods), the HardwareProfile, auth."""
    m = mp.model
    labels = {"opendatahub.io/dashboard": "true"}
    if env.components["kueue"]:
        labels["kueue.x-k8s.io/queue-name"] = p.quota.localQueue
        if m.priority:
            labels["kueue.x-k8s.io/priority-class"] = m.priority
    annotations = {
        "openshift.io/display-name": m.displayName or m.name,
        **own,      # the kind's own
        "security.opendatahub.io/enable-auth": "true" if p.serving.auth else "false",
        "argocd.argoproj.io/sync-wave": "1",
        "argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true",
    }
    if env.components["kueue"]:  # the webhook reads it; named here so Argo CD sees no drift
        annotations["opendatahub.io/hardware-profile-name"] = hardware_profile_name(model_pool(env, mp).name)
        annotations["opendatahub.io/hardware-profile-namespace"] = catalog.RHOAI_APPLICATIONS_NAMESPACE
    return labels, annotations


def scheduling(env: EnvPlan, mp: ModelPlan) -> tuple[dict | None, dict | None, list[dict]]:
    """Node selector, affinity and tolerations of a model's pods: its pools' GPU nodes."""
    pools = [env.pool(n) for n in mp.pools]
    node_selector, affinity = placement(pools, len(env.pools))
    taints = sorted({pool.pool.taintKey for pool in (pools or env.pools)})
    return node_selector, affinity, [{"key": t, "operator": "Exists", "effect": "NoSchedule"} for t in taints]


def render_llmisvc(p: Portfolio, env: EnvPlan, mp: ModelPlan) -> str:
    """llm-d: an LLMInferenceService, whose controller runs vLLM in a Deployment
    (`<name>-kserve`, the kueue.x-k8s.io labels copied to it and its pods) behind the managed
    router: the inference scheduler, an InferencePool and an HTTPRoute on the cluster's
    inference Gateway (red-hat-data-services/kserve@rhoai-3.0, pkg/controller/llmisvc/). vLLM's
    arguments go in VLLM_ADDITIONAL_ARGS, which the preset's launch script appends (the
    container's args would replace that script on 3.0)."""
    labels, annotations = metadata(p, env, mp, {})
    node_selector, affinity, tolerations = scheduling(env, mp)
    envs: list[dict[str, Any]] = [{"name": "VLLM_ADDITIONAL_ARGS", "value": " ".join(vllm_args(p, mp))}]
    if p.serving.hfTokenSecret and mp.storage.kind == "hf":
        envs.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {
            "name": p.serving.hfTokenSecret, "key": "HF_TOKEN"}}})
    m = mp.model
    # Across nodes: the one multi-node preset OpenShift AI installs, data parallel with an
    # engine per node (tensor parallel over its GPUs) and the experts over all of them
    # (kserve@rhoai-3.0 config/llmisvc/config-llm-worker-data-parallel.yaml; a LeaderWorkerSet
    # of data / dataLocal = `nodes` pods, pkg/apis/serving/v1alpha1 ParallelismSpec.GetSize).
    parallelism = {"tensor": m.gpus, "data": m.nodes, "dataLocal": 1, "expert": True} if m.nodes > 1 else None
    scaling = ({"minReplicas": m.scaling.minReplicas, "maxReplicas": m.scaling.maxReplicas,
                "wva": {"hpa": {}}} if m.scaling and mp.state == "active" else None)
    return render_template("serving/llminferenceservice.yaml.j2", m=mp, namespace=p.serving.namespace,
                           api=env.target.release.llmisvc_api, labels=labels, annotations=annotations,
                           node_selector=node_selector, affinity=affinity, tolerations=tolerations,
                           env=envs, resources=pod_resources(mp), parallelism=parallelism,
                           scaling=scaling, replicas=mp.model.replicas if mp.state == "active" else 0)


def render_isvc(p: Portfolio, env: EnvPlan, mp: ModelPlan) -> str:
    labels, annotations = metadata(p, env, mp, {"serving.kserve.io/deploymentMode": "RawDeployment",
                                                "serving.kserve.io/autoscalerClass": "none"})
    if p.serving.expose:
        labels["networking.kserve.io/visibility"] = "exposed"
    node_selector, affinity, tolerations = scheduling(env, mp)
    resources = pod_resources(mp)
    return render_template("serving/inferenceservice.yaml.j2", m=mp, namespace=p.serving.namespace,
                           labels=labels, annotations=annotations, node_selector=node_selector,
                           affinity=affinity, tolerations=tolerations, runtime=p.serving.runtime.name,
                           storage_key=p.storage.s3.connection if p.storage.s3 else "",
                           args=vllm_args(p, mp), resources=resources,
                           init_containers=[wait_for_upload(p, mp)] if mp.storage.upload else [],
                           wait_configmap=UPLOAD_WAIT_CM,
                           service_account=HF_PULL_SA if p.serving.hfTokenSecret and mp.storage.kind == "hf" else None)


def pod_resources(mp: ModelPlan) -> dict:
    """Requests sized once, in the plan (Kueue counts these); the model's own requests and
    limits as written; GPUs always requested = limited."""
    cpu, mem, gpus = mp.cpu, mp.memory_gib, str(mp.model.gpus)
    requests: dict[str, Any] = {"cpu": f"{cpu:g}", "memory": f"{mem:g}Gi"}
    limits: dict[str, Any] = {"memory": f"{int(mem * 3 // 2)}Gi"}
    given = mp.model.resources
    if given is not None:
        requests.update(given.requests.items())
        limits = {**({} if "memory" in given.limits or "memory" in given.requests else limits),
                  **{str(k): v for k, v in given.limits.items()}}
    return {"requests": {**requests, "nvidia.com/gpu": gpus}, "limits": {**limits, "nvidia.com/gpu": gpus}}


def placement(pools: list, total: int) -> tuple[dict | None, dict | None]:
    """One pool: its node labels; some pools: an affinity term per pool; all: Kueue's
    flavor assignment places the pod (flavor fungibility)."""
    if not pools or len(pools) == total and total > 1:
        return None, None
    if len(pools) == 1:
        return dict(pools[0].node_labels), None
    terms = [{"matchExpressions": [{"key": k, "operator": "In", "values": [v]}
                                   for k, v in pool.node_labels.items()]} for pool in pools]
    return None, {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                                   {"nodeSelectorTerms": terms}}}


# The inference Gateway's in-cluster Service (<gateway>-<GatewayClass>, HTTP on 80), where the
# HTTPRoute of each LLMInferenceService serves /<namespace>/<name>/v1/... through the llm-d
# scheduler (kserve@rhoai-3.0 docs/samples/llmisvc/getting-started/02-authentication/README.md,
# config/llmisvc/config-llm-router-route.yaml).
LLMD_GATEWAY = "http://openshift-ai-inference-openshift-default.openshift-ingress.svc.cluster.local:80"


def endpoints(p: Portfolio, env: EnvPlan) -> tuple[list[dict], list[dict]]:
    """In-cluster base URLs of the active models (headless Services: the pod's port)."""
    scheme, port = ("https", 8443) if p.serving.auth else ("http", 8080)
    chat: list[dict] = []
    embed: list[dict] = []
    for mp in env.active:
        url = f"{scheme}://{mp.name}-predictor.{p.serving.namespace}.svc.cluster.local:{port}"
        if mp.mode == "llm-d":      # through the inference Gateway, its scheduler choosing the pod
            url = f"{LLMD_GATEWAY}/{p.serving.namespace}/{mp.name}"
        entry = {"name": mp.name, "url": url, "env": "GPUAAS_URL_" + mp.name.upper().replace("-", "_")}
        (embed if mp.model.task == "embed" else chat).append(entry)
    return chat, embed


def readme(plan: Plan, envs: list[EnvPlan]) -> str:
    """Switching a model, and calling each active one (its URL per environment)."""
    return Quoted(render_template(
        "serving/readme.md.j2", plan=plan, p=plan.portfolio, client_sa=CLIENT_SA,
        calls={env.name: endpoints(plan.portfolio, env) for env in plan.environments},
        llmd=any(mp.mode == "llm-d" for env in envs for mp in env.rendered_models)))


def destination(p: Portfolio) -> tuple[str | None, list[str]]:
    return p.serving.namespace, ["SkipDryRunOnMissingResource=true"]


def prerequisites(plan: Plan) -> list[str]:
    p = plan.portfolio
    serving = [mp for env in plan.environments if env.components["serving"] for mp in env.rendered_models]
    out = []
    if any(mp.mode == "llm-d" for mp in serving):
        out.append("For the llm-d models: the Gateway `openshift-ai-inference` in `openshift-ingress` "
                   "(GatewayClass `openshift-default`, OpenShift's Gateway API ingress, 4.19.9 or "
                   "later) that their HTTPRoutes attach to: OpenShift AI does not create it "
                   "(kserve `inferenceservice-config`, `kserveIngressGateway`).")
        if p.serving.auth:
            out.append("For the llm-d models with auth on: Red Hat Connectivity Link 1.1.1 or later "
                       "(Authorino with TLS): without its AuthPolicy CRD the controller removes "
                       "their HTTPRoutes and they never turn Ready.")
    if any(mp.mode == "llm-d" and mp.model.nodes > 1 for mp in serving):
        out.append("For the llm-d models that span nodes: the Leader Worker Set Operator (package "
                   "`leader-worker-set`, channel `stable-v1.0`, in `openshift-lws-operator`, with its "
                   "`LeaderWorkerSetOperator` `cluster`; it needs cert-manager), whose LeaderWorkerSet "
                   "runs each replica's group of pods (kserve docs/samples/llmisvc/ocp-setup-for-GA), "
                   "and a network between the nodes that NCCL can use.")
    if any(mp.mode == "llm-d" and mp.model.scaling for mp in serving):
        out.append("For the llm-d models with scaling: a Prometheus Adapter serving the external "
                   "metric `wva_desired_replicas`, which the HPA of each reads; without it the HPA "
                   "stays Unknown and never scales (kserve pkg/controller/v1alpha2/llmisvc/scaling.go). "
                   "The DataScienceCluster turns the workload-variant autoscaler on (`kserve.wva`).")
    if p.storage.s3 and any(mp.storage.kind == "s3" for mp in serving):
        where = f"`{p.storage.s3.endpoint}`" if p.storage.s3.endpoint else "the endpoint the upload Jobs use"
        out.append(f"Secret `{p.storage.s3.connection}` in `{p.serving.namespace}`: the S3 data "
                   "connection the InferenceServices read (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
                   "AWS_S3_ENDPOINT, AWS_S3_BUCKET, optional AWS_DEFAULT_REGION), with "
                   f"{DATA_CONNECTION}, or KServe never sees it. Its AWS_S3_BUCKET must be "
                   f"`{p.storage.s3.bucket}` and its AWS_S3_ENDPOINT {where}: KServe reads the "
                   "model's path in the Secret's bucket, where the uploads wrote it.")
    if p.serving.hfTokenSecret and any(mp.storage.kind == "hf" for mp in serving):
        out.append(f"Secret `{p.serving.hfTokenSecret}` (key `HF_TOKEN`) in `{p.serving.namespace}`: "
                   "the Hugging Face token for models pulled at pod start.")
    for claim in sorted({(mp.storage.uri or "").removeprefix("pvc://").split("/")[0]
                         for mp in serving if mp.storage.kind == "pvc"}):
        out.append(f"PersistentVolumeClaim `{claim}` in `{p.serving.namespace}`, holding the "
                   "weights: nothing here creates or fills it (`storage.existingClaims`).")
    if not p.serving.createNamespace and serving:
        out.append(f"Namespace `{p.serving.namespace}` (`serving.createNamespace: false`), "
                   "labelled as below.")
    return out


COMPONENT = Component(
    "serving", 0, "serving namespace, vLLM ServingRuntime, InferenceServices", render,
    healthy="every InferenceService Ready: active models loaded, standby ones at 0 replicas",
    stuck="a model waiting for Kueue admission (quota: `gpuaas plan`), for its upload (init "
          "container wait-for-upload), or failing to load (Degraded: vLLM's message)",
    health=('serving.kserve.io/InferenceService', 'serving.kserve.io/LLMInferenceService'),
    kinds=("serving.kserve.io/InferenceService", "serving.kserve.io/ServingRuntime",
           "serving.kserve.io/LLMInferenceService", "infrastructure.opendatahub.io/HardwareProfile"),
    argocd_rules=({"group": "serving.kserve.io", "resources": ["inferenceservices", "servingruntimes",
                                                              "llminferenceservices"]},
                  {"group": "infrastructure.opendatahub.io", "resources": ["hardwareprofiles"]}),
    destination=destination,
    prerequisites=prerequisites,
    readme=readme,
)
