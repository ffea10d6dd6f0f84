"""`gpuaas plan --diff REV`: the demo's handover as a reviewer sees it in the pull request,
against the portfolio committed in a temporary Git repository."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gpuaas.portfolio.edit import set_state

from .conftest import DEMO, REPO, mermaid_blocks, mermaid_parse, needs_mermaid

pytestmark = pytest.mark.skipif(not shutil.which("git"), reason="git is not installed")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The demo committed as portfolios/enterprise-demo.yaml."""
    (tmp_path / "portfolios").mkdir()
    shutil.copy(DEMO, tmp_path / "portfolios" / DEMO.name)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "demo")
    return tmp_path


@pytest.fixture
def activated(repo: Path) -> Path:
    """The handover's first step, uncommitted: devstral-2 on, mistral-3-bf16 still on."""
    set_state(repo / "portfolios" / DEMO.name, ["devstral-2"], "active")
    return repo


@pytest.fixture
def handed_over(activated: Path) -> Path:
    set_state(activated / "portfolios" / DEMO.name, ["mistral-3-bf16"], "standby")
    return activated


def diff_json(cli, repo: Path, *extra: str) -> dict:
    result = cli("plan", "--diff", "HEAD", "--format", "json", *extra, cwd=repo)
    return json.loads(result.stdout)


def test_activation_shows_devstral_pending_behind_mistral(activated: Path, cli):
    data = diff_json(cli, activated)
    assert data["status"] == "changed" and data["revision"] == "HEAD"
    assert data["becamePending"] == ["prod/devstral-2"]
    env = data["environments"][0]
    changed = [m for m in env["models"] if m["changed"]]
    assert [m["name"] for m in changed] == ["devstral-2"]
    devstral = changed[0]
    assert devstral["changed"] == ["state", "admission", "replicas"]
    assert devstral["before"]["admission"] == "Standby" and devstral["after"]["admission"] == "Pending"
    assert "quota: needs 4 GPUs (nvidia-l4-4gpu 0/4 free)" in devstral["after"]["reason"]
    # the queued pod costs nothing yet, and waits for 4 GPUs of the 4-GPU pool
    assert env["monthlyUSD"] == {"before": 4325.1, "after": 4325.1, "delta": 0.0}
    assert env["quota"]["nvidia-l4-4gpu"] == {"before": {"gpus": 4, "used": 4, "pending": 0},
                                              "after": {"gpus": 4, "used": 4, "pending": 4}}
    # unchanged models follow the changed ones
    assert [m["name"] for m in env["models"][1:]] == [
        "mistral-3-bf16", "mistral-3-int4", "gpt-oss-20b", "granite-8b-agent"]


def test_handover_moves_the_node_and_the_bill(handed_over: Path, cli):
    data = diff_json(cli, handed_over)
    env = data["environments"][0]
    assert data["becamePending"] == []
    changed = {m["name"]: m for m in env["models"] if m["changed"]}
    assert list(changed) == ["mistral-3-bf16", "devstral-2"]
    assert changed["devstral-2"]["after"] == {
        "state": "active", "gpus": 4, "admission": "Admitted", "reason": "on flavor nvidia-l4-4gpu",
        "fit": "yes", "pool": "nvidia-l4-4gpu", "replicas": 1, "monthlyUSD": 3359.17}
    assert changed["mistral-3-bf16"]["before"]["monthlyUSD"] == 3359.17
    assert changed["mistral-3-bf16"]["after"]["admission"] == "Standby"
    assert changed["mistral-3-bf16"]["changed"] == ["state", "admission", "replicas", "monthlyUSD"]
    assert env["monthlyUSD"]["delta"] == 0.0
    assert all(q["before"] == q["after"] for q in env["quota"].values())


def test_text_diff(activated: Path, cli):
    result = cli("plan", "--diff", "HEAD", cwd=activated)
    assert result.exit_code == 0
    out = result.stdout
    assert "enterprise-demo (portfolios/enterprise-demo.yaml): changed, against HEAD" in out
    row = next(line for line in out.splitlines() if "devstral-2" in line and "│" in line)
    assert "standby → active" in row and "Standby → Pending" in row and "0 → 1" in row
    assert "mistral-3-int4" not in out          # unchanged rows stay out of the text table
    assert "  nvidia-l4-4gpu: 4/4 → 4/4 (+4 pending) GPUs used" in out
    assert "  nvidia-l4-1gpu: 1/1 GPUs used (unchanged)" in out
    assert "  monthly: $4,325 → $4,325 ($0)" in out
    assert "  becomes Pending: devstral-2: quota: needs 4 GPUs (nvidia-l4-4gpu 0/4 free)" in out


def test_text_diff_after_the_handover(handed_over: Path, cli):
    out = cli("plan", "--diff", "HEAD", cwd=handed_over).stdout
    rows = [line for line in out.splitlines() if "│" in line]
    assert len(rows) == 2 and "mistral-3-bf16" in rows[0] and "devstral-2" in rows[1]
    assert "3,359 → -" in rows[0] and "- → 3,359" in rows[1]
    assert "becomes Pending" not in out


def test_markdown_diff(activated: Path, cli):
    result = cli("plan", "--diff", "HEAD", "--format", "markdown", cwd=activated)
    assert result.exit_code == 0
    md = result.stdout
    assert md.startswith("<!-- gpuaas plan --diff -->\n## gpuaas plan against `HEAD`\n")
    assert "1 of 1 portfolio(s) change the plan; monthly cost $0; **1 model(s) become Pending**." in md
    assert "### enterprise-demo / prod: 1 model(s) change, $0/month, 1 become(s) Pending" in md
    lines = md.splitlines()
    header = lines.index("| model | state | GPUs | pool | fit | admission | replicas | $/month | changed |")
    assert lines[header + 2] == ("| **devstral-2** | standby → active | 4 | nvidia-l4-4gpu | yes | "
                                 "**Standby → Pending** | 0 → 1 | - | state, admission, replicas |")
    assert lines[header + 3].startswith("| mistral-3-bf16 | active | 4 |")   # unchanged after
    assert "| nvidia-l4-4gpu | 4/4 | 4/4 (+4 pending) |" in lines
    assert "Monthly: $4,325 → $4,325 (**$0**) at on-demand prices." in lines
    [chart] = mermaid_blocks(md)
    assert chart == ('xychart-beta\n'
                     '    title "enterprise-demo / prod: GPUs per pool, before and after"\n'
                     '    x-axis ["nvidia-l4-4gpu before", "nvidia-l4-4gpu after +4 pending", '
                     '"nvidia-l4-1gpu before", "nvidia-l4-1gpu after"]\n'
                     '    y-axis "GPUs" 0 --> 4\n'
                     '    bar [4, 4, 1, 1]\n'
                     '    bar [4, 4, 1, 1]\n')


def test_markdown_diff_after_the_handover(handed_over: Path, cli):
    md = cli("plan", "--diff", "HEAD", "--format", "markdown", cwd=handed_over).stdout
    assert "### enterprise-demo / prod: 2 model(s) change, $0/month\n" in md
    assert ("| **devstral-2** | standby → active | 4 | nvidia-l4-4gpu | yes | Standby → Admitted "
            "| 0 → 1 | - → 3,359 | state, admission, replicas, monthlyUSD |") in md
    assert "become" not in md


def test_fail_on_pending_counts_only_models_that_become_pending(activated: Path, cli):
    assert cli("plan", "--diff", "HEAD", "--fail-on-pending", cwd=activated).exit_code == 1
    # committed with devstral Pending: a later change that leaves it Pending does not fail,
    # though plain `plan --fail-on-pending` does
    git(activated, "commit", "-qam", "devstral on")
    path = activated / "portfolios" / DEMO.name
    path.write_text(path.read_text().replace("ociMaxGB: 20", "ociMaxGB: 21"))
    assert cli("plan", "--fail-on-pending", cwd=activated).exit_code == 1
    result = cli("plan", "--diff", "HEAD", "--fail-on-pending", cwd=activated)
    assert result.exit_code == 0, result.stdout
    set_state(path, ["mistral-3-bf16"], "standby")
    assert cli("plan", "--diff", "HEAD", "--fail-on-pending", cwd=activated).exit_code == 0


def test_portfolios_added_and_removed(repo: Path, cli):
    shutil.copy(REPO / "portfolios" / "signet.yaml", repo / "portfolios" / "signet.yaml")
    git(repo, "mv", f"portfolios/{DEMO.name}", "portfolios/demo-renamed.yaml")
    git(repo, "rm", "-q", "--cached", "portfolios/demo-renamed.yaml")
    (repo / "portfolios" / "demo-renamed.yaml").unlink()
    data = json.loads(cli("plan", "--diff", "HEAD", "--format", "json", cwd=repo).stdout)
    status = {d["file"]: d["status"] for d in data}
    assert status == {"portfolios/signet.yaml": "added",
                      f"HEAD:portfolios/{DEMO.name}": "removed"}
    removed = next(d for d in data if d["status"] == "removed")
    assert removed["portfolio"] == "enterprise-demo"
    assert removed["environments"][0]["monthlyUSD"] == {"before": 4325.1, "after": 0.0,
                                                        "delta": -4325.1}
    md = cli("plan", "--diff", "HEAD", "--format", "markdown", cwd=repo).stdout
    assert "**Portfolio added**: `portfolios/signet.yaml` (signet)." in md
    assert f"**Portfolio removed**: `HEAD:portfolios/{DEMO.name}` (enterprise-demo)." in md
    assert "### enterprise-demo / prod: environment removed, -$4,325/month" in md
    text = cli("plan", "--diff", "HEAD", cwd=repo).stdout
    assert "signet (portfolios/signet.yaml): portfolio added, against HEAD" in text


def test_unchanged_portfolio_says_so(repo: Path, cli):
    result = cli("plan", "--diff", "HEAD", cwd=repo)
    assert result.exit_code == 0
    assert "enterprise-demo (portfolios/enterprise-demo.yaml): unchanged, against HEAD" in result.stdout
    md = cli("plan", "--diff", "HEAD", "--format", "markdown", cwd=repo).stdout
    assert "0 of 1 portfolio(s) change the plan; monthly cost $0." in md
    assert "`portfolios/enterprise-demo.yaml` (enterprise-demo): no change to the plan." in md


def test_bad_revision_and_no_repository_are_findings(repo: Path, tmp_path_factory, cli):
    result = cli("plan", "--diff", "no-such-rev", cwd=repo)
    assert result.exit_code == 2
    assert result.stderr.strip() == ("portfolios/enterprise-demo.yaml: error --diff no-such-rev: "
                                     "unknown revision 'no-such-rev' [GIT]")
    result = cli("plan", "--diff", "--output=x", cwd=repo)
    assert result.exit_code == 2 and "'--output=x' is not a revision [GIT]" in result.stderr
    bare = tmp_path_factory.mktemp("no-git")
    (bare / "portfolios").mkdir(parents=True)
    shutil.copy(DEMO, bare / "portfolios" / DEMO.name)
    result = cli("plan", "--diff", "HEAD", cwd=bare)
    assert result.exit_code == 2 and "not inside a Git work tree" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unknown_env_is_exit_2(activated: Path, cli):
    result = cli("plan", "--diff", "HEAD", "--env", "nope", cwd=activated)
    assert result.exit_code == 2 and "no environment 'nope'" in result.stderr
    assert cli("plan", "--diff", "HEAD", "--env", "prod", cwd=activated).exit_code == 0


def test_a_committed_portfolio_that_no_longer_loads_is_a_warning(repo: Path, cli):
    path = repo / "portfolios" / DEMO.name
    path.write_text("apiVersion: gpuaas/v1\nkind: [\n")
    git(repo, "commit", "-qam", "broken")
    shutil.copy(DEMO, path)
    result = cli("plan", "--diff", "HEAD", "--format", "json", cwd=repo)
    assert result.exit_code == 0
    assert f"HEAD:portfolios/{DEMO.name}:" in result.stderr and "warning" in result.stderr
    assert json.loads(result.stdout)["status"] == "added"


@needs_mermaid
def test_markdown_charts_parse(activated: Path, cli):
    diff = cli("plan", "--diff", "HEAD", "--format", "markdown", cwd=activated).stdout
    plan = cli("plan", "--format", "markdown", cwd=activated).stdout
    charts = mermaid_blocks(diff) + mermaid_blocks(plan)
    assert len(charts) == 2
    results = mermaid_parse(charts)
    assert all(r["ok"] and r["type"] == "xychart" for r in results), results


def test_plan_markdown_puts_what_needs_a_look_first(activated: Path, cli):
    result = cli("plan", "--format", "markdown", cwd=activated)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "<!-- gpuaas plan -->"
    assert "### enterprise-demo / prod: 5/5 GPUs admitted, $4,325/month, 1 Pending" in lines
    header = lines.index("| model | state | GPUs | pool | fit | admission | $/month | reason |")
    assert lines[header + 2] == ("| devstral-2 | active | 4 | nvidia-l4-4gpu | yes | **Pending** | - "
                                 "| quota: needs 4 GPUs (nvidia-l4-4gpu 0/4 free) |")
    assert lines[header + 3].startswith("| mistral-3-bf16 | active | 4 | nvidia-l4-4gpu | yes | Admitted | 3,359 |")
    assert "| nvidia-l4-4gpu | 4 | 4 | 4 |" in lines
    # the components on in the environment, one line each (the demo: registry and workbench)
    assert [l.split("`")[1] for l in lines if l.startswith("- `")] == ["registry", "workbench"]
    [chart] = mermaid_blocks(result.stdout)
    assert 'x-axis ["nvidia-l4-4gpu +4 pending", "nvidia-l4-1gpu"]' in chart
    assert cli("plan", "--format", "markdown", "--fail-on-pending", cwd=activated).exit_code == 1


def test_markdown_cells_cannot_carry_markup():
    from gpuaas.markdown import cell, code
    assert cell("a|b <img src=x> *x* [l](u) `c`\nd") == (
        r"a\|b &lt;img src=x&gt; \*x\* \[l\](u) \`c\` d")
    assert code("a`b\nc") == "a b c"


def test_the_handover_commit_against_its_parent(handed_over: Path, cli):
    """The issue's check: `plan --diff HEAD~1 --format markdown` on the handover commit."""
    git(handed_over, "commit", "-qam", "hand the 4-GPU node to devstral-2")
    result = cli("plan", "--diff", "HEAD~1", "--format", "markdown", cwd=handed_over)
    assert result.exit_code == 0
    assert "## gpuaas plan against `HEAD~1`" in result.stdout
    assert "| **mistral-3-bf16** | active → standby |" in result.stdout
    assert len(mermaid_blocks(result.stdout)) == 1


def test_names_that_no_longer_resolve_are_exit_2(repo: Path, cli):
    path = repo / "portfolios" / DEMO.name
    path.write_text(path.read_text().replace("gpus: {nvidia-l4-4gpu: 4,", "gpus: {nope: 4,"))
    result = cli("plan", "--diff", "HEAD", "--format", "json", cwd=repo)
    assert result.exit_code == 2 and "[QUOTA_POOL]" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
