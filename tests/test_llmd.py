"""llm-d as a serving mode: a model with `mode: llm-d` renders as an LLMInferenceService of
its environment's release, queued, placed and planned like an InferenceService."""
from __future__ import annotations

import json

import pytest
import yaml

from gpuaas import pipeline

from .conftest import REPO
from .test_deploy import cond, health

TRAIN = REPO / "portfolios" / "release-train.yaml"     # qwen-32b-fp8: llm-d; dev 3.5, prod 3.3


@pytest.fixture(scope="module")
def built():
    return pipeline.build(TRAIN)


def test_an_llmd_model_is_an_llminferenceservice_of_its_release(built):
    for env, api in (("dev", "v1alpha2"), ("prod", "v1alpha1")):
        files = built.files
        assert f"components/{env}/serving/isvc-qwen-32b-fp8.yaml" not in files
        obj = yaml.safe_load(files[f"components/{env}/serving/llmisvc-qwen-32b-fp8.yaml"])
        assert obj["apiVersion"] == f"serving.kserve.io/{api}" and obj["kind"] == "LLMInferenceService"
        labels, spec = obj["metadata"]["labels"], obj["spec"]
        # the queue label the operator's webhook requires, copied by KServe to the pods
        assert labels["kueue.x-k8s.io/queue-name"] == "release-train"
        assert labels["kueue.x-k8s.io/priority-class"] == "standard"
        assert spec["model"]["uri"] == "hf://RedHatAI/Qwen2.5-32B-Instruct-FP8-dynamic"
        assert spec["router"] == {"scheduler": {}, "route": {}, "gateway": {}}
        [main] = spec["template"]["containers"]
        assert main["name"] == "main" and main["resources"]["limits"]["nvidia.com/gpu"] == "2"
        extra = next(e["value"] for e in main["env"] if e["name"] == "VLLM_ADDITIONAL_ARGS")
        assert "--tensor-parallel-size=2" in extra
        assert spec["template"]["nodeSelector"]["nvidia.com/gpu.product"] == "NVIDIA-L40S"
    # the other model stays an InferenceService
    assert "components/dev/serving/isvc-granite-8b.yaml" in built.files


def test_it_is_planned_and_admitted_like_the_rest(built):
    env = built.plan.environments[0]
    [mp] = [m for m in env.models if m.name == "qwen-32b-fp8"]
    assert mp.mode == "llm-d" and mp.admission == "Admitted" and mp.fit.fits


def test_the_tree_says_what_llmd_needs_and_argo_cd_may_write_it(built):
    readme = built.files["README.md"]
    assert "Gateway `openshift-ai-inference` in `openshift-ingress`" in readme
    assert "Red Hat Connectivity Link" in readme
    rbac = built.files["charts/argocd-apps/templates/rbac-argocd-cluster.yaml"]
    assert "llminferenceservices" in rbac


@pytest.mark.parametrize("status, expected", [
    ({}, "Progressing"),
    ({"conditions": [cond("Ready", "False", "workload not ready")]}, "Progressing"),
    ({"conditions": [dict(cond("Ready", "False", "boom"), reason="ReconcileSingleNodeWorkloadError")]}, "Degraded"),
    ({"conditions": [cond("WorkloadsReady", "True"), cond("RouterReady", "True"), cond("Ready", "True")]},
     "Healthy"),
])
def test_its_health_check_follows_ready(built, status, expected):
    patch = yaml.safe_load(built.files["bootstrap/argocd-health-checks.yaml"])
    [check] = [c["check"] for c in patch["spec"]["resourceHealthChecks"] if c["kind"] == "LLMInferenceService"]
    assert health(check, {"status": status})[0] == expected


def test_trees_without_llmd_carry_no_llmd_check():
    files = pipeline.build(REPO / "portfolios" / "starter.yaml").files
    assert "LLMInferenceService" not in files["bootstrap/argocd-health-checks.yaml"]


def test_llmd_reads_its_model_by_uri_not_from_the_upload_bucket(tmp_path, cli):
    path = tmp_path / "p.yaml"
    path.write_text(TRAIN.read_text().replace("    storage: hf                         # an LLMInferenceService", "    # "))
    report = json.loads(cli("validate", str(path), "--format", "json").stdout)
    [found] = [f for f in report["findings"] if f["code"] == "LLMD"]
    line = TRAIN.read_text().splitlines().index("    mode: llm-d") + 1     # qwen-32b-fp8's, the first
    assert found["severity"] == "error" and "set storage: hf" in found["message"] and found["line"] == line


def test_the_load_test_reaches_an_llmd_model_through_the_gateway_route(built):
    """Through the inference Gateway and the scheduler, as users do, with a token that may
    `get` the LLMInferenceService (the gateway's AuthPolicy asks that)."""
    script = "\n".join(text for rel, text in built.files.items() if "/loadtest/" in rel)
    assert ("http://openshift-ai-inference-openshift-default.openshift-ingress.svc.cluster.local:80"
            "/release-train/qwen-32b-fp8") in script
    rules = [d for d in yaml.safe_load_all(built.files["components/dev/serving/client-rbac.yaml"])
             if d["kind"] == "Role"][0]["rules"]
    assert {r["resources"][0]: r["resourceNames"] for r in rules} == {
        "inferenceservices": ["granite-8b"], "llminferenceservices": ["qwen-32b-fp8", "qwen3-235b"]}
