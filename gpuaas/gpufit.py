"""Will vLLM start, and how many requests will it hold: vLLM's start-up memory accounting.

Pure functions, no printing. Per GPU (vllm/v1/worker/gpu_worker.py determine_available_memory):

    KV pool = total x gpu-memory-utilization - (weights + peak activation + non-torch memory)
              [- CUDA graph estimate, from vLLM 0.21]

vLLM then splits the pool into blocks for every attention layer, and for a hybrid model one
state per request for every Mamba or linear-attention layer (vllm/v1/core/kv_cache_utils.py
get_kv_cache_config), and refuses to start when the pool is empty or smaller than one
max_model_len sequence (check_enough_kv_cache_memory). What differs between vLLM releases is
in catalog.ENGINES. The terms, their sources in vLLM and the evidence they are checked
against are in docs/gpu-fit.md.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .catalog import GIB, GPU, Architecture, Engine, engine

# The dummy sampler run of profile_run (vllm/v1/worker/gpu_model_runner.py _dummy_sampler_run)
# holds, per (request, vocabulary entry), what Engine.sampler_bytes says: about 36 bytes where
# top-k/top-p sorts the vocabulary (fp32 logits 4, sorted copy 4 and int64 indices 8,
# softmax 4, cumulative sum 4, the logits scattered back 4, probabilities 4, noise 4), about
# 14 where it filters in place (bf16 logits 2, fp32 logits 4, probabilities 4, noise 4).
# cuBLAS/NCCL workspaces and the CUDA context growth vLLM measures as "non-torch memory".
NON_TORCH_GIB = 0.2
# Activation when the architecture gives no hidden size or vocabulary (an `architecture:`
# with layers, kvHeads and headDim only): a conservative stand-in, never zero.
UNKNOWN_ACTIVATION_GIB = 2.0
# CUDA graphs: vLLM 0.11 captures them after the KV cache is allocated, out of the memory
# gpu-memory-utilization leaves free (a typical capture takes 0.1-0.7 GiB); from 0.21 it
# estimates them first and takes them from the pool (Engine.graphs_gib).
CUDA_GRAPH_GIB = 0.5
BLOCK = 16   # tokens per KV block (vLLM's default block_size on CUDA)
# A vision item's activation per patch, per unit of the tower's width: the residual stream,
# norm, QKV and attention output (about 5 x hidden) and the MLP (about 3 x intermediate),
# 2 bytes each; flash attention keeps no patch x patch matrix. An estimate from the tower's
# shape, checked against the logged peaks (docs/gpu-fit.md).
VISION_HIDDEN, VISION_MLP = 5, 3


def non_torch_gib(gpu: GPU | None, tp: int) -> float:
    """Non-torch memory: the base, and NCCL's buffers under tensor parallelism where the GPU's
    nodes have them (GPU.nccl_gib)."""
    return NON_TORCH_GIB + (gpu.nccl_gib if gpu is not None and tp > 1 else 0.0)


@dataclass(frozen=True)
class Serving:
    """The vLLM settings start-up memory depends on (flags or portfolio fields)."""
    gpu_gib: float                      # total per GPU, as the driver reports it
    batch_defaults: tuple[int, int] = (2048, 256)   # vLLM's (max_num_batched_tokens, max_num_seqs)
    tp: int = 1
    utilization: float = 0.9
    max_model_len: int | None = None    # None: the model's context
    max_num_batched_tokens: int | None = None
    max_num_seqs: int | None = None
    kv_bytes: float = 2.0               # 1 with --kv-cache-dtype=fp8
    enforce_eager: bool = False
    generate: bool = True               # False for the pooling runner (embeddings): no sampler
    engine: Engine = field(default_factory=lambda: engine(None))   # the vLLM release's behaviour
    sms: int = 132                      # the GPU's multiprocessors (the Triton sampler's buffer)
    non_torch_gib: float = NON_TORCH_GIB
    # the activation peak and non-torch memory together as a start-up log measured them
    # (a model's `measured`): in place of the estimate of both
    overhead_gib: float | None = None


@dataclass(frozen=True)
class Estimate:
    fits: bool
    reason: str                 # vLLM's reason when it does not start, else ""
    max_model_len: int
    weights_gib: float          # per GPU
    activation_gib: float
    non_torch_gib: float
    cuda_graph_gib: float       # reported, or taken from the pool first (Engine.graphs_before_kv)
    kv_pool_gib: float          # "Available KV cache memory", per GPU
    kv_tokens: int              # "GPU KV cache size: N tokens"
    sequence_gib: float         # KV cache one max_model_len request needs, per GPU
    max_concurrency: float      # "Maximum concurrency for N tokens per request"


def kv_heads_per_gpu(arch: Architecture, tp: int) -> int:
    # vllm/config/model.py get_num_kv_heads: KV heads are split, and replicated below one a GPU
    return max(1, arch.kv_heads // max(1, tp))


def bytes_per_token_layer(arch: Architecture, s: Serving) -> float:
    if arch.mla_dim:
        # MLA: one latent of kv_lora_rank + qk_rope_head_dim per token and layer, on every
        # GPU whatever the TP (vllm/config/model.py get_head_size, get_num_kv_heads returns 1;
        # vllm/v1/kv_cache_interface.py MLAAttentionSpec.page_size_bytes: no factor 2)
        return arch.mla_dim * s.kv_bytes
    return 2 * kv_heads_per_gpu(arch, s.tp) * arch.head_dim * s.kv_bytes


def sequence_bytes(arch: Architecture, s: Serving, tokens: int) -> float:
    """KV cache one request of `tokens` needs (kv_cache_interface max_memory_usage_bytes):
    full-attention layers keep every token; sliding-window layers keep the window plus one
    step of max_num_batched_tokens."""
    if arch.encoder_only:
        return 0.0
    mnbt, _ = batch(s)
    per_layer = bytes_per_token_layer(arch, s)
    full = arch.layers - arch.sliding_layers
    window = min(arch.sliding_window - 1 + mnbt, tokens) if arch.sliding_layers else 0
    return per_layer * (full * _blocks(tokens) + arch.sliding_layers * _blocks(window))


def _blocks(tokens: int) -> int:
    return -(-tokens // BLOCK) * BLOCK if tokens > 0 else 0


def batch(s: Serving) -> tuple[int, int]:
    """(max_num_batched_tokens, max_num_seqs) as vLLM resolves them."""
    mnbt = s.max_num_batched_tokens or s.batch_defaults[0]
    seqs = s.max_num_seqs or min(s.batch_defaults[1], mnbt)
    return mnbt, seqs


def activation_gib(arch: Architecture, s: Serving) -> float:
    """Peak of profile_run: for a multimodal model the vision tower over its dummy images
    first, then a forward pass of max_num_batched_tokens, then (for generation) the dummy
    sampler over min(max_num_seqs, max_num_batched_tokens) requests, the images' outputs
    held through both. They run one after the other, so the peak is the larger."""
    if not arch.hidden or not arch.vocab:
        return UNKNOWN_ACTIVATION_GIB
    mnbt, seqs = batch(s)
    tp = max(1, s.tp)
    # residual stream, norm output, attention output and QKV (hidden wide), plus the MLP's
    # gate/up projection and its activation (intermediate wide, split by TP); for MoE the
    # same per routed expert, and the routed outputs before they are summed
    mlp = 3 * arch.intermediate / tp
    moe = arch.active_experts * (3 * arch.expert_intermediate / tp + arch.hidden)
    forward = mnbt * (4 * arch.hidden + mlp + moe) * 2
    rows = min(seqs, mnbt)
    sampler = 0.0
    if s.generate and s.engine.sampler_bytes:
        sampler = rows * arch.vocab * s.engine.sampler_bytes
        if s.engine.sampler_buffer and rows >= 8:    # topk_topp_triton.py: one fp32 row per SM
            sampler += min(2 ** math.ceil(math.log2(min(s.sms, rows))), s.sms) * arch.vocab * 4
    tower, held = vision_bytes(arch, s)
    return max(tower, held + max(forward, sampler)) / GIB


def vision_bytes(arch: Architecture, s: Serving) -> tuple[float, float]:
    """(the tower's peak, the outputs held after it) of the encoder profile: max-size images,
    as many as the encoder budget (max(max_num_batched_tokens, one image)) holds, in one
    call (vllm/v1/worker/utils.py, gpu_model_runner.py profile_run). vLLM 0.11 keeps each
    output at the budget's length."""
    v = arch.vision
    if v is None or not s.generate:
        return 0.0, 0.0
    mnbt, seqs = batch(s)
    budget = max(mnbt, v.tokens)
    length = s.max_model_len or arch.context
    items = max(1, min(budget // v.tokens, seqs * max(1, length // v.tokens)))
    tower = items * v.patches * (VISION_HIDDEN * v.hidden + VISION_MLP * v.intermediate) * 2
    kept = budget if s.engine.encoder_outputs == "budget" else v.tokens
    return tower, items * kept * arch.hidden * 2


def weights_gib(arch: Architecture | None, params: float, bytes_per_param: float, tp: int,
                quantised: bool, checkpoint_gib: float | None = None) -> float:
    """Weights on one GPU: the checkpoint's size when known, else parameters x precision with
    the embeddings and lm_head kept in 16 bits by quantised checkpoints; split by TP."""
    if checkpoint_gib:
        return checkpoint_gib / max(1, tp)
    total = params * bytes_per_param
    if arch and quantised and arch.vocab and arch.hidden:
        embed = arch.vocab * arch.hidden * (1 if arch.tied else 2)
        total += embed * (2 - bytes_per_param)
    return total / GIB / max(1, tp)


def expert_share(arch: Architecture) -> float:
    """The routed experts' share of the parameters (gate, up and down projections of every
    expert of every layer); 0 for a dense model or one whose facts lack the expert width."""
    if not (arch.experts and arch.expert_intermediate and arch.hidden and arch.params):
        return 0.0
    experts = (arch.layers - arch.dense_layers) * arch.experts * 3 * arch.hidden * arch.expert_intermediate
    return min(1.0, experts / (arch.params * 1e9))


def expert_parallel_weights(arch: Architecture, weights: float, tp: int, ep: int) -> float:
    """Weights on one GPU when a mixture of experts runs expert parallel over `ep` GPUs:
    vLLM makes ep_size = dp x tp and gives each rank whole experts, the first ranks one more
    when they do not divide evenly (vllm/model_executor/layers/fused_moe/config.py
    FusedMoEParallelConfig.make, layer.py determine_expert_map); the rest of the model is
    split by tensor parallelism as before. `weights`: per GPU split by `tp` alone."""
    share = expert_share(arch)
    if ep <= 1 or not share:
        return weights
    whole = weights * max(1, tp)
    return whole * (1 - share) / max(1, tp) + whole * share * (-(-arch.experts // ep) / arch.experts)


def estimate(arch: Architecture, weights: float, s: Serving) -> Estimate:
    """vLLM's start-up verdict for `arch` with `weights` GiB per GPU under `s`."""
    length = s.max_model_len or arch.context
    act = activation_gib(arch, s) if s.overhead_gib is None else s.overhead_gib
    non_torch = s.non_torch_gib if s.overhead_gib is None else 0.0
    graphs = 0.0 if s.enforce_eager else s.engine.graphs_gib
    pool = s.gpu_gib * s.utilization - weights - act - non_torch
    if s.engine.graphs_before_kv:
        pool -= graphs
    if arch.encoder_only:
        tokens, concurrency, need = 0, float(batch(s)[1]) if pool > 0 else 0.0, 0.0
    elif arch.state_layers and arch.state:
        tokens, concurrency, need = _hybrid(arch, s, pool, length)
    else:
        need = sequence_bytes(arch, s, length) / GIB
        per_token = bytes_per_token_layer(arch, s) * arch.layers
        tokens = int(pool * GIB / per_token) // BLOCK * BLOCK if pool > 0 else 0
        concurrency = pool / need if pool > 0 and need else 0.0
    taken = weights + act + non_torch + (graphs if s.engine.graphs_before_kv else 0)
    if pool <= 0:
        reason = ("No available memory for the cache blocks: weights, activation and non-torch "
                  f"memory take {taken:.2f} of the "
                  f"{s.gpu_gib * s.utilization:.2f} GiB gpu-memory-utilization allows per GPU")
    elif need > pool:
        reason = (f"To serve at least one request with the model's max seq len ({length}), "
                  f"{need:.2f} GiB KV cache is needed, which is larger than the available KV "
                  f"cache memory ({pool:.2f} GiB)")
    else:
        reason = ""
    return Estimate(not reason, reason, length, weights, act, non_torch, graphs,
                    pool, tokens, need, concurrency)


def hybrid_blocks(arch: Architecture, s: Serving) -> tuple[int, float, int, int, int]:
    """How vLLM lays out a hybrid model's cache: (attention block size in tokens, page bytes,
    layers per group, attention groups, state groups). The attention block grows until its
    page holds one request's state (vllm/model_executor/models/config.py
    HybridAttentionMambaModelConfig); layers form groups of one size that share one tensor
    each (kv_cache_utils.py _get_kv_cache_groups_uniform_page_size)."""
    assert arch.state is not None
    per_token = bytes_per_token_layer(arch, s)
    state = arch.state.page_bytes(s.tp)     # in the model's dtype, whatever the KV cache's
    block = BLOCK * math.ceil(state / (BLOCK * per_token))
    attention, states = arch.layers, arch.state_layers
    size = min(attention, states)
    ratio = s.engine.group_ratio
    if ratio and max(attention, states) < ratio * size:
        size = max(attention, states)
    return block, block * per_token, size, -(-attention // size), -(-states // size)


def _hybrid(arch: Architecture, s: Serving, pool: float, length: int) -> tuple[int, float, float]:
    """(tokens as vLLM reports them, concurrency, GiB one max_model_len request needs) for a
    model with attention and state layers. A request takes ceil(length / block) blocks in
    each attention group and one in each state group, from one pool of pages
    (kv_cache_utils.py get_max_concurrency_for_kv_cache_config, _report_kv_cache_config)."""
    block, page, size, attention_groups, state_groups = hybrid_blocks(arch, s)
    blocks = int(pool * GIB // (page * size)) if pool > 0 else 0
    per_request = attention_groups * -(-length // block) + state_groups
    concurrency = blocks / per_request
    if s.engine.hybrid_tokens == "requests":
        tokens = int(concurrency * length)
    else:
        tokens = blocks // (attention_groups + state_groups) * block
    # check_enough_kv_cache_memory: each attention layer's blocks and each state layer's page
    need = (arch.layers * -(-length // block) + arch.state_layers) * page / GIB
    return tokens, concurrency, need


def largest_max_model_len(arch: Architecture, weights: float, s: Serving) -> int:
    """The longest max_model_len (a multiple of 1024, at most the context) that starts."""
    low, high = 0, arch.context // 1024
    while low < high:   # sequence_bytes grows with length: bisect on 1024-token steps
        mid = (low + high + 1) // 2
        if estimate(arch, weights, _with(s, max_model_len=mid * 1024)).fits:
            low = mid
        else:
            high = mid - 1
    return low * 1024


def _with(s: Serving, **changes) -> Serving:
    from dataclasses import replace
    return replace(s, **changes)
