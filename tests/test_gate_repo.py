"""The gate judges the tree as Argo CD will read it: from Git, at gitops.path."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO

pytestmark = pytest.mark.skipif(not shutil.which("git"), reason="git is not installed")

TREE = Path("rendered/enterprise-demo")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo,
                   check=True, capture_output=True)


@pytest.fixture
def committed(tmp_path: Path, cli) -> Path:
    git(tmp_path, "init", "-q")
    assert cli("init", "--example", "enterprise-demo", cwd=tmp_path).exit_code == 0
    assert cli("render", cwd=tmp_path).exit_code == 0
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "tree")
    return tmp_path


def validate(cli, repo: Path) -> tuple[int, list[dict]]:
    result = cli("validate", "--format", "json", cwd=repo)
    return result.exit_code, json.loads(result.stdout)["findings"]


def test_committed_tree_passes(committed, cli):
    code, findings = validate(cli, committed)
    assert code == 0, findings


def test_a_renamed_portfolio_is_refused_before_anything_is_written(committed, cli):
    portfolio = committed / "portfolios/enterprise-demo.yaml"
    text = portfolio.read_text()
    portfolio.write_text(text.replace("\n  name: enterprise-demo ", "\n  name: renamed "))
    result = cli("render", cwd=committed)
    assert result.exit_code == 2
    assert not (committed / "rendered/renamed").exists()
    assert "GITOPS_PATH" in result.output and "rendered/renamed" in result.output
    code, findings = validate(cli, committed)
    assert code == 1
    [finding] = [f for f in findings if f["code"] == "GITOPS_PATH"]
    path_line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith("  path: "))
    assert finding["file"].endswith("enterprise-demo.yaml") and finding["line"] == path_line


def test_a_tree_no_portfolio_renders_is_left_over(committed, cli):
    portfolio = committed / "portfolios/enterprise-demo.yaml"
    text = portfolio.read_text().replace("\n  name: enterprise-demo ", "\n  name: renamed ")
    portfolio.write_text(text.replace("path: rendered/enterprise-demo", "path: rendered/renamed"))
    assert cli("render", cwd=committed).exit_code == 0
    git(committed, "add", "-A")
    code, findings = validate(cli, committed)
    assert code == 1
    assert [(f["code"], f["file"]) for f in findings if f["severity"] == "error"] == [
        ("ORPHAN_TREE", str(TREE))]
    # naming one portfolio judges only that one
    assert cli("validate", "portfolios/enterprise-demo.yaml", cwd=committed).exit_code == 0


def test_files_a_commit_would_leave_out_are_named(committed, cli):
    isvc = TREE / "components/prod/serving/isvc-mistral-3-bf16.yaml"
    git(committed, "rm", "-q", "--cached", str(isvc))          # rendered, never added
    stale = committed / TREE / "components/prod/serving/old.yaml"
    stale.write_text((committed / isvc).read_text())             # tracked, then deleted
    git(committed, "add", str(stale.relative_to(committed)))
    stale.unlink()
    code, findings = validate(cli, committed)
    assert code == 1
    flagged = {f["file"]: f["message"] for f in findings if f["code"] == "NOT_IN_GIT"}
    assert set(flagged) == {str(isvc), str(stale.relative_to(committed))}
    assert "leave it out" in flagged[str(isvc)]
    git(committed, "add", "-A")
    assert validate(cli, committed)[0] == 0


def test_changing_an_active_models_priority_warns_with_the_safe_sequence(committed, cli):
    portfolio = committed / "portfolios/enterprise-demo.yaml"
    text = portfolio.read_text()
    block = text[text.index("  - name: mistral-3-bf16"):]
    block = block[:block.index("\n  - name: ", 5)]
    [line] = [l for l in block.splitlines() if l.strip().startswith("priority:")]
    new = line.replace(line.split("priority:")[1].split()[0], "batch")
    assert new != line
    portfolio.write_text(text.replace(block, block.replace(line, new)))
    assert cli("render", cwd=committed).exit_code == 0
    code, findings = validate(cli, committed)
    [warning] = [f for f in findings if f["code"] == "KUEUE_IMMUTABLE"]
    assert code == 0 and warning["severity"] == "warning"
    assert warning["file"].endswith("isvc-mistral-3-bf16.yaml") and warning["line"]
    assert "deactivate it and commit" in warning["message"]
    # a model that is not running can change freely
    git(committed, "checkout", "-q", "--", ".")
    assert cli("deactivate", "mistral-3-bf16", "-p", "portfolios/enterprise-demo.yaml", cwd=committed).exit_code == 0
    assert cli("render", cwd=committed).exit_code == 0
    git(committed, "commit", "-qam", "standby")
    text = portfolio.read_text()
    portfolio.write_text(text.replace(line, new))
    assert cli("render", cwd=committed).exit_code == 0
    assert not [f for f in validate(cli, committed)[1] if f["code"] == "KUEUE_IMMUTABLE"]


def test_git_missing_inside_a_work_tree_is_an_error_not_a_skip(tmp_path, monkeypatch):
    """NOT_IN_GIT cannot be checked without git: the gate says so instead of passing."""
    from gpuaas.validate import repochecks
    (tmp_path / ".git").mkdir()
    root = tmp_path / "rendered" / "x"
    root.mkdir(parents=True)
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "git" else "/usr/bin/" + name)
    [finding] = repochecks.git_findings(type("B", (), {"files": {}})(), root)
    assert finding.code == "GIT" and finding.severity == "error" and "git is not installed" in finding.message


def test_what_a_killed_render_or_activate_leaves_is_refused(tmp_path, cli):
    repo = tmp_path / "r"
    shutil.copytree(REPO / "portfolios", repo / "portfolios")
    assert cli("render", cwd=repo).exit_code == 0
    (repo / "rendered" / ".gpuaas-tmp-abc123").mkdir()
    (repo / "portfolios" / ".signet.yaml.x1y2z3").write_text("half")
    result = cli("validate", "--format", "json", cwd=repo)
    data = json.loads(result.stdout)
    leftovers = sorted(Path(f["file"]).name for f in data["findings"] if f["code"] == "LEFTOVER")
    assert result.exit_code == 1 and leftovers == [".gpuaas-tmp-abc123", ".signet.yaml.x1y2z3"]


def test_two_portfolios_rendering_one_application_name_are_refused(tmp_path, cli):
    """`team-a` with environment `prod` and `team` with `a-prod` both render team-a-prod."""
    repo = tmp_path / "r"
    (repo / "portfolios").mkdir(parents=True)
    text = (REPO / "portfolios" / "signet.yaml").read_text()
    (repo / "portfolios" / "team-a.yaml").write_text(text.replace("name: signet\n", "name: team-a\n", 1))
    other = text.replace("name: signet\n", "name: team\n", 1).replace("  - name: prod\n", "  - name: a-prod\n", 1)
    (repo / "portfolios" / "team.yaml").write_text(other)
    assert other != text
    result = cli("render", cwd=repo)
    assert result.exit_code == 2 and not (repo / "rendered").exists()
    [clash] = [line for line in result.output.splitlines() if "[DUPLICATE_NAME]" in line]
    assert clash.startswith("portfolios/team.yaml:8:3:")
    assert "team-a-prod (environment a-prod)" in clash and "also rendered by portfolios/team-a.yaml" in clash


def test_one_cause_in_many_files_is_one_line_and_json_keeps_each(tmp_path, cli):
    git(tmp_path, "init", "-q")
    assert cli("init", cwd=tmp_path).exit_code == 0
    assert cli("render", cwd=tmp_path).exit_code == 0
    text = cli("validate", cwd=tmp_path).output
    lines = [line for line in text.splitlines() if "[NOT_IN_GIT]" in line]
    files = [f for f in json.loads(cli("validate", "--format", "json", cwd=tmp_path).stdout)["findings"]
             if f["code"] == "NOT_IN_GIT"]
    assert len(files) > 20 and len(lines) == 1, text
    assert lines[0].startswith("rendered/starter: error") and f"{len(files)} files" in lines[0]
    assert "git add rendered/starter" in lines[0]


def test_validate_staged_checks_what_the_commit_records(gitops_repo):
    """A plain .git/hooks/pre-commit runs with the working tree as it is: `--staged` checks
    Git's index instead. A broken file staged, then fixed on disk only, is still refused."""
    import subprocess
    import sys
    gpuaas = str(Path(sys.executable).parent / "gpuaas")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    run = lambda *args: subprocess.run(list(args), cwd=gitops_repo, capture_output=True, text=True)  # noqa: E731
    run(*git, "init", "-q")
    assert run(gpuaas, "render").returncode == 0
    run(*git, "add", "-A")
    run(*git, "commit", "-qm", "tree")
    readme = next((gitops_repo / "rendered").glob("*/README.md"))
    good = readme.read_text()
    readme.write_text(good + "hand edit\n")
    run(*git, "add", "-A")                       # staged: the edited tree
    readme.write_text(good)                      # on disk: fixed, but not staged
    plain = run(gpuaas, "validate")
    assert plain.returncode == 0, plain.stdout + plain.stderr
    staged = run(gpuaas, "validate", "--staged")
    assert staged.returncode == 1 and "STALE" in staged.stdout + staged.stderr
    assert "checking what is staged" in staged.stderr
    assert not list(Path(gitops_repo).glob("gpuaas-staged-*"))          # nothing left in the repository
    run(*git, "add", "-A")
    assert run(gpuaas, "validate", "--staged").returncode == 0


def test_validate_staged_outside_git_says_so(tmp_path):
    import subprocess
    import sys
    (tmp_path / "portfolios").mkdir()
    gpuaas = str(Path(sys.executable).parent / "gpuaas")
    run = subprocess.run([gpuaas, "validate", "--staged"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 2 and "--staged: not inside a Git work tree" in run.stderr


def _list_resource(repo: Path, name: str) -> Path:
    """Add `name` to the first component kustomization of the tree (a hand edit)."""
    kustomization = sorted((repo / TREE / "components").glob("*/*/kustomization.yaml"))[0]
    text = kustomization.read_text()
    kustomization.write_text(text.replace("resources:\n", f"resources:\n  - {name}\n", 1))
    return kustomization.parent


def test_a_secret_wrapped_in_a_list_is_found(committed, cli):
    """kubectl kustomize deploys a List's items: a Secret inside one carries data all the same."""
    folder = _list_resource(committed, "extra.yaml")
    (folder / "extra.yaml").write_text(
        "apiVersion: v1\nkind: SecretList\nitems:\n- apiVersion: v1\n  kind: Secret\n"
        "  metadata: {name: s, namespace: x}\n  data: {password: c2VjcmV0dmFsdWU=}\n")
    # the real kustomize agrees that the Secret is deployed
    built = subprocess.run(["kubectl", "kustomize", str(folder)], capture_output=True, text=True, check=True)
    assert "kind: Secret\n" in built.stdout and "c2VjcmV0dmFsdWU=" in built.stdout
    git(committed, "add", "-A")
    code, findings = validate(cli, committed)
    [secret] = [f for f in findings if f["code"] == "SECRET_VALUE"]
    assert code == 1 and secret["file"].endswith("extra.yaml") and "Secret/x/s" in secret["message"]


def test_a_symlink_in_the_tree_is_refused_and_its_target_scanned(committed, cli, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("token: github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGH\n")
    templates = committed / TREE / "charts"
    link = sorted(templates.glob("*/templates"))[0] / "linked.yaml"
    link.symlink_to(outside)
    (committed / TREE / "charts" / "folder-link").symlink_to(tmp_path)
    git(committed, "add", "-A")
    code, findings = validate(cli, committed)
    codes = sorted((Path(f["file"]).name, f["code"]) for f in findings if f["code"] in ("SYMLINK", "SECRET_VALUE"))
    assert code == 1 and codes == [("folder-link", "SYMLINK"), ("linked.yaml", "SECRET_VALUE"),
                                   ("linked.yaml", "SYMLINK")]


@pytest.mark.parametrize("name", ["a" * 300 + ".yaml", "latin1.yaml"])
def test_a_resource_no_file_can_be_or_not_utf8_is_a_finding_not_a_crash(committed, cli, name):
    folder = _list_resource(committed, name)
    if name == "latin1.yaml":
        (folder / name).write_bytes(b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: caf\xe9\n")
    git(committed, "add", "-A")
    code, findings = validate(cli, committed)
    if name == "latin1.yaml":      # the real kustomize refuses it too
        assert subprocess.run(["kubectl", "kustomize", str(folder)], capture_output=True).returncode != 0
        [found] = [f for f in findings if f["code"] == "YAML"]
        assert found["file"].endswith(name) and "not UTF-8" in found["message"]
    else:
        [found] = [f for f in findings if f["code"] == "KUSTOMIZE"]
        assert found["file"].endswith("kustomization.yaml") and "missing resources" in found["message"]
    assert code == 1


def test_a_plain_git_hook_checks_what_the_commit_records(gitops_repo):
    """`gpuaas validate` in .git/hooks/pre-commit: Git sets GIT_INDEX_FILE, so the gate checks
    the index (index.lock under `commit -a`), not the working tree. A broken file staged and
    fixed on disk only is refused; under `commit -a` the fix is what is checked."""
    import os
    import subprocess
    import sys
    gpuaas = str(Path(sys.executable).parent / "gpuaas")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    run = lambda *args: subprocess.run(list(args), cwd=gitops_repo, capture_output=True, text=True, env=env)  # noqa: E731
    run(*git, "init", "-q")
    assert run(gpuaas, "render").returncode == 0
    run(*git, "add", "-A")
    run(*git, "commit", "-qm", "tree")
    hook = gitops_repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec {gpuaas} validate\n")
    hook.chmod(0o755)
    readme = next((gitops_repo / "rendered").glob("*/README.md"))
    good = readme.read_text()
    readme.write_text(good + "hand edit\n")
    run(*git, "add", "-A")
    readme.write_text(good)
    refused = run(*git, "commit", "-qm", "edit")
    assert refused.returncode != 0 and "STALE" in refused.stdout + refused.stderr
    assert "checking what is staged" in refused.stderr
    # -a: the fix is what would be recorded (index.lock), and the hook passes it; the commit
    # then has nothing left to record
    fixed = run(*git, "commit", "-qam", "fixed")
    assert "ok: 0 error(s)" in fixed.stdout + fixed.stderr and "nothing to commit" in fixed.stdout
