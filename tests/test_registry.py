"""The `registry` component: what it renders, and its registration script run for real
against a local Model Registry that validates every request and response against the
registry's OpenAPI spec (tests/registry_server.py, openapi-core)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml


from .conftest import REPO, tree
from .registry_server import RegistryServer

SCRIPT = REPO / "gpuaas" / "scripts" / "register_models.py"
STAGE1 = REPO / "portfolios" / "stage1-serving.yaml"
TOKEN = "registry-test-token"


def models_json(files: dict[str, str], env: str = "prod") -> dict:
    cm = yaml.safe_load(files[f"components/{env}/registry/configmap-registration.yaml"])
    return json.loads(cm["data"]["models.json"])


def run(registry: RegistryServer, tmp_path: Path, doc: dict, *args: str, token: str = TOKEN):
    """The script as the Job runs it: its own process, configured by the environment."""
    (tmp_path / "models.json").write_text(json.dumps(doc))
    (tmp_path / "token").write_text(token)
    env = {"PATH": os.environ.get("PATH", ""), "REGISTRY_URL": registry.url,
           "MODELS_FILE": str(tmp_path / "models.json"),
           "REGISTRY_TOKEN_FILE": str(tmp_path / "token"), "WAIT_SECONDS": "5"}
    return subprocess.run([sys.executable, str(SCRIPT), *args], env=env, capture_output=True,
                          text=True, timeout=60)


def by_name(items: list[dict]) -> dict[str, dict]:
    return {i["name"]: i for i in items}


def prop(entity: dict, key: str):
    value = entity["customProperties"][key]
    return next(v for k, v in value.items() if k != "metadataType")


def test_registers_every_model_then_a_rerun_changes_nothing_and_a_change_is_a_new_version(tmp_path: Path):
    base = STAGE1.read_text()
    doc = models_json(tree(tmp_path, base))
    with RegistryServer(token=TOKEN) as registry:
        first = run(registry, tmp_path, doc)
        assert first.returncode == 0, first.stderr
        assert first.stdout.splitlines()[-1] == "registered 2 models: 9 created, 0 updated, 0 unchanged"
        models = by_name(registry.items("registered_models"))
        assert set(models) == {"mistral-24b-quantized", "mistral-24b"}
        versions = registry.items("model_versions")
        assert len(versions) == 2
        v = next(v for v in versions if v["registeredModelId"] == models["mistral-24b-quantized"]["id"])
        assert v["name"].startswith("w4a16-")
        assert prop(v, "source") == "s3://llm-models/Mistral-Small-24B-Instruct/quantized-w4a16"
        assert (prop(v, "precision"), prop(v, "gpus"), prop(v, "pool"), prop(v, "state")) == \
            ("w4a16", "1", "l4-single", "active")
        assert prop(v, "fits") == "yes" and int(prop(v, "kvCacheTokens")) > 0
        artifacts = by_name(registry.items("model_artifacts"))
        quantized = artifacts[f"mistral-24b-quantized-{v['name'].split('-')[-1]}"]
        # the URI the InferenceService serves: the data connection's bucket and path
        assert quantized["uri"] == "s3://llm-models/Mistral-Small-24B-Instruct/quantized-w4a16/"
        assert quantized["storageKey"] == "minio-credentials"
        assert by_name(registry.items("model_artifacts"))[
            next(n for n in artifacts if n.startswith("mistral-24b-") and "quantized" not in n)
        ]["uri"] == "pvc://mistral-24b-pvc/"
        (env,) = registry.items("serving_environments")
        assert env["name"] == "private-ai-demo"
        services = by_name(registry.items("inference_services"))
        assert services["mistral-24b-quantized"]["modelVersionId"] == v["id"]
        assert services["mistral-24b-quantized"]["desiredState"] == "DEPLOYED"
        assert services["mistral-24b-quantized"]["runtime"] == "vllm-cuda-runtime"

        writes = len(registry.writes)
        again = run(registry, tmp_path, doc)
        assert again.returncode == 0, again.stderr
        assert again.stdout.splitlines()[-1] == "registered 2 models: 0 created, 0 updated, 9 unchanged"
        assert len(registry.writes) == writes, "a re-run wrote to the registry"

        # a new revision is a new version; the inference service moves to it, the old stays
        changed = base.replace("    maxModelLen: 4096\n", "    maxModelLen: 4096\n    revision: v2\n", 1)
        doc2 = models_json(tree(tmp_path, changed))
        third = run(registry, tmp_path, doc2)
        assert third.returncode == 0, third.stderr
        assert "created model version mistral-24b-quantized/w4a16-" in third.stdout
        assert "updated inference service mistral-24b-quantized" in third.stdout
        assert "unchanged model version mistral-24b/" in third.stdout
        versions = [x for x in registry.items("model_versions")
                    if x["registeredModelId"] == models["mistral-24b-quantized"]["id"]]
        assert len(versions) == 2
        new = next(x for x in versions if x["id"] != v["id"])
        assert prop(new, "revision") == "v2"
        assert by_name(registry.items("inference_services"))["mistral-24b-quantized"]["modelVersionId"] == new["id"]
        assert len(registry.items("registered_models")) == 2
        assert registry.violations == []


def test_standby_updates_the_version_in_place_and_keeps_published_results(tmp_path: Path):
    base = STAGE1.read_text()
    doc = models_json(tree(tmp_path, base))
    standby = base.replace("    pool: l4-quad\n", "    pool: l4-quad\n    state: standby\n", 1)
    with RegistryServer(token=TOKEN) as registry:
        assert run(registry, tmp_path, doc).returncode == 0
        version = next(m["version"]["name"] for m in doc["models"] if m["name"] == "mistral-24b")
        results = tmp_path / "results.json"
        results.write_text(json.dumps({"registeredModel": "mistral-24b", "version": version,
                                       "customProperties": {"lmeval.hellaswag.acc": 0.81}}))
        published = run(registry, tmp_path, doc, "--publish", str(results))
        assert published.returncode == 0, published.stderr
        assert f"updated model version mistral-24b/{version}" in published.stdout

        out = run(registry, tmp_path, models_json(tree(tmp_path, standby)))
        assert out.returncode == 0, out.stderr
        assert f"updated model version mistral-24b/{version}" in out.stdout
        assert "created model version" not in out.stdout
        v = by_name(registry.items("model_versions"))[version]
        assert prop(v, "state") == "standby"
        assert prop(v, "lmeval.hellaswag.acc") == 0.81, "registration dropped the published results"
        assert by_name(registry.items("inference_services"))["mistral-24b"]["desiredState"] == "UNDEPLOYED"
        assert registry.violations == []


def test_the_server_refuses_what_the_spec_refuses(tmp_path: Path):
    """The validation is real: an int property sent as a JSON number (the spec says an int64
    string) and a version without its registered model are refused and recorded."""
    import urllib.error
    import urllib.request
    with RegistryServer() as registry:
        for body in ({"name": "m", "customProperties": {"gpus": {"metadataType": "MetadataIntValue",
                                                                   "int_value": 4}}},
                     {"name": "v"}):
            path = "registered_models" if "customProperties" in body else "model_versions"
            request = urllib.request.Request(
                f"{registry.url}/api/model_registry/v1alpha3/{path}", data=json.dumps(body).encode(),
                method="POST", headers={"Content-Type": "application/json"})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            assert refused.value.code == 400
        assert len(registry.violations) == 2
        assert registry.items("registered_models") == []


def test_wrong_token_and_no_registry_fail_with_one_line(tmp_path: Path):
    doc = models_json(tree(tmp_path, STAGE1.read_text()))
    with RegistryServer(token=TOKEN) as registry:
        refused = run(registry, tmp_path, doc, token="wrong")
        assert refused.returncode == 1
        assert refused.stderr.startswith("register_models: error: GET /serving_environment: HTTP 401")
        assert len(refused.stderr.splitlines()) == 1
    bad = subprocess.run([sys.executable, str(SCRIPT)], env={"REGISTRY_URL": "ftp://x"},
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "REGISTRY_URL" in bad.stderr


# --- rendering ------------------------------------------------------------------------

def test_registry_renders_the_dsc_component_registry_and_a_job_per_change(tmp_path: Path):
    base = STAGE1.read_text()
    files = tree(tmp_path, base)
    dsc = yaml.safe_load(files["components/prod/rhoai/datasciencecluster.yaml"])
    assert dsc["spec"]["components"]["modelregistry"] == {
        "managementState": "Managed", "registriesNamespace": "rhoai-model-registries"}
    mr = yaml.safe_load(files["components/prod/registry/modelregistry.yaml"])
    assert mr["spec"]["mysql"]["passwordSecret"] == {"name": "model-registry-db", "key": "database-password"}
    assert set(mr["spec"]["mysql"]) == {"host", "port", "database", "username", "passwordSecret"}
    job = yaml.safe_load(files["components/prod/registry/job-register.yaml"])
    assert "ttlSecondsAfterFinished" not in job["spec"]
    app = files["charts/stage1-serving-umbrella/templates/app-registry.yaml"]
    assert ".Values.components.registry.enabled" in app
    assert "registry" in files["charts/argocd-apps/templates/applicationset-umbrella.yaml"]
    assert "Model Registry (`registry`)" in files["README.md"]
    assert "Secret `model-registry-db` (key `database-password`)" in files["README.md"]
    # a changed model is a new Job (its pod template is immutable); the same model is not
    changed = tree(tmp_path, base.replace("    maxModelLen: 4096\n", "    maxModelLen: 4096\n    revision: v2\n", 1))
    again = tree(tmp_path, base)
    name = lambda fs: yaml.safe_load(fs["components/prod/registry/job-register.yaml"])["metadata"]["name"]  # noqa: E731
    assert name(again) == name(files) != name(changed)


def test_the_trees_callers_get_through_the_registrys_network_policy(tmp_path: Path):
    """The operator's policy admits only the router's namespaces to port 8443; the rendered
    one admits the registration Job's pods and, when evaluation is on, its namespace."""
    def policy_and_job(text):
        files = tree(tmp_path, text)
        docs = lambda path: yaml.safe_load(files[f"components/prod/registry/{path}"])  # noqa: E731
        return docs("networkpolicy.yaml"), docs("job-register.yaml"), docs("modelregistry.yaml")
    policy, job, mr = policy_and_job(STAGE1.read_text())
    spec = policy["spec"]
    # the operator's registry Deployment labels its pods app=<name>, component=model-registry
    assert spec["podSelector"]["matchLabels"] == {"app": mr["metadata"]["name"], "component": "model-registry"}
    [rule] = spec["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8443}]
    pods = [f["podSelector"]["matchLabels"] for f in rule["from"] if "podSelector" in f]
    assert pods and all(job["spec"]["template"]["metadata"]["labels"].items() >= sel.items() for sel in pods)
    namespaces = [f["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                  for f in rule["from"] if "namespaceSelector" in f]
    assert namespaces == ["gpuaas-evaluation"]
    policy, _, _ = policy_and_job(STAGE1.read_text().replace("evaluation:\n  enabled: true", "evaluation:\n  enabled: false"))
    assert [f for f in policy["spec"]["ingress"][0]["from"] if "namespaceSelector" in f] == []


def test_demo_database_and_per_environment_switch(tmp_path: Path):
    text = STAGE1.read_text().replace(
        "  database:\n    type: mysql\n    host: model-registry-db.rhoai-model-registries.svc\n"
        "    port: 3306\n    database: model_registry\n    username: mlmd\n"
        "    passwordSecret: model-registry-db\n", "  database: {inCluster: true}\n").replace(
        "  - name: prod\n", "  - name: prod\n  - name: dev\n    cluster: https://api.dev.example.com:6443\n"
            "    overrides: {components: {registry: false}}\n", 1)
    files = tree(tmp_path, text)
    mr = yaml.safe_load(files["components/prod/registry/modelregistry.yaml"])
    assert mr["spec"]["postgres"] == {"generateDeployment": True}
    assert not any(path.startswith("components/dev/registry/") for path in files)
    dev = yaml.safe_load(files["components/dev/rhoai/datasciencecluster.yaml"])
    assert "modelregistry" not in dev["spec"]["components"]
    values = yaml.safe_load(files["charts/argocd-apps/values.yaml"])
    assert [e["components"]["registry"] for e in values["envs"]] == [True, False]


@pytest.mark.parametrize("edit, code", [
    (("    passwordSecret: model-registry-db\n", ""), "REGISTRY_DATABASE"),
    (("serving:\n", "platform:\n  rhoai:\n    components: {modelregistry: Removed}\n\nserving:\n"),
     "DSC_COMPONENT"),
    (("    passwordSecret: model-registry-db\n", "    passwordSecret: Not A Name\n"), "SECRET_NAME"),
])
def test_registry_mistakes_are_findings(tmp_path: Path, cli, edit, code):
    path = tmp_path / "p.yaml"
    path.write_text(STAGE1.read_text().replace(*edit, 1))
    result = cli("render", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    found = [l for l in result.output.splitlines() if f"[{code}]" in l]
    assert found, result.output
    # file:line:column, the field, the code; nothing written
    assert found[0].startswith(f"{path}:") and found[0].split(":")[1].isdigit()
    assert found[0].split(":")[2].isdigit()
    assert not (tmp_path / "out").exists()
