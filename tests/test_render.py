"""Rendering: deterministic, current, atomic, careful with files it did not write."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gpuaas import output, pipeline

from .conftest import DEMO, PORTFOLIOS, REPO


@pytest.mark.parametrize("path", PORTFOLIOS, ids=lambda p: p.name)
def test_committed_tree_is_current(path: Path):
    built = pipeline.build(path)
    drift = output.compare(built.files, REPO / "rendered" / built.name)
    assert not drift.stale, f"rendered/{built.name} is stale: run `gpuaas render`\n{drift.diff[:3000]}"


def test_render_is_byte_identical_twice(tmp_path: Path, cli):
    for out in ("a", "b"):
        assert cli("render", str(DEMO), "--out", str(tmp_path / out)).exit_code == 0
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert a == b and len(a) > 40


def test_every_file_has_the_generated_header():
    built = pipeline.build(DEMO)
    for path, text in built.files.items():
        assert output.MARK in text.splitlines()[0], path


def test_tree_shape_of_the_demo():
    files = pipeline.build(DEMO).files
    for path in ("charts/argocd-apps/templates/applicationset-umbrella.yaml",
                 "charts/enterprise-demo-umbrella/values-common.yaml",
                 "charts/enterprise-demo-umbrella/templates/app-serving.yaml",
                 "charts/argocd-apps/templates/rbac-argocd-cluster.yaml",
                 "components/prod/operators/rhoai-operator.yaml",
                 "components/prod/rhoai/datasciencecluster.yaml",
                 "components/prod/kueue/clusterqueue.yaml",
                 "components/prod/serving/isvc-mistral-3-bf16.yaml",
                 "components/prod/uploads/job-upload-mistral-3-bf16.yaml",
                 "components/prod/loadtest/deployment.yaml"):
        assert path in files, path
    # OCI models need no upload Job; off models are not rendered at all
    assert "components/prod/uploads/job-upload-mistral-3-int4.yaml" not in files


def docs(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d]


def test_inference_services_follow_the_portfolio():
    files = pipeline.build(DEMO).files
    bf16 = docs(files["components/prod/serving/isvc-mistral-3-bf16.yaml"])[0]
    meta, pred = bf16["metadata"], bf16["spec"]["predictor"]
    assert meta["annotations"]["serving.kserve.io/deploymentMode"] == "RawDeployment"
    assert meta["annotations"]["serving.kserve.io/autoscalerClass"] == "none"
    assert meta["annotations"]["security.opendatahub.io/enable-auth"] == "true"
    assert meta["labels"]["kueue.x-k8s.io/queue-name"] == "gpuaas"
    assert meta["labels"]["kueue.x-k8s.io/priority-class"] == "critical"
    assert meta["labels"]["networking.kserve.io/visibility"] == "exposed"
    assert (pred["minReplicas"], pred["maxReplicas"]) == (1, 1)
    res = pred["model"]["resources"]
    assert res["requests"]["nvidia.com/gpu"] == res["limits"]["nvidia.com/gpu"] == "4"
    assert "--tensor-parallel-size=4" in pred["model"]["args"]
    assert "--max-model-len=32768" in pred["model"]["args"]
    storage = pred["model"]["storage"]
    assert storage["key"] == "minio-connection"
    assert storage["path"].startswith("mistral-3-bf16/") and storage["path"].endswith("/")
    assert pred["nodeSelector"]["node.kubernetes.io/instance-type"] == "g6.12xlarge"
    int4 = docs(files["components/prod/serving/isvc-mistral-3-int4.yaml"])[0]
    assert int4["spec"]["predictor"]["model"]["storageUri"].startswith("oci://registry.redhat.io/")
    devstral = docs(files["components/prod/serving/isvc-devstral-2.yaml"])[0]["spec"]["predictor"]
    assert (devstral["minReplicas"], devstral["maxReplicas"]) == (0, 0)
    assert devstral["model"]["args"][-2:] == ["--enable-auto-tool-choice", "--tool-call-parser=mistral"]


def test_kueue_and_dsc_wiring():
    files = pipeline.build(DEMO).files
    cq = docs(files["components/prod/kueue/clusterqueue.yaml"])[0]
    group = cq["spec"]["resourceGroups"][0]
    assert group["coveredResources"] == ["cpu", "memory", "nvidia.com/gpu"]
    gpu = {f["name"]: next(r["nominalQuota"] for r in f["resources"] if r["name"] == "nvidia.com/gpu")
           for f in group["flavors"]}
    assert gpu == {"nvidia-l4-4gpu": 4, "nvidia-l4-1gpu": 1}
    dsc = docs(files["components/prod/rhoai/datasciencecluster.yaml"])[0]
    kueue = dsc["spec"]["components"]["kueue"]
    assert kueue == {"managementState": "Unmanaged", "defaultClusterQueueName": "rhoai-main-queue",
                     "defaultLocalQueueName": "gpuaas"}
    assert dsc["apiVersion"] == "datasciencecluster.opendatahub.io/v2"
    sub = [d for d in docs(files["components/prod/operators/rhoai-operator.yaml"]) if d["kind"] == "Subscription"][0]
    assert (sub["spec"]["name"], sub["spec"]["channel"]) == ("rhods-operator", "fast-3.x")


def test_signet_local_switches_openshift_ai_off():
    files = pipeline.build(REPO / "portfolios" / "signet.yaml").files
    assert not any(p.startswith("components/local/") for p in files)
    values = yaml.safe_load(files["charts/argocd-apps/values.yaml"])
    local = next(e for e in values["envs"] if e["name"] == "local")
    assert local["components"]["rhoai"] is False and local["components"]["serving"] is False
    assert "components/prod/serving/isvc-signet-embeddings.yaml" in files
    embed = docs(files["components/prod/serving/isvc-signet-embeddings.yaml"])[0]
    assert "--runner=pooling" in embed["spec"]["predictor"]["model"]["args"]


def test_no_secret_values_in_any_tree():
    from gpuaas import secrets
    for path in PORTFOLIOS:
        for rel, text in pipeline.build(path).files.items():
            assert not list(secrets.scan(text)), rel
            for doc in yaml.safe_load_all(text) if rel.startswith("components/") else []:
                if isinstance(doc, dict) and doc.get("kind") == "Secret":
                    assert "data" not in doc and "stringData" not in doc


def test_check_mode_and_prune(gitops_repo: Path, cli):
    assert cli("render", cwd=gitops_repo).exit_code == 0
    root = gitops_repo / "rendered" / "enterprise-demo"
    assert cli("render", "--check", cwd=gitops_repo).exit_code == 0
    mine = root / "components" / "prod" / "serving" / "NOTES.txt"
    mine.write_text("my own notes\n")
    portfolio = gitops_repo / "portfolios" / "enterprise-demo.yaml"
    text = portfolio.read_text()
    portfolio.write_text(text.replace("    state: standby\n    maxModelLen: 32768\n    # Devstral",
                                      "    state: off\n    maxModelLen: 32768\n    # Devstral"))
    result = cli("render", "--check", cwd=gitops_repo)
    assert result.exit_code == 1
    assert "isvc-devstral-2.yaml" in result.stdout and result.stdout.startswith("---")
    assert (root / "components/prod/serving/isvc-devstral-2.yaml").exists(), "--check wrote"
    assert cli("render", cwd=gitops_repo).exit_code == 0
    assert not (root / "components/prod/serving/isvc-devstral-2.yaml").exists()
    assert mine.read_text() == "my own notes\n"
    assert not list(gitops_repo.joinpath("rendered").glob(".gpuaas-tmp-*"))


def test_errors_write_nothing(gitops_repo: Path, cli):
    portfolio = gitops_repo / "portfolios" / "enterprise-demo.yaml"
    portfolio.write_text(portfolio.read_text().replace("    gpus: 4\n    pool: nvidia-l4-4gpu\n    state: active",
                                                       "    gpu: 4\n    pool: nvidia-l4-4gpu\n    state: active"))
    result = cli("render", cwd=gitops_repo)
    assert result.exit_code == 2
    assert "did you mean `gpus`?" in result.stderr and "enterprise-demo.yaml:" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (gitops_repo / "rendered").exists()


def test_upload_jobs_never_rerun_forever_and_changes_are_new_jobs(tmp_path: Path):
    """A Job deleted by a TTL is recreated by Argo CD and runs again, forever: no TTL. Its
    pod template is immutable, so a changed upload must be a Job of another name (the old
    one is pruned); an unchanged one keeps its name, and the file name never changes."""
    import yaml as pyyaml

    from gpuaas.pipeline import build

    def jobs(text: str) -> dict[str, dict]:
        path = tmp_path / "p.yaml"
        path.write_text(text)
        files = build(path).files
        return {rel: pyyaml.safe_load(files[rel]) for rel in files if "/uploads/job-" in rel}

    base = DEMO.read_text()
    before = jobs(base)
    assert before
    for job in before.values():
        assert "ttlSecondsAfterFinished" not in job["spec"]
        assert len(job["metadata"]["name"]) <= 63
        assert job["metadata"]["name"].startswith("upload-" + job["metadata"]["labels"]["gpuaas.io/model"][:40])
    changed = base.replace("    source: hf://mistralai/Mistral-Small-24B-Instruct-2501\n",
                           "    source: hf://mistralai/Mistral-Small-24B-Instruct-2501\n"
                           "    revision: refs-pr-7\n", 1)
    after = jobs(changed)
    assert after.keys() == before.keys()
    renamed = {rel for rel in before if before[rel]["metadata"]["name"] != after[rel]["metadata"]["name"]}
    assert renamed == {"components/prod/uploads/job-upload-mistral-3-bf16.yaml"}
    long_name = "m" * 53
    assert len(jobs(base.replace("mistral-3-bf16", long_name))[
        f"components/prod/uploads/job-upload-{long_name}.yaml"]["metadata"]["name"]) <= 63


def test_load_test_token_needs_no_hand_made_secret(tmp_path: Path):
    """With token auth the load test's Secret is a ServiceAccount token the cluster fills,
    bound to the Role that may `get` the served models; without auth nothing is mounted."""
    from gpuaas.pipeline import build

    def tree(text: str) -> dict[str, list[dict]]:
        path = tmp_path / "p.yaml"
        path.write_text(text)
        return {rel: [d for d in yaml.safe_load_all(t) if d] for rel, t in build(path).files.items()
                if rel.endswith(".yaml") and "/templates/" not in rel}

    files = tree(DEMO.read_text())
    sa, secret, binding = files["components/prod/loadtest/client-token.yaml"]
    assert (sa["kind"], secret["kind"], binding["kind"]) == ("ServiceAccount", "Secret", "RoleBinding")
    assert secret["type"] == "kubernetes.io/service-account-token" and "data" not in secret
    assert secret["metadata"]["annotations"]["kubernetes.io/service-account.name"] == sa["metadata"]["name"]
    assert secret["metadata"]["namespace"] == sa["metadata"]["namespace"] == "gpuaas-loadtest"
    role = next(d for d in files["components/prod/serving/client-rbac.yaml"] if d["kind"] == "Role")
    assert binding["metadata"]["namespace"] == role["metadata"]["namespace"] == "private-ai"
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": sa["metadata"]["name"],
                                    "namespace": "gpuaas-loadtest"}]
    (deployment,) = files["components/prod/loadtest/deployment.yaml"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["env"][0]["valueFrom"]["secretKeyRef"] == {"name": secret["metadata"]["name"],
                                                                "key": "token"}

    files = tree(DEMO.read_text().replace("auth: true ", "auth: false"))
    assert "components/prod/loadtest/client-token.yaml" not in files
    (deployment,) = files["components/prod/loadtest/deployment.yaml"]
    assert "env" not in deployment["spec"]["template"]["spec"]["containers"][0]


def test_known_pitfalls_are_rendered_away():
    """CUDA error 803: RHOAI 3.0's vLLM image (CUDA 12) fails on the 580.x driver, so the
    ClusterPolicy pins 570.195.03. A rolling update at full GPU quota never finishes (the
    surge pod waits for the GPUs the old pod holds): InferenceServices replace their pod."""
    for root in sorted((REPO / "rendered").iterdir()):
        for policy in root.glob("components/*/operators/clusterpolicy.yaml"):
            driver = yaml.safe_load(policy.read_text())["spec"]["driver"]
            assert driver == {"enabled": True, "repository": "nvcr.io/nvidia", "image": "driver",
                              "version": "570.195.03"}
        isvcs = list(root.glob("components/*/serving/isvc-*.yaml"))
        assert isvcs
        for path in isvcs:
            predictor = yaml.safe_load(path.read_text())["spec"]["predictor"]
            assert predictor["deploymentStrategy"] == {"type": "Recreate"}, path


def test_child_applications_sync_in_the_safe_order():
    """Kueue objects before the DataScienceCluster (the operator would create a default
    ClusterQueue with the whole cluster's quota), uploads before serving, serving before
    the load test; the kueue Application may create the LocalQueue's namespace."""
    from gpuaas.components import BY_NAME
    from gpuaas.portfolio import load_portfolio
    wave = {name: c.wave for name, c in BY_NAME.items()}
    assert wave["operators"] < wave["kueue"] < wave["rhoai"]
    assert wave["uploads"] < wave["serving"] < wave["loadtest"]
    p = load_portfolio(DEMO).portfolio
    namespace, options = BY_NAME["kueue"].destination(p)
    assert namespace == p.serving.namespace and "CreateNamespace=true" in options


def test_existing_serving_namespace_is_not_created_or_owned():
    """The Signet plan deploys into the app's existing namespace, owned by another Application:
    with createNamespace false the tree neither renders it nor asks Argo CD to create it."""
    from gpuaas.components import BY_NAME
    from gpuaas.portfolio import load_portfolio
    signet = REPO / "portfolios" / "signet.yaml"
    p = load_portfolio(signet).portfolio
    assert p.serving.createNamespace is False
    tree = REPO / "rendered" / "signet"
    assert not list(tree.glob("components/*/serving/namespace.yaml"))
    assert list(tree.glob("components/*/serving/servingruntime.yaml"))
    assert "CreateNamespace=true" not in BY_NAME["kueue"].destination(p)[1]
    assert "argocd.argoproj.io/managed-by: openshift-gitops" in (tree / "README.md").read_text()


def test_upload_keeps_the_checkpoint_vllm_reads():
    """Devstral runs with --load-format=mistral, which reads consolidated.safetensors: its
    upload Job copies every weights file; the others leave second copies out."""
    jobs = {p.name: yaml.safe_load(p.read_text()) for p in
            (REPO / "rendered/enterprise-demo/components/prod/uploads").glob("job-upload-*.yaml")}
    def env(name):
        return {e["name"]: e.get("value") for e in
                jobs[name]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env("job-upload-devstral-2.yaml")["UPLOAD_ALL_WEIGHTS"] == "1"
    assert "UPLOAD_ALL_WEIGHTS" not in env("job-upload-mistral-3-bf16.yaml")


def test_gated_models_pulled_at_pod_start_get_a_token(tmp_path: Path, cli, crd_schemas: Path):
    """The Signet plan pulls from Hugging Face at pod start ("HF token if needed"): KServe's
    storage-initializer reads HF_TOKEN from the Secrets of the predictor's ServiceAccount."""
    (tmp_path / "portfolios").mkdir()
    text = (REPO / "portfolios" / "signet.yaml").read_text()
    text = text.replace("  auth: true\n", "  auth: true\n  hfTokenSecret: hf-token\n", 1)
    (tmp_path / "portfolios" / "signet.yaml").write_text(text)
    assert cli("render", cwd=tmp_path).exit_code == 0
    serving = tmp_path / "rendered" / "signet" / "components" / "prod" / "serving"
    (sa,) = yaml.safe_load_all((serving / "hf-pull.yaml").read_text())
    assert sa["kind"] == "ServiceAccount" and sa["secrets"] == [{"name": "hf-token"}]
    isvcs = [yaml.safe_load(p.read_text()) for p in serving.glob("isvc-*.yaml")]
    assert isvcs and all(i["spec"]["predictor"]["serviceAccountName"] == sa["metadata"]["name"]
                         for i in isvcs)
    result = cli("validate", "--schemas", str(crd_schemas), "--strict", cwd=tmp_path)
    assert result.exit_code == 0, result.output


def test_vllm_fields_render_as_their_arguments(tmp_path: Path):
    """gpuMemoryUtilization, kvCacheDtype, maxNumSeqs and enforceEager mean their vLLM
    arguments: set as fields they reach the container, and an argument is not repeated."""
    path = tmp_path / "demo.yaml"
    path.write_text(DEMO.read_text().replace(
        "    maxModelLen: 4096\n",
        "    maxModelLen: 4096\n    gpuMemoryUtilization: 0.92\n    kvCacheDtype: fp8\n"
        "    maxNumSeqs: 32\n    enforceEager: true\n", 1))
    files = pipeline.build(path).files
    args = docs(files["components/prod/serving/isvc-mistral-3-int4.yaml"])[0]["spec"]["predictor"]["model"]["args"]
    assert args[:6] == ["--tensor-parallel-size=1", "--max-model-len=4096",
                        "--gpu-memory-utilization=0.92", "--kv-cache-dtype=fp8", "--max-num-seqs=32",
                        "--enforce-eager"]
    bf16 = docs(files["components/prod/serving/isvc-mistral-3-bf16.yaml"])[0]["spec"]["predictor"]["model"]["args"]
    assert not any(a.startswith(("--kv-cache-dtype", "--max-num-seqs", "--enforce-eager")) for a in bf16)
