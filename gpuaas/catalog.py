"""Facts: GPUs, AWS instance types, precisions, vLLM flags, known model architectures.

One table per kind of fact; code looks facts up here and never branches on a model or
instance name. Sources are in ../reference notes of the project (RHOAI 3.0 facts, section 7)
and repeated beside each table.
"""
from __future__ import annotations

from dataclasses import dataclass

GIB = 1024**3
GB = 1000**3


@dataclass(frozen=True)
class GPU:
    memory_gb: float      # nominal, as sold (decimal GB)
    usable_gib: float     # what the driver reports, minus driver/context overhead
    product: str          # value of the node label nvidia.com/gpu.product
    fp8: bool             # native FP8 (compute capability >= 8.9)


# Memory: AWS console (nominal / reported), MLCommons H200 JSON, NVIDIA product pages.
# Product labels: what GPU feature discovery sets on the node (nvidia.com/gpu.product).
GPUS: dict[str, GPU] = {
    "L4": GPU(24, 22.5, "NVIDIA-L4", True),
    "A10G": GPU(24, 22.5, "NVIDIA-A10G", False),
    "L40S": GPU(48, 44.5, "NVIDIA-L40S", True),
    "A100-40GB": GPU(40, 39.4, "NVIDIA-A100-SXM4-40GB", False),
    "A100-80GB": GPU(80, 79.2, "NVIDIA-A100-SXM4-80GB", False),
    "H100": GPU(80, 79.1, "NVIDIA-H100-80GB-HBM3", True),
    "H200": GPU(141, 139.8, "NVIDIA-H200", True),
}


@dataclass(frozen=True)
class Instance:
    gpu: str
    gpus: int
    vcpu: int
    memory_gib: int
    hourly_usd: float     # on-demand Linux, us-east-1 list price


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
}

# Bytes per parameter of the weights. w4a16/int4: 4-bit weights plus group scales;
# mxfp4: 4-bit MoE experts with bf16 attention (gpt-oss: 21B params -> ~13 GB).
PRECISIONS: dict[str, float] = {
    "fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "w8a8": 1.0,
    "w4a16": 0.5625, "int4": 0.5625, "mxfp4": 0.625,
}

HOURS_PER_MONTH = 730
GPU_MEMORY_UTILIZATION = 0.9     # vLLM's --gpu-memory-utilization default


@dataclass(frozen=True)
class Architecture:
    layers: int
    kv_heads: int
    head_dim: int
    context: int        # max_position_embeddings: vLLM's max model length when none is given


# Model architectures for the KV-cache estimate, by Hugging Face repository (config.json).
ARCHITECTURES: dict[str, Architecture] = {
    "mistralai/Mistral-Small-24B-Instruct-2501": Architecture(40, 8, 128, 32_768),
    "mistralai/Devstral-Small-2505": Architecture(40, 8, 128, 131_072),
    "RedHatAI/granite-3.1-8b-instruct-FP8-dynamic": Architecture(40, 8, 128, 131_072),
    "ibm-granite/granite-3.1-8b-instruct": Architecture(40, 8, 128, 131_072),
    "openai/gpt-oss-20b": Architecture(24, 8, 64, 131_072),
}

# OLM packages: (package, catalog source, namespace, OperatorGroup targets own namespace?).
# RHOAI 3.0 facts, section 3.
@dataclass(frozen=True)
class Operator:
    package: str
    source: str
    namespace: str
    own_namespace: bool
    monitoring: bool = False


OPERATORS: dict[str, Operator] = {
    "rhoai": Operator("rhods-operator", "redhat-operators", "redhat-ods-operator", False),
    "certManager": Operator("openshift-cert-manager-operator", "redhat-operators",
                            "cert-manager-operator", False),
    "kueue": Operator("kueue-operator", "redhat-operators", "openshift-kueue-operator", False,
                      monitoring=True),
    "nfd": Operator("nfd", "redhat-operators", "openshift-nfd", True),
    "nvidiaGpu": Operator("gpu-operator-certified", "certified-operators",
                          "nvidia-gpu-operator", True, monitoring=True),
}

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
