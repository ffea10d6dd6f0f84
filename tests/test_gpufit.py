"""The GPU memory model against public vLLM start-up logs (tests/evidence.py; docs/gpu-fit.md
has the table). One memory model for all of them: start/fail must match exactly, and the KV
pool must be within 10% on at least 85% of the starts that logged it, the misses named.
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from gpuaas import catalog, gpufit

from .evidence import EVIDENCE, Case, kv_error, predict, source_of

H100 = 79.19
BIG = (8192, 1024)      # vLLM's batch defaults on H100/H200 (>= 70 GiB, not an A100)


def test_evidence_is_broad():
    """At least 30 logs from at least 6 independent sources, covering what the model must
    get right: refusals, MLA, hybrid, multimodal, AWQ/GPTQ, TP > 1 and multi-node."""
    assert len(EVIDENCE) >= 30
    assert len({source_of(c) for c in EVIDENCE}) >= 6
    assert {c.started for c in EVIDENCE} == {True, False}
    kinds = " ".join(c.kind for c in EVIDENCE)
    for kind in ("refusal", "MLA", "hybrid", "multimodal", "AWQ", "GPTQ", "TP 2", "TP 4", "multi-node"):
        assert kind in kinds, kind


@pytest.mark.parametrize("case", EVIDENCE, ids=[c.name for c in EVIDENCE])
def test_start_or_fail_matches_the_log(case: Case):
    assert predict(case).fits is case.started, predict(case).reason


def test_kv_pool_within_10_percent_on_85_percent_of_the_logged_starts():
    logged = [c for c in EVIDENCE if kv_error(c) is not None]
    inside = [c for c in logged if abs(kv_error(c)) <= 0.10]
    assert len(inside) >= 0.85 * len(logged), [(c.name, kv_error(c)) for c in logged if c not in inside]
    # every miss is a documented one, and a documented miss that now matches is noticed
    assert {c.name for c in logged if c not in inside} == {c.name for c in logged if c.known_miss}
    for case in logged:
        if case.known_miss:
            assert abs(kv_error(case)) > 0.10, f"{case.name}: a documented miss now matches"


@pytest.mark.parametrize("case", [c for c in EVIDENCE if c.started and c.kv_tokens],
                         ids=[c.name for c in EVIDENCE if c.started and c.kv_tokens])
def test_tokens_follow_the_pool(case: Case):
    """"GPU KV cache size" as vLLM reports it: within 15% where the pool is within 10%."""
    if abs(kv_error(case)) > 0.10:
        pytest.skip("the pool itself is a documented miss")
    assert abs(predict(case).kv_tokens - case.kv_tokens) / case.kv_tokens <= 0.15


def test_refusals_give_vllms_reason():
    empty = predict(EVIDENCE[0])
    assert empty.kv_pool_gib <= 0 and empty.reason.startswith("No available memory for the cache blocks")
    short = predict(next(c for c in EVIDENCE if c.max_model_len == 29000))
    assert "To serve at least one request with the model's max seq len (29000)" in short.reason


def test_the_two_refusals_of_issue_12_on_one_h100():
    """Qwen3-32B BF16 at 32000 tokens: a pool of about 4.5 GiB for a sequence of 7.8 GiB;
    Llama-3.3-70B FP8: no memory left for cache blocks."""
    big = gpufit.Serving(H100, BIG, max_model_len=32000)
    qwen = catalog.ARCHITECTURES["Qwen/Qwen3-32B"]
    q = gpufit.estimate(qwen, gpufit.weights_gib(qwen, 32.8e9, 2, 1, False), big)
    assert not q.fits and q.kv_pool_gib == pytest.approx(4.45, rel=0.15)
    assert q.sequence_gib == pytest.approx(7.81, abs=0.01)
    llama = catalog.ARCHITECTURES["meta-llama/Llama-3.3-70B-Instruct"]
    l70 = gpufit.estimate(llama, gpufit.weights_gib(llama, 70.6e9, 1, 1, True),
                          gpufit.Serving(H100, BIG))
    assert not l70.fits and l70.kv_pool_gib < 0


def test_sliding_window_layers_keep_only_their_window():
    """gpt-oss alternates full and 128-token sliding layers: a 131072-token request needs the
    full layers' KV plus a window-and-one-batch for the others, not 24 full layers."""
    arch = catalog.ARCHITECTURES["openai/gpt-oss-20b"]
    s = gpufit.Serving(22.06)
    full = 12 * 131072 * 2 * 8 * 64 * 2
    window = 12 * (128 - 1 + 2048 + 1) * 2 * 8 * 64 * 2
    assert gpufit.sequence_bytes(arch, s, 131072) == pytest.approx(full + window, rel=0.01)


def test_fp8_kv_cache_doubles_tokens_and_enforce_eager_drops_graphs():
    arch = catalog.ARCHITECTURES["ibm-granite/granite-3.1-8b-instruct"]
    bf16 = gpufit.estimate(arch, 7.8, gpufit.Serving(22.06, max_model_len=16384))
    fp8 = gpufit.estimate(arch, 7.8, gpufit.Serving(22.06, max_model_len=16384, kv_bytes=1))
    assert fp8.kv_tokens == pytest.approx(2 * bf16.kv_tokens, rel=0.01)
    eager = gpufit.estimate(arch, 7.8, gpufit.Serving(22.06, enforce_eager=True))
    assert bf16.cuda_graph_gib > 0 and eager.cuda_graph_gib == 0


def test_tensor_parallel_splits_kv_heads_and_replicates_below_one():
    arch = catalog.ARCHITECTURES["Qwen/Qwen3-235B-A22B"]   # 4 KV heads
    assert gpufit.kv_heads_per_gpu(arch, 4) == 1 and gpufit.kv_heads_per_gpu(arch, 8) == 1
    assert gpufit.kv_heads_per_gpu(arch, 2) == 2


def test_largest_max_model_len_is_the_boundary():
    arch = catalog.ARCHITECTURES["ibm-granite/granite-3.1-8b-instruct"]
    s = gpufit.Serving(22.06)
    best = gpufit.largest_max_model_len(arch, 7.8, s)
    assert 16384 < best < 131072 and best % 1024 == 0
    assert gpufit.estimate(arch, 7.8, gpufit.Serving(22.06, max_model_len=best)).fits
    assert not gpufit.estimate(arch, 7.8, gpufit.Serving(22.06, max_model_len=best + 1024)).fits


def test_unknown_sizes_take_a_conservative_activation():
    arch = catalog.Architecture(32, 8, 128, 8192)
    assert gpufit.activation_gib(arch, gpufit.Serving(22.06)) == gpufit.UNKNOWN_ACTIVATION_GIB


def test_config_json_reads_sliding_layers_and_multimodal_text_config():
    """A Hugging Face config.json as published: gpt-oss lists layer_types; Gemma 3 keeps the
    language model in text_config with a sliding_window_pattern."""
    oss = catalog.from_config({
        "num_hidden_layers": 4, "hidden_size": 2880, "num_attention_heads": 64,
        "num_key_value_heads": 8, "head_dim": 64, "vocab_size": 201088, "sliding_window": 128,
        "max_position_embeddings": 131072, "num_local_experts": 32, "num_experts_per_tok": 4,
        "layer_types": ["sliding_attention", "full_attention"] * 2})
    assert (oss.sliding_layers, oss.sliding_window, oss.experts, oss.head_dim) == (2, 128, 32, 64)
    gemma = catalog.from_config({"tie_word_embeddings": True, "text_config": {
        "num_hidden_layers": 62, "hidden_size": 5376, "num_attention_heads": 32,
        "num_key_value_heads": 16, "head_dim": 128, "vocab_size": 262208, "sliding_window": 1024,
        "sliding_window_pattern": 6, "max_position_embeddings": 131072}})
    assert gemma == replace(catalog.ARCHITECTURES["google/gemma-3-27b-it"], intermediate=0,
                            params=0, vision=None)


def test_catalog_knows_the_models_people_deploy_and_their_quantised_copies():
    assert len(catalog.ARCHITECTURES) >= 30
    for source, repo in [
            ("hf://RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic", "meta-llama/Llama-3.3-70B-Instruct"),
            ("hf://Qwen/Qwen2.5-7B-Instruct-AWQ", "Qwen/Qwen2.5-7B-Instruct"),
            ("hf://Qwen/Qwen3-32B-FP8", "Qwen/Qwen3-32B"),
            ("hf://RedHatAI/Mistral-Small-24B-Instruct-2501-quantized.w4a16",
             "mistralai/Mistral-Small-24B-Instruct-2501"),
            ("oci://registry.redhat.io/rhelai1/modelcar-mistral-small-24b-instruct-2501-quantized-w4a16:1.5",
             "mistralai/Mistral-Small-24B-Instruct-2501"),
            ("hf://ibm-granite/granite-3.1-8b-instruct@main", "ibm-granite/granite-3.1-8b-instruct")]:
        assert catalog.architecture_for(source)[0] == repo, source
    assert catalog.architecture_for("hf://org/model") is None
    assert catalog.architecture_for("s3://bucket/Mistral-Small-24B-Instruct/w4a16") is None


def test_mla_keeps_one_latent_per_token_and_layer_on_every_gpu():
    """DeepSeek-V3/R1: kv_lora_rank 512 + qk_rope_head_dim 64 per token and layer, whatever the
    TP (vLLM: get_num_kv_heads is 1 and get_head_size the latent's width under MLA;
    MLAAttentionSpec.page_size_bytes has no factor 2 for K and V)."""
    from gpuaas import catalog, gpufit
    arch = catalog.ARCHITECTURES["deepseek-ai/DeepSeek-R1"]
    for tp in (1, 8):
        s = gpufit.Serving(gpu_gib=131.0, tp=tp)
        assert gpufit.bytes_per_token_layer(arch, s) == 576 * 2
    assert gpufit.bytes_per_token_layer(arch, gpufit.Serving(gpu_gib=131.0, kv_bytes=1)) == 576
    # as config.json says it
    config = {"model_type": "deepseek_v3", "num_hidden_layers": 61, "hidden_size": 7168,
              "num_attention_heads": 128, "num_key_value_heads": 128, "kv_lora_rank": 512,
              "qk_rope_head_dim": 64, "qk_nope_head_dim": 128, "v_head_dim": 128,
              "max_position_embeddings": 163840, "intermediate_size": 18432, "vocab_size": 129280,
              "n_routed_experts": 256, "num_experts_per_tok": 8, "moe_intermediate_size": 2048,
              "first_k_dense_replace": 3}
    read = catalog.from_config(config)
    assert (read.mla_dim, read.dense_layers, read.experts) == (576, 3, 256)
    # 58 layers of 256 experts x 3 x 7168 x 2048: 97.5% of its 671B parameters
    assert 0.97 < gpufit.expert_share(arch) < 0.98


def test_deepseek_r1_starts_on_eight_h200_not_on_eight_h100_and_on_two_h100_nodes():
    from gpuaas import catalog, gpufit
    arch = catalog.ARCHITECTURES["deepseek-ai/DeepSeek-R1"]
    weights = gpufit.weights_gib(arch, 671e9, 1, 8, True)     # FP8, TP 8
    h200 = gpufit.estimate(arch, weights, gpufit.Serving(gpu_gib=catalog.GPUS["H200"].usable_gib, tp=8, max_model_len=32768))
    h100 = gpufit.estimate(arch, weights, gpufit.Serving(gpu_gib=catalog.GPUS["H100"].usable_gib, tp=8, max_model_len=32768))
    assert h200.fits and 40 < h200.kv_pool_gib < 50 and not h100.fits
    # llm-d over two nodes: the experts over 16 GPUs
    two = gpufit.expert_parallel_weights(arch, weights, 8, 16)
    assert two < weights / 1.8
    assert gpufit.estimate(arch, two, gpufit.Serving(gpu_gib=catalog.GPUS["H100"].usable_gib, tp=8, max_model_len=32768)).fits


def test_an_mla_model_the_catalog_lacks_is_described_by_its_facts(tmp_path):
    from gpuaas import pipeline

    from .conftest import REPO, write
    text = (REPO / "portfolios" / "starter.yaml").read_text().replace(
        "    maxModelLen: 16384\n  - name: qwen-32b-fp8", "    maxModelLen: 16384\n  - name: mla-model\n"
        "    source: hf://example/mla-16b\n    params: 15.7B\n    precision: bf16\n    gpus: 1\n"
        "    maxModelLen: 8192\n    architecture: {layers: 27, kvHeads: 16, headDim: 192, context: 163840, "
        "hiddenSize: 2048, attentionHeads: 16, intermediateSize: 10944, vocabSize: 102400, experts: 64, "
        "activeExperts: 6, expertIntermediateSize: 1408, kvLoraRank: 512, qkRopeHeadDim: 64, denseLayers: 1}\n"
        "  - name: qwen-32b-fp8", 1)
    plan = pipeline.build(write(tmp_path / "p.yaml", text)).plan
    mp = next(m for m in plan.environments[0].models if m.name == "mla-model")
    # 576 values x 2 bytes x 27 layers per token, not 2 x 16 heads x 192
    assert mp.fit.fits and mp.fit.kv_tokens * 576 * 2 * 27 <= mp.fit.kv_pool_gib * 2**30
    assert mp.fit.kv_tokens * 576 * 2 * 27 > 0.97 * mp.fit.kv_pool_gib * 2**30


def test_a_hybrid_model_lays_out_its_cache_as_vllm_logs_it():
    """Qwen3-Next on 2 x H200 (vLLM 0.10.2's log): "Setting attention block size to 544
    tokens", "Padding mamba page size by 1.49%", then 973,760 tokens and 14.77x at 262,144 from
    a 44.59 GiB pool: the gated DeltaNet state (548,864 bytes a request and layer on each GPU)
    sizes the attention block, and the layers share one pool in 4 groups of 12."""
    case = next(c for c in EVIDENCE if "Qwen3-Next" in c.name)
    arch = catalog.ARCHITECTURES["Qwen/Qwen3-Next-80B-A3B-Instruct"]
    from .evidence import serving
    s = serving(case)
    assert arch.state.page_bytes(2) == 548_864
    block, page, size, attention_groups, state_groups = gpufit.hybrid_blocks(arch, s)
    assert block == 544 and round(page / 548_864 - 1, 4) == 0.0149
    assert (size, attention_groups, state_groups) == (12, 1, 3)
    tokens, concurrency, _ = gpufit._hybrid(arch, s, 44.59, 262_144)
    assert tokens == 973_760 and round(concurrency, 2) == 14.77
    # vLLM 0.24 reports concurrency x length instead
    later = replace(s, engine=catalog.engine("0.24.0"))
    assert gpufit._hybrid(arch, later, 44.59, 262_144)[0] == int(concurrency * 262_144)


def test_state_layers_hold_one_state_a_request_whatever_its_length():
    """Granite 4.0 H small: 4 attention layers keep KV per token, 36 Mamba-2 layers a fixed
    state; a 128k request needs far less than 40 attention layers would."""
    arch = catalog.ARCHITECTURES["ibm-granite/granite-4.0-h-small"]
    s = gpufit.Serving(catalog.GPUS["H100"].usable_gib, BIG, max_model_len=131072)
    hybrid = gpufit.estimate(arch, 32.2e9 * 2 / 2**30, s)
    dense = gpufit.estimate(replace(arch, layers=40, state_layers=0, state=None), 32.2e9 * 2 / 2**30, s)
    assert hybrid.fits and hybrid.sequence_gib < dense.sequence_gib / 5
    assert hybrid.max_concurrency > 5 * dense.max_concurrency
    # Mamba-2's state (granite: 128 heads x 64 x 128 ssm, plus the conv window) on one GPU
    assert arch.state.page_bytes(1) == 3 * (8192 + 2 * 128) * 2 + 128 * 64 * 128 * 2


def test_the_sampler_is_the_vllm_releases():
    """The dummy sampler over 1,024 requests of a 262k vocabulary: about 36 bytes an entry
    where vLLM sorts (0.8-0.17), about 14 plus one row per SM from 0.18 (Triton in place),
    none under the V0 engine."""
    arch = catalog.ARCHITECTURES["google/gemma-3-4b-it"]
    def peak(version: str) -> float:
        return gpufit.activation_gib(replace(arch, vision=None), gpufit.Serving(
            79.19, BIG, max_model_len=8192, engine=catalog.engine(version), sms=132))
    rows = 1024 * 262208
    assert peak("0.11.0") == pytest.approx(rows * 36 / 2**30, rel=0.01)
    assert peak("0.19.0") == pytest.approx((rows * 14 + 132 * 262208 * 4) / 2**30, rel=0.01)
    assert peak("0.6.4") < 1     # the forward pass only


def test_from_0_21_cuda_graphs_come_out_of_the_pool():
    arch = catalog.ARCHITECTURES["meta-llama/Llama-3.1-8B-Instruct"]
    def pool(version: str, eager: bool = False) -> float:
        return gpufit.estimate(arch, 15.0, gpufit.Serving(79.19, BIG, max_model_len=8192, enforce_eager=eager,
                                                            engine=catalog.engine(version))).kv_pool_gib
    assert pool("0.20.0") - pool("0.21.0") == pytest.approx(1.0)
    assert pool("0.21.0", eager=True) == pytest.approx(pool("0.20.0", eager=True))


def test_a_vision_model_profiles_its_encoder():
    """Qwen2.5-VL: one 16,384-token image (65,536 patches) through the tower; its outputs
    are held while the language model's forward pass and the sampler run."""
    arch = catalog.ARCHITECTURES["Qwen/Qwen2.5-VL-7B-Instruct"]
    s = gpufit.Serving(catalog.GPUS["L40S"].usable_gib, max_model_len=32768, engine=catalog.engine("0.19.0"))
    tower, held = gpufit.vision_bytes(arch, s)
    assert tower == 65536 * (5 * 1280 + 3 * 3420) * 2 and held == 16384 * 3584 * 2
    text_only = gpufit.activation_gib(replace(arch, vision=None), s)
    assert gpufit.activation_gib(arch, s) == pytest.approx(max(tower / 2**30, held / 2**30 + text_only))


def test_grouped_4_bit_weights_follow_their_bit_width_and_group():
    """4 bits a weight and a 16-bit scale per 128 (GPTQ-Marlin, compressed-tensors W4A16);
    the embeddings and lm_head stay in 16 bits: Qwen2.5-72B AWQ over two GPUs is 19.4 GiB a
    GPU as vLLM 0.7.2 logged it (weisser-zwerg.dev)."""
    assert catalog.PRECISIONS["w4a16"] == 0.5 + 2 / 128
    arch = catalog.ARCHITECTURES["Qwen/Qwen2.5-72B-Instruct"]
    weights = gpufit.weights_gib(arch, arch.params * 1e9, catalog.PRECISIONS["int4"], 2, True)
    assert weights == pytest.approx(19.40, rel=0.03)


def test_the_evidence_path_is_the_plans(tmp_path):
    """The evidence predicts as `plan` does: a portfolio naming the model on that GPU gives
    the same pool, tokens and verdict."""
    from gpuaas import pipeline

    from .conftest import REPO, write
    from .evidence import predict
    case = next(c for c in EVIDENCE if c.name == "Qwen3-Coder-30B-A3B on 4 x L40S (g6e.12xlarge)")
    text = (REPO / "portfolios" / "starter.yaml").read_text()
    text = text.replace("  - name: qwen-32b-fp8", "  - name: coder\n    source: hf://Qwen/Qwen3-Coder-30B-A3B-Instruct\n"
                        "    params: 30.5B\n    precision: bf16\n    gpus: 4\n    maxModelLen: 32768\n"
                        "  - name: qwen-32b-fp8", 1)
    built = pipeline.build(write(tmp_path / "p.yaml", text))
    env = built.plan.environments[0]
    mp = next(m for m in env.models if m.name == "coder")
    gpu = next(p.gpu for p in env.pools if p.name == mp.fit.pool)
    expected = predict(replace(case, vllm=env.target.vllm,
                               gpu=next(k for k, g in catalog.GPUS.items() if g == gpu)))
    assert mp.fit.fits is expected.fits
    assert mp.fit.kv_pool_gib == pytest.approx(expected.kv_pool_gib, abs=0.01)
    assert mp.fit.kv_tokens == expected.kv_tokens


def test_an_architecture_vllm_dropped_is_refused_with_the_release(tmp_path):
    """Llama 3.2 Vision (Mllama) was served until vLLM 0.10.2; OpenShift AI 3.0 runs 0.11."""
    from gpuaas import pipeline

    from .conftest import REPO, write
    text = (REPO / "portfolios" / "starter.yaml").read_text().replace(
        "  - name: qwen-32b-fp8", "  - name: vision\n    source: hf://meta-llama/Llama-3.2-11B-Vision-Instruct\n"
        "    params: 10.7B\n    precision: bf16\n    gpus: 1\n    maxModelLen: 8192\n  - name: qwen-32b-fp8", 1)
    mp = next(m for m in pipeline.build(write(tmp_path / "p.yaml", text)).plan.environments[0].models
              if m.name == "vision")
    assert mp.fit.fits is False and "until vLLM 0.10.2" in mp.fit.reason


def test_a_hybrid_config_json_reads_as_the_catalog_states_it():
    """granite-4.0-h-small's and Qwen3-Next's config.json (the fields vLLM reads) give the
    catalog's facts: which layers keep KV, which a state, and the state's shape."""
    granite = catalog.from_config({
        "model_type": "granitemoehybrid", "num_hidden_layers": 40, "hidden_size": 4096,
        "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 100352,
        "max_position_embeddings": 131072, "tie_word_embeddings": True, "intermediate_size": 768,
        "num_local_experts": 72, "num_experts_per_tok": 10, "mamba_n_heads": 128, "mamba_d_head": 64,
        "mamba_d_state": 128, "mamba_n_groups": 1, "mamba_d_conv": 4, "mamba_expand": 2,
        "layer_types": (["mamba"] * 5 + ["attention"] + ["mamba"] * 4) * 4})
    small = catalog.ARCHITECTURES["ibm-granite/granite-4.0-h-small"]
    assert (granite.layers, granite.state_layers, granite.state) == (4, 36, small.state)
    qwen = catalog.from_config({
        "model_type": "qwen3_next", "num_hidden_layers": 48, "hidden_size": 2048,
        "num_attention_heads": 16, "num_key_value_heads": 2, "head_dim": 256, "vocab_size": 151936,
        "max_position_embeddings": 262144, "num_experts": 512, "num_experts_per_tok": 10,
        "moe_intermediate_size": 512, "full_attention_interval": 4, "linear_conv_kernel_dim": 4,
        "linear_key_head_dim": 128, "linear_value_head_dim": 128, "linear_num_key_heads": 16,
        "linear_num_value_heads": 32})
    assert qwen == replace(catalog.ARCHITECTURES["Qwen/Qwen3-Next-80B-A3B-Instruct"], params=0)


def test_a_vision_config_json_gives_the_encoder():
    gemma = catalog.from_config({"mm_tokens_per_image": 256, "text_config": {
        "num_hidden_layers": 34, "hidden_size": 2560, "num_attention_heads": 8, "num_key_value_heads": 4,
        "head_dim": 256, "vocab_size": 262208, "max_position_embeddings": 131072},
        "vision_config": {"hidden_size": 1152, "intermediate_size": 4304, "image_size": 896, "patch_size": 14}})
    assert gemma.vision == catalog.ARCHITECTURES["google/gemma-3-4b-it"].vision


NAMED = [   # the architectures people serve now, as their repositories name them
    ("hf://deepseek-ai/DeepSeek-R1", "671B", "fp8", 8, "H200"),
    ("hf://deepseek-ai/DeepSeek-V3", "671B", "fp8", 8, "H200"),
    ("hf://moonshotai/Kimi-K2-Instruct", "1026B", "fp8", 8, "B200"),
    ("hf://Qwen/Qwen3-Next-80B-A3B-Instruct", "79.7B", "bf16", 2, "H200"),
    ("hf://ibm-granite/granite-4.0-h-small", "32.2B", "bf16", 1, "H100"),
    ("hf://ibm-granite/granite-4.0-h-tiny", "6.9B", "bf16", 1, "L40S"),
    ("hf://nvidia/NVIDIA-Nemotron-Nano-9B-v2", "8.9B", "bf16", 1, "L40S"),
    ("hf://ai21labs/AI21-Jamba-Mini-1.6", "51.6B", "bf16", 2, "H100"),
    ("hf://tiiuae/Falcon-H1-7B-Instruct", "7.6B", "bf16", 1, "L40S"),
    ("hf://llava-hf/llava-1.5-7b-hf", "7.1B", "bf16", 1, "L4"),
    ("hf://Qwen/Qwen2.5-VL-7B-Instruct", "8.3B", "bf16", 1, "L40S"),
    ("hf://mistralai/Mistral-Small-3.1-24B-Instruct-2503", "24B", "bf16", 1, "H100"),
    ("hf://google/gemma-3-27b-it", "27.4B", "bf16", 1, "H100"),
    ("hf://Qwen/Qwen2.5-72B-Instruct-AWQ", "72.7B", "int4", 2, "L40S"),
]


@pytest.mark.parametrize("source,params,precision,gpus,gpu", NAMED, ids=[n[0] for n in NAMED])
def test_each_architecture_plans_from_its_name_alone(tmp_path, source, params, precision, gpus, gpu):
    """No `architecture:` facts: the catalog knows the model, and the plan sizes it (state
    layers, latent attention, a vision tower, grouped 4-bit weights included)."""
    from gpuaas import pipeline

    from .conftest import HEAD, write
    instance = next(name for name, i in catalog.INSTANCES.items() if i.gpu == gpu and i.gpus == 8) \
        if gpus > 1 or gpu in ("H100", "H200", "B200") else None
    pool = (f"  - name: p\n    gpu: {gpu}\n" + (f"    instanceType: {instance}\n" if instance else
            "    gpusPerNode: 1\n    cpuPerNode: 16\n    memoryGiBPerNode: 128\n"))
    length = min(8192, catalog.architecture_for(source)[1].context)
    text = (f"{HEAD}serving: {{hfTokenSecret: hf-token}}\npools:\n{pool}models:\n  - name: m\n"
            f"    source: {source}\n    params: {params}\n"
            f"    precision: {precision}\n    gpus: {gpus}\n    maxModelLen: {length}\n")
    built = pipeline.build(write(tmp_path / "p.yaml", text), with_files=False)
    assert built.plan is not None, [f.message for f in built.findings]
    assert not [f for f in built.findings if f.severity == "error"], [f.message for f in built.findings]
    fit = built.plan.environments[0].models[0].fit
    assert fit.fits is not None, fit.reason
    assert fit.architecture == catalog.architecture_for(source)[0]
    assert fit.fits, fit.reason


def test_a_hybrid_the_catalog_lacks_is_described_by_its_facts(tmp_path):
    """`architecture:` with stateLayers and state plans like the catalog's entry for the
    same facts (Granite 4.0 H small written out)."""
    from gpuaas import pipeline

    from .conftest import REPO, write
    spec = ("{layers: 4, kvHeads: 8, headDim: 128, context: 131072, hiddenSize: 4096, attentionHeads: 32, "
            "intermediateSize: 1536, vocabSize: 100352, tiedEmbeddings: true, experts: 72, activeExperts: 10, "
            "expertIntermediateSize: 768, stateLayers: 36, state: {kind: mamba2, convKernel: 4, inner: 8192, "
            "heads: 128, headDim: 64, dState: 128, groups: 1}}")
    model = ("  - name: {name}\n    source: {source}\n    params: 32.2B\n    precision: bf16\n    gpus: 1\n"
             "    maxModelLen: 65536\n")
    text = (REPO / "portfolios" / "starter.yaml").read_text().replace(
        "  - name: qwen-32b-fp8",
        model.format(name="described", source="hf://example/hybrid-32b") + f"    architecture: {spec}\n"
        + model.format(name="catalog", source="hf://ibm-granite/granite-4.0-h-small") + "  - name: qwen-32b-fp8", 1)
    env = pipeline.build(write(tmp_path / "p.yaml", text)).plan.environments[0]
    fits = {m.name: m.fit for m in env.models}
    assert fits["described"].kv_tokens == fits["catalog"].kv_tokens
    assert fits["described"].estimate.max_concurrency == pytest.approx(fits["catalog"].estimate.max_concurrency)
    bad = text.replace("stateLayers: 36, ", "")
    from gpuaas.errors import UserError
    with pytest.raises(UserError, match="stateLayers and state go together"):
        pipeline.build(write(tmp_path / "q.yaml", bad))
