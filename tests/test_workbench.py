"""The `workbench` component: what it renders, the Argo CD fields it leaves to the workbench,
and the generated notebook: valid, the same bytes every render, its predictions the plan's,
and its helpers run for real against a small stand-in for the Kubernetes API."""
from __future__ import annotations

import contextlib
import io
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest
import yaml

from gpuaas.pipeline import build
from gpuaas.plan import resolve
from gpuaas.portfolio import load_portfolio
from gpuaas.portfolio.edit import set_state

from .conftest import DEMO, REPO, tree

WB = "components/prod/workbench"
NOTEBOOK = "GPU-Orchestrator.ipynb"


def docs(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d]


def notebook_of(files: dict[str, str]) -> nbformat.NotebookNode:
    cm = yaml.safe_load(files[f"{WB}/configmap-notebook.yaml"])
    return nbformat.reads(cm["data"][NOTEBOOK], as_version=4)


def planned(nb) -> dict:
    """The PORTFOLIO literal the notebook carries, as the notebook itself evaluates it."""
    scope: dict = {}
    exec(nb.cells[2].source, scope)
    return scope["PORTFOLIO"]


# --- rendering ------------------------------------------------------------------------

def test_the_demo_renders_the_switchboard(tmp_path: Path):
    files = tree(tmp_path, DEMO.read_text())
    (notebook,) = docs(files[f"{WB}/notebook.yaml"])
    meta, pod = notebook["metadata"], notebook["spec"]["template"]["spec"]
    assert notebook["apiVersion"] == "kubeflow.org/v1"
    assert meta["annotations"]["notebooks.opendatahub.io/inject-auth"] == "true"
    assert meta["labels"]["opendatahub.io/dashboard"] == "true"
    assert pod["containers"][0]["name"] == meta["name"] == "gpu-switchboard"
    assert pod["serviceAccountName"] == "gpu-switchboard"
    mounts = {m["name"]: m for m in pod["containers"][0]["volumeMounts"]}
    assert mounts["gpuaas-notebook"]["readOnly"] is True
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["home"]["persistentVolumeClaim"]["claimName"] == "gpu-switchboard"
    assert volumes["gpuaas-notebook"]["configMap"]["name"] == "gpu-switchboard-notebook"
    (pvc,) = docs(files[f"{WB}/pvc.yaml"])
    assert pvc["spec"]["resources"]["requests"]["storage"] == "20Gi"
    # its own project, not the Kueue-managed serving namespace
    (ns,) = docs(files[f"{WB}/namespace.yaml"])
    assert ns["metadata"]["name"] == "gpuaas-workbench"
    assert "kueue.openshift.io/managed" not in ns["metadata"]["labels"]
    sa, role, binding = docs(files[f"{WB}/rbac.yaml"])
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == "private-ai"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "gpu-switchboard",
                                    "namespace": "gpuaas-workbench"}]
    patch = [r for r in role["rules"] if "patch" in r["verbs"]]
    assert patch == [{"apiGroups": ["serving.kserve.io"], "resources": ["inferenceservices"],
                      "resourceNames": ["mistral-3-bf16", "mistral-3-int4", "devstral-2",
                                        "gpt-oss-20b", "granite-8b-agent"], "verbs": ["patch"]}]
    assert any(r["apiGroups"] == ["kueue.x-k8s.io"] and "workloads" in r["resources"] for r in role["rules"])
    dsc = yaml.safe_load(files["components/prod/rhoai/datasciencecluster.yaml"])
    assert dsc["spec"]["components"]["workbenches"] == {"managementState": "Managed"}
    assert "Workbench (`workbench`)" in files["README.md"]
    assert "Switching: **live**" in files["README.md"]
    assert "no secret" not in files[f"{WB}/notebook.yaml"].lower()


def test_live_switching_leaves_the_replicas_to_the_workbench(tmp_path: Path):
    files = tree(tmp_path, DEMO.read_text())
    serving = files["charts/enterprise-demo-umbrella/templates/app-serving.yaml"]
    guarded = serving.split("{{- if .Values.components.workbench.enabled }}")
    assert len(guarded) == 3, "the ignore and the sync option are both under the workbench's switch"
    assert "jsonPointers:\n      - /spec/predictor/minReplicas\n      - /spec/predictor/maxReplicas" in guarded[1]
    assert guarded[2].lstrip().startswith('- "RespectIgnoreDifferences=true"')
    # the other Applications are untouched
    assert "ignoreDifferences" not in files["charts/enterprise-demo-umbrella/templates/app-registry.yaml"]
    workbench = files["charts/enterprise-demo-umbrella/templates/app-workbench.yaml"]
    assert 'select(.name != \\"gpu-switchboard\\")' in workbench   # the injected sidecar


def test_commit_switching_reads_only(tmp_path: Path):
    files = tree(tmp_path, DEMO.read_text().replace("  switching: live ", "  switching: commit "))
    role = docs(files[f"{WB}/rbac.yaml"])[1]
    assert not [r for r in role["rules"] if {"patch", "update", "create", "delete"} & set(r["verbs"])]
    assert "ignoreDifferences" not in files["charts/enterprise-demo-umbrella/templates/app-serving.yaml"]
    assert "RespectIgnoreDifferences" not in files["charts/enterprise-demo-umbrella/templates/app-serving.yaml"]
    assert planned(notebook_of(files))["switching"] == "commit"
    assert "Switching: **commit**" in files["README.md"]


def test_switched_off_per_environment(tmp_path: Path):
    text = DEMO.read_text().replace(
        "  - name: prod\n    cluster: https://kubernetes.default.svc\n",
        "  - name: prod\n    cluster: https://kubernetes.default.svc\n  - name: dev\n"
        "    cluster: https://api.dev.example.com:6443\n"
        "    overrides: {components: {workbench: false}}\n", 1)
    files = tree(tmp_path, text)
    assert f"{WB}/notebook.yaml" in files
    assert not any(p.startswith("components/dev/workbench/") for p in files)
    values = yaml.safe_load(files["charts/argocd-apps/values.yaml"])
    assert [e["components"]["workbench"] for e in values["envs"]] == [True, False]


@pytest.mark.parametrize("edit, code", [
    (("  namespace: gpuaas-workbench ", "  namespace: private-ai "), "WORKBENCH_NAMESPACE"),
    (("  rhoai: {channel: fast-3.x}", "  rhoai:\n    channel: fast-3.x\n    components: {workbenches: Removed}"),
     "DSC_COMPONENT"),
])
def test_workbench_mistakes_are_findings(tmp_path: Path, cli, edit, code):
    path = tmp_path / "p.yaml"
    assert edit[0] in DEMO.read_text()
    path.write_text(DEMO.read_text().replace(*edit, 1))
    result = cli("render", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert any(f"[{code}]" in line and line.startswith(f"{path}:") for line in result.output.splitlines()), result.output
    assert not (tmp_path / "out").exists()


def test_plan_names_the_components_on(cli):
    result = cli("plan", str(DEMO))
    assert result.exit_code == 0
    assert "workbench: Notebook gpu-switchboard in gpuaas-workbench" in result.stdout
    assert "registry: ModelRegistry gpuaas-registry" in result.stdout
    data = json.loads(cli("plan", str(DEMO), "--format", "json").stdout)
    assert set(data["environments"][0]["components"]) == {"registry", "workbench"}


# --- the notebook ---------------------------------------------------------------------

def test_the_notebook_is_valid_and_the_same_bytes_every_render(tmp_path: Path):
    first = tree(tmp_path, DEMO.read_text())[f"{WB}/configmap-notebook.yaml"]
    again = tree(tmp_path, DEMO.read_text())[f"{WB}/configmap-notebook.yaml"]
    assert first == again
    nb = nbformat.reads(yaml.safe_load(first)["data"][NOTEBOOK], as_version=4)
    nbformat.validate(nb)
    assert [c.id for c in nb.cells] == [f"gpuaas-{i:02d}" for i in range(len(nb.cells))]
    for cell in nb.cells:
        if cell.cell_type == "code":
            compile(cell.source, cell.id, "exec")


def admissions(env) -> dict[str, str]:
    return {m.name: m.admission for m in env.rendered_models}


def test_each_step_predicts_what_gpuaas_plan_says_after_the_same_switch(tmp_path: Path):
    """The notebook's steps against `gpuaas activate`/`deactivate` on the portfolio file."""
    path = tmp_path / "demo.yaml"
    shutil.copy(DEMO, path)
    steps = planned(notebook_of(build(path).files))["steps"]
    assert list(steps) == ["baseline", "conflict", "handover"]

    def plan_now():
        return resolve(load_portfolio(path).portfolio).environments[0]
    for key, switch in (("baseline", []), ("conflict", [("devstral-2", "active")]),
                        ("handover", [("mistral-3-bf16", "standby")])):
        for name, state in switch:
            set_state(path, [name], state)
        env = plan_now()
        assert {n: m["admission"] for n, m in steps[key]["models"].items()} == admissions(env)
        assert steps[key]["used"] == env.used
    assert steps["conflict"]["models"]["devstral-2"]["admission"] == "Pending"
    assert steps["handover"]["models"]["devstral-2"] == {
        "admission": "Admitted", "reason": "on flavor nvidia-l4-4gpu", "replicas": 1, "admitted": 1,
        "flavors": ["nvidia-l4-4gpu"]}
    # the demo pins its one small standby model to the full 1-GPU pool: no efficiency to play
    nb = notebook_of(build(path).files)
    assert any("Not played here: efficiency" in c.source for c in nb.cells)


def test_the_efficiency_scenario_fills_the_freed_node(tmp_path: Path):
    text = (REPO / "portfolios" / "efficiency.yaml").read_text()
    assert "\n  enabled: true\n" in text[text.index("\nworkbench:"):]
    steps = planned(notebook_of(tree(tmp_path, text)))["steps"]
    eff = steps["efficiency"]
    assert eff["states"]["mistral-3-bf16"] == "standby"
    on_big_node = sorted(n for n, m in eff["models"].items() if m["flavors"] == ["nvidia-l4-4gpu"])
    assert on_big_node == ["gpt-oss-20b", "granite-8b-agent", "granite-8b-rag", "qwen-7b"]
    assert sum(eff["used"].values()) == 5


# --- the notebook's helpers against a stand-in API server ------------------------------

class FakeAPI:
    """InferenceServices and Workloads of one namespace, as the API server returns them; PATCH
    (merge patch) on an InferenceService. Records every request with its headers."""

    def __init__(self, namespace: str, replicas: dict[str, int], token: str):
        self.ns, self.token = namespace, token
        self.isvcs = {n: {"metadata": {"name": n}, "spec": {"predictor": {"minReplicas": r, "maxReplicas": r}}}
                      for n, r in replicas.items()}
        self.workloads: list[dict] = []
        self.requests: list[tuple[str, str, str, dict | None]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def handle_any(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                api.requests.append((method, self.path, self.headers.get("Content-Type", ""), body))
                if self.headers.get("Authorization") != f"Bearer {api.token}":
                    return self.reply(401, {"kind": "Status", "message": "Unauthorized"})
                isvcs = f"/apis/serving.kserve.io/v1beta1/namespaces/{api.ns}/inferenceservices"
                path, _, query = self.path.partition("?")
                if method == "GET" and path == isvcs:
                    return self.reply(200, {"items": list(api.isvcs.values())})
                if method == "GET" and path == f"/apis/kueue.x-k8s.io/v1beta1/namespaces/{api.ns}/workloads":
                    return self.reply(200, {"items": api.workloads})
                name = path.removeprefix(isvcs + "/")
                if method == "PATCH" and name in api.isvcs:
                    if self.headers.get("Content-Type") != "application/merge-patch+json":
                        return self.reply(415, {"message": "unsupported media type"})
                    api.isvcs[name]["spec"]["predictor"].update(body["spec"]["predictor"])
                    return self.reply(200, api.isvcs[name])
                return self.reply(404, {"kind": "Status", "message": f"{path} not found"})

            def do_GET(self):
                self.handle_any("GET")

            def do_PATCH(self):
                self.handle_any("PATCH")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def admit(self, model: str, flavor: str | None, i: int = 0):
        """One predictor pod's Workload, as Kueue's pod integration makes it."""
        conditions = ([{"type": "QuotaReserved", "status": "True"}, {"type": "Admitted", "status": "True"}]
                      if flavor else [{"type": "QuotaReserved", "status": "False", "reason": "Pending",
                                       "message": "couldn't assign flavors: insufficient quota"}])
        status = {"conditions": conditions}
        if flavor:
            status["admission"] = {"podSetAssignments": [{"name": "main", "flavors": {"nvidia.com/gpu": flavor}}]}
        self.workloads.append({"metadata": {"name": f"pod-{model}-{i}", "ownerReferences": [
            {"kind": "Pod", "name": f"{model}-predictor-5d8f9-{i}x"}]}, "status": status})

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def notebook_scope(nb, api: FakeAPI, sa_dir: Path) -> dict:
    """The notebook's first two code cells run as Jupyter runs them (one namespace)."""
    scope: dict = {"__name__": "__main__"}
    exec(nb.cells[1].source, scope)
    scope["API"], scope["SA_DIR"] = api.url, str(sa_dir)
    exec(nb.cells[2].source, scope)
    return scope


def run(scope: dict, code: str):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        value = eval(code, scope)
    return value, out.getvalue()


@pytest.fixture
def sa_dir(tmp_path: Path) -> Path:
    (tmp_path / "sa").mkdir()
    (tmp_path / "sa" / "token").write_text("workbench-token\n")
    return tmp_path / "sa"


def demo_notebook(tmp_path: Path, switching: str = "live"):
    return notebook_of(tree(tmp_path, DEMO.read_text().replace("  switching: live ", f"  switching: {switching} ")))


BASELINE = {"mistral-3-bf16": 1, "mistral-3-int4": 1, "devstral-2": 0, "gpt-oss-20b": 0, "granite-8b-agent": 0}


def test_helpers_read_switch_and_compare_with_the_plan(tmp_path: Path, sa_dir: Path):
    nb = demo_notebook(tmp_path)
    with FakeAPI("private-ai", BASELINE, "workbench-token") as api:
        scope = notebook_scope(nb, api, sa_dir)
        api.admit("mistral-3-bf16", "nvidia-l4-4gpu")
        api.admit("mistral-3-int4", "nvidia-l4-1gpu")
        ok, out = run(scope, "show('baseline')")
        assert ok and "As the plan predicted." in out
        assert run(scope, "wait('baseline', timeout=0)")[0] is True

        # scenario 1: only devstral-2 is switched, as a merge patch of both replica fields
        api.requests.clear()
        run(scope, "go('conflict')")
        patches = [r for r in api.requests if r[0] == "PATCH"]
        assert patches == [("PATCH", "/apis/serving.kserve.io/v1beta1/namespaces/private-ai/"
                            "inferenceservices/devstral-2?fieldManager=gpuaas-workbench",
                            "application/merge-patch+json",
                            {"spec": {"predictor": {"minReplicas": 1, "maxReplicas": 1}}})]
        # before Kueue has a Workload for it the cluster is not yet as predicted
        assert run(scope, "differences('conflict')")[0] == ["devstral-2: nothing queued yet, the plan says Pending"]
        api.admit("devstral-2", None)
        ok, out = run(scope, "show('conflict')")
        assert ok and "devstral-2 waits: couldn't assign flavors: insufficient quota" in out

        # scenario 2: release mistral-3-bf16; the cluster that disagrees is reported
        run(scope, "go('handover')")
        assert api.isvcs["mistral-3-bf16"]["spec"]["predictor"] == {"minReplicas": 0, "maxReplicas": 0}
        api.workloads = []
        api.admit("mistral-3-int4", "nvidia-l4-1gpu")
        api.admit("devstral-2", "nvidia-l4-1gpu")       # not where the plan puts it
        assert run(scope, "differences('handover')")[0] == [
            "devstral-2: on nvidia-l4-1gpu, the plan says nvidia-l4-4gpu"]
        api.workloads[-1]["status"]["admission"]["podSetAssignments"][0]["flavors"]["nvidia.com/gpu"] = "nvidia-l4-4gpu"
        assert run(scope, "differences('handover')")[0] == []

        # and back: both switched models return to the portfolio's replicas
        api.requests.clear()
        run(scope, "go('baseline')")
        assert sorted(r[1].split("/")[-1].split("?")[0] for r in api.requests if r[0] == "PATCH") == [
            "devstral-2", "mistral-3-bf16"]
        assert {n: i["spec"]["predictor"]["minReplicas"] for n, i in api.isvcs.items()} == BASELINE


def test_commit_switching_prints_the_commit_and_writes_nothing(tmp_path: Path, sa_dir: Path):
    nb = demo_notebook(tmp_path, "commit")
    with FakeAPI("private-ai", BASELINE, "workbench-token") as api:
        scope = notebook_scope(nb, api, sa_dir)
        _, out = run(scope, "go('handover')")
        assert "gpuaas activate devstral-2\n" in out and "gpuaas deactivate mistral-3-bf16\n" in out
        assert not [r for r in api.requests if r[0] != "GET"]


def test_a_refused_request_is_one_clear_error(tmp_path: Path, sa_dir: Path):
    nb = demo_notebook(tmp_path)
    (sa_dir / "token").write_text("stale")
    with FakeAPI("private-ai", BASELINE, "workbench-token") as api:
        scope = notebook_scope(nb, api, sa_dir)
        with pytest.raises(scope["APIError"], match="GET /apis/serving.kserve.io/.*: HTTP 401: Unauthorized"):
            run(scope, "live()")


def test_live_switching_refuses_a_model_served_by_llmd(tmp_path):
    """The notebook patches InferenceServices: an llm-d model cannot be switched live."""
    from gpuaas import pipeline
    from gpuaas.errors import UserError

    from .conftest import REPO
    text = (REPO / "portfolios" / "release-train.yaml").read_text() + (
        "\nworkbench:\n  enabled: true\n  namespace: rt-workbench\n  switching: live\n")
    path = tmp_path / "release-train.yaml"
    path.write_text(text)
    try:
        found = pipeline.build(path).findings
    except UserError as exc:
        found = exc.findings
    live = [f for f in found if f.code == "WORKBENCH_LIVE"]
    assert {f.message.split(" ")[1] for f in live} == {"qwen-32b-fp8", "qwen3-235b"}
    assert all(f.line for f in live)
    path.write_text(text.replace("switching: live", "switching: commit"))
    assert not [f for f in pipeline.build(path).findings if f.code == "WORKBENCH_LIVE"]
