"""The CRDs' CEL rules, evaluated on rendered objects as the API server would."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gpuaas.validate import cel_rules
from gpuaas.validate.schema_check import BUNDLED

TREE = Path("rendered/enterprise-demo")


def schema(rel: str) -> dict:
    return json.loads((BUNDLED / rel).read_text())


@pytest.fixture
def repo(gitops_repo: Path, cli) -> Path:
    assert cli("render", cwd=gitops_repo).exit_code == 0
    return gitops_repo


def validate(cli, repo: Path) -> list[dict]:
    result = cli("validate", "--format", "json", cwd=repo)
    return json.loads(result.stdout)["findings"]


def edit(path: Path, old: str, new: str) -> str:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return new


def test_every_bundled_rule_compiles_or_is_a_transition_rule():
    for file in BUNDLED.glob("*/*.json"):
        described = cel_rules.describe(json.loads(file.read_text()))
        for skipped in described["skipped"]:
            assert "oldSelf" in skipped["rule"], (file.name, skipped)


# one rendered object per rule family, edited by hand the way a user value would break it
@pytest.mark.parametrize("file, old, new, message, at", [
    ("components/prod/kueue/resourceflavor-nvidia-l4-1gpu.yaml",
     '    - key: "nvidia.com/gpu"\n      operator: Exists', "    - operator: Equal",
     "operator must be Exists when 'key' is empty", "  tolerations:"),
    ("components/prod/kueue/resourceflavor-nvidia-l4-1gpu.yaml",
     "      effect: NoSchedule", "      effect: NoSchedul",
     "supported taint effect values", "  tolerations:"),
    ("components/prod/kueue/kueue.yaml", "  name: cluster", "  name: main",
     "Kueue is a singleton", "apiVersion:"),
])
def test_a_violated_rule_is_an_error_at_the_field(repo, cli, file, old, new, message, at):
    path = repo / TREE / file
    if not path.exists():
        pytest.skip(f"{file} is not rendered")
    edit(path, old, new)
    [finding] = [f for f in validate(cli, repo) if f["code"] == "CEL"]
    assert message in finding["message"] and finding["severity"] == "error"
    assert finding["file"] == str(TREE / file)
    # at the node that carries the rule (the rule's `self`)
    assert path.read_text().splitlines()[finding["line"] - 1].startswith(at)


def test_cluster_queue_flavors_cover_every_resource():
    cq = schema("kueue.x-k8s.io/clusterqueue_v1beta1.json")
    obj = {"apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "ClusterQueue", "metadata": {"name": "q"},
           "spec": {"resourceGroups": [{"coveredResources": ["cpu", "nvidia.com/gpu"], "flavors": [
               {"name": "f", "resources": [{"name": "cpu", "nominalQuota": 1}]}]}]}}
    [outcome] = cel_rules.evaluate(obj, cq)
    assert outcome.violated and outcome.path == ("spec", "resourceGroups", 0)
    assert "same number of resources" in outcome.message
    obj["spec"]["resourceGroups"][0]["flavors"][0]["resources"].append({"name": "nvidia.com/gpu",
                                                                        "nominalQuota": 1})
    assert cel_rules.evaluate(obj, cq) == []


@pytest.mark.parametrize("scheduling, ok", [
    ({"type": "Queue", "kueue": {"localQueueName": "gpuaas"}}, True),
    ({"type": "Queue"}, False),
    ({"type": "Node", "node": {}, "kueue": {"localQueueName": "q"}}, False),
])
def test_hardware_profile_scheduling_rules(scheduling, ok):
    hp = schema("infrastructure.opendatahub.io/hardwareprofile_v1.json")
    obj = {"apiVersion": "infrastructure.opendatahub.io/v1", "kind": "HardwareProfile",
           "metadata": {"name": "p"}, "spec": {"identifiers": [], "scheduling": scheduling}}
    outcomes = cel_rules.evaluate(obj, hp)
    assert (outcomes == []) == ok, outcomes
    assert all(o.violated and o.path == ("spec", "scheduling") for o in outcomes)


def test_defaults_apply_before_rules():
    node = {"type": "object", "properties": {"mode": {"type": "string", "default": "a"}},
            "x-kubernetes-validations": [{"rule": "self.mode == 'a'", "message": "mode"}]}
    root = {"type": "object", "properties": {"spec": node}}
    assert cel_rules.evaluate({"spec": {}}, root) == []
    [outcome] = cel_rules.evaluate({"spec": {"mode": "b"}}, root)
    assert outcome.message == "mode" and outcome.path == ("spec",)


def test_a_rule_that_cannot_run_is_named_never_passed():
    root = {"type": "object", "properties": {"spec": {
        "type": "object", "x-kubernetes-validations": [{"rule": "self.noSuchFunction()"},
                                                       {"rule": "self.x.size() > 0"},
                                                       {"rule": "self == oldSelf"}]}}}
    outcomes = cel_rules.evaluate({"spec": {}}, root)
    assert [o.violated for o in outcomes] == [False, False]  # the transition rule is skipped
    assert all("could not be evaluated" in o.message for o in outcomes)
    assert "noSuchFunction" in outcomes[0].message and "self.x.size()" in outcomes[1].message


def test_message_expression_and_field_path():
    root = {"type": "object", "properties": {"spec": {"type": "object", "x-kubernetes-validations": [
        {"rule": "self.n < 3", "messageExpression": "'n is ' + string(self.n)", "fieldPath": ".n"}]}}}
    [outcome] = cel_rules.evaluate({"spec": {"n": 5}}, root)
    assert outcome.message == "n is 5" and outcome.path == ("spec", "n")


def test_schemas_list_says_which_rules_run(cli):
    rows = json.loads(cli("schemas", "list", "--format", "json").stdout)
    by_kind = {(r["kind"], r["version"]): r["cel"] for r in rows}
    assert by_kind[("ResourceFlavor", "v1beta1")]["evaluated"] >= 6
    [skipped] = by_kind[("LocalQueue", "v1beta1")]["skipped"]
    assert "oldSelf" in skipped["why"] and skipped["at"] == "spec.clusterQueue"
    assert sum(c["rules"] for c in by_kind.values()) == sum(
        c["evaluated"] + len(c["skipped"]) for c in by_kind.values())
