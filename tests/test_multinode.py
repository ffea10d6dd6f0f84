"""llm-d replicas that span nodes (a LeaderWorkerSet group, data and expert parallel across
the nodes) and llm-d's autoscaling (`scaling`, OpenShift AI 3.4+): rendered as the kserve
controller of each release takes them, sized as vLLM shards the experts, admitted as Kueue
admits a group, refused where the release cannot run them."""
from __future__ import annotations

import pytest
import yaml

from gpuaas import catalog, gpufit, pipeline
from gpuaas.errors import UserError

from .conftest import REPO, write

TRAIN = REPO / "portfolios" / "release-train.yaml"     # qwen3-235b: 4 GPUs x 2 nodes, scaling 1-2 in dev
QWEN3 = catalog.ARCHITECTURES["Qwen/Qwen3-235B-A22B"]


@pytest.fixture(scope="module")
def built():
    return pipeline.build(TRAIN)


def edited(tmp_path, *changes: tuple[str, str]):
    text = TRAIN.read_text()
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return write(tmp_path / "release-train.yaml", text)


def codes(path) -> dict[str, list[str]]:
    try:
        found = pipeline.build(path).findings
    except UserError as exc:
        found = exc.findings
    out: dict[str, list[str]] = {}
    for f in found:
        out.setdefault(f.code, []).append(f.message)
    return out


def model(built, env: str, name: str):
    plan = next(e for e in built.plan.environments if e.name == env)
    return next(m for m in plan.models if m.name == name)


def test_a_replica_over_two_nodes_is_the_data_parallel_preset_with_its_worker(built):
    obj = yaml.safe_load(built.files["components/dev/serving/llmisvc-qwen3-235b.yaml"])
    spec = obj["spec"]
    # the one multi-node preset OpenShift AI installs: an engine per node, TP over its GPUs,
    # the experts over all of them; the LeaderWorkerSet has data / dataLocal = 2 pods
    assert spec["parallelism"] == {"tensor": 4, "data": 2, "dataLocal": 1, "expert": True}
    for pod in (spec["template"], spec["worker"]):
        [main] = pod["containers"]
        assert main["name"] == "main" and main["resources"]["limits"]["nvidia.com/gpu"] == "4"
        assert pod["nodeSelector"]["node.kubernetes.io/instance-type"] == "g6e.12xlarge"
        assert pod["tolerations"][0]["key"] == "nvidia.com/gpu"
        extra = next(e["value"] for e in main["env"] if e["name"] == "VLLM_ADDITIONAL_ARGS")
        assert "--tensor-parallel-size" not in extra     # the preset writes it from parallelism
        assert any(e["name"] == "HF_TOKEN" for e in main["env"])
    kueue = yaml.safe_load(built.files["components/dev/kueue/kueue.yaml"])
    assert "LeaderWorkerSet" in kueue["spec"]["config"]["integrations"]["frameworks"]
    # prod serves no model over nodes: no LeaderWorkerSet integration, and one node each
    prod = yaml.safe_load(built.files["components/prod/kueue/kueue.yaml"])
    assert "LeaderWorkerSet" not in prod["spec"]["config"]["integrations"]["frameworks"]
    single = yaml.safe_load(built.files["components/dev/serving/llmisvc-qwen-32b-fp8.yaml"])["spec"]
    assert "worker" not in single and "parallelism" not in single
    assert "Leader Worker Set Operator" in built.files["README.md"]


def test_experts_are_split_as_vllm_splits_them():
    """ep_size = dp x tp, whole experts per rank, the first ranks one more (fused_moe)."""
    share = gpufit.expert_share(QWEN3)
    assert 0.96 < share < 0.97          # 94 layers x 128 experts x 3 x 4096 x 1536 of 235.1B
    whole = 100.0
    assert gpufit.expert_parallel_weights(QWEN3, whole, 1, 1) == whole
    eight = gpufit.expert_parallel_weights(QWEN3, whole / 4, 4, 8)
    assert eight == pytest.approx(whole * (1 - share) / 4 + whole * share * 16 / 128)
    three = gpufit.expert_parallel_weights(QWEN3, whole, 1, 3)       # 128 / 3: 43 on rank 0
    assert three == pytest.approx(whole * (1 - share) + whole * share * 43 / 128)
    dense = catalog.ARCHITECTURES["meta-llama/Llama-3.3-70B-Instruct"]
    assert gpufit.expert_parallel_weights(dense, 10.0, 4, 8) == 10.0


def test_the_plan_sizes_each_engine_and_counts_every_one(built):
    mp = model(built, "dev", "qwen3-235b")
    assert mp.fit.fits and mp.fit.ranks == 2
    # FP8 weights split by TP 4 and the experts by EP 8: far below a quarter of the model
    assert 25 < mp.fit.weights_gib < 32
    assert mp.fit.max_concurrency == pytest.approx(2 * mp.fit.estimate.max_concurrency)


def test_on_one_node_the_same_model_does_not_start(tmp_path):
    path = edited(tmp_path, ("    nodes: 2                            # data", "    nodes: 1  # data"))
    mp = model(pipeline.build(path), "dev", "qwen3-235b")
    assert mp.fit.fits is False and "No available memory" in mp.fit.reason


def test_a_group_is_admitted_whole_or_not_at_all(tmp_path):
    # 3 nodes: the first replica's group takes two, the second finds one node for two pods
    path = edited(tmp_path, ("    instanceType: g6e.12xlarge\n    nodes: 4", "    instanceType: g6e.12xlarge\n    nodes: 3"))
    mp = model(pipeline.build(path), "dev", "qwen3-235b")
    assert mp.admitted_replicas == 1 and mp.admission == "Pending"
    assert "quota: needs 8 GPUs (nvidia-l40s-ep 4/12 free)" in mp.reason
    assert "at its minimum of 1, admitted" in mp.reason
    assert mp.monthly_usd == pytest.approx(2 * catalog.INSTANCES["g6e.12xlarge"].hourly_usd
                                           * catalog.HOURS_PER_MONTH)


def test_the_plan_admits_at_the_maximum(built):
    mp = model(built, "dev", "qwen3-235b")
    assert mp.replicas == 2 and mp.admitted_replicas == 2 and mp.admission == "Admitted"
    assert "scales 1-2, admitted at its maximum" in mp.reason
    assert mp.gpus_text == "4x2 nodes"


def test_scaling_renders_the_autoscaler_and_no_fixed_replicas(built):
    spec = yaml.safe_load(built.files["components/dev/serving/llmisvc-qwen3-235b.yaml"])["spec"]
    # CEL: replicas and scaling are mutually exclusive; wva with exactly one actuator
    assert "replicas" not in spec
    assert spec["scaling"] == {"minReplicas": 1, "maxReplicas": 2, "wva": {"hpa": {}}}
    dsc = yaml.safe_load(built.files["components/dev/rhoai/datasciencecluster.yaml"])
    assert dsc["spec"]["components"]["kserve"]["wva"] == {"managementState": "Managed"}
    prod = yaml.safe_load(built.files["components/prod/rhoai/datasciencecluster.yaml"])
    assert "wva" not in prod["spec"]["components"]["kserve"]
    assert "wva_desired_replicas" in built.files["README.md"]


def test_scaling_where_the_release_has_none_is_refused(tmp_path):
    path = edited(tmp_path, ("        qwen3-235b: {state: off}", "        qwen3-235b: {state: active}"))
    found = codes(path)
    assert [m for m in found["SCALING"] if "OpenShift AI 3.3" in m and "(environment prod)" in m]


@pytest.mark.parametrize("change, why", [
    (("    mode: llm-d\n    storage: hf\n    source: hf://Qwen/Qwen3-235B", "    mode: kserve\n    storage: hf\n    source: hf://Qwen/Qwen3-235B"),
     "is served by KServe"),
    (("hf://Qwen/Qwen3-235B-A22B-Instruct-2507-FP8\n    params: 235B",
      "hf://RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic\n    params: 70.6B"), "is dense"),
])
def test_what_cannot_span_nodes_is_refused(tmp_path, change, why):
    found = codes(edited(tmp_path, change))
    assert [m for m in found["MULTINODE"] if why in m], found


def test_a_group_larger_than_its_pool_is_refused(tmp_path):
    path = edited(tmp_path, ("    nodes: 2                            # data", "    nodes: 5  # data"))
    assert [m for m in codes(path)["POOL_TOO_SMALL"] if "spans 5 nodes, pool nvidia-l40s-ep has 4" in m]
