"""`uploads`: one Job per S3-stored model, Hugging Face to S3, resumable, at a prefix of its
own; serving pods wait for the upload's marker with the same script."""
from __future__ import annotations

import hashlib
import json
import math
from functools import cache
from importlib import resources
from typing import Any

from ..escapes import for_kubelet
from ..plan import EnvPlan, ModelPlan, Plan
from ..portfolio.schema import S3, Portfolio
from ..templating import render_template
from .base import Component, Context

UPLOAD_SCRIPT = "upload_model.py"


def s3_of(p: Portfolio) -> S3:
    """The data connection: an upload without one is refused by the rules (STORAGE)."""
    if p.storage.s3 is None:
        raise ValueError("uploads need storage.s3")
    return p.storage.s3


def render(p: Portfolio, env: EnvPlan, ctx: Context) -> dict[str, str]:
    ns = p.storage.uploads.namespace
    s3 = s3_of(p)
    script = upload_script()
    script_digest = hashlib.sha256(script.encode()).hexdigest()
    cm = "gpuaas-upload-script"
    docs = {"configmap-upload-script.yaml": render_template(
        "configmap.yaml.j2", name=cm, namespace=ns, key=UPLOAD_SCRIPT, content=script)}
    for mp in env.rendered_models:
        if not mp.storage.upload:
            continue
        repo = mp.model.source.partition("://")[2]
        env_vars: list[dict[str, Any]] = [{"name": "MODEL_REPO", "value": repo},
                    {"name": "S3_PREFIX", "value": mp.storage.s3_path},
                    {"name": "AWS_S3_BUCKET", "value": s3.bucket},
                    {"name": "WORK_DIR", "value": "/scratch"},
                    {"name": "HF_HOME", "value": "/scratch/.hf"},
                    {"name": "PYTHONPATH", "value": "/scratch/.pylib"}]
        if mp.model.revision:
            env_vars.append({"name": "MODEL_REVISION", "value": mp.model.revision})
        all_weights = mp.model.flag("--load-format") not in (None, "auto", "safetensors")
        if all_weights:
            # vLLM reads the consolidated/original checkpoint: keep what the script would skip
            env_vars.append({"name": "UPLOAD_ALL_WEIGHTS", "value": "1"})
        env_vars += s3_connection_env(p)
        if p.storage.uploads.hfTokenSecret:
            env_vars.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {
                "name": p.storage.uploads.hfTokenSecret, "key": "token"}}})
        # the download lands in the scratch volume: with every weights file the repository
        # holds two copies (Hugging Face safetensors and the consolidated checkpoint)
        job: dict[str, Any] = dict(namespace=ns, model=mp.name, repo=repo, bucket=s3.bucket,
                   prefix=mp.storage.s3_path, image=p.storage.uploads.image,
                   env=[{**e, "value": for_kubelet(e["value"])} if "value" in e else e for e in env_vars],
                   script_configmap=cm, scratch=f"{math.ceil(mp.model.weights_gb * (2.2 if all_weights else 1.1)) + 5}Gi")
        docs[f"job-upload-{mp.name}.yaml"] = render_template(
            "uploads/job.yaml.j2", name=job_name(mp.name, job, script_digest), **job)
    return docs


def s3_connection_env(p: Portfolio) -> list[dict]:
    """The data connection's S3 settings as container env: Secret references only."""
    s3 = s3_of(p)
    out: list[dict[str, Any]] = [{"name": "AWS_S3_ENDPOINT", "value": s3.endpoint}] if s3.endpoint else []
    keys = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] + ([] if s3.endpoint else ["AWS_S3_ENDPOINT"])
    out += [{"name": key, "valueFrom": {"secretKeyRef": {"name": s3.connection, "key": key}}}
            for key in keys]
    out.append({"name": "AWS_DEFAULT_REGION", "valueFrom": {"secretKeyRef": {
        "name": s3.connection, "key": "AWS_DEFAULT_REGION", "optional": True}}})
    return out


@cache
def upload_script() -> str:
    """Read once per process: both the upload Jobs and the serving pods' wait use it, in
    every environment."""
    return (resources.files("gpuaas") / "scripts" / UPLOAD_SCRIPT).read_text()


def wait_for_upload(p: Portfolio, mp: ModelPlan) -> dict:
    """The init container that holds a model's pod until its upload is complete. KServe adds
    its storage-initializer after the InferenceService's own init containers (RHOAI 3.0,
    pkg/utils/storage.go AddStorageInitializerContainer), so it never copies a partial upload."""
    env = [{"name": "AWS_S3_BUCKET", "value": for_kubelet(s3_of(p).bucket)},
           {"name": "S3_PREFIX", "value": for_kubelet(mp.storage.s3_path or "")}]
    env += [{**e, "value": for_kubelet(e["value"])} if "value" in e else e for e in s3_connection_env(p)]
    return {"name": "wait-for-upload", "image": p.storage.uploads.image,
            "command": ["python3", f"/opt/gpuaas/{UPLOAD_SCRIPT}", "--wait"], "env": env,
            "resources": {"requests": {"cpu": "50m", "memory": "64Mi"},
                          "limits": {"cpu": "200m", "memory": "128Mi"}},
            "volumeMounts": [{"name": "upload-wait", "mountPath": "/opt/gpuaas", "readOnly": True}]}


def job_name(model: str, spec: dict, script_digest: str) -> str:
    """`upload-<model>-<hash>`: a Job's pod template is immutable, so a changed upload (or
    script) is a new Job, and Argo CD prunes the old one. Within 63 characters (the Job
    name becomes a label value)."""
    digest = hashlib.sha256(json.dumps([spec, script_digest], sort_keys=True).encode()).hexdigest()[:8]
    return f"upload-{model[:63 - len('upload--') - 8].rstrip('-')}-{digest}"


def prerequisites(plan: Plan) -> list[str]:
    p = plan.portfolio
    uploads = [mp for env in plan.environments if env.components["uploads"]
               for mp in env.rendered_models if mp.storage.upload]
    if not (p.storage.s3 and uploads):
        return []
    out = [f"Secret `{p.storage.s3.connection}` in `{p.storage.uploads.namespace}` (the same "
           "keys) for the upload Jobs, and the bucket "
           f"`{p.storage.s3.bucket}` itself: the Jobs only create objects.",
           f"Egress from `{p.storage.uploads.namespace}` to Hugging Face (huggingface.co and "
           "its download hosts) and to PyPI (pypi.org, files.pythonhosted.org): each upload "
           "Job installs its Python packages, then downloads the weights."]
    if p.storage.uploads.hfTokenSecret:
        out.append(f"Secret `{p.storage.uploads.hfTokenSecret}` (key `token`) in "
                   f"`{p.storage.uploads.namespace}`: the Hugging Face token for gated models.")
    return out


COMPONENT = Component(
    "uploads", -1, "one Job per S3-stored model: Hugging Face -> S3", render,
    healthy="applied (synced): the next waves do not wait for the uploads",
    stuck="never stuck: a failed upload shows Degraded on this Application and keeps only its "
          "model's pod waiting (`oc logs job/<upload job>`)",
    # each serving pod waits for its own upload, so a slow or failed upload (a standby
    # model's, say) holds nothing else back
    gate="applied",
    argocd_rules=({"group": "batch", "resources": ["jobs"]},),
    # the uploads namespace may hold MinIO: created if missing, never owned
    destination=lambda p: (p.storage.uploads.namespace,
                           ["SkipDryRunOnMissingResource=true", "CreateNamespace=true"]),
    prerequisites=prerequisites,
)
