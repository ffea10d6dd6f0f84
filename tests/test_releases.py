"""OpenShift AI releases per environment: each environment's Subscriptions, queues, runtime
image and schemas are its own release's; moves OLM cannot make are refused."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from gpuaas import catalog, olm
from gpuaas.portfolio import load_portfolio
from gpuaas.releases import targets

from .conftest import REPO

TRAIN = REPO / "portfolios" / "release-train.yaml"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]


def docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def subscription(tree: Path, env: str, key: str) -> dict:
    return next(d for d in docs(tree / "components" / env / "operators" / f"{key}-operator.yaml")
                if d["kind"] == "Subscription")["spec"]


def test_each_environment_renders_its_own_release():
    tree = REPO / "rendered" / "release-train"
    dev, prod = (subscription(tree, env, "rhoai") for env in ("dev", "prod"))
    assert (dev["channel"], dev["startingCSV"]) == ("eus-3.5", "rhods-operator.3.5.0")
    assert (prod["channel"], prod["startingCSV"]) == ("stable-3.3", "rhods-operator.3.3.6")
    assert subscription(tree, "dev", "kueue")["channel"] == "stable-v1.4"
    assert subscription(tree, "prod", "kueue")["channel"] == "stable-v1.2"
    for env, release in (("dev", "3.5"), ("prod", "3.3")):
        api = catalog.KUEUE_OPERATORS[catalog.RELEASES[release].kueue_channel].api
        for f in (tree / "components" / env / "kueue").glob("*.yaml"):
            for d in docs(f):
                if d["apiVersion"].startswith("kueue.x-k8s.io/"):
                    assert d["apiVersion"] == f"kueue.x-k8s.io/{api}", f
        [runtime] = docs(tree / "components" / env / "serving" / "servingruntime.yaml")
        assert runtime["spec"]["containers"][0]["image"] == catalog.RELEASES[release].vllm_image
        approver = (tree / "components" / env / "operators" / "rhoai-installplan-approver.yaml").read_text()
        assert catalog.RELEASES[release].approver_image in approver
    assert "| dev | 3.5 EUS | `eus-3.5` | 3.5.0 |" in (tree / "README.md").read_text()


def test_a_portfolio_without_a_version_keeps_30_and_a_release_means_its_newest_csv(tmp_path):
    text = TRAIN.read_text()
    p = load_portfolio(TRAIN).portfolio
    t = targets(p)
    assert (t["prod"].version, t["prod"].vllm, t["dev"].vllm) == ("3.3.6", "0.13", "0.24")
    bare = tmp_path / "bare.yaml"
    bare.write_text(text.replace('    version: "3.3"', "    components: {}"))
    [(_, t30)] = [(k, v) for k, v in targets(load_portfolio(bare).portfolio).items() if k == "prod"]
    assert (t30.release.version, t30.channel, t30.csv) == ("3.0", "fast-3.x", "rhods-operator.3.0.0")


@pytest.mark.parametrize(("edit", "code", "severity", "says"), [
    # a channel that does not carry the release
    (('version: "3.3"', 'version: "3.4"\n    channel: fast-3.x'), "RELEASE", "error", "stable-3.4"),
    # an unknown channel gets did-you-mean
    (('version: "3.3"', 'version: "3.3"\n    channel: stable-3.33'), "RELEASE", "error",
     "did you mean 'stable-3.3'"),
    # a CSV the catalog does not list: a warning (a newer z-stream may exist)
    (('version: "3.3"', 'version: "3.3.9"'), "RELEASE", "warning", "3.3.0, 3.3.1"),
    # a Kueue channel the release does not pair with
    (("  openshift: \"4.20\"\n", "  openshift: \"4.20\"\n  operators: {kueue: {channel: stable-v1.1}}\n"),
     "RELEASE", "warning", "stable-v1.2, stable-v1.4"),
])
def test_release_rules(tmp_path, cli, edit, code, severity, says):
    path = tmp_path / "p.yaml"
    path.write_text(TRAIN.read_text().replace(*edit))
    result = cli("plan", str(path))
    found = [line for line in result.output.splitlines() if f"[{code}]" in line]
    assert found and all(severity in line for line in found) and says in found[0], result.output
    line = int(found[0].split(":")[1])
    assert edit[1].splitlines()[-1].strip().split(":")[0] in path.read_text().splitlines()[line - 1]


def test_a_release_gpuaas_does_not_target_is_a_located_error(tmp_path, cli):
    path = tmp_path / "p.yaml"
    path.write_text(TRAIN.read_text().replace('version: "3.3"', "version: 3.2"))
    result = cli("plan", str(path))
    assert result.exit_code == 2 and "OpenShift AI 3.2 is not a release gpuaas targets" in result.output
    assert f"{path}:18:" in result.output


def commit(repo: Path, message: str) -> None:
    for args in (["add", "-A"], ["commit", "-qm", message]):
        subprocess.run(GIT + args, cwd=repo, check=True)


@pytest.fixture
def train_repo(tmp_path: Path, cli) -> Path:
    repo = tmp_path / "gitops"
    (repo / "portfolios").mkdir(parents=True)
    shutil.copy(TRAIN, repo / "portfolios")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert cli("render", cwd=repo).exit_code == 0
    commit(repo, "trees")
    return repo


def move(repo: Path, cli, old: str, new: str):
    path = repo / "portfolios" / "release-train.yaml"
    path.write_text(path.read_text().replace(old, new))
    assert cli("render", cwd=repo).exit_code == 0
    subprocess.run(GIT + ["add", "-A"], cwd=repo, check=True)
    return cli("validate", "--format", "json", cwd=repo)


def upgrade_findings(result) -> list[dict]:
    return [f for f in json.loads(result.stdout)["findings"] if f["code"] == "UPGRADE_PATH"]


def test_a_jump_olm_cannot_make_is_refused_with_the_steps_between(train_repo, cli):
    # prod: 3.3.6 on stable-3.3 straight to 3.5 on stable-3.5 (3.5.0 only skips >=3.4.0)
    result = move(train_repo, cli, 'version: "3.3"', 'version: "3.5"')
    [found] = [f for f in upgrade_findings(result) if "/prod/operators/rhoai" in f["file"]]
    assert "3.4.3 on stable-3.4 first" in found["message"] and found["severity"] == "error"
    assert result.exit_code == 1
    # the Kueue operator's minor channels have no upgrade edge between them: said, with the fix
    [kueue] = [f for f in upgrade_findings(result) if "/prod/operators/kueue" in f["file"]]
    assert "stable-v1.2" in kueue["message"] and "delete its Subscription and CSV" in kueue["message"]


def test_one_step_moves_pass_and_a_downgrade_is_refused(train_repo, cli):
    result = move(train_repo, cli, 'version: "3.3"', 'version: "3.4"')    # skipRange >=3.3.0 <3.4.3
    assert not [f for f in upgrade_findings(result) if "/operators/rhoai" in f["file"]]
    commit(train_repo, "prod on 3.4")
    result = move(train_repo, cli, 'version: "3.4"', 'version: "3.3"')
    [found] = [f for f in upgrade_findings(result) if "/prod/operators/rhoai" in f["file"]]
    assert "moves down from 3.4.3 to 3.3.6" in found["message"]


def test_plan_diff_shows_the_move_and_fails_on_one_olm_cannot_make(train_repo, cli):
    path = train_repo / "portfolios" / "release-train.yaml"
    path.write_text(path.read_text().replace('version: "3.3"', 'version: "3.5"'))
    result = cli("plan", "--diff", "HEAD", "--format", "json", cwd=train_repo)
    assert result.exit_code == 1
    [prod] = [e for e in json.loads(result.stdout)["environments"] if e["name"] == "prod"]
    move_ = prod["openshiftAI"]
    assert move_["before"].startswith("3.3.6 on stable-3.3") and move_["after"].startswith("3.5.0 on stable-3.5")
    assert any("3.4.3 on stable-3.4" in p for p in move_["problems"])


def test_the_30_to_35_jump_names_the_intermediate_releases():
    problem = olm.upgrade_problem(catalog.RHOAI_CHANNELS, ("fast-3.x", "rhods-operator.3.0.0"),
                                  ("stable-3.5", "rhods-operator.3.5.0"), "OpenShift AI")
    assert problem and "3.3.1 on fast-3.x, then 3.4.3 on stable-3.4 first" in problem
    # eus-3.5's only bundle replaces nothing: reached through stable-3.x or stable-3.5
    assert "3.5.0 on stable-3.x first" in olm.upgrade_problem(
        catalog.RHOAI_CHANNELS, ("stable-3.4", "rhods-operator.3.4.3"), ("eus-3.5", "rhods-operator.3.5.0"), "x")


@pytest.mark.parametrize(("env", "release"), [("prod", "3.3"), ("dev", "3.5")])
def test_each_environment_is_checked_against_its_own_releases_crds(train_repo, cli, env, release):
    """A 3.5-only DataScienceCluster field (kueue.autoCreateQueues) and a v1beta2 queue: the
    3.3 environment's schemas refuse both, the 3.5 environment's take them."""
    tree = train_repo / "rendered" / "release-train" / "components" / env
    dsc = tree / "rhoai" / "datasciencecluster.yaml"
    dsc.write_text(dsc.read_text().replace("      managementState: Unmanaged",
                                           "      managementState: Unmanaged\n      autoCreateQueues: false", 1))
    queue = tree / "kueue" / "localqueue.yaml"
    queue.write_text(queue.read_text().replace("kueue.x-k8s.io/v1beta1", "kueue.x-k8s.io/v1beta2"))
    findings = json.loads(cli("validate", "--format", "json", "--no-cache", cwd=train_repo).output)["findings"]
    schema = [f for f in findings if f["code"] in ("SCHEMA", "NO_SCHEMA") and f"/{env}/" in f["file"]]
    if release == "3.3":
        assert any("autoCreateQueues" in f["message"] for f in schema), schema
        assert any("kueue-operator/1.2 serve v1beta1" in f["message"] for f in schema), schema
    else:
        assert schema == []


def test_init_writes_the_newest_eus_explicitly(tmp_path, cli):
    assert cli("init", cwd=tmp_path).exit_code == 0
    [written] = (tmp_path / "portfolios").glob("*.yaml")
    rhoai = yaml.safe_load(written.read_text())["platform"]["rhoai"]
    assert (rhoai["version"], rhoai["channel"]) == (catalog.NEWEST_EUS, f"eus-{catalog.NEWEST_EUS}")
    assert catalog.RELEASES[catalog.NEWEST_EUS].eus


def test_schemas_list_shows_each_releases_own(cli):
    import re
    out30 = cli("schemas", "list", "--format", "json").stdout
    out35 = cli("schemas", "list", "--release", "3.5", "--format", "json").stdout
    rows30, rows35 = json.loads(out30), json.loads(out35)
    by = lambda rows: {(r["group"], r["kind"], r["version"]): r for r in rows}  # noqa: E731
    llm35 = by(rows35)[("serving.kserve.io", "LLMInferenceService", "v1alpha2")]
    assert llm35["ref"] == "rhoai-3.5" and ("serving.kserve.io", "LLMInferenceService", "v1alpha2") not in by(rows30)
    assert by(rows30)[("kueue.x-k8s.io", "ClusterQueue", "v1beta1")]["ref"] == "release-1.1"
    assert ("kueue.x-k8s.io", "ClusterQueue", "v1beta2") not in by(rows30)     # 1.1 serves v1beta1 only
    assert re.search(r"--release 3\.3", cli("schemas", "list").stdout)


def test_unpinned_follows_the_channel_head_and_a_version_is_numbers(tmp_path, cli):
    p = load_portfolio(TRAIN).portfolio
    unpinned = p.model_copy(update={"platform": p.platform.model_copy(update={
        "rhoai": p.platform.rhoai.model_copy(update={"version": None, "channel": None})})})
    t = targets(unpinned)["prod"]
    # fast-3.x unpinned installs its head, 3.3.1: the 3.3 release's schemas and pairing apply
    assert (t.channel, t.version, t.release.version) == ("fast-3.x", None, "3.3")
    path = tmp_path / "p.yaml"
    path.write_text(TRAIN.read_text().replace('version: "3.3"', 'version: "3.3.x"'))
    result = cli("plan", str(path))
    assert result.exit_code == 2 and "neither a release" in result.output
