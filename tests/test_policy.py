"""validate's policy checks on the rendered objects, per environment."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gpuaas.validate import policy as gate
from gpuaas.validate.objects import Obj

from .conftest import PREAMBLE, write

PORTFOLIO = PREAMBLE + """\
environments:
  - name: prod
  - name: lab
    cluster: https://api.lab.example.com:6443
    overrides: {components: {kueue: false}}
pools:
  - {name: l4-1, gpu: L4, instanceType: g6.4xlarge}
quota:
  gpus: {l4-1: 1}
models:
  - {name: m, source: hf://org/a, params: 8B, precision: fp8, gpus: 1, maxModelLen: 4096}
"""


def test_fresh_render_with_kueue_off_in_one_environment_passes(tmp_path: Path, cli):
    (tmp_path / "portfolios").mkdir()
    write(tmp_path / "portfolios" / "demo.yaml", PORTFOLIO)
    assert cli("render", cwd=tmp_path).exit_code == 0
    assert not (tmp_path / "rendered/demo/components/lab/kueue").exists()
    result = cli("validate", "--format", "json", "--kustomize", "python", cwd=tmp_path)
    data = json.loads(result.stdout)
    assert result.exit_code == 0, [f for f in data["findings"] if f["severity"] == "error"]
    assert not [f for f in data["findings"] if f["code"].startswith("QUEUE")]


def obj(env: str | None, data: dict, name: str = "x.yaml") -> Obj:
    where = f"rendered/demo/components/{env}/c/{name}" if env else f"rendered/demo/charts/c/{name}"
    return Obj(data, where, 1)


def isvc(name: str = "m", labels: dict | None = None, requests: dict | None = None,
         limits: dict | None = None) -> dict:
    res = {"requests": {"nvidia.com/gpu": "1", "cpu": "1"} if requests is None else requests,
           "limits": {"nvidia.com/gpu": "1"} if limits is None else limits}
    return {"kind": "InferenceService",
            "metadata": {"name": name, "namespace": "ns", "labels": labels or {}},
            "spec": {"predictor": {"model": {"resources": res}}}}


LOCALQUEUE = {"kind": "LocalQueue", "metadata": {"name": "gpuaas", "namespace": "ns"}}
CLUSTERQUEUE = {"kind": "ClusterQueue", "metadata": {"name": "q"},
                "spec": {"resourceGroups": [{"coveredResources": ["nvidia.com/gpu", "memory"]}]}}
QUEUED = {"kueue.x-k8s.io/queue-name": "gpuaas"}


def codes(objects) -> list[tuple[str, str | None]]:
    return [(f.code, gate._environment(Obj({}, f.file, 0))) for f in gate.policy(objects)]


def test_queue_label_is_needed_only_where_the_environment_has_a_local_queue():
    objects = [obj("prod", LOCALQUEUE), obj("prod", isvc()), obj("lab", isvc())]
    assert codes(objects) == [("QUEUE_LABEL", "prod")]
    assert codes([obj("prod", LOCALQUEUE), obj("prod", isvc(labels=QUEUED)), obj("lab", isvc())]) == []


def test_queue_coverage_per_environment():
    objects = [obj("prod", CLUSTERQUEUE), obj("prod", LOCALQUEUE), obj("prod", isvc(labels=QUEUED)),
               obj("lab", isvc())]
    [f] = gate.policy(objects)
    assert f.code == "QUEUE_COVERAGE" and "requests cpu" in f.message and "/prod/" in f.file


@pytest.mark.parametrize("resources", [
    {"requests": {"cpu": "1"}, "limits": {}},                                     # no GPU
    {"requests": {"nvidia.com/gpu": "1"}, "limits": {"nvidia.com/gpu": "0"}},     # limit 0
    {"requests": {"nvidia.com/gpu": "2"}, "limits": {"nvidia.com/gpu": "1"}},     # unequal
])
def test_gpu_request(resources):
    [f] = gate.policy([obj("prod", isvc(**resources))])
    assert f.code == "GPU_REQUEST" and "limits = requests" in f.message
    assert gate.policy([obj("prod", isvc(requests={"nvidia.com/gpu": "2"},
                                         limits={"nvidia.com/gpu": "2"}))]) == []


@pytest.mark.parametrize("name,bad", [("m" * 53, False), ("m" * 54, True), ("Upper", True),
                                      ("-m", True), ("m-", True)])
def test_name_length(name, bad):
    found = [f.code for f in gate.policy([obj("prod", isvc(name=name))])]
    assert found == (["NAME_LENGTH"] if bad else [])


def test_secret_with_data_in_the_tree():
    secret = {"kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "v"}}
    assert [f.code for f in gate.policy([obj("prod", secret)])] == ["SECRET_VALUE"]
    assert gate.policy([obj("prod", {"kind": "Secret", "metadata": {"name": "s"}})]) == []
