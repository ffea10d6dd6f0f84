"""Values holding YAML and template syntax reach Kubernetes, Helm, Argo CD, KServe and the
process as the same string the portfolio holds.

Go's template engine runs for real (Helm's `tpl`, the text/template that Argo CD's
goTemplate and KServe's placeholders use); kubelet's `$(VAR)` expansion cannot run here, so
`kubelet_expand` follows k8s.io/kubernetes third_party/forked/golang/expansion.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from gpuaas.validate import engines

from .conftest import DEMO

pytestmark = pytest.mark.skipif(engines.helm_engine() is None, reason="needs a Helm engine")

TRICKY = "a: b # c \"q\" 'single' {{ .Name }} {{x}} ${HOME} $(HOME) $$ $ !!str &anchor *alias | > %"
REPO_URL = "https://git.example.com/{{org}}/a#b:'q'\"${x}$(y)!!str&%.git"
REVISION = "rel/#1-\"q\"-'s'-${v}-{{x}}-$(y)-!!str-&a-}}"
TREE = "trees/#x/{{env}}/${p}/!!str/'q'\"/$(z)"
CHAT_TEMPLATE = ("--chat-template={% for m in messages %}{{ m['content'] }}: # ${x} $(HOME) "
                 "$$(HOME) \"q\" !!str\n{% endfor %}{{{{ raw }}}}")


def kubelet_expand(text: str, env: dict[str, str]) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "$" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "(":
                end = text.find(")", i + 2)
                if end != -1:
                    name = text[i + 2:end]
                    out.append(env.get(name, f"$({name})"))
                    i = end + 1
                    continue
                out.append("$(")
                i += 2
                continue
            out.append("$" + nxt)
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def go_template(strings: list[str], tmp_path: Path) -> list[str]:
    """Each string executed by Go's text/template (through Helm's `tpl`)."""
    chart = tmp_path / "go-template"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: go-template\nversion: 0.1.0\n")
    (chart / "templates" / "out.yaml").write_text(
        "out: [{{- range $i, $s := .Values.strings }}{{ if $i }}, {{ end }}"
        "{{ tpl $s $ | toJson }}{{ end }}]\n")
    rendered = engines.helm_template(chart, {"strings": strings}, "t", "default")
    return yaml.safe_load(rendered.split("\n", 1)[1] if rendered.startswith("---") else rendered)["out"]


@pytest.fixture(scope="module")
def tricky_tree(tmp_path_factory) -> tuple[Path, dict]:
    from typer.testing import CliRunner

    from gpuaas.cli import app
    repo = tmp_path_factory.mktemp("tricky")
    portfolio = yaml.safe_load(DEMO.read_text())
    portfolio["metadata"]["description"] = TRICKY + "\nsecond line"
    portfolio["gitops"].update(repoURL=REPO_URL, targetRevision=REVISION, path=TREE)
    model = portfolio["models"][0]
    model["displayName"] = TRICKY
    model["params"] = "24B\n"
    model["vllmArgs"] = [CHAT_TEMPLATE, "--tokenizer-revision=" + TRICKY]
    model["revision"] = "v1-$(HOME)-$$-${x}-$(WORK_DIR"
    portfolio["storage"]["s3"]["endpoint"] = "http://minio:9000/$(WORK_DIR)/$$"
    (repo / "portfolio.yaml").write_text(json.dumps(portfolio, indent=1))
    result = CliRunner().invoke(app, ["render", str(repo / "portfolio.yaml"), "--out",
                                      str(repo / "rendered")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return repo / "rendered" / portfolio["metadata"]["name"], portfolio


def test_comments_stay_comments(tricky_tree):
    root, portfolio = tricky_tree
    for path in root.rglob("*.yaml"):
        if "templates" not in path.parts:   # Helm templates are not YAML before Helm runs
            list(yaml.safe_load_all(path.read_text()))
    readme = (root / "README.md").read_text()
    assert TRICKY + " second line" in readme


def test_inference_service_args_reach_vllm_unchanged(tricky_tree, tmp_path):
    root, portfolio = tricky_tree
    model = portfolio["models"][0]
    isvc = yaml.safe_load((root / "components" / "prod" / "serving" /
                           f"isvc-{model['name']}.yaml").read_text())
    assert isvc["metadata"]["annotations"]["openshift.io/display-name"] == TRICKY
    stored = isvc["spec"]["predictor"]["model"]["args"][-2:]
    # KServe executes each container string as a Go template, then kubelet expands $(VAR)
    templated = go_template(stored, tmp_path)
    assert [kubelet_expand(s, {"HOME": "/root"}) for s in templated] == model["vllmArgs"]


def test_upload_job_env_reaches_the_script_unchanged(tricky_tree):
    root, portfolio = tricky_tree
    model = portfolio["models"][0]
    job = yaml.safe_load((root / "components" / "prod" / "uploads" /
                          f"job-upload-{model['name']}.yaml").read_text())
    env = {e["name"]: e.get("value") for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    seen = {name: kubelet_expand(value, {"HOME": "/root", "WORK_DIR": "/scratch"})
            for name, value in env.items() if value is not None}
    assert seen["MODEL_REVISION"] == model["revision"]
    assert seen["AWS_S3_ENDPOINT"] == portfolio["storage"]["s3"]["endpoint"]


def test_gitops_values_survive_helm_and_argo_cd(tricky_tree, tmp_path):
    root, portfolio = tricky_tree
    name = portfolio["metadata"]["name"]
    apps_chart = root / "charts" / "argocd-apps"
    values = yaml.safe_load((apps_chart / "values.yaml").read_text())
    appset = next(d for d in yaml.safe_load_all(engines.helm_template(apps_chart, values, "a", "argocd"))
                  if d and d["kind"] == "ApplicationSet")
    source = appset["spec"]["template"]["spec"]["source"]
    # Argo CD executes every string of the template with text/template (goTemplate: true)
    assert go_template([source["repoURL"], source["targetRevision"], source["path"]], tmp_path) == \
        [REPO_URL, REVISION, f"{TREE}/charts/{name}-umbrella"]

    # the umbrella as Argo CD renders it for the element: values-common plus the parameters
    umbrella = root / "charts" / f"{name}-umbrella"
    values = yaml.safe_load((umbrella / "values-common.yaml").read_text())
    element = appset["spec"]["generators"][0]["list"]["elements"][0]
    values.update(env=element["env"], cluster=element["cluster"],
                  components={k: {"enabled": element[k] == "true"} for k in element
                              if k not in ("env", "cluster")})
    apps = [d for d in yaml.safe_load_all(engines.helm_template(umbrella, values, "u", "argocd"))
            if d and d["kind"] == "Application"]
    assert apps
    for app in apps:
        src = app["spec"]["source"]
        assert (src["repoURL"], src["targetRevision"]) == (REPO_URL, REVISION)
        assert src["path"].startswith(f"{TREE}/components/prod/")


def test_the_tricky_tree_validates(tricky_tree, crd_schemas, cli):
    root, _ = tricky_tree
    repo = root.parent.parent
    result = cli("validate", "portfolio.yaml", "--out", "rendered", "--schemas", str(crd_schemas),
                 "--strict", cwd=repo)
    assert result.exit_code == 0, result.output
