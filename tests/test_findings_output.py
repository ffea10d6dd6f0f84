"""Every finding of every command: located, in one text format, verbatim, and in the formats
CI reads; argument mistakes are the user's (exit 2), and hand-edited kustomizations too."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gpuaas.findings import Finding
from gpuaas.validate import engines
from gpuaas.validate import objects as objects_module

from .conftest import HEAD, write

TREE = Path("rendered/enterprise-demo")
HOSTILE = "[x][/bold]:100::smile:"


@pytest.fixture
def repo(gitops_repo: Path, cli) -> Path:
    assert cli("render", cwd=gitops_repo).exit_code == 0
    return gitops_repo


def test_user_text_is_printed_verbatim(tmp_path: Path, cli):
    """rich would read [..] as markup and :100: as an emoji code; neither may touch user text."""
    body = HEAD + "#\n" * 94 + f'pools: [{{name: l4, gpu: L4, instanceType: g6.4xlarge, "{HOSTILE}": 1}}]\n'
    path = write(tmp_path / f"p{HOSTILE.replace('/', '')}.yaml", body)
    for command in (["render", str(path), "--out", str(tmp_path / "out")], ["plan", str(path)],
                    ["validate", str(path), "--out", str(tmp_path / "out")]):
        result = cli(*command, cwd=tmp_path)
        assert result.exit_code == 2, command
        [line] = [l for l in result.output.splitlines() if "error" in l]
        assert line.startswith(f"{path}:100:")  # file:line:col: severity message [CODE]
        assert f"pools[0].{HOSTILE}" in line or HOSTILE in line
        assert line.endswith("[SCHEMA]") or line.rstrip().endswith("]"), line
    result = cli("init", "--example", HOSTILE, cwd=tmp_path)
    assert result.exit_code == 2 and HOSTILE in result.output


def test_every_reporter_keeps_the_column():
    from gpuaas import reporters
    f = Finding("a.yaml", 3, "STALE", "m", column=7)
    assert reporters.as_json([f], {}, False)["findings"][0]["column"] == 7
    assert reporters.as_github([f]) == "::error file=a.yaml,line=3,col=7,title=STALE::m\n"
    assert reporters.line(f).plain == "a.yaml:3:7: error m [STALE]"


def test_a_portfolio_that_does_not_load_is_annotated_for_github(repo, cli, monkeypatch):
    p = repo / "portfolios/enterprise-demo.yaml"
    p.write_text(p.read_text().replace("kind: Portfolio", "kind: Portfolio\nbogus: 1"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = cli("validate", cwd=repo)
    assert result.exit_code == 2
    assert "::error file=portfolios/enterprise-demo.yaml,line=4,col=1,title=" in result.stdout
    monkeypatch.delenv("GITHUB_ACTIONS")
    result = cli("validate", "--format", "json", cwd=repo)
    data = json.loads(result.stdout)
    assert result.exit_code == 2 and data["ok"] is False and data["stats"]["portfolios"] == 0
    assert (data["findings"][0]["line"], data["findings"][0]["column"]) == (4, 1)


@pytest.mark.parametrize("out", ["/dev/null/x", "/proc/version/x"])
def test_an_out_that_cannot_hold_a_tree_is_a_user_error(repo, cli, out):
    result = cli("render", "--out", out, cwd=repo)
    assert result.exit_code == 2
    assert f"{out}: error --out" in result.output and "[OUTPUT]" in result.output


def test_objects_in_multi_document_files_are_at_their_own_line(tmp_path: Path):
    text = "# head\napiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n---\n\n# c\napiVersion: v1\nkind: C\n"
    objects = objects_module.parse_objects(write(tmp_path / "m.yaml", text), [])
    lines = text.splitlines()
    assert [lines[o.line - 1] for o in objects] == ["apiVersion: v1"] * 3
    assert [o.line for o in objects] == [2, 5, 10]


def test_helm_findings_name_the_template_and_its_line(repo, cli):
    template = repo / TREE / "charts/enterprise-demo-umbrella/templates/app-serving.yaml"
    template.write_text(template.read_text().replace("\n  project: ", "\n  projectt: x\n  project: "))
    result = cli("validate", "--format", "json", cwd=repo)
    [schema] = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "SCHEMA"]
    assert schema["file"] == str(TREE / "charts/enterprise-demo-umbrella/templates/app-serving.yaml")
    assert template.read_text().splitlines()[schema["line"] - 1].startswith("  projectt:")
    assert "did you mean 'project'" in schema["message"]


@pytest.mark.parametrize("engine", ["python", "kubectl"])
def test_a_file_of_the_users_beside_a_component_is_kept_and_not_deployed(repo, cli, engine):
    if engine == "kubectl" and not shutil.which("kubectl"):
        pytest.skip("kubectl is not installed")
    notes = repo / TREE / "components/prod/serving/notes.yaml"
    notes.write_text("not: a manifest\n")
    result = cli("validate", "--kustomize", engine, "--format", "json", cwd=repo)
    assert result.exit_code == 0, json.loads(result.stdout)["findings"]
    assert cli("render", cwd=repo).exit_code == 0 and notes.exists()


@pytest.mark.parametrize("text", ["- a.yaml\n", "resources: [1]\n", "resources: a.yaml\n"])
def test_a_broken_kustomization_is_a_located_finding(repo, cli, text):
    kustomization = repo / TREE / "components/prod/kueue/kustomization.yaml"
    kustomization.write_text(text)
    result = engines.kustomize_builds([kustomization.parent], "python")[kustomization.parent]
    assert isinstance(result, engines.EngineError)
    out = cli("validate", "--kustomize", "python", "--format", "json", cwd=repo)
    assert out.exit_code == 1
    [finding] = [f for f in json.loads(out.stdout)["findings"] if f["code"] == "KUSTOMIZE"]
    assert finding["file"] == str(TREE / "components/prod/kueue/kustomization.yaml") and finding["line"]
