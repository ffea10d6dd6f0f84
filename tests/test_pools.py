"""GPU pools described by their nodes (bare metal) or by an Azure or Google Cloud type."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from gpuaas import catalog, pipeline
from gpuaas.errors import UserError

from .conftest import HEAD, write

MODEL = "models: [{name: m, source: hf://Qwen/Qwen3-8B, params: 8B, precision: bf16, gpus: 1, maxModelLen: 8192}]\n"


def build(tmp_path: Path, pools: str, name: str = "p.yaml"):
    return pipeline.build(write(tmp_path / name, HEAD + f"pools: {pools}\n" + MODEL))


def test_the_dgx_case_renders_plans_and_costs_nothing(tmp_path: Path, cli):
    """The issue's on-prem DGX A100 pool: no instance type, no price."""
    built = build(tmp_path, "[{name: dgx, gpu: A100-80GB, gpusPerNode: 8, nodes: 2}]")
    assert built.ok, built.findings
    [nodes] = [f for f in built.findings if f.code == "POOL_NODES"]
    assert nodes.severity == "warning" and "cpuPerNode and memoryGiBPerNode" in nodes.message
    [pool] = built.plan.environments[0].pools
    assert (pool.gpus_per_node, pool.capacity, pool.hourly_usd) == (8, 16, None)
    # node selection never assumes the cloud's instance-type label
    assert pool.node_labels == {"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB"}
    flavor = yaml.safe_load(built.files["components/prod/kueue/resourceflavor-dgx.yaml"])
    assert flavor["spec"]["nodeLabels"] == pool.node_labels
    result = cli("plan", str(tmp_path / "p.yaml"), "--format", "json")
    env = json.loads(result.stdout)["environments"][0]
    [model] = env["models"]
    assert model["fits"] is True and model["admission"] == "Admitted"
    assert model["monthlyUSD"] is None and env["monthlyUSD"] is None
    text = cli("plan", str(tmp_path / "p.yaml")).stdout
    assert "n/a" in text and "cost n/a" in text


def test_nodes_described_size_pods_and_quota(tmp_path: Path):
    built = build(tmp_path, "[{name: l40s, gpu: L40S, gpusPerNode: 4, cpuPerNode: 60, memoryGiBPerNode: 480, "
                  "hourlyUSD: 8.0}]")
    assert not [f for f in built.findings if f.code == "POOL_NODES"]
    [pool] = built.plan.environments[0].pools
    assert (pool.cpu_per_gpu, pool.memory_gib_per_gpu) == (15, 120)
    [mp] = built.plan.environments[0].models
    assert (mp.cpu, mp.memory_gib) == (7, 60)            # half of one GPU's share of the node
    assert mp.monthly_usd == pytest.approx(8.0 / 4 * catalog.HOURS_PER_MONTH)
    cq = yaml.safe_load(built.files["components/prod/kueue/clusterqueue.yaml"])
    quotas = {r["name"]: r["nominalQuota"] for r in cq["spec"]["resourceGroups"][0]["flavors"][0]["resources"]}
    assert str(quotas["cpu"]) == "60" and quotas["memory"] == "480Gi"


@pytest.mark.parametrize("instance, cloud, gpu, per_node", [
    ("Standard_NC24ads_A100_v4", "azure", "A100-80GB", 1),
    ("Standard_ND96isr_H100_v5", "azure", "H100", 8),
    ("a3-highgpu-8g", "gcp", "H100", 8),
    ("g2-standard-48", "gcp", "L4", 4),
])
def test_azure_and_google_cloud_pools_work_from_their_catalogs(tmp_path: Path, instance, cloud, gpu, per_node):
    built = build(tmp_path, f"[{{name: p1, gpu: {gpu}, instanceType: {instance}, cloud: {cloud}}}]")
    assert built.ok, built.findings
    [pool] = built.plan.environments[0].pools
    entry = catalog.INSTANCES[instance]
    assert (pool.gpus_per_node, pool.hourly_usd, entry.cloud) == (per_node, entry.hourly_usd, cloud)
    assert pool.node_labels["node.kubernetes.io/instance-type"] == instance


def test_a_type_from_another_cloud_and_typos_are_named(tmp_path: Path):
    with pytest.raises(UserError) as info:
        build(tmp_path, "[{name: p1, gpu: L4, instanceType: g6.12xlarge, cloud: gcp}]")
    assert "unknown gcp instance type 'g6.12xlarge'" in info.value.findings[0].message
    with pytest.raises(UserError) as info:
        build(tmp_path, "[{name: p1, gpu: L4, instanceType: g2-standard-47}]")
    assert "did you mean 'g2-standard-4" in info.value.findings[0].message


@pytest.mark.parametrize("gpu", ["MI300X", "Gaudi3", "mi250"])
def test_non_nvidia_accelerators_are_refused_clearly(tmp_path: Path, gpu):
    with pytest.raises(UserError) as info:
        build(tmp_path, f"[{{name: p1, gpu: {gpu}, gpusPerNode: 8}}]")
    [finding] = info.value.findings
    assert "not an NVIDIA GPU" in finding.message and finding.line == 6


@pytest.mark.parametrize("gpu", ["A10", "A30", "L40", "H100-PCIe", "H100-NVL", "H200-NVL", "B200"])
def test_more_gpus_are_known_with_their_memory(gpu):
    facts = catalog.GPUS[gpu]
    # what the driver reports is a little below the datasheet's size
    assert facts.product.startswith("NVIDIA-") and 0.9 * facts.memory_gb <= facts.usable_gib <= facts.memory_gb


def test_the_bare_metal_example_renders_plans_and_validates(tmp_path: Path, cli):
    from .conftest import REPO
    (tmp_path / "portfolios").mkdir()
    (tmp_path / "portfolios/bare-metal.yaml").write_text((REPO / "portfolios/bare-metal.yaml").read_text())
    assert cli("render", cwd=tmp_path).exit_code == 0
    result = cli("validate", "--format", "json", cwd=tmp_path)
    data = json.loads(result.stdout)
    assert result.exit_code == 0, [f for f in data["findings"] if f["severity"] == "error"]
    assert data["stats"]["objects"] == data["stats"]["schemaChecked"]
    plan = json.loads(cli("plan", "--format", "json", cwd=tmp_path).stdout)
    assert plan["environments"][0]["monthlyUSD"] is None
    assert all(m["admission"] == "Admitted" and m["fits"] for m in plan["environments"][0]["models"])


# --- per-model resources (the Stage 1 serving deployment) ---------------------------------------------------------

RESOURCES = HEAD + """\
pools: [{name: l4, gpu: L4, instanceType: g6.12xlarge, diskGiBPerNode: 120}]
models:
  - name: full
    source: hf://mistralai/Mistral-Small-24B-Instruct-2501
    params: 24B
    precision: bf16
    gpus: 4
    maxModelLen: 8192
    resources:
      requests: {cpu: 16, memory: 80Gi, ephemeral-storage: 25Gi}
      limits: {memory: 96Gi}
"""


def test_a_models_own_resources_are_requested_counted_and_covered(tmp_path: Path):
    built = pipeline.build(write(tmp_path / "p.yaml", RESOURCES))
    assert built.ok, built.findings
    [mp] = built.plan.environments[0].models
    assert (mp.cpu, mp.memory_gib, mp.disk_gib) == (16, 80, 25)
    isvc = yaml.safe_load(built.files["components/prod/serving/isvc-full.yaml"])
    res = isvc["spec"]["predictor"]["model"]["resources"]
    assert res["requests"] == {"cpu": "16", "memory": "80Gi", "ephemeral-storage": "25Gi", "nvidia.com/gpu": "4"}
    assert res["limits"] == {"memory": "96Gi", "nvidia.com/gpu": "4"}
    cq = yaml.safe_load(built.files["components/prod/kueue/clusterqueue.yaml"])
    group = cq["spec"]["resourceGroups"][0]
    assert "ephemeral-storage" in group["coveredResources"]  # or Kueue admits nothing
    quotas = {r["name"]: r["nominalQuota"] for r in group["flavors"][0]["resources"]}
    assert quotas["ephemeral-storage"] == "120Gi"


@pytest.mark.parametrize("edit, code, words", [
    (("cpu: 16", "cpu: 64"), "RESOURCES", "more than a node of pool l4 offers (48 CPUs)"),
    (("diskGiBPerNode: 120", "nodes: 1"), "RESOURCES", "gives no diskGiBPerNode"),
    (("diskGiBPerNode: 120", "diskGiBPerNode: 60"), "NODE_DISK", "copied to the node's disk"),
])
def test_what_no_node_offers_is_named(tmp_path: Path, edit, code, words):
    built = pipeline.build(write(tmp_path / "p.yaml", RESOURCES.replace(*edit)))
    [finding] = [f for f in built.findings if f.code == code]
    assert words in finding.message and finding.line


def test_a_quota_too_small_for_a_request_keeps_it_pending(tmp_path: Path):
    fits = RESOURCES.replace("ephemeral-storage: 25Gi", "ephemeral-storage: 100Gi")
    [mp] = pipeline.build(write(tmp_path / "p.yaml", fits)).plan.environments[0].models
    assert mp.admission == "Admitted"   # 100 of the flavor's 120 Gi
    # half the GPUs in quota: half the node's disk (60 Gi) for a pod asking 100 Gi
    short = fits.replace("models:", "quota: {gpus: {l4: 2}}\nmodels:").replace("gpus: 4\n", "gpus: 2\n")
    [mp] = pipeline.build(write(tmp_path / "q.yaml", short)).plan.environments[0].models
    assert mp.admission == "Pending"


def test_a_bad_quantity_is_located(tmp_path: Path):
    with pytest.raises(UserError) as info:
        pipeline.build(write(tmp_path / "p.yaml", RESOURCES.replace("memory: 80Gi", "memory: 80 gigs")))
    assert "not a Kubernetes quantity" in info.value.findings[0].message and info.value.findings[0].line
