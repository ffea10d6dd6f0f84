"""Facts: GPUs, instance types (AWS, Azure, Google Cloud), precisions, vLLM flags, model architectures.

One table per kind of fact; code looks facts up here and never branches on a model or
instance name. Sources are in ../reference notes of the project (RHOAI 3.0 facts, section 7)
and repeated beside each table.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .olm import Entry

GIB = 1024**3
GB = 1000**3


@dataclass(frozen=True)
class GPU:
    memory_gb: float      # nominal, as sold (decimal GB)
    usable_gib: float     # total memory as the driver reports it to vLLM (torch.cuda.mem_get_info)
    product: str          # value of the node label nvidia.com/gpu.product
    fp8: bool             # native FP8 (compute capability >= 8.9)
    # vLLM 0.11's `vllm serve` defaults for this device: (max_num_batched_tokens, max_num_seqs).
    # vllm/engine/arg_utils.py get_batch_defaults: 8192/1024 on devices of >= 70 GiB whose name
    # has no "a100", 2048/256 on all others.
    batch_defaults: tuple[int, int] = (2048, 256)
    sms: int = 132          # streaming multiprocessors (the Triton sampler keeps a row per SM)
    # non-torch memory vLLM measures on top of 0.2 GiB when tensor parallel on NVSwitch
    # Hopper and Blackwell parts (NCCL's NVLink SHARP and symmetric-memory buffers): 1.7-2.2
    # GiB in the logs of docs/gpu-fit.md (H100 at TP 2 and 4, H200 at TP 2)
    nccl_gib: float = 0.0


NVSWITCH = 1.9     # GPU.nccl_gib on NVSwitch Hopper and Blackwell systems
# Memory: totals vLLM logs as total_gpu_memory (L4/A10G 22.06 GiB, L40S 44.42 GiB, A100 80GB
# 79.15 GiB, H100 79.19 GiB; see docs/gpu-fit.md); nominal sizes from AWS and NVIDIA pages.
# Product labels: what GPU feature discovery sets on the node (nvidia.com/gpu.product).
GPUS: dict[str, GPU] = {
    "L4": GPU(24, 22.06, "NVIDIA-L4", True, sms=58),
    "A10G": GPU(24, 22.06, "NVIDIA-A10G", False, sms=80),
    "L40S": GPU(48, 44.42, "NVIDIA-L40S", True, sms=142),
    "A100-40GB": GPU(40, 39.39, "NVIDIA-A100-SXM4-40GB", False, sms=108),
    "A100-80GB": GPU(80, 79.15, "NVIDIA-A100-SXM4-80GB", False, sms=108),
    "H100": GPU(80, 79.19, "NVIDIA-H100-80GB-HBM3", True, (8192, 1024), 132, NVSWITCH),
    "H200": GPU(141, 139.8, "NVIDIA-H200", True, (8192, 1024), 132, NVSWITCH),
    # Data-center GPUs beyond AWS's: nominal memory from NVIDIA's datasheets, totals as
    # nvidia-smi reports them (MiB / 1024), product labels as GPU feature discovery writes them.
    "A10": GPU(24, 22.06, "NVIDIA-A10", False, sms=72),
    "A30": GPU(24, 23.5, "NVIDIA-A30", False, sms=56),
    "A40": GPU(48, 44.42, "NVIDIA-A40", False, sms=84),
    "L40": GPU(48, 44.42, "NVIDIA-L40", True, sms=142),
    "L20": GPU(48, 44.42, "NVIDIA-L20", True, sms=92),
    "H100-PCIe": GPU(80, 79.19, "NVIDIA-H100-PCIe", True, (8192, 1024), 114),
    "H100-NVL": GPU(94, 93.1, "NVIDIA-H100-NVL", True, (8192, 1024), 132),
    "H200-NVL": GPU(141, 139.8, "NVIDIA-H200-NVL", True, (8192, 1024), 132),
    "H20": GPU(96, 94.7, "NVIDIA-H20", True, (8192, 1024), 78, NVSWITCH),
    # Grace Hopper and Blackwell: nvidia-smi's totals (GH200 96 GB 97,871 MiB, 144 GB 146,831
    # MiB, GB200 189,471 MiB, RTX PRO 6000 97,887 MiB) less the 0.5-0.9 GiB CUDA reserves, as
    # on B200 (183,359 MiB in nvidia-smi, 178.35 GiB to CUDA) and the GH200 144 GB (142.50)
    "GH200": GPU(96, 94.7, "NVIDIA-GH200-480GB", True, (8192, 1024), 132),
    "GH200-144GB": GPU(144, 142.5, "NVIDIA-GH200-144G-HBM3e", True, (8192, 1024), 132),
    "B200": GPU(180, 178.4, "NVIDIA-B200", True, (8192, 1024), 148, NVSWITCH),
    "GB200": GPU(186, 184.3, "NVIDIA-GB200", True, (8192, 1024), 152, NVSWITCH),
    "RTX-PRO-6000": GPU(96, 94.9, "NVIDIA-RTX-PRO-6000-Blackwell-Server-Edition", True, (8192, 1024), 188),
}

# Accelerators gpuaas refuses by name: the runtime it renders is vLLM for CUDA and the
# resource it requests is nvidia.com/gpu.
NON_NVIDIA = ("MI210", "MI250", "MI250X", "MI300X", "MI325X", "MI355X", "Gaudi2", "Gaudi3",
              "TPU", "Inferentia", "Inferentia2", "Trainium", "Trainium2")


@dataclass(frozen=True)
class Instance:
    gpu: str
    gpus: int
    vcpu: int
    memory_gib: int
    hourly_usd: float     # on-demand Linux list price of the node
    cloud: str = "aws"


# GPU counts: meta-pytorch/torchx named_resources_aws.py (g5, g6e, p4d, p5), public
# catalogs for g6. Prices: AWS on-demand list (us-east-1), after the mid-2025 P4/P5 cut.
INSTANCES: dict[str, Instance] = {
    "g5.xlarge": Instance("A10G", 1, 4, 16, 1.006),
    "g5.2xlarge": Instance("A10G", 1, 8, 32, 1.212),
    "g5.4xlarge": Instance("A10G", 1, 16, 64, 1.624),
    "g5.8xlarge": Instance("A10G", 1, 32, 128, 2.448),
    "g5.12xlarge": Instance("A10G", 4, 48, 192, 5.672),
    "g5.16xlarge": Instance("A10G", 1, 64, 256, 4.096),
    "g5.24xlarge": Instance("A10G", 4, 96, 384, 8.144),
    "g5.48xlarge": Instance("A10G", 8, 192, 768, 16.288),
    "g6.xlarge": Instance("L4", 1, 4, 16, 0.8048),
    "g6.2xlarge": Instance("L4", 1, 8, 32, 0.9776),
    "g6.4xlarge": Instance("L4", 1, 16, 64, 1.3232),
    "g6.8xlarge": Instance("L4", 1, 32, 128, 2.0144),
    "g6.12xlarge": Instance("L4", 4, 48, 192, 4.6016),
    "g6.16xlarge": Instance("L4", 1, 64, 256, 3.3968),
    "g6.24xlarge": Instance("L4", 4, 96, 384, 6.6752),
    "g6.48xlarge": Instance("L4", 8, 192, 768, 13.3504),
    "g6e.xlarge": Instance("L40S", 1, 4, 32, 1.861),
    "g6e.2xlarge": Instance("L40S", 1, 8, 64, 2.24208),
    "g6e.4xlarge": Instance("L40S", 1, 16, 128, 3.00424),
    "g6e.8xlarge": Instance("L40S", 1, 32, 256, 4.52856),
    "g6e.12xlarge": Instance("L40S", 4, 48, 384, 10.49264),
    "g6e.16xlarge": Instance("L40S", 1, 64, 512, 7.57719),
    "g6e.24xlarge": Instance("L40S", 4, 96, 768, 15.06559),
    "g6e.48xlarge": Instance("L40S", 8, 192, 1536, 30.13118),
    "p4d.24xlarge": Instance("A100-40GB", 8, 96, 1152, 21.95764),
    "p5.48xlarge": Instance("H100", 8, 192, 2048, 55.04),
    "p5en.48xlarge": Instance("H200", 8, 192, 2048, 63.296),
    # Blackwell (2026 list prices, us-east-1): B200, and RTX PRO 6000 Server Edition in g7e
    "p6-b200.48xlarge": Instance("B200", 8, 192, 2048, 113.9328),
    "g7e.2xlarge": Instance("RTX-PRO-6000", 1, 8, 64, 3.3631),
    "g7e.12xlarge": Instance("RTX-PRO-6000", 2, 48, 512, 8.2861),
    "g7e.24xlarge": Instance("RTX-PRO-6000", 4, 96, 1024, 16.5722),
    "g7e.48xlarge": Instance("RTX-PRO-6000", 8, 192, 2048, 33.1443),
    # Azure (whole-GPU sizes of NC A100 v4, NCads H100 v5, ND H100 v5, NVadsA10 v5): GPUs,
    # vCPU and memory from learn.microsoft.com's size pages; prices are the East US Linux
    # pay-as-you-go list prices as published in 2025 (not re-checked here: set hourlyUSD
    # to your agreement's price).
    "Standard_NC24ads_A100_v4": Instance("A100-80GB", 1, 24, 220, 3.673, "azure"),
    "Standard_NC48ads_A100_v4": Instance("A100-80GB", 2, 48, 440, 7.346, "azure"),
    "Standard_NC96ads_A100_v4": Instance("A100-80GB", 4, 96, 880, 14.692, "azure"),
    "Standard_NC40ads_H100_v5": Instance("H100-NVL", 1, 40, 320, 6.98, "azure"),
    "Standard_NC80adis_H100_v5": Instance("H100-NVL", 2, 80, 640, 13.96, "azure"),
    "Standard_ND96isr_H100_v5": Instance("H100", 8, 96, 1900, 98.32, "azure"),
    "Standard_NV36ads_A10_v5": Instance("A10", 1, 36, 440, 3.20, "azure"),
    "Standard_NV72ads_A10_v5": Instance("A10", 2, 72, 880, 6.52, "azure"),
    "Standard_ND128isr_NDR_GB200_v6": Instance("GB200", 4, 128, 864, 108.16, "azure"),
    # Google Cloud (a2-highgpu, a2-ultragpu, a3-highgpu, g2-standard): GPUs, vCPU and memory
    # from cloud.google.com's machine-type pages; prices are us-central1 on-demand list
    # prices (VM and GPUs together) as published in 2025 (not re-checked here).
    "a2-highgpu-1g": Instance("A100-40GB", 1, 12, 85, 3.673, "gcp"),
    "a2-highgpu-2g": Instance("A100-40GB", 2, 24, 170, 7.347, "gcp"),
    "a2-highgpu-4g": Instance("A100-40GB", 4, 48, 340, 14.694, "gcp"),
    "a2-highgpu-8g": Instance("A100-40GB", 8, 96, 680, 29.387, "gcp"),
    "a2-ultragpu-1g": Instance("A100-80GB", 1, 12, 170, 5.069, "gcp"),
    "a2-ultragpu-2g": Instance("A100-80GB", 2, 24, 340, 10.138, "gcp"),
    "a2-ultragpu-4g": Instance("A100-80GB", 4, 48, 680, 20.276, "gcp"),
    "a2-ultragpu-8g": Instance("A100-80GB", 8, 96, 1360, 40.552, "gcp"),
    "a3-highgpu-8g": Instance("H100", 8, 208, 1872, 88.254, "gcp"),
    "g2-standard-4": Instance("L4", 1, 4, 16, 0.7066, "gcp"),
    "g2-standard-8": Instance("L4", 1, 8, 32, 0.8536, "gcp"),
    "g2-standard-12": Instance("L4", 1, 12, 48, 1.0006, "gcp"),
    "g2-standard-16": Instance("L4", 1, 16, 64, 1.1476, "gcp"),
    "g2-standard-24": Instance("L4", 2, 24, 96, 2.0012, "gcp"),
    "g2-standard-32": Instance("L4", 1, 32, 128, 1.7356, "gcp"),
    "g2-standard-48": Instance("L4", 4, 48, 192, 4.0024, "gcp"),
    "g2-standard-96": Instance("L4", 8, 96, 384, 8.0048, "gcp"),
    "g4-standard-48": Instance("RTX-PRO-6000", 1, 48, 180, 4.49993, "gcp"),
}
CLOUDS = ("aws", "azure", "gcp")
# A node described without its CPUs or memory: a conservative share per GPU (below what GPU
# servers offer), so pods fit; a finding asks for the real numbers.
DEFAULT_CPU_PER_GPU = 8
DEFAULT_MEMORY_GIB_PER_GPU = 64

def grouped(bits: int, group: int) -> float:
    """Bytes per parameter of a weight-only quantised linear layer as vLLM holds it after
    loading: `bits` per weight plus a 16-bit scale per `group` weights (GPTQ-Marlin and
    compressed-tensors W4A16, vllm/model_executor/layers/quantization/gptq_marlin.py; AWQ's
    zero points add bits/8/group more, under 1%). Embeddings and lm_head stay in 16 bits
    (gpufit.weights_gib)."""
    return bits / 8 + 2 / group


# Bytes per parameter of the weights. w4a16/int4: 4-bit weights, scales per 128 (AWQ, GPTQ);
# mxfp4: 4-bit MoE experts with bf16 attention (gpt-oss: 21B params -> ~13 GB).
PRECISIONS: dict[str, float] = {
    "fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "w8a8": 1.0,
    "w4a16": grouped(4, 128), "int4": grouped(4, 128), "mxfp4": 0.625,
}

HOURS_PER_MONTH = 730
GPU_MEMORY_UTILIZATION = 0.9     # vLLM's --gpu-memory-utilization default


@dataclass(frozen=True)
class State:
    """The per-request state of a hybrid model's Mamba or linear-attention layers: a fixed
    size whatever the sequence length (vllm/model_executor/layers/mamba/mamba_utils.py,
    mamba1_state_shape, mamba2_state_shape, gated_delta_net_state_shape)."""
    kind: str               # "mamba2", "mamba1" or "gdn" (Qwen3-Next's gated DeltaNet)
    conv: int               # conv kernel width: mamba_d_conv, conv_kernel, linear_conv_kernel_dim
    inner: int = 0          # mamba: intermediate width (expand x hidden, or heads x head dim)
    heads: int = 0          # mamba2: mamba_n_heads; gdn: linear_num_value_heads
    head_dim: int = 0       # mamba2: mamba_d_head; gdn: linear_value_head_dim
    d_state: int = 0        # mamba: d_state / ssm_state_size; gdn: linear_key_head_dim
    groups: int = 0         # mamba2: n_groups; gdn: linear_num_key_heads
    ssm_bytes: float = 0    # the ssm state's dtype when the model fixes it (0: the model's)

    def page_bytes(self, tp: int, dtype_bytes: float = 2.0) -> float:
        """Bytes of one request's state in one layer on one GPU (MambaSpec.page_size_bytes)."""
        tp = max(1, tp)
        ssm_bytes = self.ssm_bytes or dtype_bytes
        if self.kind == "mamba1":
            return ((self.conv - 1) * self.inner // tp * dtype_bytes
                    + self.inner // tp * self.d_state * ssm_bytes)
        if self.kind == "gdn":
            conv_dim = 2 * self.groups * self.d_state + self.heads * self.head_dim
            return ((self.conv - 1) * conv_dim // tp * dtype_bytes
                    + self.heads // tp * self.d_state * self.head_dim * ssm_bytes)
        # mamba2: groups that do not split over the GPUs are replicated to one per GPU
        groups = self.groups if self.groups % tp == 0 else tp
        conv_dim = self.inner + 2 * groups * self.d_state
        return ((self.conv - 1) * conv_dim // tp * dtype_bytes
                + self.heads // tp * self.head_dim * self.d_state * ssm_bytes)


@dataclass(frozen=True)
class Vision:
    """A multimodal model's encoder, as vLLM profiles it at start-up: the largest item's
    tokens (and the patches the tower runs on for them), and the tower's widths."""
    tokens: int             # placeholder tokens of the largest image the processor makes
    patches: int            # patches the tower runs on for it (tokens x merge^2)
    hidden: int             # vision_config.hidden_size
    intermediate: int       # vision_config.intermediate_size


@dataclass(frozen=True)
class Architecture:
    """What vLLM's start-up memory depends on, as the model's config.json states it."""
    layers: int
    kv_heads: int
    head_dim: int
    context: int            # max_position_embeddings: vLLM's max model length when none is given
    hidden: int = 0
    heads: int = 0
    intermediate: int = 0   # dense MLP width (0 for a pure MoE)
    vocab: int = 0
    tied: bool = False      # tie_word_embeddings: lm_head shares the embedding matrix
    experts: int = 0
    active_experts: int = 0  # num_experts_per_tok
    expert_intermediate: int = 0
    sliding_window: int = 0
    sliding_layers: int = 0  # layers with sliding-window attention; the others attend to all
    params: float = 0        # total parameters, in billions
    encoder_only: bool = False  # bidirectional embedding models keep no KV cache
    loaded_gib: float = 0    # what vLLM logs as "Model loading took" when it differs from
                             # params x precision (MXFP4 experts padded for the kernels)
    # Multi-head latent attention (DeepSeek-V2/V3/R1): each token keeps one compressed latent
    # plus its rope key per layer, kv_lora_rank + qk_rope_head_dim wide, not 2 x KV heads
    mla_dim: int = 0
    dense_layers: int = 0    # first_k_dense_replace: leading layers with a dense MLP, no experts
    # Hybrid models: `layers` counts the attention layers (they keep KV per token); these
    # keep a fixed state per request instead (Mamba, gated DeltaNet)
    state: State | None = None
    state_layers: int = 0
    moe_layers: int = 0      # layers with routed experts when not layers - dense_layers
    vision: Vision | None = None
    vllm_until: str = ""     # the last vLLM release that serves this architecture


def _llama(layers, hidden, heads, inter, params, kv=8, dim=128, vocab=128256, ctx=131072, tied=False):
    return Architecture(layers, kv, dim, ctx, hidden, heads, inter, vocab, tied, params=params)


def _gemma3(layers, hidden, heads, kv, dim, inter, params, vocab=262208, ctx=131072, window=1024,
            vision=True):
    # every sixth layer attends globally, the others to a `window` (sliding_window_pattern 6);
    # 4B and larger see images through SigLIP: 896 pixels in 14-pixel patches (4,096),
    # pooled to 256 tokens
    return Architecture(layers, kv, dim, ctx, hidden, heads, inter, vocab, True,
                        sliding_window=window, sliding_layers=layers - layers // 6, params=params,
                        vision=Vision(256, 4096, 1152, 4304) if vision else None)


# Model architectures by Hugging Face repository, from each repository's config.json
# (num_hidden_layers, num_key_value_heads, head_dim or hidden_size / num_attention_heads,
# max_position_embeddings, hidden_size, num_attention_heads, intermediate_size, vocab_size,
# tie_word_embeddings, num_local_experts / num_experts, num_experts_per_tok,
# moe_intermediate_size, sliding_window and layer_types) and the parameter count of its card.
LLAMA_31_8B = _llama(32, 4096, 32, 14336, 8.03)
LLAMA_70B = _llama(80, 8192, 64, 28672, 70.6)
QWEN25_7B = Architecture(28, 4, 128, 32_768, 3584, 28, 18944, 152064, params=7.62)
QWEN25_14B = Architecture(48, 8, 128, 32_768, 5120, 40, 13824, 152064, params=14.8)
QWEN25_32B = Architecture(64, 8, 128, 32_768, 5120, 40, 27648, 152064, params=32.8)
QWEN3_MOE_30B = Architecture(48, 4, 128, 40_960, 2048, 32, 0, 151936, experts=128, active_experts=8,
                             expert_intermediate=768, params=30.5)
DEEPSEEK_V3 = Architecture(61, 128, 128, 163_840, 7168, 128, 18432, 129280, experts=256,
                           active_experts=8, expert_intermediate=2048, params=671.0,
                           mla_dim=512 + 64, dense_layers=3)
QWEN3_MOE_235B = Architecture(94, 4, 128, 40_960, 4096, 64, 0, 151936, experts=128,
                              active_experts=8, expert_intermediate=1536, params=235.1)
MISTRAL_SMALL_24B = Architecture(40, 8, 128, 32_768, 5120, 32, 32768, 131072, params=23.6)
MISTRAL_SMALL_31_24B = Architecture(40, 8, 128, 131_072, 5120, 32, 32768, 131072, params=24.0,
                                   vision=Vision(55 * 56, 110 * 110, 1024, 4096))
MISTRAL_7B = Architecture(32, 8, 128, 32_768, 4096, 32, 14336, 32000, params=7.24)
GRANITE_31_8B = Architecture(40, 8, 128, 131_072, 4096, 32, 12800, 49155, True, params=8.17)
GRANITE_31_2B = Architecture(40, 8, 64, 131_072, 2048, 32, 8192, 49155, True, params=2.53)
GPT_OSS: dict[str, Any] = dict(kv_heads=8, head_dim=64, context=131_072, hidden=2880, heads=64, vocab=201088,
               active_experts=4, expert_intermediate=2880, sliding_window=128)

def GRANITE_H(heads: int, hidden: int = 2048) -> State:
    """Granite 4.0 H's Mamba-2 layers: 64-wide heads, d_state 128, one group, expand 2."""
    return State("mamba2", 4, 2 * hidden, heads, 64, 128, 1)


def QWEN_VL(vision_intermediate: int) -> Vision:
    """Qwen2.5-VL's encoder at the processor's max_pixels (12,845,056): 16,384 tokens of 2 x 2
    merged 14-pixel patches, 32 layers of width 1280 (vllm/model_executor/models/qwen2_vl.py)."""
    return Vision(16384, 16384 * 4, 1280, vision_intermediate)


QWEN3_NEXT = Architecture(12, 2, 256, 262_144, 2048, 16, 0, 151936, experts=512, active_experts=10,
                          expert_intermediate=512, params=79.67, state_layers=36, moe_layers=48,
                          state=State("gdn", 4, heads=32, head_dim=128, d_state=128, groups=16))

ARCHITECTURES: dict[str, Architecture] = {
    # Llama 3.1 / 3.2 / 3.3 (meta-llama)
    "meta-llama/Llama-3.1-8B-Instruct": LLAMA_31_8B,
    "meta-llama/Llama-3.1-70B-Instruct": LLAMA_70B,
    "meta-llama/Llama-3.3-70B-Instruct": LLAMA_70B,
    "meta-llama/Llama-3.1-405B-Instruct": _llama(126, 16384, 128, 53248, 405.9),
    "meta-llama/Llama-3.2-1B-Instruct": _llama(16, 2048, 32, 8192, 1.24, dim=64, tied=True),
    "meta-llama/Llama-3.2-3B-Instruct": _llama(28, 3072, 24, 8192, 3.21, tied=True),
    # Qwen2.5 (Qwen): 32k native context (YaRN beyond it is opt-in)
    "Qwen/Qwen2.5-0.5B-Instruct": Architecture(24, 2, 64, 32_768, 896, 14, 4864, 151936, True, params=0.49),
    "Qwen/Qwen2.5-1.5B-Instruct": Architecture(28, 2, 128, 32_768, 1536, 12, 8960, 151936, True, params=1.54),
    "Qwen/Qwen2.5-3B-Instruct": Architecture(36, 2, 128, 32_768, 2048, 16, 11008, 151936, True, params=3.09),
    "Qwen/Qwen2.5-7B-Instruct": QWEN25_7B,
    "Qwen/Qwen2.5-14B-Instruct": QWEN25_14B,
    "Qwen/Qwen2.5-32B-Instruct": QWEN25_32B,
    "Qwen/Qwen2.5-72B-Instruct": Architecture(80, 8, 128, 32_768, 8192, 64, 29568, 152064, params=72.7),
    # Qwen3 dense and MoE (Qwen): 40960 native positions
    "Qwen/Qwen3-0.6B": Architecture(28, 8, 128, 40_960, 1024, 16, 3072, 151936, True, params=0.6),
    "Qwen/Qwen3-1.7B": Architecture(28, 8, 128, 40_960, 2048, 16, 6144, 151936, True, params=1.7),
    "Qwen/Qwen3-4B": Architecture(36, 8, 128, 40_960, 2560, 32, 9728, 151936, True, params=4.0),
    "Qwen/Qwen3-8B": Architecture(36, 8, 128, 40_960, 4096, 32, 12288, 151936, params=8.2),
    "Qwen/Qwen3-14B": Architecture(40, 8, 128, 40_960, 5120, 40, 17408, 151936, params=14.8),
    "Qwen/Qwen3-32B": Architecture(64, 8, 128, 40_960, 5120, 64, 25600, 151936, params=32.8),
    "Qwen/Qwen3-30B-A3B": QWEN3_MOE_30B,
    "Qwen/Qwen3-30B-A3B-Instruct-2507": replace(QWEN3_MOE_30B, context=262_144),
    "Qwen/Qwen3-Coder-30B-A3B-Instruct": replace(QWEN3_MOE_30B, context=262_144),
    "Qwen/Qwen3-235B-A22B": QWEN3_MOE_235B,
    # DeepSeek-V3 and R1 (config.json: 61 layers, 3 dense then 58 with 256 routed experts, 8
    # per token, MLA with kv_lora_rank 512 and qk_rope_head_dim 64; 671B parameters without
    # the multi-token-prediction layer vLLM does not load by default), published in FP8
    "deepseek-ai/DeepSeek-V3": DEEPSEEK_V3,
    "deepseek-ai/DeepSeek-R1": DEEPSEEK_V3,
    "Qwen/Qwen3-235B-A22B-Instruct-2507": replace(QWEN3_MOE_235B, context=262_144),
    # Mistral (mistralai): Small 3 / 3.1, Devstral, Mixtral, 7B
    "mistralai/Mistral-Small-24B-Instruct-2501": MISTRAL_SMALL_24B,
    "mistralai/Mistral-Small-3.1-24B-Instruct-2503": MISTRAL_SMALL_31_24B,
    "mistralai/Mistral-Small-3.2-24B-Instruct-2506": MISTRAL_SMALL_31_24B,
    "mistralai/Devstral-Small-2505": replace(MISTRAL_SMALL_31_24B, vision=None),   # text only
    "mistralai/Devstral-Small-2507": replace(MISTRAL_SMALL_31_24B, vision=None),
    "mistralai/Mistral-7B-Instruct-v0.3": replace(MISTRAL_7B, vocab=32768, params=7.25),
    "mistralai/Mixtral-8x7B-Instruct-v0.1": Architecture(32, 8, 128, 32_768, 4096, 32, 0, 32000,
                                                         experts=8, active_experts=2,
                                                         expert_intermediate=14336, params=46.7),
    # Gemma 2 (alternating 4096-token sliding window) and Gemma 3 (5 local : 1 global)
    "google/gemma-2-2b-it": Architecture(26, 4, 256, 8192, 2304, 8, 9216, 256000, True,
                                         sliding_window=4096, sliding_layers=13, params=2.61),
    "google/gemma-2-9b-it": Architecture(42, 8, 256, 8192, 3584, 16, 14336, 256000, True,
                                         sliding_window=4096, sliding_layers=21, params=9.24),
    "google/gemma-2-27b-it": Architecture(46, 16, 128, 8192, 4608, 32, 36864, 256000, True,
                                          sliding_window=4096, sliding_layers=23, params=27.2),
    "google/gemma-3-1b-it": _gemma3(26, 1152, 4, 1, 256, 6912, 1.0, vocab=262144, ctx=32_768, window=512,
                                   vision=False),
    "google/gemma-3-4b-it": _gemma3(34, 2560, 8, 4, 256, 10240, 4.3),
    "google/gemma-3-12b-it": _gemma3(48, 3840, 16, 8, 256, 15360, 12.2),
    "google/gemma-3-27b-it": _gemma3(62, 5376, 32, 16, 128, 21504, 27.4),
    # Phi (microsoft)
    "microsoft/Phi-3-mini-4k-instruct": Architecture(32, 32, 96, 4096, 3072, 32, 8192, 32064, params=3.82),
    "microsoft/Phi-3-mini-128k-instruct": Architecture(32, 32, 96, 131_072, 3072, 32, 8192, 32064, params=3.82),
    "microsoft/Phi-3-medium-128k-instruct": Architecture(40, 10, 128, 131_072, 5120, 40, 17920, 32064, params=14.0),
    "microsoft/phi-4": Architecture(40, 10, 128, 16_384, 5120, 40, 17920, 100352, params=14.7),
    "microsoft/Phi-4-mini-instruct": Architecture(32, 8, 128, 131_072, 3072, 24, 8192, 200064, True, params=3.84),
    # DeepSeek-R1 distills: Qwen2.5 and Llama bodies with 128k positions
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B": Architecture(28, 2, 128, 131_072, 1536, 12, 8960, 151936, params=1.78),
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B": replace(QWEN25_7B, context=131_072),
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B": replace(QWEN25_14B, context=131_072),
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B": replace(QWEN25_32B, context=131_072),
    "deepseek-ai/DeepSeek-R1-Distill-Llama-8B": LLAMA_31_8B,
    "deepseek-ai/DeepSeek-R1-Distill-Llama-70B": LLAMA_70B,
    # Granite 3.x and 4.0 micro (dense); the 4.0 "h" models are Mamba hybrids, not known here
    "ibm-granite/granite-3.1-8b-instruct": GRANITE_31_8B,
    "ibm-granite/granite-3.1-2b-instruct": GRANITE_31_2B,
    "ibm-granite/granite-3.3-8b-instruct": replace(GRANITE_31_8B, vocab=49159),
    "ibm-granite/granite-3.3-2b-instruct": replace(GRANITE_31_2B, vocab=49159),
    "ibm-granite/granite-4.0-micro": Architecture(40, 8, 64, 131_072, 2560, 40, 8192, 100352, True, params=3.4),
        # Granite 4.0 H (ibm-granite): 4 attention layers (NoPE) and 36 Mamba-2 layers, model
    # card and config.json (layer_types); MoE in every layer for tiny and small
    "ibm-granite/granite-4.0-h-micro": Architecture(4, 8, 64, 131_072, 2048, 32, 8192, 100352, True,
                                                    params=3.19, state=GRANITE_H(64), state_layers=36),
    "ibm-granite/granite-4.0-h-tiny": Architecture(4, 4, 128, 131_072, 1536, 12, 1024, 100352, True,
                                                   experts=64, active_experts=6, expert_intermediate=512,
                                                   params=6.94, state=GRANITE_H(48, 1536),
                                                   state_layers=36, moe_layers=40),
    "ibm-granite/granite-4.0-h-small": Architecture(4, 8, 128, 131_072, 4096, 32, 1536, 100352, True,
                                                    experts=72, active_experts=10, expert_intermediate=768,
                                                    params=32.2, state=GRANITE_H(128, 4096),
                                                    state_layers=36, moe_layers=40),
    # Qwen3-Next: every fourth layer full attention (2 KV heads of 256), the others gated
    # DeltaNet (16 key / 32 value heads of 128); 512 experts, 10 per token, in all 48 layers
    "Qwen/Qwen3-Next-80B-A3B-Instruct": QWEN3_NEXT,
    "Qwen/Qwen3-Next-80B-A3B-Thinking": QWEN3_NEXT,
    # Nemotron-H (nvidia): Mamba-2, attention and MLP layers by hybrid_override_pattern
    "nvidia/NVIDIA-Nemotron-Nano-9B-v2": Architecture(4, 8, 128, 131_072, 4480, 40, 15680, 131072,
                                                      params=8.89, state_layers=27,
                                                      state=State("mamba2", 4, 128 * 80, 128, 80, 128, 8)),
    "nvidia/Nemotron-H-8B-Base-8K": Architecture(4, 8, 128, 8192, 4096, 32, 21504, 131072, params=8.10,
                                                 state_layers=24,
                                                 state=State("mamba2", 4, 128 * 64, 128, 64, 128, 8)),
    # Jamba Mini 1.6 (ai21labs): 4 attention and 28 Mamba-1 layers, experts every other layer
    "ai21labs/AI21-Jamba-Mini-1.6": Architecture(4, 8, 128, 262_144, 4096, 32, 14336, 65536,
                                                 experts=16, active_experts=2, expert_intermediate=14336,
                                                 params=51.57, state=State("mamba1", 4, 8192, d_state=16),
                                                 state_layers=28, moe_layers=16),
    # Falcon-H1 (tiiuae): attention and Mamba-2 side by side in every one of 44 layers
    "tiiuae/Falcon-H1-7B-Instruct": Architecture(44, 2, 128, 262_144, 3072, 12, 12288, 130048,
                                                 params=7.59, state=State("mamba2", 4, 3072, 24, 128, 256, 1),
                                                 state_layers=44),
    # Kimi K2 (moonshotai): DeepSeek-V3's MLA with 384 experts and one dense layer
    "moonshotai/Kimi-K2-Instruct": Architecture(61, 64, 128, 131_072, 7168, 64, 18432, 163840,
                                                experts=384, active_experts=8, expert_intermediate=2048,
                                                params=1026.4, mla_dim=512 + 64, dense_layers=1),
    "deepseek-ai/DeepSeek-V2-Lite-Chat": Architecture(27, 16, 128, 163_840, 2048, 16, 10944, 102400,
                                                      experts=64, active_experts=6, expert_intermediate=1408,
                                                      params=15.7, mla_dim=512 + 64, dense_layers=1),
    # Vision-language models: the text body's facts, and the encoder vLLM profiles at start
    # (Qwen2.5-VL: 14-pixel patches merged 2 x 2, up to 16,384 tokens an image; Gemma 3:
    # SigLIP, 256 tokens an image; Mistral Small 3.1: Pixtral, up to 55 x 55 tokens plus a
    # break per row; LLaVA 1.5: CLIP ViT-L/14 at 336 pixels, 576 tokens)
    "Qwen/Qwen2.5-VL-3B-Instruct": Architecture(36, 2, 128, 128_000, 2048, 16, 11008, 151936, True,
                                                params=3.75, vision=QWEN_VL(3420)),
    "Qwen/Qwen2.5-VL-7B-Instruct": Architecture(28, 4, 128, 128_000, 3584, 28, 18944, 152064,
                                                params=8.29, vision=QWEN_VL(3420)),
    "Qwen/Qwen2.5-VL-72B-Instruct": Architecture(80, 8, 128, 128_000, 8192, 64, 29568, 152064,
                                                 params=73.4, vision=QWEN_VL(3456)),
    "llava-hf/llava-1.5-7b-hf": Architecture(32, 32, 128, 4096, 4096, 32, 11008, 32064, params=7.06,
                                             vision=Vision(576, 576, 1024, 4096)),
    # Mllama (cross-attention vision) left vLLM after 0.10.2 (vllm/model_executor/models/
    # registry.py _PREVIOUSLY_SUPPORTED_MODELS)
    "meta-llama/Llama-3.2-11B-Vision-Instruct": Architecture(32, 8, 128, 131_072, 4096, 32, 14336, 128256,
                                                             params=10.67, vllm_until="0.10.2"),
    # Evidence models (docs/gpu-fit.md): Qwen2 and Qwen1.5 bodies
    "Qwen/Qwen2-7B-Instruct": QWEN25_7B,
    "Qwen/Qwen1.5-7B-Chat": Architecture(32, 32, 128, 32_768, 4096, 32, 11008, 151936, params=7.72),
# gpt-oss (openai): MXFP4 experts, alternating full and 128-token sliding attention.
    # loaded_gib: "Model loading took" in vLLM's logs (myoceane.fr A100 log; vllm#33155 on H100).
    "openai/gpt-oss-20b": Architecture(24, experts=32, sliding_layers=12, params=20.9,
                                       loaded_gib=13.72, **GPT_OSS),
    "openai/gpt-oss-120b": Architecture(36, experts=128, sliding_layers=18, params=116.8,
                                        loaded_gib=64.38, **GPT_OSS),
    # Embedding models of the examples: a decoder (keeps a KV cache) and two encoders
    "intfloat/e5-mistral-7b-instruct": MISTRAL_7B,
    "ibm-granite/granite-embedding-278m-multilingual": Architecture(12, 12, 64, 512, 768, 12, 3072, 250002,
                                                                    params=0.278, encoder_only=True),
    "BAAI/bge-m3": Architecture(24, 16, 64, 8192, 1024, 16, 4096, 250002, params=0.568, encoder_only=True),
}

# Quantised and repackaged checkpoints whose names do not reduce to their base (see
# `architecture_for`): ModelCar images and renamed repositories.
CHECKPOINTS: dict[str, str] = {
    "registry.redhat.io/rhelai1/modelcar-mistral-small-24b-instruct-2501-quantized-w4a16":
        "mistralai/Mistral-Small-24B-Instruct-2501",
    "registry.redhat.io/rhelai1/modelcar-mistral-small-24b-instruct-2501":
        "mistralai/Mistral-Small-24B-Instruct-2501",
    "registry.redhat.io/rhelai1/modelcar-granite-3-1-8b-instruct-quantized-w8a8":
        "ibm-granite/granite-3.1-8b-instruct",
    "registry.redhat.io/rhelai1/modelcar-llama-3-3-70b-instruct-quantized-w4a16":
        "meta-llama/Llama-3.3-70B-Instruct",
}

# Suffixes publishers append to a quantised copy (RedHatAI/..-FP8-dynamic, Qwen/..-AWQ,
# ..-quantized.w4a16, ..-GPTQ-Int4): stripped to find the base model's name.
_QUANT_SUFFIX = re.compile(r"[-._](fp8(-dynamic)?|awq|gptq(-int[48])?|int[48]|w4a16|w8a8|w4a4|"
                           r"quantized(\.w\d+a\d+)?|mxfp4|nvfp4|bnb-4bit|unsloth-bnb-4bit|fp16|bf16)$")


def _base(name: str) -> str:
    name = name.rpartition("/")[2].lower()
    while True:
        stripped = _QUANT_SUFFIX.sub("", name)
        if stripped == name:
            return name.removeprefix("meta-")
        name = stripped


_BY_BASE = {_base(repo): repo for repo in ARCHITECTURES}

# What a checkpoint stores, by kind: `precision` names the checkpoint's, and two precisions of
# one kind are the same bytes on disk (bf16 and fp16; w4a16 and int4).
PRECISION_KIND = {"fp32": "32-bit", "bf16": "16-bit", "fp16": "16-bit", "fp8": "FP8", "int8": "8-bit integer",
                  "w8a8": "8-bit integer", "w4a16": "4-bit", "int4": "4-bit", "mxfp4": "MXFP4"}
# Catalog repositories published quantised (their names carry no suffix)
NATIVE_PRECISION = {"openai/gpt-oss-20b": "MXFP4", "openai/gpt-oss-120b": "MXFP4",
                    "deepseek-ai/DeepSeek-V3": "FP8", "deepseek-ai/DeepSeek-R1": "FP8",
                    "moonshotai/Kimi-K2-Instruct": "FP8"}
# Name tokens publishers use for a quantised copy (RedHatAI's -FP8-dynamic, -quantized.w4a16,
# Qwen's -AWQ and -GPTQ-Int4, ModelCar images' -quantized-w8a8), each the kind it stores
_KIND_TOKENS = (("FP8", re.compile(r"(^|[-._])fp8([-._]|$)")),
                ("MXFP4", re.compile(r"(^|[-._])mxfp4([-._]|$)")),
                ("4-bit", re.compile(r"(^|[-._])(w4a16|w4a4|awq|int4|bnb-4bit|gptq(-int4)?)([-._]|$)")),
                ("8-bit integer", re.compile(r"(^|[-._])(w8a8|int8|gptq-int8)([-._]|$)")))


def source_ref(source: str) -> str:
    """The repository a model source names: hf://org/name[@rev] -> org/name,
    oci://registry/image:tag -> registry/image."""
    ref = source.partition("://")[2] if "://" in source else source
    ref = ref.split("@")[0].rstrip("/")
    if ":" in ref.rpartition("/")[2]:
        ref = ref.rpartition(":")[0]
    return ref


def checkpoint_kind(source: str) -> tuple[str, str] | None:
    """What a source's checkpoint stores (a PRECISION_KIND value) and how that is known, from
    its name: a quantisation token, else a catalog repository (16-bit, or as published);
    None when the name says nothing."""
    ref = source_ref(source)
    name = ref.rpartition("/")[2].lower()
    for kind, token in _KIND_TOKENS:
        if token.search(name):
            return kind, f"its name says {kind}"
    repo = ref if ref in ARCHITECTURES else CHECKPOINTS.get(ref)
    if repo is None:
        return None
    if repo in NATIVE_PRECISION:
        return NATIVE_PRECISION[repo], f"{repo} is published in {NATIVE_PRECISION[repo]}"
    return "16-bit", f"{repo} is published in 16-bit (bf16)"


def config_kind(config: dict) -> str | None:
    """What a config.json says its checkpoint stores: quantization_config, else torch_dtype."""
    q = config.get("quantization_config") or {}
    method = str(q.get("quant_method") or "").lower()
    if method in ("fp8", "fbgemm_fp8"):
        return "FP8"
    if method == "mxfp4":
        return "MXFP4"
    if method in ("awq", "gptq", "bitsandbytes", "auto-round"):
        return "4-bit" if int(q.get("bits") or 4) == 4 else "8-bit integer"
    if method == "compressed-tensors":
        weights = [g.get("weights") or {} for g in (q.get("config_groups") or {}).values()]
        bits = {(str(w.get("type")), int(w.get("num_bits") or 0)) for w in weights}
        if ("float", 8) in bits:
            return "FP8"
        if any(b == 4 for _, b in bits):
            return "4-bit"
        if ("int", 8) in bits:
            return "8-bit integer"
        return None
    dtype = str(config.get("torch_dtype") or config.get("dtype") or "")
    return {"float32": "32-bit", "bfloat16": "16-bit", "float16": "16-bit"}.get(dtype)


def architecture_for(source: str) -> tuple[str, Architecture] | None:
    """The catalog entry for a model source (hf://org/name[@rev], oci://image:tag), matching
    a known repository, a listed checkpoint, or a quantised copy of a known repository."""
    ref = source_ref(source)
    repo = ref if ref in ARCHITECTURES else CHECKPOINTS.get(ref) or _BY_BASE.get(_base(ref))
    return (repo, ARCHITECTURES[repo]) if repo else None


def config_path(ref: str) -> Path | None:
    """A config.json on disk: the file, a directory holding one, or a Hugging Face cache
    directory (models--org--name/snapshots/<revision>/config.json, newest first)."""
    path = Path(ref).expanduser()
    try:
        if path.is_file():
            return path
        if (path / "config.json").is_file():
            return path / "config.json"
        snapshots = sorted((path / "snapshots").glob("*/config.json"),
                           key=lambda p: p.stat().st_mtime, reverse=True)
    except (OSError, ValueError):   # a name too long for the filesystem, a NUL byte
        return None
    return snapshots[0] if snapshots else None


# Every config.json reference looked up on disk: files outside the portfolio that decide
# its plan, which the render cache (buildcache) checks again before reusing a render.
CONSULTED: set[str] = set()


def architecture_from_config(ref: str) -> tuple[str, Architecture] | None:
    """The facts of a local config.json (offline); None when there is none or it is not a
    decoder or encoder config this reads."""
    CONSULTED.add(ref)
    return _architecture_from_config(ref)


def config_fingerprint(ref: str) -> list | None:
    """Which file a reference finds and a hash of its bytes (None: no file)."""
    import hashlib
    path = config_path(ref)
    if path is None:
        return None
    try:
        return [str(path), hashlib.sha256(path.read_bytes()).hexdigest()]
    except OSError:
        return [str(path), None]


@lru_cache(maxsize=64)
def _read_config(ref: str) -> tuple[str, Any] | None:
    """(the file a reference finds, its JSON), read once; None: none, or not JSON."""
    path = config_path(ref)
    if path is None:
        return None
    try:
        return str(path), json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _architecture_from_config(ref: str) -> tuple[str, Architecture] | None:
    found = _read_config(ref)
    try:
        return (found[0], from_config(found[1])) if found else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def checkpoint_kind_from_config(ref: str) -> str | None:
    """What a local config.json says its checkpoint stores (config_kind), None when it says
    nothing or cannot be read."""
    CONSULTED.add(ref)
    found = _read_config(ref)
    try:
        return config_kind(found[1]) if found else None
    except (ValueError, TypeError, AttributeError):
        return None


def _hybrid(c: dict, layers: int, hidden: int) -> tuple[int, int, State | None]:
    """(attention layers, state layers, their state) of a hybrid config.json, as vLLM reads
    each family (get_mamba_state_shape_from_config in granitemoehybrid.py, nemotron_h.py,
    falcon_h1.py, jamba.py, qwen3_next.py); (layers, 0, None) for a plain transformer."""
    kind = c.get("model_type")
    get = lambda key, default=0: int(c.get(key) or default)     # noqa: E731
    types = [str(t) for t in c.get("layer_types") or c.get("layers_block_type") or []]
    if kind == "granitemoehybrid":
        states = sum(1 for t in types if t == "mamba")
        return len(types) - states, states, State(
            "mamba2", get("mamba_d_conv", 4), get("mamba_expand", 2) * hidden, get("mamba_n_heads"),
            get("mamba_d_head"), get("mamba_d_state"), get("mamba_n_groups", 1))
    if kind == "nemotron_h":
        pattern = str(c.get("hybrid_override_pattern") or "")
        heads, head_dim = get("mamba_num_heads"), get("mamba_head_dim")
        return pattern.count("*"), pattern.count("M"), State(
            "mamba2", get("conv_kernel", 4), heads * head_dim, heads, head_dim,
            get("ssm_state_size"), get("n_groups", 1))
    if kind == "falcon_h1":      # attention and Mamba-2 side by side in every layer
        return layers, layers, State(
            "mamba2", get("mamba_d_conv", 4), get("mamba_d_ssm") or get("mamba_expand", 2) * hidden,
            get("mamba_n_heads"), get("mamba_d_head"), get("mamba_d_state"), get("mamba_n_groups", 1))
    if kind == "jamba":
        period, offset = get("attn_layer_period", 8), get("attn_layer_offset", 4)
        attention = sum(1 for i in range(layers) if i % period == offset)
        return attention, layers - attention, State(
            "mamba1", get("mamba_d_conv", 4), get("mamba_expand", 2) * hidden, d_state=get("mamba_d_state", 16))
    if kind == "qwen3_next":
        full = sum(1 for t in types if t == "full_attention") or layers // get("full_attention_interval", 4)
        return full, layers - full, State(
            "gdn", get("linear_conv_kernel_dim", 4), heads=get("linear_num_value_heads"),
            head_dim=get("linear_value_head_dim"), d_state=get("linear_key_head_dim"),
            groups=get("linear_num_key_heads"))
    return layers, 0, None


def _vision(config: dict) -> Vision | None:
    """The encoder a multimodal config.json describes: the largest image's tokens and the
    patches the tower runs on (Qwen2/2.5-VL: the processor's max_pixels, 16,384 tokens)."""
    v = config.get("vision_config")
    if not isinstance(v, dict) or not v.get("hidden_size"):
        return None
    merge = int(config.get("spatial_merge_size") or v.get("spatial_merge_size") or 1)
    if str(config.get("model_type", "")).startswith(("qwen2_vl", "qwen2_5_vl")):
        tokens = 16384
        patches = tokens * merge * merge
    else:
        side = int(v.get("image_size") or 0) // int(v.get("patch_size") or 1)
        patches = side * side
        tokens = int(config.get("mm_tokens_per_image") or patches // (merge * merge))
    return Vision(tokens, patches, int(v["hidden_size"]), int(v.get("intermediate_size") or 0))


def from_config(config: dict) -> Architecture:
    """Architecture from a Hugging Face config.json (multimodal ones keep it in text_config)."""
    c = config.get("text_config") or config
    heads = int(c["num_attention_heads"])
    hidden = int(c["hidden_size"])
    layers = int(c["num_hidden_layers"])
    types = c.get("layer_types") or []
    sliding = sum(1 for t in types if t == "sliding_attention")
    window = int(c.get("sliding_window") or 0)
    if window and not types and c.get("use_sliding_window", True) is not False:
        pattern = int(c.get("sliding_window_pattern") or 0)
        sliding = layers - layers // pattern if pattern else layers
    attention, state_layers, state = _hybrid(c, layers, hidden)
    experts = int(c.get("num_local_experts") or c.get("num_experts") or c.get("n_routed_experts") or 0)
    return Architecture(
        attention, int(c.get("num_key_value_heads") or heads), int(c.get("head_dim") or hidden // heads),
        int(c.get("max_position_embeddings") or 0), hidden, heads,
        int(c.get("intermediate_size") or 0), int(c.get("vocab_size") or 0),
        bool(config.get("tie_word_embeddings", c.get("tie_word_embeddings", False))),
        experts, int(c.get("num_experts_per_tok") or 0), int(c.get("moe_intermediate_size") or 0),
        window if sliding else 0, sliding,
        encoder_only=c.get("model_type") in ("bert", "xlm-roberta", "roberta", "modernbert"),
        mla_dim=int(c["kv_lora_rank"]) + int(c.get("qk_rope_head_dim") or 0) if c.get("kv_lora_rank") else 0,
        dense_layers=int(c.get("first_k_dense_replace") or 0),
        state=state, state_layers=state_layers, moe_layers=layers if state and experts else 0,
        vision=_vision(config))


# OLM packages: (package, catalog source, namespace, OperatorGroup targets own namespace?).
# RHOAI 3.0 facts, section 3.
@dataclass(frozen=True)
class Operator:
    package: str
    source: str
    namespace: str
    own_namespace: bool
    monitoring: bool = False
    csv: str = "{package}.v{version}"   # the ClusterServiceVersion of a pinned version

    def csv_name(self, version: str) -> str:
        return self.csv.format(package=self.package, version=version)


OPERATORS: dict[str, Operator] = {
    "rhoai": Operator("rhods-operator", "redhat-operators", "redhat-ods-operator", False,
                      csv="rhods-operator.{version}"),
    "certManager": Operator("openshift-cert-manager-operator", "redhat-operators",
                            "cert-manager-operator", False, csv="cert-manager-operator.v{version}"),
    "kueue": Operator("kueue-operator", "redhat-operators", "openshift-kueue-operator", False,
                      monitoring=True),
    "nfd": Operator("nfd", "redhat-operators", "openshift-nfd", True, csv="nfd.{version}"),
    "nvidiaGpu": Operator("gpu-operator-certified", "certified-operators",
                          "nvidia-gpu-operator", True, monitoring=True),
}

# --- OpenShift AI releases -----------------------------------------------------------------
# OLM's channels of the rhods-operator package that carry 3.x, entries as the file-based
# catalog lists them: red-hat-data-services/RHOAI-Build-Config@rhoai-3.5 (294d62e74337,
# 2026-08-21), catalog/v4.20/rhods-operator/catalog.yaml (v4.19 carries the same 3.x entries).
# 3.0.0 is only on fast-3.x, and no later channel replaces it: 3.0 moves on through fast-3.x.
# eus-3.5's 3.5.0 replaces nothing: an install, or a channel switch from stable-3.5 at 3.5.0.
def _chain(*names: str, ranges: dict[str, str] | None = None, first: str | None = None) -> tuple[Entry, ...]:
    out, before = [], first
    for name in names:
        out.append(Entry(f"rhods-operator.{name}", before and f"rhods-operator.{before}",
                         (ranges or {}).get(name)))
        before = name
    return tuple(out)


def _since(floor: str, *names: str) -> dict[str, str]:
    return {n: f">={floor} <{n}" for n in names}


RHOAI_CHANNELS: dict[str, tuple[Entry, ...]] = {
    "fast-3.x": (
        Entry("rhods-operator.3.0.0"),
        Entry("rhods-operator.3.2.0", "rhods-operator.3.0.0", ">=3.0.0 <3.2.0"),
        Entry("rhods-operator.3.3.0", "rhods-operator.3.2.1", ">=3.2.0 <3.3.0"),
        Entry("rhods-operator.3.2.1", "rhods-operator.3.2.0", ">=3.0.0 <3.2.1"),
        Entry("rhods-operator.3.3.1", "rhods-operator.3.3.0", ">=3.3.0 <3.3.1"),
    ),
    "stable-3.3": _chain("3.3.0", "3.3.1", "3.3.2", "3.3.3", "3.3.4", "3.3.5", "3.3.6",
                         ranges=_since("3.3.0", "3.3.1", "3.3.2", "3.3.3", "3.3.4", "3.3.5", "3.3.6")),
    "stable-3.4": _chain("3.4.0", "3.4.1", "3.4.2", "3.4.3", first="3.3.2",
                         ranges=_since("3.3.0", "3.4.0", "3.4.1", "3.4.2", "3.4.3")),
    "stable-3.x": _chain("3.3.0", "3.3.1", "3.3.2", "3.4.0", "3.4.1", "3.4.2", "3.4.3", "3.5.0",
                         ranges={**_since("3.3.0", "3.3.1", "3.3.2", "3.4.0", "3.4.1", "3.4.2", "3.4.3"),
                                 "3.5.0": ">=3.4.0 <3.5.0"}),
    "stable-3.5": (Entry("rhods-operator.3.5.0", None, ">=3.4.0 <3.5.0"),),
    "eus-3.5": (Entry("rhods-operator.3.5.0"),),
}


@dataclass(frozen=True)
class KueueOperator:
    """A channel of the Red Hat build of Kueue operator: the upstream Kueue it runs, and the
    kueue.x-k8s.io version the queues are written in (the one its CRDs store)."""
    kueue: str
    api: str
    schemas: str          # gpuaas/schemas/kueue-operator/<this>/: its CRDs
    source: str


# openshift/kueue-operator release branches: the operand (.gitmodules, upstream/kueue/src) and
# bindata/assets/kueue-operator/crds/ (served and storage versions); channels from
# openshift/kueue-fbc@main v4.20/catalog/kueue-operator/catalog.json. 1.1 and 1.2 serve
# v1beta1 only; 1.3 and 1.4 store v1beta2 and serve v1beta1 deprecated.
KUEUE_OPERATORS: dict[str, KueueOperator] = {
    "stable-v1.1": KueueOperator("0.12", "v1beta1", "1.1", "openshift/kueue-operator@release-1.1 (ba545a00)"),
    "stable-v1.2": KueueOperator("0.14", "v1beta1", "1.2", "openshift/kueue-operator@release-1.2 (efbdc49b)"),
    "stable-v1.3": KueueOperator("0.16", "v1beta2", "1.3", "openshift/kueue-operator@release-1.3 (5d92a809)"),
    "stable-v1.4": KueueOperator("0.18", "v1beta2", "1.4", "openshift/kueue-operator@release-1.4 (a82b72a1)"),
}


# The kueue-operator package's channels (openshift/kueue-fbc@main, v4.20/catalog/kueue-operator/
# catalog.json): z-streams skip their predecessor; no entry replaces one of another channel,
# so OLM does not move an installed operator to a new minor channel on its own.
KUEUE_CHANNELS: dict[str, tuple[Entry, ...]] = {
    "stable-v1.1": (Entry("kueue-operator.v1.1.0"),),
    "stable-v1.2": (Entry("kueue-operator.v1.2.0"),),
    "stable-v1.3": (Entry("kueue-operator.v1.3.0"),
                    Entry("kueue-operator.v1.3.1", skips=("kueue-operator.v1.3.0",))),
    "stable-v1.4": (Entry("kueue-operator.v1.4.0"),
                    Entry("kueue-operator.v1.4.1", skips=("kueue-operator.v1.4.0",))),
}
# Subscriptions whose moves are checked against their package's graph: (catalog key, graph)
OLM_GRAPHS: dict[str, dict[str, tuple[Entry, ...]]] = {"rhoai": RHOAI_CHANNELS, "kueue": KUEUE_CHANNELS}


@dataclass(frozen=True)
class Release:
    """One OpenShift AI release: what differs between releases, each read from its branch."""
    version: str              # "3.3"
    channel: str              # its OLM channel unless the portfolio names another
    kueue_channel: str        # the Red Hat build of Kueue operator channel it pairs with
    vllm_image: str           # its vLLM CUDA runtime image (relatedImages, by digest)
    vllm: str                 # the vLLM version inside that image
    approver_image: str       # the oc image that approves install plans
    source: str               # where these were read
    eus: bool = False
    # the LLMInferenceService version written: v1alpha1 through 3.3; 3.4 stores v1alpha2
    # (red-hat-data-services/kserve@rhoai-3.4, config/crd/full/llmisvc/)
    llmisvc_api: str = "v1alpha1"

    @property
    def channels(self) -> list[str]:
        """The channels that carry this release."""
        return [c for c, entries in RHOAI_CHANNELS.items()
                if any(release_of(e.name.partition(".")[2]) == self.version for e in entries)]

    def newest(self, channel: str) -> str | None:
        """The newest CSV version of this release on `channel`."""
        found = [e.name.partition(".")[2] for e in RHOAI_CHANNELS.get(channel, ())
                 if release_of(e.name.partition(".")[2]) == self.version]
        return max(found, key=lambda v: tuple(int(n) for n in v.split("."))) if found else None

    @property
    def example(self) -> str:
        return self.newest(self.channel) or f"{self.version}.0"

    @property
    def schemas(self) -> str | None:
        """gpuaas/schemas/releases/<this>/: its CRDs (None: the base bundle is this release's)."""
        return None if self.version == DEFAULT_RELEASE else self.version


def release_of(version: str) -> str:
    """3.3.6 -> 3.3; 3.5 -> 3.5."""
    return ".".join(version.split("-")[0].split(".")[:2])


@dataclass(frozen=True)
class Engine:
    """What a vLLM release does at start-up that the memory model depends on, each read in
    that release's source (docs/gpu-fit.md, "Engine versions")."""
    since: str              # the first release these hold for
    sampler_bytes: float    # per (request, vocabulary entry) at the dummy sampler's peak; 0: none
    sampler_buffer: bool    # the Triton top-k/top-p kernel keeps an (SMs x vocabulary) fp32 buffer
    graphs_gib: float       # CUDA graph memory: reported (0.11-0.20) or taken from the pool first
    graphs_before_kv: bool  # estimated and taken before the KV cache is sized
    hybrid_tokens: str      # "groups": (blocks // groups) x block size; "requests": concurrency x length
    group_ratio: float      # hybrid layers form one group size when max < ratio x min (0: min)
    encoder_outputs: str    # what the profile keeps of the vision outputs: "budget" or "items"


# vLLM releases by what changed, each read in that release's vllm/ package:
# - < 0.8: the V0 engine profiles no sampler (worker/model_runner.py profile_run).
# - 0.8-0.17: the V1 sampler sorts the vocabulary for top-k/top-p (v1/sample/ops/
#   topk_topp_sampler.py apply_top_k_top_p): fp32 logits, sorted copy and int64 indices,
#   masks, softmax, cumulative sum, probabilities and noise, about 36 bytes an entry.
#   FlashInfer's sampler replaces it only where flashinfer is installed (an optional extra).
#   0.11 keeps each vision output at the encoder budget's size (gpu_model_runner.py
#   profile_run); hybrid groups form at min(attention, state) layers (kv_cache_utils.py).
# - 0.13: hybrid groups of one size when max < 1.25 x min (kv_cache_utils.py).
# - 0.18: Triton top-k/top-p (v1/sample/ops/topk_topp_triton.py) in place on the fp32
#   logits, about 14 bytes an entry plus a buffer of one fp32 row per SM; group ratio 1.5.
# - 0.21: CUDA graph memory is estimated and taken before the KV cache
#   (VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS, default 1 since 0.21: envs.py).
# - 0.24: FlashInfer's sampler by default, then the native one again (gpu_model_runner.py
#   _dummy_sampler_run); hybrid "GPU KV cache size" is concurrency x length.
ENGINES: tuple[Engine, ...] = (
    Engine("0", 0, False, 0.5, False, "groups", 0, "budget"),
    Engine("0.8", 36, False, 0.5, False, "groups", 0, "budget"),
    Engine("0.13", 36, False, 0.5, False, "groups", 1.25, "items"),
    Engine("0.18", 14, True, 1.0, False, "groups", 1.5, "items"),
    Engine("0.21", 14, True, 1.0, True, "groups", 1.5, "items"),
    Engine("0.24", 14, True, 1.0, True, "requests", 1.5, "items"),
)


def version_tuple(version: str) -> tuple[int, ...]:
    """0.24.0+rhaiv.9 -> (0, 24, 0); what cannot be read counts as 0."""
    out = []
    for part in re.split(r"[.+-]", version.lstrip("v"))[:3]:
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        out.append(int(digits.group()))
    return tuple(out) or (0,)


def vllm_release(version: str | None) -> tuple[int, ...]:
    """A vLLM version as numbers; None: the default OpenShift AI release's."""
    return version_tuple(version or RELEASES[DEFAULT_RELEASE].vllm)


def vllm_minor(version: str | None) -> str:
    """0.24.0+rhaiv.9 -> 0.24 (None: the default release's)."""
    return ".".join(map(str, vllm_release(version)[:2]))


def engine(version: str | None) -> Engine:
    """The start-up behaviour of a vLLM version (None: the default release's)."""
    wanted = vllm_release(version)
    return [e for e in ENGINES if version_tuple(e.since) <= wanted][-1]     # "0" <= any version


DEFAULT_RELEASE = "3.0"
_OSE_CLI = "registry.redhat.io/openshift4/ose-cli-rhel9@sha256:"
# Images: the relatedImages of each release's newest bundle in the catalog above
# (rhaiis_vllm_cuda_image / rhaii_vllm_cuda_image, ose_cli_image), by digest: a tag can move.
# vLLM inside: 3.5.0's CSV states it (RELATED_IMAGE_RHAII_VLLM_CUDA_IMAGE_UPSTREAM_VERSION
# "0.24.0+rhaiv.9"); for 3.3 and 3.4 the ServingRuntime template's opendatahub.io/runtime-version
# (rhods-operator@rhoai-3.x, prefetched-manifests/modelcontroller/runtimes/vllm-cuda-template.yaml);
# 3.0.0 ships RHAIIS 3.2.3. Kueue pairing: the operator's e2e tests (rhods-operator@rhoai-3.0
# tests/e2e/kueue_test.go, @rhoai-3.3|3.4|3.5 tests/e2e/helper_test.go) and, for 3.4 and 3.5,
# Red Hat's platform chart (RHOAI-Build-Config@rhoai-3.x helm/rhai-on-openshift-chart/values.yaml).
RELEASES: dict[str, Release] = {
    "3.0": Release(
        "3.0", "fast-3.x", "stable-v1.1",
        "registry.redhat.io/rhaiis/vllm-cuda-rhel9@sha256:ad756c01ec99a99cc7d93401c41b8d92ca96fb1ab7c5262919d818f2be4f3768",
        "0.11", _OSE_CLI + "eaa42ee5a963696339c318b511a330b2b6fc9e1eb173d2d47f9cb757f6eb3da9",
        "RHOAI-Build-Config@rhoai-3.0 (e927780dce), bundle 3.0.0"),
    "3.3": Release(
        "3.3", "stable-3.3", "stable-v1.2",
        "registry.redhat.io/rhaiis/vllm-cuda-rhel9@sha256:e6a64e3e4de7c7f585601379ecea204d2d045bb113331edd4b3799f52b8e92b7",
        "0.13", _OSE_CLI + "9df03d57077c708fd280afc2c768feb732ed6de54a847c5ca2a929cb3b9b3d44",
        "RHOAI-Build-Config@rhoai-3.5 (294d62e743), bundle 3.3.6; rhods-operator@rhoai-3.3 (68bc2c160f)"),
    "3.4": Release(
        "3.4", "stable-3.4", "stable-v1.2",
        "registry.redhat.io/rhaii/vllm-cuda-rhel9@sha256:5800e12b2a465f15961fcf34b645d79ed4f91ec9161eab22b1205d12682183c8",
        "0.18", _OSE_CLI + "9df03d57077c708fd280afc2c768feb732ed6de54a847c5ca2a929cb3b9b3d44",
        "RHOAI-Build-Config@rhoai-3.5 (294d62e743), bundle 3.4.3; rhods-operator@rhoai-3.4 (8dc22631b4)",
        llmisvc_api="v1alpha2"),
    "3.5": Release(
        "3.5", "stable-3.5", "stable-v1.4",
        "registry.redhat.io/rhaii/vllm-cuda-rhel9@sha256:ba060ec145e1b7ac3a3b25b89fc75f7d146746156990ff5858235eaa9d158e32",
        "0.24", _OSE_CLI + "5f836e1e76285bbb4fcd04aa986e6f88a816a1b6db7c9c8e04a6a6ce9e073a44",
        "RHOAI-Build-Config@rhoai-3.5 (294d62e743), bundle 3.5.0", eus=True, llmisvc_api="v1alpha2"),
}
NEWEST_EUS = "3.5"
# A portfolio without a version keeps what it rendered before releases were a choice: 3.0.0.
RHOAI_VERSION = "3.0.0"

# Checkpoints quantised with llm-compressor declare "compressed-tensors" in config.json, and
# vLLM refuses a --quantization that contradicts it. Their publishers and ModelCar image
# names mark them when a model does not state its `format`.
COMPRESSED_TENSORS_SOURCES = ("hf://RedHatAI/", "hf://neuralmagic/", "hf://nm-testing/",
                              "oci://registry.redhat.io/rhelai1/modelcar-")
UNQUANTISED = ("fp32", "bf16", "fp16")

# The NVIDIA driver the ClusterPolicy pins. Driver 580.x (CUDA 13) breaks RHOAI 3.0's vLLM
# image (CUDA 12): "Error 803: system has unsupported display driver / cuda driver
# combination". Red Hat KB 7134740: stay on 570.195.03.
GPU_DRIVER = {"repository": "nvcr.io/nvidia", "image": "driver", "version": "570.195.03"}

# OpenShift -> Kubernetes minor, for the built-in schemas.
KUBERNETES_FOR_OPENSHIFT = {"4.19": "1.32", "4.20": "1.33"}

# RHOAI's applications namespace (DSCInitialization's default): the dashboard lists the
# HardwareProfiles found here for every project.
RHOAI_APPLICATIONS_NAMESPACE = "redhat-ods-applications"

# Hugging Face publishers whose repositories are gated: a download without the token of an
# account that accepted the licence gets 401 (the Llama community licences, Gemma's terms).
GATED_SOURCES = ("hf://meta-llama/", "hf://google/gemma-")


def gated(source: str) -> bool:
    return source.startswith(GATED_SOURCES)
