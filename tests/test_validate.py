"""`gpuaas validate` catches each classic mistake with the right code and place."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


from .conftest import CRDS, DEMO, REPO


@pytest.fixture
def schemas(crd_schemas: Path) -> Path:
    return crd_schemas


@pytest.fixture
def repo(gitops_repo: Path, cli) -> Path:
    assert cli("render", cwd=gitops_repo).exit_code == 0
    return gitops_repo


def run(cli, repo: Path, schemas: Path, *extra: str):
    result = cli("validate", "--schemas", str(schemas), "--format", "json", *extra, cwd=repo)
    return result.exit_code, json.loads(result.stdout)


def codes(data) -> set[str]:
    return {f["code"] for f in data["findings"] if f["severity"] == "error"}


TREE = Path("rendered/enterprise-demo")


def test_passes_on_a_fresh_tree(repo, schemas, cli):
    code, data = run(cli, repo, schemas, "--strict")
    assert code == 0 and data["ok"] is True, data["findings"]
    assert data["stats"]["objects"] == data["stats"]["schemaChecked"] > 40


def test_portfolio_changed_without_render(repo, schemas, cli):
    p = repo / "portfolios" / "enterprise-demo.yaml"
    p.write_text(p.read_text().replace("maxModelLen: 4096", "maxModelLen: 8192"))
    code, data = run(cli, repo, schemas)
    assert code == 1
    stale = [f for f in data["findings"] if f["code"] == "STALE"]
    # the model, and its registration: a changed model is a new registry version
    assert [f["file"] for f in stale] == [str(TREE / path) for path in (
        "README.md", "components/prod/registry/configmap-registration.yaml",
        "components/prod/registry/job-register.yaml", "components/prod/serving/isvc-mistral-3-int4.yaml")]


def test_hand_edit_and_unknown_field_in_an_inference_service(repo, schemas, cli):
    isvc = repo / TREE / "components/prod/serving/isvc-mistral-3-bf16.yaml"
    isvc.write_text(isvc.read_text().replace("      runtime: ", "      runtimee: \"x\"\n      runtime: "))
    code, data = run(cli, repo, schemas)
    assert code == 1 and {"STALE", "SCHEMA"} <= codes(data)
    [schema] = [f for f in data["findings"] if f["code"] == "SCHEMA"]
    assert "spec.predictor.model.runtimee" in schema["message"]
    # the line and column of the unknown field itself, with the field it was meant to be
    lines = (repo / schema["file"]).read_text().splitlines()
    assert lines[schema["line"] - 1][schema["column"] - 1:].startswith("runtimee:")
    assert "did you mean 'runtime'" in schema["message"]
    assert schema["object"] == "InferenceService/private-ai/mistral-3-bf16"


def test_removed_applicationset_parameter_is_unwired(repo, schemas, cli):
    appset = repo / TREE / "charts/argocd-apps/templates/applicationset-umbrella.yaml"
    text = appset.read_text()
    cut = "            - name: components.serving.enabled\n              value: {{ `{{.serving}}` | quote }}\n"
    assert cut in text
    appset.write_text(text.replace(cut, ""))
    code, data = run(cli, repo, schemas)
    assert code == 1
    unwired = [f for f in data["findings"] if f["code"] == "UNWIRED"]
    assert any("components.serving.enabled" in f["message"] for f in unwired)


def test_model_without_gpus(repo, schemas, cli):
    p = repo / "portfolios" / "enterprise-demo.yaml"
    p.write_text(p.read_text().replace("    gpus: 1\n    pool: nvidia-l4-1gpu\n    state: active",
                                       "    gpus: 0\n    pool: nvidia-l4-1gpu\n    state: active"))
    code, data = run(cli, repo, schemas)
    assert code == 1
    [f] = [f for f in data["findings"] if f["code"] == "NO_GPU"]
    line = p.read_text().splitlines().index("    gpus: 0") + 1
    assert f["file"].endswith("enterprise-demo.yaml") and f["line"] == line


def test_token_pasted_into_the_portfolio(repo, schemas, cli):
    p = repo / "portfolios" / "enterprise-demo.yaml"
    p.write_text(p.read_text().replace("hfTokenSecret: hf-token", "hfTokenSecret: hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"))
    code, data = run(cli, repo, schemas)
    assert code == 1
    [f] = [f for f in data["findings"] if f["code"] == "SECRET_VALUE"]
    line = next(i for i, l in enumerate(p.read_text().splitlines(), 1) if "hf_aBc" in l)
    assert f["line"] == line and "Hugging Face token" in f["message"]
    assert cli("render", cwd=repo).exit_code == 2, "render must refuse a secret"


def test_secret_value_in_the_tree(repo, schemas, cli):
    job = repo / TREE / "components/prod/uploads/job-upload-mistral-3-bf16.yaml"
    job.write_text(job.read_text() + "# AKIAABCDEFGHIJKLMNOP\n")
    code, data = run(cli, repo, schemas)
    assert code == 1 and "SECRET_VALUE" in codes(data)


def test_github_format_and_auto_selection(repo, schemas, cli, monkeypatch):
    isvc = repo / TREE / "components/prod/serving/isvc-mistral-3-bf16.yaml"
    isvc.write_text(isvc.read_text().replace("      runtime: ", "      runtimee: \"x\"\n      runtime: "))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = cli("validate", "--schemas", str(schemas), cwd=repo)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    line = isvc.read_text().splitlines().index('      runtimee: "x"') + 1
    assert any(l.startswith("::error file=rendered/enterprise-demo/components/prod/serving/"
                            f"isvc-mistral-3-bf16.yaml,line={line},col=7,title=SCHEMA::") for l in lines)


def test_objects_without_schema_warn_and_fail_strict():
    from gpuaas.validate import objects, policy
    from gpuaas.validate.schema_check import SchemaValidator
    widget = objects.Obj({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
                      "w.yaml", 3)
    stats = {"schemaChecked": 0}
    [lenient] = policy.schema_findings(widget, SchemaValidator("1.33"), False, stats)
    [strict] = policy.schema_findings(widget, SchemaValidator("1.33"), True, stats)
    assert (lenient.code, lenient.severity, lenient.line) == ("NO_SCHEMA", "warning", 3)
    assert (strict.code, strict.severity) == ("NO_SCHEMA", "error")
    assert stats["schemaChecked"] == 0


def test_bad_portfolio_is_exit_2(repo, schemas, cli):
    p = repo / "portfolios" / "enterprise-demo.yaml"
    p.write_text(p.read_text().replace("kind: Portfolio", "kind: Portfolio\nbogus: 1"))
    code, data = run(cli, repo, schemas)
    assert code == 2 and data["ok"] is False


def test_schemas_import_cli(tmp_path, cli):
    out = tmp_path / "s"
    result = cli("schemas", "import", str(CRDS / "serving.kserve.io"), "--out", str(out))
    assert result.exit_code == 0
    assert (out / "serving.kserve.io/inferenceservice_v1beta1.json").is_file()
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: ConfigMap\napiVersion: v1\n")
    assert cli("schemas", "import", str(bad), "--out", str(out)).exit_code == 2


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("git"), reason="git is not installed")
def test_pre_commit_try_repo(tmp_path: Path):
    """The real pre-commit runs the hooks of this repository on a GitOps repo."""
    bin_dir = Path(sys.executable).parent
    pre_commit = bin_dir / "pre-commit"
    hooks_repo = tmp_path / "hooks"
    # try-repo needs a git repository holding .pre-commit-hooks.yaml and the package
    shutil.copytree(REPO, hooks_repo, ignore=shutil.ignore_patterns(
        ".venv", ".git", "rendered", "tests", "__pycache__", ".gpuaas", "*.egg-info", ".pytest_cache"))
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "PATH": f"{bin_dir}:{os.environ['PATH']}"}

    def git(*args, cwd):
        subprocess.run(["git", *args], cwd=cwd, check=True, env=env, capture_output=True)
    git("init", "-q", cwd=hooks_repo)
    git("add", "-A", cwd=hooks_repo)
    git("commit", "-qm", "hooks", cwd=hooks_repo)
    gitops = tmp_path / "gitops"
    (gitops / "portfolios").mkdir(parents=True)
    shutil.copy(DEMO, gitops / "portfolios")
    subprocess.run([str(bin_dir / "gpuaas"), "render"], cwd=gitops, check=True, env=env, capture_output=True)
    git("init", "-q", cwd=gitops)
    git("add", "-A", cwd=gitops)

    def try_repo():
        return subprocess.run([str(pre_commit), "try-repo", str(hooks_repo), "gpuaas-render-check",
                               "--all-files"], cwd=gitops, env=env, capture_output=True, text=True,
                              timeout=600)
    ok = try_repo()
    assert ok.returncode == 0, ok.stdout + ok.stderr
    p = gitops / "portfolios" / DEMO.name
    p.write_text(p.read_text().replace("maxModelLen: 4096", "maxModelLen: 8192"))
    git("add", "-A", cwd=gitops)
    stale = try_repo()
    assert stale.returncode == 1, stale.stdout
    assert "isvc-mistral-3-int4.yaml" in stale.stdout and "is stale" in stale.stdout


def test_absurdly_nested_hand_edit_is_a_finding_not_a_crash(repo, schemas, cli):
    cm = repo / TREE / "components/prod/loadtest/configmap-script.yaml"
    cm.write_text(cm.read_text() + "---\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    code, data = run(cli, repo, schemas)
    assert code == 1
    # located at the document's line, whichever YAML reader refuses the depth first
    assert any(f["code"] == "YAML" and f["line"] >= 2 and f["file"].endswith("configmap-script.yaml")
               for f in data["findings"])


def test_fast_manifest_reader_matches_safe_load():
    import re
    import yaml
    from gpuaas import manifests
    texts = [p.read_text() for p in sorted((REPO / "rendered").glob("*/components/*/*/*.yaml"))]
    texts.append("a: 0x10\nb: 1_000\nc: 2024-01-01\nd: .5\ne: ~\nf: yes\n<<: {g: 1}\nh: !!binary aGk=\n")
    for text in texts:
        for chunk in re.split(r"(?m)^---[ \t]*$", text):
            assert manifests.load(chunk) == yaml.safe_load(chunk)


BOMB = "\n".join(["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"] +
                 [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)])
HOSTILE_FILES = {
    # libyaml's composer recurses in C: 200k levels used to crash the process (SIGSEGV)
    "components/prod/kueue/clusterqueue.yaml": ("- " * 200_000 + "x", None),
    "charts/argocd-apps/values.yaml": ("[ " * 200_000, None),
    "components/prod/kueue/localqueue.yaml": (BOMB, "aliases expand this document"),
    "components/prod/kueue/resourceflavor-nvidia-l4-1gpu.yaml": ("a: &a [*a]",
                                                                 "refers to a node that contains it"),
}


def test_hostile_hand_edits_are_findings_not_crashes(repo, schemas):
    """A pre-commit hook sees whatever was committed: deep nesting, a YAML bomb and a
    recursive alias in tree files end as located YAML findings, quickly."""
    for relative, (text, _) in HOSTILE_FILES.items():
        (repo / TREE / relative).write_text(text)
    gpuaas = str(Path(sys.executable).parent / "gpuaas")
    proc = subprocess.run([gpuaas, "validate", "--schemas", str(schemas), "--format", "json"],
                          cwd=repo, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr[-2000:]
    yaml_findings = {f["file"]: f for f in json.loads(proc.stdout)["findings"] if f["code"] == "YAML"}
    for relative, (_, message) in HOSTILE_FILES.items():
        finding = yaml_findings[str(TREE / relative)]
        assert finding["line"]
        # nesting depth may be refused by the YAML library before gpuaas's own bound
        assert message is None or message in finding["message"]


def test_schemas_import_refuses_a_crd_bomb(tmp_path, cli):
    crd = tmp_path / "crd.yaml"
    crd.write_text("kind: CustomResourceDefinition\nspec: " + "[" * 100_000)
    result = cli("schemas", "import", str(crd), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert f"{crd}:2:" in result.output  # located, whichever reader refuses the depth
    assert not (tmp_path / "out").exists()
