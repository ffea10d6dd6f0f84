"""What a tree relies on that it does not create: exactly the Secrets, claims and buckets its
enabled components use, for the tree README (and nothing for a component that is off)."""
from __future__ import annotations

from . import components
from .plan import Plan

# odh-model-controller merges a Secret into KServe's storage-config only when it is a data
# connection: these labels and this annotation.
DATA_CONNECTION = ('labels `opendatahub.io/dashboard: "true"` and `opendatahub.io/managed: "true"`, '
                   'annotation `opendatahub.io/connection-type: s3`')


def prerequisites(plan: Plan) -> list[str]:
    p = plan.portfolio
    serving = [mp for env in plan.environments if env.components["serving"] for mp in env.rendered_models]
    uploads = [mp for env in plan.environments if env.components["uploads"]
               for mp in env.rendered_models if mp.storage.upload]
    out = []
    if p.storage.s3 and any(mp.storage.kind == "s3" for mp in serving):
        where = f"`{p.storage.s3.endpoint}`" if p.storage.s3.endpoint else "the endpoint the upload Jobs use"
        out.append(f"Secret `{p.storage.s3.connection}` in `{p.serving.namespace}`: the S3 data "
                   "connection the InferenceServices read (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
                   "AWS_S3_ENDPOINT, AWS_S3_BUCKET, optional AWS_DEFAULT_REGION), with "
                   f"{DATA_CONNECTION}, or KServe never sees it. Its AWS_S3_BUCKET must be "
                   f"`{p.storage.s3.bucket}` and its AWS_S3_ENDPOINT {where}: KServe reads the "
                   "model's path in the Secret's bucket, where the uploads wrote it.")
    if p.storage.s3 and uploads:
        out.append(f"Secret `{p.storage.s3.connection}` in `{p.storage.uploads.namespace}` (the same "
                   "keys) for the upload Jobs, and the bucket "
                   f"`{p.storage.s3.bucket}` itself: the Jobs only create objects.")
        out.append(f"Egress from `{p.storage.uploads.namespace}` to Hugging Face (huggingface.co and "
                   "its download hosts) and to PyPI (pypi.org, files.pythonhosted.org): each upload "
                   "Job installs its Python packages, then downloads the weights.")
        if p.storage.uploads.hfTokenSecret:
            out.append(f"Secret `{p.storage.uploads.hfTokenSecret}` (key `token`) in "
                       f"`{p.storage.uploads.namespace}`: the Hugging Face token for gated models.")
    if p.serving.hfTokenSecret and any(mp.storage.kind == "hf" for mp in serving):
        out.append(f"Secret `{p.serving.hfTokenSecret}` (key `HF_TOKEN`) in `{p.serving.namespace}`: "
                   "the Hugging Face token for models pulled at pod start.")
    for claim in sorted({mp.storage.uri.removeprefix("pvc://").split("/")[0]
                         for mp in serving if mp.storage.kind == "pvc"}):
        out.append(f"PersistentVolumeClaim `{claim}` in `{p.serving.namespace}`, holding the "
                   "weights: nothing here creates or fills it (`storage.existingClaims`).")
    if serving and not all(env.components["rhoai"] for env in plan.environments if env.components["serving"]):
        out.append("OpenShift AI 3.0 installed elsewhere, with a DataScienceCluster whose `kserve` is "
                   "Managed (RawDeployment) and whose `kueue` is Unmanaged with "
                   f"`defaultLocalQueueName: {p.quota.localQueue}` (the `rhoai` component is off "
                   "where serving is on: this tree does not touch the DataScienceCluster there).")
    if any(env.components["kueue"] and not (env.components["operators"] and env.operators["certManager"])
           for env in plan.environments):
        out.append("The cert-manager Operator, installed elsewhere: the Red Hat build of Kueue "
                   "operator needs it for its webhooks' certificates and does not start without it "
                   "(`platform.operators.certManager` is off here).")
    if not p.serving.createNamespace and serving:
        out.append(f"Namespace `{p.serving.namespace}` (`serving.createNamespace: false`), "
                   "labelled as below.")
    for module in components.MODULES:
        out += module.prerequisites(plan)
    return out


def singletons(plan: Plan, env) -> list[tuple[str, str]]:
    """The cluster-wide, one-per-cluster objects a sync of `env` writes, and what it sets on
    each: what a reviewer must know before pointing the tree at a shared cluster."""
    p = plan.portfolio
    out = []
    if env.components["rhoai"]:
        states = dict(p.platform.rhoai.components)
        for module in components.MODULES:   # what the DataScienceCluster template writes
            if env.components[module.NAME]:
                states.update({name: part["managementState"] for name, part in module.dsc(p).items()})
        extra = "".join(f", {name} {state}" for name, state in sorted(states.items()))
        out.append(("DataScienceCluster default-dsc", "dashboard and kserve Managed, kueue "
                    f"{'Unmanaged' if env.components['kueue'] else 'Removed'} with the portfolio's "
                    f"queues{extra}; applied server-side, so every other component stays as its "
                    "manager set it" + (
                        f". OpenShift AI then adds a LocalQueue `{p.quota.localQueue}` into the "
                        "portfolio's ClusterQueue to every namespace labelled "
                        "`kueue.openshift.io/managed`; the ClusterQueue selects only "
                        f"`{p.serving.namespace}`, so Kueue admits nothing from the others and the "
                        "GPU quota stays this portfolio's" if env.components["kueue"] else "")))
    if env.components["kueue"]:
        out.append(("Kueue cluster", "the Red Hat build of Kueue's whole configuration, "
                    "replaced by this tree's"))
    if env.components["operators"] and env.operators["nvidiaGpu"]:
        out.append(("ClusterPolicy gpu-cluster-policy", "the NVIDIA GPU Operator's whole "
                    "configuration (driver pinned), replaced by this tree's"))
    if env.components["operators"] and env.operators["nfd"]:
        out.append(("NodeFeatureDiscovery nfd-instance", "in openshift-nfd, replaced by this tree's"))
    return out
