"""The `evaluation` component: what it renders, and its benchmark Job's two containers run
for real: GuideLLM (the rendered command) against the OpenAI-compatible stub, then the
publication against the spec-validating Model Registry server."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml


from .conftest import REPO, tree
from .openai_stub import CHAT_PATH, OpenAIStub
from .registry_server import RegistryServer

STAGE1 = REPO / "portfolios" / "stage1-serving.yaml"
SCRIPTS = REPO / "gpuaas" / "scripts"
GUIDELLM = Path(sys.executable).parent / "guidellm"
TOKEN = "model-token"
MODEL = "mistral-24b-quantized"


def local_tokenizer(directory: Path) -> Path:
    """A tiny word-level tokenizer in Hugging Face's layout: GuideLLM needs one to size its
    synthetic prompts, and Hugging Face is not reachable from here."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    directory.mkdir()
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    words = "the quick brown fox jumps over the lazy dog while models serve tokens on gpus"
    tok.train_from_iterator([words] * 3, trainers.WordLevelTrainer(special_tokens=["[UNK]"]))
    tok.save(str(directory / "tokenizer.json"))
    (directory / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "PreTrainedTokenizerFast", "unk_token": "[UNK]", "model_max_length": 4096}))
    return directory


def container_env(container: dict, **overrides: str) -> dict[str, str]:
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    env.update(overrides)
    return env


@pytest.mark.slow
@pytest.mark.skipif(not GUIDELLM.is_file(), reason="guidellm not installed (pip install -e '.[test]')")
def test_benchmark_job_runs_guidellm_and_publishes_to_the_model_version(tmp_path: Path):
    text = STAGE1.read_text().replace("  rates: [1, 4, 8]\n",
                                      "  rates: [2, 4]\n  maxSeconds: 2\n  promptTokens: 32\n  outputTokens: 8\n")
    files = tree(tmp_path, text)
    job = yaml.safe_load(files[f"components/prod/evaluation/job-benchmark-{MODEL}.yaml"])
    pod = job["spec"]["template"]["spec"]
    (bench,), (publish,) = pod["initContainers"], pod["containers"]
    # the token comes from the ServiceAccount's token Secret, never a value
    assert {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {
        "name": "gpuaas-evaluation-token", "key": "token"}}} in bench["env"]
    results = tmp_path / "results"
    results.mkdir()
    tokenizer = local_tokenizer(tmp_path / "tokenizer")
    base = {"PATH": f"{GUIDELLM.parent}:{os.environ.get('PATH', '')}", "HF_HUB_OFFLINE": "1"}

    with OpenAIStub(chat=[MODEL], token=TOKEN, latency=0.02, num_gpu_blocks=9789) as stub:
        env = container_env(bench, TARGET=stub.url, TOKENIZER=str(tokenizer), API_TOKEN=TOKEN,
                            RESULTS_DIR=str(results), HOME=str(tmp_path), **base)
        run = subprocess.run(bench["command"], env=env, capture_output=True, text=True, timeout=400)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        chats = [r for r in stub.records if r.path == CHAT_PATH]
        assert chats and all(r.auth_ok and r.model == MODEL and r.status == 200 for r in chats)
        report = json.loads((results / "benchmarks.json").read_text())
        assert [b["config"]["strategy"]["rate"] for b in report["benchmarks"]] == [2, 4]

        doc = json.loads(yaml.safe_load(files["components/prod/registry/configmap-registration.yaml"])
                         ["data"]["models.json"])
        (tmp_path / "models.json").write_text(json.dumps(doc))
        (tmp_path / "registry-token").write_text("registry-token")
        with RegistryServer(token="registry-token") as registry:
            registry_env = {"REGISTRY_URL": registry.url, "REGISTRY_TOKEN_FILE": str(tmp_path / "registry-token"),
                            "WAIT_SECONDS": "5", **base}
            registered = subprocess.run([sys.executable, str(SCRIPTS / "register_models.py")],
                                        env={**registry_env, "MODELS_FILE": str(tmp_path / "models.json")},
                                        capture_output=True, text=True, timeout=60)
            assert registered.returncode == 0, registered.stderr
            command = [part.replace("/opt/gpuaas/", f"{SCRIPTS}/").replace("python3 ", f"{sys.executable} ")
                       for part in publish["command"]]
            # the token reaches the publish container from the same Secret, never as a value
            assert {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {
                "name": "gpuaas-evaluation-token", "key": "token"}}} in publish["env"]
            env = container_env(publish, RESULTS_DIR=str(results), METRICS_URL=f"{stub.url}/metrics",
                                API_TOKEN=TOKEN, **registry_env)
            published = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
            assert published.returncode == 0, published.stderr
        assert [r.auth_ok for r in stub.records if r.path == "/metrics"] == [True]
        version_name = env["MODEL_VERSION"]
        assert f"updated model version {MODEL}/{version_name}" in published.stdout
        version = next(v for v in registry.items("model_versions") if v["name"] == version_name)
        props = {k: next(x for n, x in v.items() if n != "metadataType")
                 for k, v in version["customProperties"].items()}
        for rate in ("2", "4"):
            assert float(props[f"benchmark.{rate}rps.ttft_ms_p50"]) > 0
            assert float(props[f"benchmark.{rate}rps.itl_ms_p50"]) > 0
            assert float(props[f"benchmark.{rate}rps.output_tokens_per_s"]) > 0
            assert int(props[f"benchmark.{rate}rps.requests_ok"]) > 0
        # what the model held on the cluster: vLLM's blocks x block size, GuideLLM's peak
        assert int(props["observed.kv_cache_tokens"]) == 9789 * 16
        assert float(props["observed.max_concurrency"]) >= 1
        # the container's log reads like vLLM's: calibrate sets the plan against it
        assert "GPU KV cache size: 156,624 tokens" in published.stderr
        from gpuaas import calibrate
        assert calibrate.read_log(published.stderr).kv_tokens == 156_624
        assert props["precision"] == "w4a16", "the registration's properties were lost"
        assert registry.violations == []


def test_benchmark_results_refuses_a_report_without_benchmarks(tmp_path: Path):
    report = tmp_path / "r.json"
    report.write_text(json.dumps({"metadata": {}, "benchmarks": []}))
    env = {"REGISTERED_MODEL": "m", "MODEL_VERSION": "v"}
    empty = subprocess.run([sys.executable, str(SCRIPTS / "benchmark_results.py"), str(report)],
                           env=env, capture_output=True, text=True, timeout=60)
    assert empty.returncode == 1 and "no benchmark" in empty.stderr
    usage = subprocess.run([sys.executable, str(SCRIPTS / "benchmark_results.py"), str(report)],
                           env={}, capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2


def test_a_model_whose_metrics_cannot_be_read_still_publishes_its_benchmark(tmp_path: Path):
    """/metrics behind a route that does not pass it (llm-d's gateway), or a refusal: the
    benchmark is published without the observed KV cache, and the log says why."""
    report = tmp_path / "r.json"
    strategy = {"type_": "constant", "rate": 2}
    stat = {"successful": {"median": 1.0, "mean": 1.0, "max": 3.0, "percentiles": {"p95": 2.0}}}
    metrics = {name: stat for name in ("time_to_first_token_ms", "inter_token_latency_ms",
                                       "output_tokens_per_second", "requests_per_second", "request_concurrency")}
    report.write_text(json.dumps({"metadata": {"guidellm_version": "x"}, "benchmarks": [
        {"config": {"strategy": strategy}, "metrics": {**metrics, "request_totals": {"successful": 4}}}]}))
    env = {"REGISTERED_MODEL": "m", "MODEL_VERSION": "v", "API_TOKEN": TOKEN}
    with OpenAIStub(chat=[MODEL], token="another-token") as stub:
        run = subprocess.run([sys.executable, str(SCRIPTS / "benchmark_results.py"), str(report),
                              "--metrics", f"{stub.url}/metrics"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "no KV cache observed" in run.stderr
    props = json.loads(run.stdout)["customProperties"]
    assert "observed.kv_cache_tokens" not in props and props["observed.max_concurrency"] == 3.0


def test_evaluation_renders_per_active_chat_model_with_settable_tasks(tmp_path: Path):
    base = STAGE1.read_text()
    files = tree(tmp_path, base)
    dsc = yaml.safe_load(files["components/prod/rhoai/datasciencecluster.yaml"])
    assert dsc["spec"]["components"]["trustyai"] == {
        "managementState": "Managed", "eval": {"lmeval": {"permitOnline": "allow", "permitCodeExecution": "deny"}}}
    jobs = {p for p in files if "/evaluation/lmevaljob-" in p}
    assert jobs == {"components/prod/evaluation/lmevaljob-mistral-24b-quantized.yaml",
                    "components/prod/evaluation/lmevaljob-mistral-24b.yaml"}
    lmeval = yaml.safe_load(files["components/prod/evaluation/lmevaljob-mistral-24b.yaml"])
    assert lmeval["spec"]["taskList"]["taskNames"] == ["hellaswag", "arc_easy"]
    args = {a["name"]: a["value"] for a in lmeval["spec"]["modelArgs"]}
    assert args["base_url"] == "https://mistral-24b-predictor.private-ai-demo.svc.cluster.local:8443/v1/completions"
    assert ".Values.components.evaluation.enabled" in files[
        "charts/stage1-serving-umbrella/templates/app-evaluation.yaml"]
    assert "Model evaluation (`evaluation`)" in files["README.md"]

    # tasks are settable; a standby model is not evaluated; without the registry in an
    # environment the benchmark has nothing to publish to
    text = base.replace("  tasks: [hellaswag, arc_easy]\n", "  tasks: [gsm8k]\n  limit: 50\n").replace(
        "    pool: l4-quad\n", "    pool: l4-quad\n    state: standby\n", 1).replace(
        "  - name: prod\n", "  - name: prod\n    overrides: {components: {registry: false}}\n", 1)
    files = tree(tmp_path, text)
    assert not any("lmevaljob-mistral-24b.yaml" in p for p in files)
    lmeval = yaml.safe_load(files["components/prod/evaluation/lmevaljob-mistral-24b-quantized.yaml"])
    assert lmeval["spec"]["taskList"]["taskNames"] == ["gsm8k"] and lmeval["spec"]["limit"] == "50"
    job = yaml.safe_load(files["components/prod/evaluation/job-benchmark-mistral-24b-quantized.yaml"])
    assert [c["name"] for c in job["spec"]["template"]["spec"]["containers"]] == ["guidellm"]
    assert "initContainers" not in job["spec"]["template"]["spec"]


def test_evaluation_switched_off_per_environment(tmp_path: Path):
    text = STAGE1.read_text().replace(
        "  - name: prod\n", "  - name: prod\n    overrides: {components: {evaluation: false}}\n", 1)
    files = tree(tmp_path, text)
    assert not any(p.startswith("components/prod/evaluation/") for p in files)
    dsc = yaml.safe_load(files["components/prod/rhoai/datasciencecluster.yaml"])
    assert "trustyai" not in dsc["spec"]["components"]


@pytest.mark.parametrize("architecture", [
    "{layers: 40, kvHeads: 8, headDim: 128, context: 32768}",
    "mistra|ai/Mistral-Small-24B-Instruct-2501",   # not a repository id (the LMEvalJob refuses it)
])
def test_a_model_without_a_known_tokenizer_is_a_warning(tmp_path: Path, cli, architecture: str):
    path = tmp_path / "p.yaml"
    path.write_text(STAGE1.read_text().replace(
        "    architecture: mistralai/Mistral-Small-24B-Instruct-2501\n",
        f"    architecture: {architecture}\n", 1))
    result = cli("render", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "[EVAL_TOKENIZER]" in result.output
    assert not (tmp_path / "out/stage1-serving/components/prod/evaluation/"
                "lmevaljob-mistral-24b-quantized.yaml").exists()


class KubeAPI:
    """The API server's one answer the publication reads: the LMEvalJob, Running on the
    first read, then as `final` (the cluster is not here; its object format is)."""

    def __init__(self, namespace: str, name: str, final: dict, token: str) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        import threading
        api = self
        self.reads = 0
        path = f"/apis/trustyai.opendatahub.io/v1alpha1/namespaces/{namespace}/lmevaljobs/{name}"

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                if self.headers.get("Authorization") != f"Bearer {token}":
                    status, body = 401, {"kind": "Status", "code": 401}
                elif self.path != path:
                    status, body = 404, {"kind": "Status", "code": 404}
                else:
                    api.reads += 1
                    status = 200
                    body = {"apiVersion": "trustyai.opendatahub.io/v1alpha1", "kind": "LMEvalJob",
                            "metadata": {"name": name, "namespace": namespace},
                            "status": {"state": "Running"} if api.reads == 1 else final}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


LMEVAL_RESULTS = {"results": {
    "hellaswag": {"alias": "hellaswag", "acc,none": 0.61, "acc_stderr,none": 0.01, "acc_norm,none": 0.8},
    "arc_easy": {"alias": "arc_easy", "acc,none": 0.77, "acc_norm,none": 0.74}}}


@pytest.mark.parametrize("final, ok", [
    ({"state": "Complete", "reason": "Succeeded", "results": json.dumps(LMEVAL_RESULTS)}, True),
    ({"state": "Complete", "reason": "Failed", "message": "pod failed"}, False),
])
def test_lmeval_scores_are_published_once_the_evaluation_completes(tmp_path: Path, final: dict, ok: bool):
    files = tree(tmp_path, STAGE1.read_text())
    job = yaml.safe_load(files[f"components/prod/evaluation/job-lmeval-publish-{MODEL}.yaml"])
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = container_env(container)
    lmeval = yaml.safe_load(files[f"components/prod/evaluation/lmevaljob-{MODEL}.yaml"])
    assert env["LMEVALJOB"] == lmeval["metadata"]["name"] and env["NAMESPACE"] == lmeval["metadata"]["namespace"]
    doc = json.loads(yaml.safe_load(files["components/prod/registry/configmap-registration.yaml"])
                     ["data"]["models.json"])
    (tmp_path / "models.json").write_text(json.dumps(doc))
    (tmp_path / "token").write_text("sa-token")
    kube = KubeAPI(env["NAMESPACE"], env["LMEVALJOB"], final, "sa-token")
    try:
        with RegistryServer(token="sa-token") as registry:
            common = {"REGISTRY_URL": registry.url, "REGISTRY_TOKEN_FILE": str(tmp_path / "token"),
                      "WAIT_SECONDS": "30", "PATH": os.environ.get("PATH", "")}
            assert subprocess.run([sys.executable, str(SCRIPTS / "register_models.py")],
                                  env={**common, "MODELS_FILE": str(tmp_path / "models.json")},
                                  capture_output=True, timeout=60).returncode == 0
            command = [part.replace("/opt/gpuaas/", f"{SCRIPTS}/").replace("python3 ", f"{sys.executable} ")
                       .replace("/tmp/publish.json", str(tmp_path / "publish.json"))
                       for part in container["command"]]
            run = subprocess.run(command, env={**env, **common, "KUBE_API": kube.url, "POLL_SECONDS": "0.1",
                                               "KUBE_TOKEN_FILE": str(tmp_path / "token")},
                                 capture_output=True, text=True, timeout=60)
            version = next(v for v in registry.items("model_versions") if v["name"] == env["MODEL_VERSION"])
            props = {k: next(x for n, x in v.items() if n != "metadataType")
                     for k, v in version["customProperties"].items()}
            assert registry.violations == []
    finally:
        kube.server.shutdown()
    assert kube.reads == 2, "it did not wait for the evaluation to complete"
    if ok:
        assert run.returncode == 0, run.stderr
        assert (props["lmeval.hellaswag.acc"], props["lmeval.hellaswag.acc_norm"], props["lmeval.arc_easy.acc"]) == \
            (0.61, 0.8, 0.77)
        assert "lmeval.hellaswag.acc_stderr" not in props
        assert props["lmeval.tasks"] == "arc_easy, hellaswag"
    else:
        assert run.returncode == 1 and "ended Failed: pod failed" in run.stderr
        assert not any(k.startswith("lmeval.") for k in props)
