"""The README's pull-request workflow, run as GitHub Actions would run its shell steps (a
stand-in `gh` records the API calls), and its Markdown example, against the real output."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gpuaas.portfolio.edit import set_state

from .conftest import DEMO, REPO

pytestmark = pytest.mark.skipif(not (shutil.which("git") and shutil.which("bash")),
                                reason="git and bash are needed")

README = (REPO / "docs" / "tutorial.md").read_text()
SECTION = README[README.index("## The plan in review"):]

FAKE_GH = """#!/bin/sh
# records each call; a GET with --jq answers with the ids in $GH_IDS
echo "$*" >> "$GH_LOG"
case "$*" in
  *--jq*) cat "$GH_IDS" ;;
  *body=@plan.md*) cp plan.md "$GH_LOG.body" ;;
esac
"""


def workflow() -> dict:
    block = SECTION[SECTION.index("```yaml\n") + len("```yaml\n"):]
    return yaml.safe_load(block[:block.index("\n```")])


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=repo, check=True, capture_output=True)


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    """A checkout of a pull request that activates devstral-2, its base at origin/main."""
    repo = tmp_path / "repo"
    (repo / "portfolios").mkdir(parents=True)
    shutil.copy(DEMO, repo / "portfolios" / DEMO.name)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    set_state(repo / "portfolios" / DEMO.name, ["devstral-2"], "active")
    # and sends half the load test to embeddings, which no model serves: a warning to show
    demo = repo / "portfolios" / DEMO.name
    demo.write_text(demo.read_text().replace("  chatShare: 1.0 ", "  chatShare: 0.5 ", 1))
    git(repo, "commit", "-qam", "activate devstral-2")
    return repo


def run_job(repo: Path, ids: str) -> tuple[list[str], str, int]:
    """The job's run steps in order, as the runner would: returns (gh calls, posted body,
    the last step's exit code)."""
    bin_dir = repo.parent / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    if not (bin_dir / "gpuaas").exists():
        (bin_dir / "gpuaas").symlink_to(Path(sys.executable).parent / "gpuaas")
    log, output = repo.parent / "gh.log", repo.parent / "output"
    log.unlink(missing_ok=True)
    output.write_text("")
    (repo.parent / "ids").write_text(ids)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "GH_LOG": str(log),
           "GH_IDS": str(repo.parent / "ids"), "GITHUB_OUTPUT": str(output),
           "GITHUB_REPOSITORY": "org/gitops", "BASE": "main", "PR": "7", "GH_TOKEN": "x"}
    [job] = workflow()["jobs"].values()
    steps = [s for s in job["steps"] if "run" in s and not s["run"].startswith("pip install")]
    status = 0
    for step in steps:
        outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
        script = re.sub(r"\$\{\{ steps\.plan\.outputs\.(\w+) \}\}", lambda m, outputs=outputs: outputs[m.group(1)],
                        step["run"])
        assert "${{" not in script, script      # expressions only in env: and the exit step
        # the shell GitHub runs a `run:` step with
        status = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                                cwd=repo, env=env).returncode
    body = Path(f"{log}.body").read_text()
    return log.read_text().splitlines(), body, status


def test_the_workflow_is_one_job_with_the_permissions_it_needs():
    flow = workflow()
    # YAML 1.1 (PyYAML) reads the key `on` as true; GitHub reads it as "on"
    assert list(flow["jobs"]) == ["plan"] and "pull_request" in flow[True]
    assert flow["permissions"] == {"contents": "read", "pull-requests": "write"}
    steps = flow["jobs"]["plan"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert 'gpuaas plan --diff "origin/$BASE" --format markdown --fail-on-pending' in steps[3]["run"]


def test_first_push_posts_later_pushes_update(pull_request: Path):
    calls, body, status = run_job(pull_request, ids="")
    assert calls[0].startswith("api --paginate repos/org/gitops/issues/7/comments --jq")
    assert calls[1] == "api --method POST repos/org/gitops/issues/7/comments -F body=@plan.md"
    assert body.startswith("<!-- gpuaas plan --diff -->\n## gpuaas plan against `origin/main`")
    assert "| **devstral-2** | standby → active |" in body
    assert "<summary>Findings</summary>" in body and "[TASK]" in body   # the demo's warning
    assert status == 1          # devstral-2 becomes Pending
    calls, _, _ = run_job(pull_request, ids="12345\n")
    assert calls[1] == "api --method PATCH repos/org/gitops/issues/comments/12345 -F body=@plan.md"


def test_the_handover_passes_the_check(pull_request: Path):
    set_state(pull_request / "portfolios" / DEMO.name, ["mistral-3-bf16"], "standby")
    git(pull_request, "commit", "-qam", "hand the node over")
    _, body, status = run_job(pull_request, ids="")
    assert status == 0 and "2 model(s) change, $0/month" in body


def test_a_broken_portfolio_still_comments_and_fails_with_2(pull_request: Path):
    (pull_request / "portfolios" / DEMO.name).write_text("kind: [\n")
    _, body, status = run_job(pull_request, ids="")
    assert status == 2
    assert body.startswith("<!-- gpuaas plan --diff -->\n") and "[YAML]" in body


def test_readme_example_is_the_real_output(pull_request: Path, cli):
    example = SECTION[SECTION.index("````markdown\n") + len("````markdown\n"):]
    example = example[:example.index("````")]
    git(pull_request, "reset", "-q", "--soft", "HEAD~1")     # the change, uncommitted
    result = cli("plan", "--diff", "origin/main", "--format", "markdown", cwd=pull_request)
    assert result.stdout == example
