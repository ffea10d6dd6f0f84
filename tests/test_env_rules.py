"""Rules per environment: an environment's overrides.pools replaces the top-level list, so
every rule of that list holds there too; several environments with pool overrides."""
from __future__ import annotations

import pytest
import yaml

from gpuaas import pipeline, rules
from gpuaas.errors import UserError
from gpuaas.portfolio import load_text

from .conftest import PREAMBLE, write

TWO_ENVS = PREAMBLE + """\
environments:
  - name: prod
  - name: dev
    overrides:
      pools:
        - {name: l40s, gpu: L40S, instanceType: g6e.xlarge}
MORE
pools:
  - {name: l4-1, gpu: L4, instanceType: g6.4xlarge}
  - {name: l40s, gpu: L40S, instanceType: g6e.xlarge}
quota:
  gpus: {l4-1: 1, l40s: 1}
models:
  - name: m
    source: hf://org/model
    params: 8B
    precision: fp8
    gpus: 1
    pool: l4-1
    maxModelLen: 4096
"""


def text(more: str = "") -> str:
    return TWO_ENVS.replace("MORE\n", more)


def found(source: str, code: str):
    return [f for f in rules.check(load_text(source, "p.yaml")) if f.code == code]


def test_a_model_pinned_to_a_pool_an_environment_lacks():
    [f] = found(text(), "POOL_UNKNOWN")
    assert f.severity == "error" and (f.line, f.column) == (22, 5)
    assert "pool 'l4-1' is not among environment dev's pools (l40s)" in f.message
    # off there, or the pool added there: fine
    assert not found(text("      models: {m: {state: off}}\n"), "POOL_UNKNOWN")
    assert not found(text("        - {name: l4-1, gpu: L4, instanceType: g6.4xlarge}\n"), "POOL_UNKNOWN")
    # one of its pools is there: it renders with that pool's node selector
    assert not found(text().replace("pool: l4-1", "pool: [l4-1, l40s]"), "POOL_UNKNOWN")


def test_a_pool_only_an_environment_defines_is_not_unknown_there():
    source = text().replace("pool: l4-1", "pool: l40s").replace(
        "  - {name: l40s, gpu: L40S, instanceType: g6e.xlarge}\nquota", "quota").replace(
        "{l4-1: 1, l40s: 1}", "{l4-1: 1}")
    assert [f.message for f in found(source, "POOL_UNKNOWN")] == [
        "models[0].pool: pool 'l40s' is not among environment prod's pools (l4-1): add it to its "
        "overrides.pools or set the model's state to off there"]


def test_duplicate_pool_names_in_an_override():
    dup = found(text("        - {name: l40s, gpu: L40S, instanceType: g6e.2xlarge}\n"), "DUPLICATE_NAME")
    assert [f.line for f in dup] == [10, 11]
    assert dup[1].message.startswith("environments[1].overrides.pools[1].name: duplicate name 'l40s'")


@pytest.mark.parametrize("command", ["render", "validate", "plan"])
def test_empty_pool_override_is_a_located_finding(tmp_path, cli, command):
    source = text().replace("      pools:\n        - {name: l40s, gpu: L40S, instanceType: g6e.xlarge}\n",
                            "      pools: []\n")
    path = write(tmp_path / "p.yaml", source)
    args = [command, str(path)] + (["--out", str(tmp_path / "out")] if command != "plan" else [])
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert "p.yaml:9:" in result.stderr + result.stdout and "[SCHEMA]" in result.stderr + result.stdout
    assert not (tmp_path / "out").exists()


def test_override_quota_for_a_pool_the_environment_lacks():
    """The per-environment QUOTA_POOL rule: the dev override names l4-1, which dev's pools
    replace."""
    source = text("      quota: {gpus: {l4-1: 1}}\n").replace("pool: l4-1", "pool: l40s")
    [f] = found(source, "QUOTA_POOL")
    assert f.message == "environments[1].overrides.quota.gpus.l4-1: quota for unknown pool 'l4-1'"
    assert f.line == 11
    assert not found(text("      quota: {gpus: {l40s: 1}}\n").replace("pool: l4-1", "pool: l40s"),
                     "QUOTA_POOL")


SEVERAL = PREAMBLE + """\
environments:
  - name: prod
  - name: dev
    cluster: https://api.dev.example.com:6443
    overrides:
      pools: [{name: small, gpu: L4, instanceType: g6.4xlarge}]
  - name: lab
    cluster: https://api.lab.example.com:6443
    overrides:
      pools: [{name: big, gpu: L4, instanceType: g6.12xlarge, nodes: 2}]
      quota: {gpus: {big: 8}}
pools:
  - {name: small, gpu: L4, instanceType: g6.4xlarge}
  - {name: big, gpu: L4, instanceType: g6.12xlarge}
quota:
  gpus: {small: 1, big: 4}
models:
  - {name: one, source: hf://org/a, params: 8B, precision: fp8, gpus: 1, maxModelLen: 4096}
  - {name: four, source: hf://org/b, params: 8B, precision: bf16, gpus: 4, maxModelLen: 4096}
"""


def test_several_environments_with_pool_overrides(tmp_path):
    errors = [f for f in rules.check(load_text(SEVERAL, "p.yaml")) if f.severity == "error"]
    # dev has only 1-GPU nodes: the 4-GPU model fits no pool there, and only there
    assert [(f.code, "(environment dev)" in f.message) for f in errors] == [("POOL_TOO_SMALL", True)]
    fixed = SEVERAL.replace("  - name: dev\n    cluster: https://api.dev.example.com:6443\n    overrides:\n",
                            "  - name: dev\n    cluster: https://api.dev.example.com:6443\n    overrides:\n"
                            "      models: {four: {state: off}}\n")
    assert not [f for f in rules.check(load_text(fixed, "p.yaml")) if f.severity == "error"]
    built = pipeline.build(write(tmp_path / "p.yaml", fixed))
    prod, dev, lab = built.plan.environments
    assert [p.name for p in dev.pools] == ["small"] and [p.name for p in lab.pools] == ["big"]
    assert {p.name: p.quota_gpus for p in lab.pools} == {"big": 8}
    assert [m.flavor for m in lab.models] == ["big", "big"] and lab.used == {"big": 5}
    assert [m.admission for m in dev.models] == ["Admitted", "Off"]
    cq = yaml.safe_load(built.files["components/lab/kueue/clusterqueue.yaml"])
    flavors = cq["spec"]["resourceGroups"][0]["flavors"]
    assert [f["name"] for f in flavors] == ["big"]
    assert flavors[0]["resources"][2] == {"name": "nvidia.com/gpu", "nominalQuota": 8}
    assert "components/dev/kueue/resourceflavor-big.yaml" not in built.files
    isvc = yaml.safe_load(built.files["components/dev/serving/isvc-one.yaml"])
    assert isvc["spec"]["predictor"]["nodeSelector"]["node.kubernetes.io/instance-type"] == "g6.4xlarge"


def test_load_errors_stop_before_render(tmp_path):
    source = text().replace("      pools:\n        - {name: l40s, gpu: L40S, instanceType: g6e.xlarge}\n",
                            "      pools: []\n")
    with pytest.raises(UserError):
        pipeline.build(write(tmp_path / "p.yaml", source))
