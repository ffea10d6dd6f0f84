"""What passes the gate deploys as planned: Argo CD health, ownership, storage, upgrades."""
from __future__ import annotations

import sys

import json
from pathlib import Path

import pytest
import yaml

from gpuaas import pipeline
from gpuaas.errors import UserError

from .conftest import DEMO, HEAD, PORTFOLIOS, write
from .sim.argocd import Health


def health_checks() -> dict[str, str]:
    files = pipeline.build(DEMO).files
    patch = yaml.safe_load(files["bootstrap/argocd-health-checks.yaml"])
    return {f"{c['group']}/{c['kind']}": c["check"] for c in patch["spec"]["resourceHealthChecks"]}


def health(script: str, obj: dict) -> tuple[str, str]:
    """Run an Argo CD health check in Lua 5.1 (gopher-lua's dialect), as the bring-up
    simulation does."""
    return Health({"check": script}).run("check", obj)


def cond(kind: str, status: str, message: str = "") -> dict:
    return {"type": kind, "status": status, "message": message}


def test_the_tree_carries_the_health_checks_its_waves_rely_on():
    assert set(health_checks()) == {"argoproj.io/Application", "serving.kserve.io/InferenceService",
                                    "kueue.openshift.io/Kueue", "operators.coreos.com/Subscription",
                                    "datasciencecluster.opendatahub.io/DataScienceCluster"}
    # a kind's check comes with the component that renders it
    text = (Path(__file__).parents[1] / "portfolios" / "stage1-serving.yaml")
    files = pipeline.build(text).files
    patch = yaml.safe_load(files["bootstrap/argocd-health-checks.yaml"])
    assert "LMEvalJob" in {c["kind"] for c in patch["spec"]["resourceHealthChecks"]}


def lmeval_check() -> str:
    files = pipeline.build(Path(__file__).parents[1] / "portfolios" / "stage1-serving.yaml").files
    patch = yaml.safe_load(files["bootstrap/argocd-health-checks.yaml"])
    [check] = [c["check"] for c in patch["spec"]["resourceHealthChecks"] if c["kind"] == "LMEvalJob"]
    return check


@pytest.mark.parametrize("status, expected", [
    ({}, "Progressing"),
    ({"state": "Running", "message": "evaluating"}, "Progressing"),
    ({"state": "Complete", "reason": "Succeeded"}, "Healthy"),
    # failures end in Complete too (trustyai-service-operator, lmevaljob_types.go)
    ({"state": "Complete", "reason": "Failed", "message": "connection refused"}, "Degraded"),
    ({"state": "Complete", "reason": "Cancelled"}, "Degraded"),
])
def test_an_lmevaljob_is_healthy_once_it_succeeded(status, expected):
    assert health(lmeval_check(), {"status": status})[0] == expected


@pytest.mark.parametrize("status, expected", [
    ({}, "Progressing"),
    ({"conditions": [cond("Ready", "False", "Some components are not ready: Kserve")]}, "Progressing"),
    ({"conditions": [cond("ComponentsReady", "True"), cond("Ready", "True")]}, "Healthy"),
])
def test_the_datasciencecluster_is_healthy_when_ready(status, expected):
    check = health_checks()["datasciencecluster.opendatahub.io/DataScienceCluster"]
    assert health(check, {"status": status})[0] == expected


@pytest.mark.parametrize("annotations, status, expected", [
    ({}, {"health": {"status": "Progressing"}, "sync": {"status": "Synced"}}, "Progressing"),
    ({"gpuaas.io/wave-gate": "applied"}, {"health": {"status": "Degraded"}, "sync": {"status": "Synced"}},
     "Healthy"),
    ({"gpuaas.io/wave-gate": "applied"}, {"health": {"status": "Progressing"}, "sync": {"status": "OutOfSync"}},
     "Progressing"),
])
def test_an_application_gating_on_applied_is_healthy_once_synced(annotations, status, expected):
    obj = {"metadata": {"annotations": annotations}, "status": status}
    assert health(health_checks()["argoproj.io/Application"], obj)[0] == expected


@pytest.mark.parametrize("status, expected", [
    ({}, "Progressing"),
    ({"health": {"status": "Healthy"}}, "Healthy"),
    ({"health": {"status": "Degraded", "message": "Job failed"}}, "Degraded"),
])
def test_application_health_is_its_own(status, expected):
    assert health(health_checks()["argoproj.io/Application"], {"status": status})[0] == expected


@pytest.mark.parametrize("status, expected", [
    (None, "Progressing"),
    # RHOAI 3.0 sets Stopped=False on a running model: that is not a failure
    ({"conditions": [cond("Stopped", "False"), cond("Ready", "True")]}, "Healthy"),
    ({"conditions": [cond("Stopped", "True", "stopped by annotation"), cond("Ready", "False")]}, "Suspended"),
    ({"conditions": [cond("Ready", "False", "pulling")],
      "modelStatus": {"transitionStatus": "InProgress"}}, "Progressing"),
    ({"conditions": [cond("Ready", "False")],
      "modelStatus": {"transitionStatus": "BlockedByFailedLoad",
                      "lastFailureInfo": {"message": "CUDA out of memory"}}}, "Degraded"),
])
def test_inference_service_health_by_ready(status, expected):
    obj = {"status": status} if status is not None else {}
    state, message = health(health_checks()["serving.kserve.io/InferenceService"], obj)
    assert state == expected
    if expected == "Degraded":
        assert message == "CUDA out of memory"


@pytest.mark.parametrize("status, expected", [
    ({}, "Progressing"),
    ({"readyReplicas": 1, "conditions": [cond("KueueAvailable", "True")]}, "Healthy"),
    ({"readyReplicas": 0, "conditions": [cond("TargetConfigControllerDegraded", "True", "bad")]}, "Degraded"),
    # the operator's own conditions (openshift/kueue-operator, target_config_reconciler.go)
    ({"conditions": [cond("Available", "True"), cond("Degraded", "False")]}, "Healthy"),
    ({"conditions": [cond("Available", "False"), cond("Degraded", "True", "cert-manager missing")]}, "Degraded"),
    ({"conditions": [cond("Available", "False"), cond("Progressing", "True")]}, "Progressing"),
    # a start: Degraded while a replica is unavailable is not a failure
    ({"conditions": [{**cond("Available", "False"), "reason": "NotEnoughReplicas"},
                     {**cond("Degraded", "True", "No replicas ready (desired: 2)"),
                      "reason": "NoReplicasReady"}]}, "Progressing"),
    ({"conditions": [{**cond("Degraded", "True", "1 replicas unavailable"),
                      "reason": "UnavailableReplicas"}]}, "Progressing"),
    ({"conditions": [{**cond("Degraded", "True", "cert-manager"), "reason": "MissingDependency"}]},
     "Degraded"),
])
def test_kueue_cr_is_healthy_once_its_controller_runs(status, expected):
    assert health(health_checks()["kueue.openshift.io/Kueue"], {"status": status})[0] == expected


def test_two_environments_on_one_cluster_are_refused(tmp_path: Path):
    text = HEAD.replace("environments: [{name: prod}]", "environments: [{name: prod}, {name: dev}]")
    path = write(tmp_path / "p.yaml", text + "pools: [{name: l4, gpu: L4, instanceType: g6.4xlarge}]\n"
                 "models: [{name: m, source: hf://org/m, params: 8B, precision: fp8, gpus: 1}]\n")
    [finding] = [f for f in pipeline.build(path).findings if f.code == "SHARED_CLUSTER"]
    assert finding.severity == "error" and finding.line == 5
    assert "prod and dev" in finding.message
    other = write(tmp_path / "q.yaml", path.read_text().replace(
        "{name: dev}", "{name: dev, cluster: 'https://api.dev.example.com:6443'}"))
    assert not [f for f in pipeline.build(other).findings if f.code == "SHARED_CLUSTER"]


# --- serving never reads a partial upload ---------------------------------------------------

def isvc_and_job(files: dict[str, str], model: str) -> tuple[dict, dict]:
    isvc = yaml.safe_load(files[f"components/prod/serving/isvc-{model}.yaml"])
    return isvc, yaml.safe_load(files[f"components/prod/uploads/job-upload-{model}.yaml"])


def env_of(container: dict) -> dict:
    return {e["name"]: e.get("value") for e in container["env"]}


def test_pods_wait_for_the_complete_upload_at_a_prefix_of_their_own():
    files = pipeline.build(DEMO).files
    isvc, job = isvc_and_job(files, "mistral-3-bf16")
    prefix = env_of(job["spec"]["template"]["spec"]["containers"][0])["S3_PREFIX"]
    predictor = isvc["spec"]["predictor"]
    assert predictor["model"]["storage"]["path"] == prefix + "/"     # a prefix, never a name start
    [wait] = predictor["initContainers"]
    assert wait["command"][-1] == "--wait" and env_of(wait)["S3_PREFIX"] == prefix
    assert env_of(wait)["AWS_S3_BUCKET"] == env_of(job["spec"]["template"]["spec"]["containers"][0])["AWS_S3_BUCKET"]
    assert all("value" in e or "secretKeyRef" in e["valueFrom"] for e in wait["env"])
    [volume] = predictor["volumes"]
    config = yaml.safe_load(files["components/prod/serving/configmap-upload-wait.yaml"])
    assert volume["configMap"]["name"] == config["metadata"]["name"]
    uploads = yaml.safe_load(files["components/prod/uploads/configmap-upload-script.yaml"])
    assert config["data"] == uploads["data"]  # the same script waits and uploads
    # models not uploaded by a Job have nothing to wait for
    oci = yaml.safe_load(files["components/prod/serving/isvc-mistral-3-int4.yaml"])
    assert "initContainers" not in oci["spec"]["predictor"]


def test_no_model_prefix_is_the_start_of_another(tmp_path: Path):
    body = HEAD + ("storage: {s3: {connection: c, bucket: models}}\n"
                   "pools: [{name: l4, gpu: L4, instanceType: g6.12xlarge}]\n"
                   "models:\n"
                   "  - {name: devstral-2, source: hf://o/m, params: 8B, precision: fp8, gpus: 1}\n"
                   "  - {name: devstral-2-bf16, source: hf://o/m, params: 8B, precision: bf16, gpus: 1}\n")
    files = pipeline.build(write(tmp_path / "p.yaml", body)).files
    paths = [isvc_and_job(files, m)[0]["spec"]["predictor"]["model"]["storage"]["path"]
             for m in ("devstral-2", "devstral-2-bf16")]
    assert all(p.endswith("/") for p in paths)
    assert not paths[1].startswith(paths[0]) and not paths[0].startswith(paths[1])


def test_a_changed_model_uploads_to_a_new_prefix(tmp_path: Path):
    text = DEMO.read_text()
    before = isvc_and_job(pipeline.build(DEMO).files, "granite-8b-agent")
    line = next(l for l in text.splitlines() if "source: hf://RedHatAI/granite" in l)
    changed = write(tmp_path / "p.yaml", text.replace(line, line + "\n    revision: 0123abcd", 1))
    after = isvc_and_job(pipeline.build(changed).files, "granite-8b-agent")
    old, new = (i["spec"]["predictor"]["model"]["storage"]["path"] for i, _ in (before, after))
    assert old != new and old.split("/")[0] == new.split("/")[0] == "granite-8b-agent"
    assert env_of(after[1]["spec"]["template"]["spec"]["containers"][0])["S3_PREFIX"] + "/" == new


# --- hardware profiles ----------------------------------------------------------------------

def test_every_pool_has_a_queue_hardware_profile_that_its_models_name():
    from gpuaas.validate import cel_rules
    from gpuaas.validate.schema_check import SchemaValidator
    built = pipeline.build(DEMO)
    files, env = built.files, built.plan.environments[0]
    profiles = {yaml.safe_load(t)["metadata"]["name"]: yaml.safe_load(t) for k, t in files.items()
                if "/serving/hardwareprofile-" in k}
    assert set(profiles) == {f"gpuaas-{pool.name}" for pool in env.pools}
    validator = SchemaValidator("1.33")
    for profile in profiles.values():
        assert profile["spec"]["scheduling"] == {"type": "Queue", "kueue": {
            "localQueueName": built.loaded.portfolio.quota.localQueue, **(
                {"priorityClass": profile["spec"]["scheduling"]["kueue"]["priorityClass"]}
                if "priorityClass" in profile["spec"]["scheduling"]["kueue"] else {})}}
        assert all("maxCount" not in i for i in profile["spec"]["identifiers"])
        assert validator.validate(profile) == []
        assert cel_rules.evaluate(profile, validator.cel_schema(profile["apiVersion"], profile["kind"])) == []
    for mp in env.rendered_models:
        meta = yaml.safe_load(files[f"components/prod/serving/isvc-{mp.name}.yaml"])["metadata"]
        name = meta["annotations"]["opendatahub.io/hardware-profile-name"]
        assert name in profiles and meta["annotations"]["opendatahub.io/hardware-profile-namespace"] == \
            profiles[name]["metadata"]["namespace"]
        # the profile's queue is the one the model is labelled with
        assert profiles[name]["spec"]["scheduling"]["kueue"]["localQueueName"] == \
            meta["labels"]["kueue.x-k8s.io/queue-name"]
        wave = int(meta["annotations"]["argocd.argoproj.io/sync-wave"])
        assert wave > int(profiles[name]["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])


def test_without_kueue_there_are_no_queue_profiles(tmp_path: Path):
    text = DEMO.read_text().replace("  - name: prod\n", "  - name: prod\n    overrides: {components: {kueue: false}}\n", 1)
    assert text != DEMO.read_text()
    files = pipeline.build(write(tmp_path / "p.yaml", text)).files
    assert not [k for k in files if "hardwareprofile" in k]
    assert "hardware-profile" not in files["components/prod/serving/isvc-mistral-3-bf16.yaml"]


# --- OpenShift AI stays on the release it was checked against --------------------------------

def operators(files: dict[str, str], key: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(files[f"components/prod/operators/{key}-operator.yaml"]) if d]


def test_rhoai_is_pinned_to_3_0_by_default():
    files = pipeline.build(DEMO).files
    [sub] = [d for d in operators(files, "rhoai") if d["kind"] == "Subscription"]
    assert (sub["spec"]["startingCSV"], sub["spec"]["installPlanApproval"]) == ("rhods-operator.3.0.0", "Manual")
    docs = [d for d in yaml.safe_load_all(files["components/prod/operators/rhoai-installplan-approver.yaml"]) if d]
    [job] = [d for d in docs if d["kind"] == "Job"]
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert {e["name"]: e["value"] for e in container["env"]}["CSV"] == "rhods-operator.3.0.0"
    [role] = [d for d in docs if d["kind"] == "Role"]
    assert role["rules"] == [{"apiGroups": ["operators.coreos.com"], "resources": ["installplans"],
                              "verbs": ["get", "list", "patch"]},
                             {"apiGroups": ["operators.coreos.com"], "resources": ["subscriptions"],
                              "verbs": ["get"]}]
    # the other operators follow their channels unless pinned
    [kueue] = [d for d in operators(files, "kueue") if d["kind"] == "Subscription"]
    assert kueue["spec"]["installPlanApproval"] == "Automatic" and "startingCSV" not in kueue["spec"]


def test_following_the_channel_is_explicit(tmp_path: Path):
    text = DEMO.read_text()
    changed = text.replace("  rhoai: {channel: fast-3.x}", "  rhoai: {channel: fast-3.x, version: null}", 1)
    assert changed != text
    files = pipeline.build(write(tmp_path / "p.yaml", changed)).files
    [sub] = [d for d in operators(files, "rhoai") if d["kind"] == "Subscription"]
    assert sub["spec"]["installPlanApproval"] == "Automatic" and "startingCSV" not in sub["spec"]
    assert "components/prod/operators/rhoai-installplan-approver.yaml" not in files


# `oc` answering as the API server with OLM behind it would: approving a plan installs its CSV,
# and OLM then offers the next version of the real fast-3.x channel (tests/sim/olm.py).
FAKE_OC = """#!{python}
import json, sys
sys.path.insert(0, {tests!r})
from sim.olm import FAST_3X, next_version
path = {state!r}
state = json.load(open(path))
args = sys.argv[1:]
if args[:2] == ["get", "subscription"]:
    print(state["installed"], end="")
elif args[:2] == ["get", "installplan"]:
    for name, plan in sorted(state["plans"].items()):
        print(name, "true" if plan["approved"] else "false", " ".join(plan["csvs"]))
elif args[:2] == ["patch", "installplan"]:
    plan = state["plans"][args[2]]
    plan["approved"] = True
    state["log"].append(plan["csvs"][0])
    state["installed"] = plan["csvs"][0]                   # the install succeeds
    offered = next_version(FAST_3X, state["installed"])
    if offered:
        state["plans"][f"install-{{len(state['plans'])}}"] = {{"approved": False, "csvs": [offered]}}
json.dump(state, open(path, "w"))
"""


def run_approver(tmp_path: Path, pin: str, installed: str, plans: dict) -> dict:
    import subprocess
    text = DEMO.read_text().replace("  rhoai: {channel: fast-3.x}",
                                    f"  rhoai: {{channel: fast-3.x, version: {pin}}}", 1)
    files = pipeline.build(write(tmp_path / "p.yaml", text)).files
    docs = [d for d in yaml.safe_load_all(files["components/prod/operators/rhoai-installplan-approver.yaml"]) if d]
    [job] = [d for d in docs if d["kind"] == "Job"]
    container = job["spec"]["template"]["spec"]["containers"][0]
    script = container["args"][0].replace("$$", "$")   # as the kubelet passes it
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"installed": installed, "plans": plans, "log": []}))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "oc").write_text(FAKE_OC.format(python=sys.executable, tests=str(Path(__file__).parent),
                                                   state=str(state)))
    (bin_dir / "sleep").write_text("#!/bin/sh\n")      # the poll interval, not waited here
    for tool in ("oc", "sleep"):
        (bin_dir / tool).chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin",
           **{e["name"]: e["value"] for e in container["env"]}}
    proc = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(state.read_text())


def test_the_approver_approves_the_pinned_plan_on_a_fresh_cluster(tmp_path: Path):
    unapproved = {"install-a": {"approved": False, "csvs": ["rhods-operator.3.0.0"]}}
    state = run_approver(tmp_path, "3.0.0", "", unapproved)
    # the pin installed; the upgrade OLM offers next (3.2.1) stays unapproved
    assert state["log"] == ["rhods-operator.3.0.0"] and state["installed"] == "rhods-operator.3.0.0"
    assert [p["csvs"] for p in state["plans"].values() if not p["approved"]] == [["rhods-operator.3.2.1"]]


def test_a_new_pin_is_reached_one_offered_version_at_a_time_and_never_passed(tmp_path: Path):
    """OLM offers 3.2.1 after 3.0.0 (skipRange), not 3.3.0: approving only the pin's own plan
    would wait forever."""
    offered = {"install-a": {"approved": True, "csvs": ["rhods-operator.3.0.0"]},
               "install-b": {"approved": False, "csvs": ["rhods-operator.3.2.1"]}}
    state = run_approver(tmp_path, "3.3.0", "rhods-operator.3.0.0", offered)
    assert state["log"] == ["rhods-operator.3.2.1", "rhods-operator.3.3.0"]
    assert [p["csvs"] for p in state["plans"].values() if not p["approved"]] == [["rhods-operator.3.3.1"]]


@pytest.mark.parametrize("status, expected", [
    ({"installedCSV": "rhods-operator.3.0.0", "conditions": [
        {"type": "InstallPlanPending", "status": "True", "reason": "RequiresApproval"}]}, "Healthy"),
    ({"conditions": [{"type": "InstallPlanPending", "status": "True", "reason": "RequiresApproval"}]},
     "Progressing"),
    ({"installedCSV": "rhods-operator.3.0.0", "conditions": [
        {"type": "ResolutionFailed", "status": "True", "message": "no operators found"}]}, "Degraded"),
    ({"installedCSV": "rhods-operator.3.0.0", "conditions": []}, "Healthy"),
])
def test_a_pinned_subscription_is_healthy_with_an_upgrade_waiting(status, expected):
    obj = {"spec": {"startingCSV": "rhods-operator.3.0.0"}, "status": status}
    assert health(health_checks()["operators.coreos.com/Subscription"], obj)[0] == expected


# --- what the tree relies on -----------------------------------------------------------------

PVC_MODEL = ("pools: [{name: l4, gpu: L4, instanceType: g6.12xlarge}]\n"
             "models: [{name: m, source: pvc://weights/m, params: 8B, precision: fp8, gpus: 1}]\n")


def test_a_claim_nothing_fills_is_named_until_declared(tmp_path: Path):
    path = write(tmp_path / "p.yaml", HEAD + PVC_MODEL)
    [finding] = [f for f in pipeline.build(path).findings if f.code == "PVC_CLAIM"]
    assert finding.severity == "warning" and finding.line == 7 and "'weights'" in finding.message
    declared = write(tmp_path / "q.yaml", HEAD + "storage: {existingClaims: [weights]}\n" + PVC_MODEL)
    built = pipeline.build(declared)
    assert not [f for f in built.findings if f.code == "PVC_CLAIM"]
    assert "PersistentVolumeClaim `weights` in `" in built.files["README.md"]


def test_the_tree_readme_lists_exactly_what_its_components_use(tmp_path: Path):
    readme = pipeline.build(DEMO).files["README.md"]
    needs = readme[readme.index("## What this tree needs"):readme.index("## Switching a model")]
    assert "`minio-connection` in `private-ai`" in needs and 'opendatahub.io/connection-type: s3' in needs
    assert "in `minio-storage` (the same keys)" in needs and "`hf-token`" in needs
    # no uploads, no upload Secrets; no serving, no data connection at all
    off = DEMO.read_text().replace("  - name: prod\n", "  - name: prod\n    overrides: {components: {uploads: false}}\n", 1)
    needs_off = pipeline.build(write(tmp_path / "p.yaml", off)).files["README.md"]
    assert "in `minio-storage`" not in needs_off.split("## Switching a model")[0].split("## What this tree needs")[1]
    off = DEMO.read_text().replace("  - name: prod\n", "  - name: prod\n    overrides: {components: {uploads: false, serving: false}}\n", 1)
    readme_off = pipeline.build(write(tmp_path / "q.yaml", off)).files["README.md"]
    assert "Nothing: every object its components use is rendered here." in readme_off
    assert "oc scale" in readme and "a commit" in readme


# --- the DataScienceCluster is shared: only what the portfolio needs ---------------------------

def dsc(files: dict[str, str]) -> dict:
    return yaml.safe_load(files["components/prod/rhoai/datasciencecluster.yaml"])


def test_the_datasciencecluster_sets_only_what_serving_needs(tmp_path: Path):
    obj = dsc(pipeline.build(DEMO).files)
    # serving's, the registry component's (the demo registers its models) and the workbench's
    assert set(obj["spec"]["components"]) == {"dashboard", "kserve", "kueue", "modelregistry",
                                              "workbenches"}
    assert obj["spec"]["components"]["workbenches"] == {"managementState": "Managed"}
    assert obj["spec"]["components"]["modelregistry"] == {
        "managementState": "Managed", "registriesNamespace": "rhoai-model-registries"}
    assert "ServerSideApply=true" in obj["metadata"]["annotations"]["argocd.argoproj.io/sync-options"]
    text = DEMO.read_text().replace("  rhoai: {channel: fast-3.x}",
                                    "  rhoai: {channel: fast-3.x, components: {ray: Managed, "
                                    "trustyai: Managed}}", 1)
    obj = dsc(pipeline.build(write(tmp_path / "p.yaml", text)).files)
    assert obj["spec"]["components"]["ray"] == {"managementState": "Managed"}
    assert set(obj["spec"]["components"]) == {"dashboard", "kserve", "kueue", "modelregistry", "ray",
                                              "trustyai", "workbenches"}
    bad = write(tmp_path / "q.yaml", text.replace("trustyai: Managed", "kserve: Removed"))
    with pytest.raises(UserError):
        pipeline.build(bad)


def test_a_datasciencecluster_managed_elsewhere_is_a_prerequisite(tmp_path: Path):
    text = DEMO.read_text().replace("  - name: prod\n", "  - name: prod\n    overrides: {components: {rhoai: false}}\n", 1)
    files = pipeline.build(write(tmp_path / "p.yaml", text)).files
    assert "components/prod/rhoai/datasciencecluster.yaml" not in files
    assert "DataScienceCluster whose `kserve` is Managed" in files["README.md"]


def test_the_tree_readme_shows_how_to_call_each_active_model():
    built = pipeline.build(DEMO)
    readme = built.files["README.md"]
    section = readme[readme.index("## Calling a model"):readme.index("## Environments")]
    assert "oc get secret gpuaas-inference-client-token" in section
    active = [mp for mp in built.plan.environments[0].active]
    assert active
    for mp in active:
        path = "/v1/embeddings" if mp.model.task == "embed" else "/v1/chat/completions"
        assert f"{mp.name}-predictor.private-ai.svc.cluster.local:8443{path}" in section
        assert f'"model": "{mp.name}"' in section
    standby = {mp.name for mp in built.plan.environments[0].models} - {mp.name for mp in active}
    assert standby and not any(f"{name}-predictor" in section for name in standby)


def test_a_three_environment_portfolio_holds_every_point(tmp_path: Path, cli):
    """dev, stage and prod, each on its own cluster: the tree passes the strict gate, and
    every environment gets the pin, the hardware profiles, the upload gate and a minimal DSC."""
    from gpuaas.validate import gate
    text = DEMO.read_text().replace(
        "  - name: prod\n    cluster: https://kubernetes.default.svc\n",
        "  - name: dev\n    cluster: https://api.dev.example.com:6443\n"
        "  - name: stage\n    cluster: https://api.stage.example.com:6443\n"
        "  - name: prod\n    cluster: https://kubernetes.default.svc\n", 1)
    assert text != DEMO.read_text()
    (tmp_path / "portfolios").mkdir()
    path = write(tmp_path / "portfolios" / "three.yaml", text)
    assert cli("render", cwd=tmp_path).exit_code == 0
    report = gate.validate([path], gate.Options(tmp_path / "rendered", None, strict=True))
    assert report.ok, [f for f in report.findings if f.severity == "error"][:5]
    assert report.stats["objects"] == report.stats["schemaChecked"]
    files = pipeline.build(path).files
    assert "bootstrap/argocd-health-checks.yaml" in files
    for env in ("dev", "stage", "prod"):
        [sub] = [d for d in yaml.safe_load_all(files[f"components/{env}/operators/rhoai-operator.yaml"])
                 if d and d["kind"] == "Subscription"]
        assert sub["spec"]["installPlanApproval"] == "Manual"
        assert [k for k in files if k.startswith(f"components/{env}/serving/hardwareprofile-")]
        isvc = yaml.safe_load(files[f"components/{env}/serving/isvc-mistral-3-bf16.yaml"])
        assert isvc["spec"]["predictor"]["initContainers"][0]["name"] == "wait-for-upload"
        assert set(yaml.safe_load(files[f"components/{env}/rhoai/datasciencecluster.yaml"])["spec"]["components"]) == \
            {"dashboard", "kserve", "kueue", "modelregistry", "workbenches"}
        assert [k for k in files if k.startswith(f"components/{env}/registry/job-register")]
        assert f"components/{env}/workbench/notebook.yaml" in files


def test_plan_and_tree_readme_name_the_cluster_wide_objects_a_sync_writes(cli):
    built = pipeline.build(DEMO)
    readme = built.files["README.md"]
    for name in ("DataScienceCluster default-dsc", "Kueue cluster", "ClusterPolicy gpu-cluster-policy",
                 "NodeFeatureDiscovery nfd-instance"):
        assert f"- {name}: " in readme
    data = json.loads(cli("plan", str(DEMO), "--format", "json").stdout)
    assert "DataScienceCluster default-dsc" in data["environments"][0]["clusterWide"]
    assert ("cluster-wide objects a sync writes: ClusterPolicy gpu-cluster-policy, NodeFeatureDiscovery "
            "nfd-instance, Kueue cluster, DataScienceCluster default-dsc") in cli("plan", str(DEMO)).stdout


def test_signet_leaves_cert_manager_to_its_repository_and_says_so():
    from .conftest import REPO
    files = pipeline.build(REPO / "portfolios/signet.yaml").files
    assert not [k for k in files if k.endswith("certmanager-operator.yaml")]
    assert "The cert-manager Operator, installed elsewhere" in files["README.md"]


def test_the_tree_readme_states_what_the_cluster_must_give_each_tree():
    """The DataScienceCluster line names every component the tree sets Managed; a tree that
    uploads says which egress its Jobs need and which bucket and endpoint the data connection
    must hold; a tree without cert-manager says who needs it."""
    managed_by = {"modelregistry": "registry", "workbenches": "workbench", "trustyai": "evaluation"}
    readmes = {}
    for path in PORTFOLIOS:
        out = pipeline.build(path)
        text = readmes[path.stem] = out.files["README.md"]
        dsc = next(line for line in text.splitlines() if line.startswith("- DataScienceCluster default-dsc:"))
        for part, component in managed_by.items():
            on = any(env.components[component] for env in out.plan.environments)
            assert (f"{part} Managed" in dsc) == on, (path.stem, part)
        uploads = any(mp.storage.upload for env in out.plan.environments for mp in env.rendered_models)
        assert ("to PyPI (pypi.org, files.pythonhosted.org)" in text) == uploads, path.stem
        if uploads:
            s3 = out.plan.portfolio.storage.s3
            assert f"Its AWS_S3_BUCKET must be `{s3.bucket}` and its AWS_S3_ENDPOINT `{s3.endpoint}`" in text
    cert = next(line for line in readmes["signet"].splitlines() if "The cert-manager Operator" in line)
    assert "Kueue" in cert and "KServe" not in cert
